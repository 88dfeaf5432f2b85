//! E-mail addresses as people type them, checked for shape and stored case-folded.

use std::fmt;

use serde::Serialize;

use super::validation::{FieldError, label};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Accepts `local@domain.tld` with no spaces; folds ASCII case so lookups are exact. Only
    /// ASCII: Unicode folding maps other letters onto ASCII ones (the Kelvin sign onto `k`), so
    /// two different mailboxes would compare equal.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_ascii_lowercase();
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

/// How many domains a list of e-mail domains may hold.
pub const DOMAINS_MAX: usize = 50;

/// A list of e-mail domains (`acme.example`, a leading `@` forgiven), lower-cased, without
/// repeats. `title` names the list in messages ("Allowed e-mail domains").
pub fn domain_list(field: &str, title: &str, raw: &[String]) -> Result<Vec<String>, FieldError> {
    let mut domains = Vec::new();
    for entry in raw.iter().map(|d| d.trim().trim_start_matches('@')).filter(|d| !d.is_empty()) {
        let domain = entry.to_ascii_lowercase();
        let valid = domain.len() <= 253
            && domain.contains('.')
            && domain.split('.').all(|part| {
                !part.is_empty()
                    && part.len() <= 63
                    && !part.starts_with('-')
                    && !part.ends_with('-')
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !valid {
            let shown: String = entry.chars().take(80).collect();
            return Err(FieldError::new(
                field,
                format!("{title}: '{shown}' is not a domain like acme.example."),
            ));
        }
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    if domains.len() > DOMAINS_MAX {
        return Err(FieldError::new(field, format!("{title} may list at most {DOMAINS_MAX} domains.")));
    }
    Ok(domains)
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
    fn case_folds_in_ascii_only_so_look_alike_letters_stay_apart() {
        let kelvin = EmailAddress::parse("email", "han\u{212A}@acme.example").unwrap();
        let plain = EmailAddress::parse("email", "HANK@acme.example").unwrap();
        assert_eq!(plain.as_str(), "hank@acme.example");
        assert_ne!(kelvin, plain, "the Kelvin sign is not the letter k");
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
