//! Team members: the MSP's technicians, managers and admins.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::email::EmailAddress;
use super::text;
use super::validation::{FieldError, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
            _ => Err(FieldError::new("role", "Role must be admin or technician.")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamMember {
    pub id: Uuid,
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
            email: ValidationErrors::checked(email, "email")?,
            name: ValidationErrors::checked(name, "name")?,
            role: ValidationErrors::checked(role, "role")?,
        })
    }
}

/// A team member as a caller sends it. On create `email`, `name` and `role` are required; on
/// update every absent field stays as it is.
#[derive(Debug, Clone, Default, Deserialize)]
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
            errors.push(FieldError::new("active", "Active can only be set on an existing team member."));
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
            errors.push(FieldError::new("role", "You cannot change your own role: ask another admin."));
        }
        if self.active == Some(false) {
            errors.push(FieldError::new("active", "You cannot deactivate yourself: ask another admin."));
        }
        errors.into_result()
    }

    /// The API names of the fields that change, for event payloads.
    pub fn changed_fields(&self) -> Vec<&'static str> {
        [(self.name.is_some(), "name"), (self.role.is_some(), "role"), (self.active.is_some(), "active")]
            .into_iter()
            .filter(|(changed, _)| *changed)
            .map(|(_, field)| field)
            .collect()
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

impl TeamMember {
    pub fn is_active_admin(&self) -> bool {
        self.active && self.role == Role::Admin
    }
}

/// Refused: the change would leave Portico without an active admin, so nobody could manage it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Portico needs at least one active admin.")]
pub struct LastAdmin {
    /// The field whose change is refused: `active` for a deactivation, `role` otherwise.
    pub field: &'static str,
}

impl LastAdmin {
    pub const MESSAGE: &'static str = "Portico needs at least one active admin.";
}

/// Decides whether `changes` to a member who `was_active_admin` may stand, given how many
/// active admins there are once they apply.
pub fn check_an_admin_remains(
    was_active_admin: bool,
    changes: &TeamMemberChanges,
    active_admins_after: i64,
) -> Result<(), LastAdmin> {
    if was_active_admin && changes.takes_away_admin() && active_admins_after < 1 {
        let field = if changes.active == Some(false) { "active" } else { "role" };
        return Err(LastAdmin { field });
    }
    Ok(())
}

pub const TOKEN_LABEL_MAX: usize = 80;

/// What an API token is for, as people name it ("automation", "monitoring").
pub fn api_token_label(raw: &str) -> Result<String, FieldError> {
    text::bounded("name", raw, 1, TOKEN_LABEL_MAX, false)
}

/// Shortest password the console and CLI accept.
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 1024;

pub fn check_password(raw: &str) -> Result<(), FieldError> {
    let length = raw.chars().count();
    if length < PASSWORD_MIN {
        return Err(FieldError::new(
            "password",
            format!("The password must be at least {PASSWORD_MIN} characters."),
        ));
    }
    if length > PASSWORD_MAX {
        return Err(FieldError::new(
            "password",
            format!("The password must be at most {PASSWORD_MAX} characters."),
        ));
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
            name: Some(String::new()),
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
    fn the_last_active_admin_is_never_demoted_or_deactivated() {
        let demote = TeamMemberChanges { role: Some(Role::Technician), ..Default::default() };
        let leave = TeamMemberChanges { active: Some(false), ..Default::default() };
        let rename = TeamMemberChanges { name: Some("New".into()), ..Default::default() };
        assert_eq!(check_an_admin_remains(true, &demote, 0), Err(LastAdmin { field: "role" }));
        assert_eq!(check_an_admin_remains(true, &leave, 0), Err(LastAdmin { field: "active" }));
        assert_eq!(check_an_admin_remains(true, &demote, 1), Ok(()), "another admin remains");
        assert_eq!(check_an_admin_remains(false, &leave, 0), Ok(()), "was no admin: nothing lost");
        assert_eq!(check_an_admin_remains(true, &rename, 0), Ok(()), "a rename takes nothing away");
        assert!(LastAdmin { field: "role" }.to_string().contains(LastAdmin::MESSAGE));
    }

    #[test]
    fn changes_name_their_fields() {
        let changes = TeamMemberChanges { role: Some(Role::Admin), active: Some(true), ..Default::default() };
        assert_eq!(changes.changed_fields(), ["role", "active"]);
    }

    #[test]
    fn token_labels_are_named_text_of_bounded_length() {
        assert_eq!(api_token_label(" automation ").unwrap(), "automation");
        assert_eq!(api_token_label("").unwrap_err().field, "name");
        assert!(api_token_label(&"x".repeat(TOKEN_LABEL_MAX + 1)).is_err());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough pass").is_ok());
    }
}
