//! Sessions as read back on each request: a team member's in the console, an end user's in
//! their portal.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::actor::Actor;
use crate::end_user::EndUser;
use crate::team::TeamMember;

/// An end user's session in their portal.
#[derive(Debug, Clone)]
pub struct PortalSession {
    pub customer_id: Uuid,
    pub sso_config_id: Uuid,
    pub csrf_token: String,
    /// Sealed id_token, the hint for the IdP's logout.
    pub id_token: Option<String>,
    pub end_user: EndUser,
}

impl PortalSession {
    /// The signed-in end user, as the actor of what they do in their portal.
    pub fn actor(&self) -> Actor {
        Actor::end_user(&self.end_user)
    }
}

#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub csrf_token: String,
    /// When the member signed in (with every step) to make this session.
    pub signed_in_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub member: TeamMember,
    /// Whether the member's second step is on, and whether the MSP requires it: read with the
    /// session, so a change takes effect on the next request.
    pub mfa_on: bool,
    pub mfa_required: bool,
}
