//! End users on the wire.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::end_user::{EndUser, EndUserDraft};

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = EndUser)]
pub struct EndUserView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    #[schema(format = "email")]
    pub email: String,
    pub active: bool,
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
}

impl From<EndUserDraftBody> for EndUserDraft {
    fn from(body: EndUserDraftBody) -> Self {
        let EndUserDraftBody { name, email, active } = body;
        Self { name, email, active }
    }
}
