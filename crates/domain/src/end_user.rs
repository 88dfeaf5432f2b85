//! End users: a customer's staff, who use the customer's portal.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::email::EmailAddress;
use super::text;
use super::validation::{FieldError, ValidationErrors};

pub const NAME_MAX: usize = 120;

/// What an end user may see of their customer's tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CustomerRole {
    /// Their own tickets and those shared with them.
    #[default]
    Member,
    /// Every ticket of their customer, and the customer's people.
    Manager,
}

impl CustomerRole {
    pub const ALL: &'static [Self] = &[Self::Member, Self::Manager];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "member" => Ok(Self::Member),
            "manager" => Ok(Self::Manager),
            _ => Err(FieldError::new("role", "Role must be 'member' or 'manager'.")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Manager => "manager",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Member => "Member",
            Self::Manager => "Manager",
        }
    }
}

/// Who set an end user's role: the MSP's team (console, API, import; also the default), or the
/// customer's identity provider through a configuration's manager groups, at each sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RoleSource {
    #[default]
    Team,
    Idp,
}

impl RoleSource {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "team" => Some(Self::Team),
            "idp" => Some(Self::Idp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Team => "team",
            Self::Idp => "idp",
        }
    }

    /// How the console explains it.
    pub fn explained(self) -> &'static str {
        match self {
            Self::Team => "Set by the MSP's team",
            Self::Idp => "From the identity provider's groups at the last sign-in",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EndUser {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub email: EmailAddress,
    pub active: bool,
    pub role: CustomerRole,
    pub role_source: RoleSource,
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_sign_in_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sign_in_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndUserDraft {
    pub name: Option<String>,
    pub email: Option<String>,
    pub active: Option<bool>,
    /// `member` or `manager`.
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndUser {
    pub name: String,
    pub email: EmailAddress,
    pub active: bool,
    pub role: CustomerRole,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndUserChanges {
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub active: Option<bool>,
    /// A role set this way is the team's: [`RoleSource::Team`].
    pub role: Option<CustomerRole>,
}

impl EndUserChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The API names of the fields that change, for event payloads.
    pub fn changed_fields(&self) -> Vec<&'static str> {
        [
            (self.name.is_some(), "name"),
            (self.email.is_some(), "email"),
            (self.active.is_some(), "active"),
            (self.role.is_some(), "role"),
        ]
        .into_iter()
        .filter(|(changed, _)| *changed)
        .map(|(_, field)| field)
        .collect()
    }

    pub fn summary(&self) -> String {
        let others = self.name.is_some() || self.email.is_some();
        match (self.active, self.role, others) {
            (Some(false), None, false) => "deactivated".into(),
            (Some(true), None, false) => "activated".into(),
            (None, Some(role), false) => format!("made {}", role.as_str()),
            _ => {
                let mut fields = Vec::new();
                if self.name.is_some() {
                    fields.push("name");
                }
                if self.email.is_some() {
                    fields.push("e-mail");
                }
                if self.active.is_some() {
                    fields.push("active");
                }
                if self.role.is_some() {
                    fields.push("role");
                }
                format!("changed {}", fields.join(", "))
            }
        }
    }
}

fn required<T>(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Option<T> {
    match raw {
        Some(raw) => errors.check(parse(raw)),
        None => {
            errors.push(FieldError::new(field, format!("{} is required.", super::validation::label(field))));
            None
        }
    }
}

impl EndUserDraft {
    pub fn into_new(self) -> Result<NewEndUser, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = required(&mut errors, "name", self.name.as_deref(), |raw| {
            text::person_name("name", raw, NAME_MAX)
        });
        let email =
            required(&mut errors, "email", self.email.as_deref(), |raw| EmailAddress::parse("email", raw));
        let role = self.role.as_deref().map(|raw| errors.check(CustomerRole::parse(raw)));
        errors.into_result()?;
        Ok(NewEndUser {
            name: ValidationErrors::checked(name, "name")?,
            email: ValidationErrors::checked(email, "email")?,
            active: self.active.unwrap_or(true),
            role: role.flatten().unwrap_or_default(),
        })
    }

    pub fn into_changes(self) -> Result<EndUserChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name =
            self.name.as_deref().and_then(|raw| errors.check(text::person_name("name", raw, NAME_MAX)));
        let email = self.email.as_deref().and_then(|raw| errors.check(EmailAddress::parse("email", raw)));
        let role = self.role.as_deref().and_then(|raw| errors.check(CustomerRole::parse(raw)));
        errors.into_result()?;
        Ok(EndUserChanges { name, email, active: self.active, role })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_cannot_carry_a_link() {
        for name in ["Claim your bonus at https://evil.example", "see www.evil.example", "http:evil"] {
            let draft = EndUserDraft {
                name: Some(name.into()),
                email: Some("a@acme.example".into()),
                ..Default::default()
            };
            let errors = draft.into_new().unwrap_err();
            assert_eq!(errors.message_for("name"), Some("Name must be a name, not a web address."), "{name}");
        }
    }

    #[test]
    fn a_new_end_user_needs_a_name_and_an_email() {
        let errors = EndUserDraft::default().into_new().unwrap_err();
        assert_eq!(errors.message_for("name"), Some("Name is required."));
        assert_eq!(errors.message_for("email"), Some("E-mail is required."));
    }

    #[test]
    fn new_end_users_are_active_unless_told_otherwise() {
        let draft = EndUserDraft {
            name: Some("Ada".into()),
            email: Some("ada@x.example".into()),
            ..Default::default()
        };
        let new = draft.into_new().unwrap();
        assert!(new.active);
        assert_eq!(new.role, CustomerRole::Member);
    }

    #[test]
    fn a_role_is_member_or_manager_and_its_change_is_summarised() {
        let bad =
            EndUserDraft { role: Some("admin".into()), ..Default::default() }.into_changes().unwrap_err();
        assert_eq!(bad.message_for("role"), Some("Role must be 'member' or 'manager'."));
        let changes =
            EndUserDraft { role: Some("manager".into()), ..Default::default() }.into_changes().unwrap();
        assert_eq!(changes.role, Some(CustomerRole::Manager));
        assert_eq!(changes.summary(), "made manager");
        assert_eq!(changes.changed_fields(), ["role"]);
    }

    #[test]
    fn deactivation_is_summarised_plainly() {
        let changes = EndUserDraft { active: Some(false), ..Default::default() }.into_changes().unwrap();
        assert_eq!(changes.summary(), "deactivated");
        assert_eq!(changes.changed_fields(), ["active"]);
        assert!(!changes.is_empty());
        assert!(EndUserDraft::default().into_changes().unwrap().is_empty());
    }
}
