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
    fn short_passwords_are_refused() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough pass").is_ok());
    }
}
