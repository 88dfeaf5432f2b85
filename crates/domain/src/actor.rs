//! Who makes a change, and what they may do: every use case takes an actor and asks it.

use uuid::Uuid;

use super::end_user::{CustomerRole, EndUser};
use super::team::Role;

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
    /// The team member's role; `None` for end users, the command line and Portico itself.
    pub role: Option<Role>,
    /// The customer an end user belongs to: everything they do stays inside it.
    pub customer_id: Option<Uuid>,
    /// An end user's role in that customer.
    pub customer_role: Option<CustomerRole>,
}

/// What an actor may be refused, with the sentence people see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{}", self.message())]
    NotAdmin,
    #[error("{}", self.message())]
    NotTeam,
    #[error("{}", self.message())]
    NotSharer,
    #[error("{}", self.message())]
    NotManager,
}

impl Refused {
    pub fn message(self) -> &'static str {
        match self {
            Self::NotAdmin => "Only admins may change settings; technicians have read access.",
            Self::NotTeam => "Only the MSP's team may do this.",
            Self::NotSharer => {
                "Only the person who asked, or a manager of your organisation, may share this ticket."
            }
            Self::NotManager => "Only a manager of your organisation may do this.",
        }
    }
}

impl Actor {
    pub fn team_member(id: Uuid, name: &str, role: Role) -> Self {
        Self {
            kind: ActorKind::TeamMember,
            id: Some(id),
            name: name.to_string(),
            role: Some(role),
            customer_id: None,
            customer_role: None,
        }
    }

    pub fn api_token(member_id: Uuid, member_name: &str, role: Role) -> Self {
        let name = member_name.to_string();
        Self {
            kind: ActorKind::ApiToken,
            id: Some(member_id),
            name,
            role: Some(role),
            customer_id: None,
            customer_role: None,
        }
    }

    /// An end user acting as they are now (their role read with them, never remembered).
    pub fn end_user(user: &EndUser) -> Self {
        Self {
            kind: ActorKind::EndUser,
            id: Some(user.id),
            name: user.name.clone(),
            role: None,
            customer_id: Some(user.customer_id),
            customer_role: Some(user.role),
        }
    }

    pub fn cli() -> Self {
        Self {
            kind: ActorKind::Cli,
            id: None,
            name: "command line".to_string(),
            role: None,
            customer_id: None,
            customer_role: None,
        }
    }

    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            id: None,
            name: "Portico".to_string(),
            role: None,
            customer_id: None,
            customer_role: None,
        }
    }

    pub fn is_end_user(&self) -> bool {
        self.kind == ActorKind::EndUser
    }

    /// The end user and their customer, when an end user acts.
    pub fn as_end_user(&self) -> Option<(Uuid, Uuid)> {
        match (self.kind, self.id, self.customer_id) {
            (ActorKind::EndUser, Some(id), Some(customer_id)) => Some((id, customer_id)),
            _ => None,
        }
    }

    /// The end user, when a manager of their customer acts.
    pub fn as_manager(&self) -> Option<(Uuid, Uuid)> {
        self.as_end_user().filter(|_| self.customer_role == Some(CustomerRole::Manager))
    }

    /// A manager of their customer, acting in the portal.
    pub fn require_manager(&self) -> Result<(Uuid, Uuid), Refused> {
        self.as_manager().ok_or(Refused::NotManager)
    }

    /// Whoever runs the server (its command line, Portico itself) is trusted like an admin.
    fn is_operator(&self) -> bool {
        matches!(self.kind, ActorKind::Cli | ActorKind::System)
    }

    /// Settings (customers, groups, portals, SSO, team) change only for admins.
    pub fn may_change_settings(&self) -> bool {
        self.is_operator() || self.role.is_some_and(Role::may_change_settings)
    }

    pub fn require_admin(&self) -> Result<(), Refused> {
        if self.may_change_settings() { Ok(()) } else { Err(Refused::NotAdmin) }
    }

    /// Tickets and the knowledge base are worked by every team member.
    pub fn require_team(&self) -> Result<(), Refused> {
        if self.is_operator() || self.role.is_some() { Ok(()) } else { Err(Refused::NotTeam) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::EmailAddress;

    fn end_user(id: Uuid, role: CustomerRole) -> Actor {
        let now = time::OffsetDateTime::now_utc();
        Actor::end_user(&EndUser {
            id,
            customer_id: id,
            name: "Eve".into(),
            email: EmailAddress::from_trusted("eve@x.example".into()),
            active: true,
            role,
            role_source: Default::default(),
            first_sign_in_at: None,
            last_sign_in_at: None,
            created_at: now,
            updated_at: now,
        })
    }

    #[test]
    fn only_an_end_user_with_the_manager_role_acts_as_manager() {
        let id = Uuid::now_v7();
        assert_eq!(end_user(id, CustomerRole::Manager).as_manager(), Some((id, id)));
        assert_eq!(end_user(id, CustomerRole::Member).as_manager(), None);
        assert_eq!(Actor::team_member(id, "Ada", Role::Admin).as_manager(), None);
    }

    #[test]
    fn only_admins_and_operators_change_settings() {
        let id = Uuid::now_v7();
        assert!(Actor::team_member(id, "Ada", Role::Admin).require_admin().is_ok());
        assert!(Actor::api_token(id, "Ada", Role::Admin).require_admin().is_ok());
        assert_eq!(Actor::team_member(id, "Tim", Role::Technician).require_admin(), Err(Refused::NotAdmin));
        assert_eq!(end_user(id, CustomerRole::Member).require_admin(), Err(Refused::NotAdmin));
        assert!(Actor::cli().require_admin().is_ok());
        assert!(Actor::system().require_admin().is_ok());
    }

    #[test]
    fn end_users_are_not_the_team() {
        let id = Uuid::now_v7();
        assert!(Actor::team_member(id, "Tim", Role::Technician).require_team().is_ok());
        assert_eq!(end_user(id, CustomerRole::Member).require_team(), Err(Refused::NotTeam));
    }
}
