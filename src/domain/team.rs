//! Team members: the MSP's technicians, managers and admins.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::email::EmailAddress;
use super::text;
use super::validation::{FieldError, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including settings.
    Admin,
    /// Tickets and knowledge base; reads settings.
    Technician,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Technician => "technician",
        }
    }

    pub fn may_change_settings(self) -> bool {
        self == Self::Admin
    }
}

impl FromStr for Role {
    type Err = FieldError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim() {
            "admin" => Ok(Self::Admin),
            "technician" => Ok(Self::Technician),
            _ => Err(FieldError::new("role", "must be 'admin' or 'technician'")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamMember {
    pub id: Uuid,
    #[schema(value_type = String, format = "email")]
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

pub const NAME_MAX: usize = 120;

/// A validated new team member (the password is handled apart: it is never part of the domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeamMember {
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
}

impl NewTeamMember {
    pub fn parse(email: &str, name: &str, role: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let email = errors.check(EmailAddress::parse("email", email));
        let name = errors.check(text::bounded("name", name, 1, NAME_MAX, false));
        let role = errors.check(role.parse());
        errors.into_result()?;
        Ok(Self {
            email: email.expect("checked"),
            name: name.expect("checked"),
            role: role.expect("checked"),
        })
    }
}

/// A team member as a caller sends it. On create `email`, `name` and `role` are required; on
/// update every absent field stays as it is.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberDraft {
    /// Create only: the address the member signs in with.
    pub email: Option<String>,
    pub name: Option<String>,
    /// `admin` (everything, including settings) or `technician` (tickets, knowledge base, read settings).
    pub role: Option<String>,
    /// Update only: `false` deactivates (console sessions end, sign-in and API tokens stop working),
    /// `true` reactivates.
    pub active: Option<bool>,
}

/// Validated changes to a team member; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamMemberChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

impl TeamMemberDraft {
    pub fn into_new(self) -> Result<NewTeamMember, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.active.is_some() {
            errors.push(FieldError::new("active", "can only be set on an existing team member"));
        }
        let required = |value: Option<String>| value.unwrap_or_default();
        match NewTeamMember::parse(&required(self.email), &required(self.name), &required(self.role)) {
            Ok(new) if errors.is_empty() => Ok(new),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    pub fn into_changes(self) -> Result<TeamMemberChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.email.is_some() {
            errors.push(FieldError::new(
                "email",
                "cannot be changed: it is how the member signs in and what the audit log names",
            ));
        }
        let name = self.name.and_then(|raw| errors.check(text::bounded("name", &raw, 1, NAME_MAX, false)));
        let role = self.role.and_then(|raw| errors.check(raw.parse::<Role>()));
        errors.into_result()?;
        Ok(TeamMemberChanges { name, role, active: self.active })
    }
}

impl TeamMemberChanges {
    /// Whether the change could leave the member without admin rights.
    pub fn takes_away_admin(&self) -> bool {
        self.role == Some(Role::Technician) || self.active == Some(false)
    }

    /// Refuses what nobody may do to their own account: lock themselves out or change their rights.
    pub fn check_not_own(
        &self,
        member_id: Uuid,
        acting_member: Option<Uuid>,
    ) -> Result<(), ValidationErrors> {
        if acting_member != Some(member_id) {
            return Ok(());
        }
        let mut errors = ValidationErrors::new();
        if self.role.is_some() {
            errors.push(FieldError::new("role", "you cannot change your own role: ask another admin"));
        }
        if self.active == Some(false) {
            errors.push(FieldError::new("active", "you cannot deactivate yourself: ask another admin"));
        }
        errors.into_result()
    }

    /// What changed, for the audit log.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(name) = &self.name {
            parts.push(format!("renamed to {name}"));
        }
        if let Some(role) = self.role {
            parts.push(format!("role {role}"));
        }
        match self.active {
            Some(true) => parts.push("activated".to_string()),
            Some(false) => parts.push("deactivated".to_string()),
            None => {}
        }
        if parts.is_empty() { "no change".to_string() } else { parts.join(", ") }
    }
}

/// Shortest password the console and CLI accept.
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 1024;

pub fn check_password(raw: &str) -> Result<(), FieldError> {
    let length = raw.chars().count();
    if length < PASSWORD_MIN {
        return Err(FieldError::new("password", format!("must be at least {PASSWORD_MIN} characters")));
    }
    if length > PASSWORD_MAX {
        return Err(FieldError::new("password", format!("must be at most {PASSWORD_MAX} characters")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_team_member_reports_every_bad_field_at_once() {
        let errors = NewTeamMember::parse("nope", "", "owner").unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "name", "role"]);
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
        assert_eq!(" technician ".parse::<Role>().unwrap(), Role::Technician);
        assert!("Admin!".parse::<Role>().is_err());
        assert!(Role::Admin.may_change_settings());
        assert!(!Role::Technician.may_change_settings());
    }

    #[test]
    fn a_draft_creates_or_changes_with_every_problem_named() {
        let draft = TeamMemberDraft { active: Some(true), role: Some("owner".into()), ..Default::default() };
        let errors = draft.into_new().unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["active", "email", "name", "role"]);

        let draft = TeamMemberDraft {
            email: Some("a@b.example".into()),
            name: Some("".into()),
            ..Default::default()
        };
        let errors = draft.into_changes().unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "name"]);

        let draft =
            TeamMemberDraft { role: Some("technician".into()), active: Some(false), ..Default::default() };
        let changes = draft.into_changes().unwrap();
        assert!(changes.takes_away_admin());
        assert_eq!(changes.summary(), "role technician, deactivated");
    }

    #[test]
    fn nobody_changes_their_own_rights() {
        let me = Uuid::now_v7();
        let demote = TeamMemberChanges { role: Some(Role::Technician), ..Default::default() };
        assert!(demote.check_not_own(me, Some(me)).is_err());
        assert!(demote.check_not_own(me, Some(Uuid::now_v7())).is_ok());
        assert!(demote.check_not_own(me, None).is_ok(), "the command line acts for nobody");
        let leave = TeamMemberChanges { active: Some(false), ..Default::default() };
        assert!(leave.check_not_own(me, Some(me)).is_err());
        let rename = TeamMemberChanges { name: Some("New Name".into()), ..Default::default() };
        assert!(rename.check_not_own(me, Some(me)).is_ok());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough pass").is_ok());
    }
}
