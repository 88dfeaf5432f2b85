//! Custom domains: a portal may answer on the customer's own host name.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::validation::{FieldError, label};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Hostname(String);

impl Hostname {
    /// A fully qualified DNS name (`help.acme.example`): lowercase letters, digits and `-` in
    /// labels of 1–63, at least two labels, no port, no scheme, no trailing dot.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_ascii_lowercase();
        let refuse = |why: &str| Err(FieldError::new(field, format!("{} {why}.", label(field))));
        if value.contains("://") || value.contains('/') || value.contains(':') {
            return refuse("must be a host name only, like help.acme.example (no scheme, path or port)");
        }
        if value.len() > 253 {
            return refuse("must be at most 253 characters");
        }
        let labels: Vec<&str> = value.split('.').collect();
        if labels.len() < 2 {
            return refuse("must be a full host name, like help.acme.example");
        }
        let label_ok = |label: &&str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if !labels.iter().all(label_ok) {
            return refuse("must be a host name of letters, digits, '-' and dots, like help.acme.example");
        }
        // Browsers read names ending in a number (`10.0.0.1`, but also `0x7f.0x1` or `a.0x1`)
        // as IPv4 addresses: the URL standard decides, not a pattern of our own.
        if !matches!(url::Host::parse(&value), Ok(url::Host::Domain(_))) {
            return refuse("must be a host name, not an IP address");
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Hostname {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse("custom_domain", &raw).map_err(|e| serde::de::Error::custom(e.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_folded_to_lowercase() {
        assert_eq!(
            Hostname::parse("custom_domain", "Help.Acme.Example").unwrap().as_str(),
            "help.acme.example"
        );
    }

    #[test]
    fn urls_ports_addresses_and_bad_labels_are_refused() {
        for bad in [
            "https://help.acme.example",
            "help.acme.example:8443",
            "help.acme.example/x",
            "localhost",
            "10.0.0.1",
            "0x7f.0x1",
            "1.2.3.0x4",
            "a.0x1",
            "-a.example",
            "a_b.example",
            "a..example",
            "help.acme.example.",
        ] {
            assert!(Hostname::parse("custom_domain", bad).is_err(), "{bad}");
        }
    }
}
