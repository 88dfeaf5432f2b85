//! End users: a customer's staff, who use the customer's portal.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::email::EmailAddress;
use super::text;
use super::validation::{FieldError, ValidationErrors};

pub const NAME_MAX: usize = 120;

#[derive(Debug, Clone, Serialize)]
pub struct EndUser {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub email: EmailAddress,
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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndUserDraft {
    pub name: Option<String>,
    pub email: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndUser {
    pub name: String,
    pub email: EmailAddress,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndUserChanges {
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub active: Option<bool>,
}

impl EndUserChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The API names of the fields that change, for event payloads.
    pub fn changed_fields(&self) -> Vec<&'static str> {
        [(self.name.is_some(), "name"), (self.email.is_some(), "email"), (self.active.is_some(), "active")]
            .into_iter()
            .filter(|(changed, _)| *changed)
            .map(|(_, field)| field)
            .collect()
    }

    pub fn summary(&self) -> String {
        match (self.active, self.name.is_some() || self.email.is_some()) {
            (Some(false), false) => "deactivated".into(),
            (Some(true), false) => "activated".into(),
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
            errors.push(FieldError::new(field, "is required"));
            None
        }
    }
}

impl EndUserDraft {
    pub fn into_new(self) -> Result<NewEndUser, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = required(&mut errors, "name", self.name.as_deref(), |raw| {
            text::bounded("name", raw, 1, NAME_MAX, false)
        });
        let email =
            required(&mut errors, "email", self.email.as_deref(), |raw| EmailAddress::parse("email", raw));
        errors.into_result()?;
        Ok(NewEndUser {
            name: name.expect("checked"),
            email: email.expect("checked"),
            active: self.active.unwrap_or(true),
        })
    }

    pub fn into_changes(self) -> Result<EndUserChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name =
            self.name.as_deref().and_then(|raw| errors.check(text::bounded("name", raw, 1, NAME_MAX, false)));
        let email = self.email.as_deref().and_then(|raw| errors.check(EmailAddress::parse("email", raw)));
        errors.into_result()?;
        Ok(EndUserChanges { name, email, active: self.active })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_end_user_needs_a_name_and_an_email() {
        let errors = EndUserDraft::default().into_new().unwrap_err();
        assert_eq!(errors.message_for("name"), Some("is required"));
        assert_eq!(errors.message_for("email"), Some("is required"));
    }

    #[test]
    fn new_end_users_are_active_unless_told_otherwise() {
        let draft =
            EndUserDraft { name: Some("Ada".into()), email: Some("ada@x.example".into()), active: None };
        assert!(draft.into_new().unwrap().active);
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
