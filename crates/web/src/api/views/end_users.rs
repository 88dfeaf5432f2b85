//! End users on the wire.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::mirrored_enum;
use portico_domain::end_user::{CustomerRole, EndUser, EndUserDraft, RoleSource};

mirrored_enum!(
    /// `member`: their own tickets and those shared with them; `manager`: every ticket of their customer.
    #[serde(rename_all = "lowercase")]
    EndUserRoleView as EndUserRole from CustomerRole { Member, Manager }
);
mirrored_enum!(
    /// Who set the role: the MSP's `team` (console, API, import), or the customer's `idp` (its groups claim at the last sign-in).
    #[serde(rename_all = "lowercase")]
    RoleSourceView as EndUserRoleSource from RoleSource { Team, Idp }
);

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = EndUser)]
pub struct EndUserView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    #[schema(format = "email")]
    pub email: String,
    pub active: bool,
    pub role: EndUserRoleView,
    pub role_source: RoleSourceView,
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_sign_in_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sign_in_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<EndUser> for EndUserView {
    fn from(user: EndUser) -> Self {
        let EndUser {
            id,
            customer_id,
            name,
            email,
            active,
            role,
            role_source,
            first_sign_in_at,
            last_sign_in_at,
            created_at,
            updated_at,
        } = user;
        Self {
            id,
            customer_id,
            name,
            email: email.to_string(),
            active,
            role: role.into(),
            role_source: role_source.into(),
            first_sign_in_at,
            last_sign_in_at,
            created_at,
            updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "EndUserDraft", deny_unknown_fields)]
#[schema(as = EndUserDraft)]
pub struct EndUserDraftBody {
    pub name: Option<String>,
    pub email: Option<String>,
    pub active: Option<bool>,
    /// `member` (the default) or `manager`. Setting it makes the team the role's source: the
    /// identity provider's groups set it again at the next sign-in when the configuration maps them.
    #[schema(example = "manager")]
    pub role: Option<String>,
}

impl From<EndUserDraftBody> for EndUserDraft {
    fn from(body: EndUserDraftBody) -> Self {
        let EndUserDraftBody { name, email, active, role } = body;
        Self { name, email, active, role }
    }
}
