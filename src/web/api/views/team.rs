//! Team members on the wire.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::mirrored_enum;
use crate::domain::team::{Role, TeamMember, TeamMemberDraft};

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
}

impl From<TeamMember> for TeamMemberView {
    fn from(member: TeamMember) -> Self {
        let TeamMember { id, email, name, role, active, created_at } = member;
        Self { id, email: email.to_string(), name, role: role.into(), active, created_at }
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
