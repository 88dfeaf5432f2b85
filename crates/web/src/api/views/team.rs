//! Team members on the wire.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::mirrored_enum;
use portico_domain::team::{Role, TeamMember, TeamMemberDraft};

mirrored_enum!(#[serde(rename_all = "lowercase")] RoleView as Role from Role { Admin, Technician });

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TeamMember)]
pub struct TeamMemberView {
    pub id: Uuid,
    #[schema(format = "email")]
    pub email: String,
    pub name: String,
    pub role: RoleView,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Whether the member signs in to the console with a second step (an authenticator app).
    pub mfa_enabled: bool,
}

impl TeamMemberView {
    pub fn new(member: TeamMember, mfa_enabled: bool) -> Self {
        let TeamMember { id, email, name, role, active, created_at } = member;
        Self { id, email: email.to_string(), name, role: role.into(), active, created_at, mfa_enabled }
    }
}

/// A team member as a caller sends it. On create `email`, `name` and `role` are required; on
/// update every absent field stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "TeamMemberDraft", deny_unknown_fields)]
#[schema(as = TeamMemberDraft)]
pub struct TeamMemberDraftBody {
    /// Create only: the address the member signs in with.
    pub email: Option<String>,
    pub name: Option<String>,
    /// `admin` (everything, including settings) or `technician` (tickets, knowledge base, read settings).
    pub role: Option<String>,
    /// Update only: `false` deactivates (console sessions end, sign-in and API tokens stop working),
    /// `true` reactivates.
    pub active: Option<bool>,
}

impl From<TeamMemberDraftBody> for TeamMemberDraft {
    fn from(body: TeamMemberDraftBody) -> Self {
        let TeamMemberDraftBody { email, name, role, active } = body;
        Self { email, name, role, active }
    }
}

/// An API token as its owner and admins see it: never the token itself.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApiToken)]
pub struct ApiTokenView {
    pub id: Uuid,
    pub label: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The last use, recorded at most once a minute per token.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// The client address of that use.
    pub last_used_ip: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl From<portico_domain::api_token::ApiTokenInfo> for ApiTokenView {
    fn from(token: portico_domain::api_token::ApiTokenInfo) -> Self {
        Self {
            id: token.id,
            label: token.label,
            created_at: token.created_at,
            last_used_at: token.last_used_at,
            last_used_ip: token.last_used_ip,
            revoked_at: token.revoked_at,
        }
    }
}

/// The console's security settings.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ConsoleSettings)]
pub struct ConsoleSettingsView {
    /// Every team member must use two-step sign-in in the console; members without it are sent
    /// to set it up. API tokens are not affected.
    pub mfa_required: bool,
}

/// A change to the console's security settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "ConsoleSettingsChange", deny_unknown_fields)]
#[schema(as = ConsoleSettingsChange)]
pub struct ConsoleSettingsBody {
    pub mfa_required: bool,
}
