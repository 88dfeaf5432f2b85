//! Who made a change: recorded with every audited write.

use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    TeamMember,
    ApiToken,
    /// A customer's end user, acting in their portal.
    EndUser,
    Cli,
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TeamMember => "team_member",
            Self::ApiToken => "api_token",
            Self::EndUser => "end_user",
            Self::Cli => "cli",
            Self::System => "system",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    /// The team member acting (also for API tokens, which act for their owner), or the end user.
    pub id: Option<Uuid>,
    pub name: String,
}

impl Actor {
    pub fn team_member(id: Uuid, name: &str) -> Self {
        Self { kind: ActorKind::TeamMember, id: Some(id), name: name.to_string() }
    }

    pub fn api_token(member_id: Uuid, member_name: &str) -> Self {
        Self { kind: ActorKind::ApiToken, id: Some(member_id), name: member_name.to_string() }
    }

    pub fn end_user(id: Uuid, name: &str) -> Self {
        Self { kind: ActorKind::EndUser, id: Some(id), name: name.to_string() }
    }

    pub fn is_end_user(&self) -> bool {
        self.kind == ActorKind::EndUser
    }

    pub fn cli() -> Self {
        Self { kind: ActorKind::Cli, id: None, name: "command line".to_string() }
    }

    pub fn system() -> Self {
        Self { kind: ActorKind::System, id: None, name: "Portico".to_string() }
    }
}
