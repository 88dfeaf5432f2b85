//! URL slugs: the short names customers and portals are addressed by.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::validation::{FieldError, label};

/// Names that would collide with Portico's own routes or look like ours.
pub const RESERVED: &[&str] = &[
    "admin", "api", "assets", "static", "p", "auth", "www", "portal", "portals", "login", "logout", "signin",
    "signout", "sso", "oauth", "oidc", "metrics", "healthz", "readyz", "help", "support", "status", "docs",
    "mail", "portico", "console", "new", "edit",
];

pub const MIN_LEN: usize = 3;
pub const MAX_LEN: usize = 63;
/// How many numbered variants of a name's slug are tried before asking for one.
pub const SUFFIX_TRIES: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// 3–63 of `a-z 0-9 -`, no leading or trailing `-`, not reserved.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        let refuse = |why: String| Err(FieldError::new(field, why));
        let length = value.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&length) {
            return refuse(format!(
                "{} must be {MIN_LEN} to {MAX_LEN} characters (it has {length}).",
                label(field)
            ));
        }
        if !value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return refuse(format!(
                "{} may contain only lowercase letters a-z, digits and '-'.",
                label(field)
            ));
        }
        if value.starts_with('-') || value.ends_with('-') {
            return refuse(format!("{} must not start or end with '-'.", label(field)));
        }
        if RESERVED.contains(&value) {
            return refuse(format!(
                "{} '{value}' is reserved for Portico's own pages: choose another.",
                label(field)
            ));
        }
        Ok(Self(value.to_string()))
    }

    /// A valid slug made from any display name ("Ørsted & Co." → "orsted-co");
    /// names with too few usable letters get a `customer-` prefix.
    pub fn from_name(name: &str) -> Self {
        let mut slug = String::new();
        for c in name.chars().flat_map(fold_accent) {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let mut slug: String = slug.trim_matches('-').chars().take(50).collect();
        slug = slug.trim_end_matches('-').to_string();
        if slug.len() < MIN_LEN || RESERVED.contains(&slug.as_str()) {
            slug = if slug.is_empty() { "customer".to_string() } else { format!("customer-{slug}") };
        }
        Self(slug)
    }

    /// `base`, or `base-2`, `base-3`… : the n-th candidate when earlier ones are taken.
    pub fn with_suffix(&self, n: u32) -> Self {
        if n <= 1 {
            return self.clone();
        }
        let suffix = format!("-{n}");
        let keep = MAX_LEN - suffix.len();
        let base: String = self.0.chars().take(keep).collect();
        Self(format!("{}{suffix}", base.trim_end_matches('-')))
    }

    /// The first of `self`, `self-2`, `self-3`… (up to [`SUFFIX_TRIES`]) that `is_taken` does
    /// not claim; `None` when every one is.
    pub fn first_free(&self, is_taken: impl Fn(&str) -> bool) -> Option<Self> {
        (1..=SUFFIX_TRIES).map(|n| self.with_suffix(n)).find(|candidate| !is_taken(candidate.as_str()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn from_trusted(value: String) -> Self {
        Self(value)
    }
}

fn fold_accent(c: char) -> Vec<char> {
    let folded = match c {
        'à'..='å' | 'À'..='Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' => "c",
        'è'..='ë' | 'È'..='Ë' => "e",
        'ì'..='ï' | 'Ì'..='Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò'..='ö' | 'ø' | 'Ò'..='Ö' | 'Ø' => "o",
        'ù'..='ü' | 'Ù'..='Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        _ => return vec![c],
    };
    folded.chars().collect()
}

impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse("slug", &raw).map_err(|e| serde::de::Error::custom(e.message))
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_with_uppercase_letters_is_rejected() {
        assert!(Slug::parse("slug", "Acme").is_err());
    }

    #[test]
    fn slugs_outside_the_length_bounds_are_rejected() {
        assert!(Slug::parse("slug", "ab").is_err());
        assert!(Slug::parse("slug", &"a".repeat(64)).is_err());
        assert!(Slug::parse("slug", &"a".repeat(63)).is_ok());
    }

    #[test]
    fn leading_or_trailing_dashes_and_reserved_names_are_rejected() {
        assert!(Slug::parse("slug", "-acme").is_err());
        assert!(Slug::parse("slug", "acme-").is_err());
        let error = Slug::parse("slug", "admin").unwrap_err();
        assert_eq!(error.message, "Slug 'admin' is reserved for Portico's own pages: choose another.");
    }

    #[test]
    fn names_become_valid_slugs() {
        for (name, slug) in [
            ("Acme Corporation", "acme-corporation"),
            ("Ørsted & Co.", "orsted-co"),
            ("  --Big   Bank-- ", "big-bank"),
            ("AB", "customer-ab"),
            ("API", "customer-api"),
            ("東京", "customer"),
        ] {
            let made = Slug::from_name(name);
            assert_eq!(made.as_str(), slug, "{name}");
            assert!(Slug::parse("slug", made.as_str()).is_ok(), "{name}");
        }
    }

    #[test]
    fn the_first_free_slug_skips_every_taken_one() {
        let base = Slug::from_name("Acme");
        let taken = ["acme", "acme-2", "acme-4"];
        assert_eq!(base.first_free(|s| taken.contains(&s)).unwrap().as_str(), "acme-3");
        assert_eq!(base.first_free(|_| false).unwrap().as_str(), "acme");
        assert_eq!(base.first_free(|_| true), None, "every variant taken: the caller must choose");
    }

    #[test]
    fn suffixes_keep_the_slug_within_bounds() {
        let long = Slug::from_name(&"x".repeat(80));
        assert_eq!(Slug::from_name("acme").with_suffix(3).as_str(), "acme-3");
        assert!(Slug::parse("slug", long.with_suffix(12).as_str()).is_ok());
    }
}
