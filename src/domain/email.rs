//! E-mail addresses as people type them, checked for shape and stored case-folded.

use std::fmt;

use serde::Serialize;

use super::validation::{FieldError, label};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Accepts `local@domain.tld` with no spaces; folds case so lookups are exact.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_lowercase();
        let invalid = |why: &str| Err(FieldError::new(field, format!("{} {why}.", label(field))));
        if value.is_empty() {
            return invalid("must not be empty");
        }
        if value.len() > 254 {
            return invalid("must be at most 254 characters");
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return invalid("must be an e-mail address like name@example.com");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with(['.', '-'])
            && !domain.ends_with(['.', '-'])
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"".contains(c));
        if !domain_ok || !local_ok {
            return invalid("must be an e-mail address like name@example.com");
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }

    /// Rebuilds a value that was validated before it was stored.
    pub fn from_trusted(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_trimmed_and_case_folded() {
        let email = EmailAddress::parse("email", "  Ada@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada@example.com");
        assert_eq!(email.domain(), "example.com");
    }

    #[test]
    fn malformed_addresses_are_rejected_naming_the_field() {
        for raw in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@exa mple.com",
            "ada@.example.com",
            "ada@example..com",
            "<ada>@example.com",
        ] {
            let error = EmailAddress::parse("contact_email", raw).unwrap_err();
            assert_eq!(error.field, "contact_email", "{raw}");
        }
    }
}
