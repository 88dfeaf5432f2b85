//! Customers: the MSP's client companies, each with its own end users and portal.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use super::email::EmailAddress;
use super::patch::nullable;
use super::slug::Slug;
use super::text;
use super::validation::{FieldError, ValidationErrors, label};

pub const NAME_MAX: usize = 120;
pub const PHONE_MAX: usize = 40;
pub const WEBSITE_MAX: usize = 2048;
pub const NOTES_MAX: usize = 4000;

#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    pub id: Uuid,
    pub name: String,
    pub slug: Slug,
    pub contact_email: Option<EmailAddress>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub notes: String,
    /// The domains of the customer's own people's addresses: managers invite only there.
    pub email_domains: Vec<String>,
    pub archived: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub archived_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A customer as a caller sends it. On create `name` is required and an absent `slug` is made
/// from the name; on update every absent field stays as it is and `null` clears optional ones.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerDraft {
    pub name: Option<String>,
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub website: Option<Option<String>>,
    pub notes: Option<String>,
    pub email_domains: Option<Vec<String>>,
    /// Update only: `true` archives, `false` restores.
    pub archived: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub name: String,
    /// `None`: made from the name, with a number added when taken.
    pub slug: Option<Slug>,
    pub contact_email: Option<EmailAddress>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub notes: String,
    pub email_domains: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerChanges {
    pub name: Option<String>,
    pub slug: Option<Slug>,
    pub contact_email: Option<Option<EmailAddress>>,
    pub phone: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub notes: Option<String>,
    pub email_domains: Option<Vec<String>>,
    pub archived: Option<bool>,
}

impl CustomerChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Each field with whether it changes, its name in the API and its name for people.
    fn fields(&self) -> [(bool, &'static str, &'static str); 7] {
        [
            (self.name.is_some(), "name", "name"),
            (self.slug.is_some(), "slug", "slug"),
            (self.contact_email.is_some(), "contact_email", "contact e-mail"),
            (self.phone.is_some(), "phone", "phone"),
            (self.website.is_some(), "website", "website"),
            (self.notes.is_some(), "notes", "notes"),
            (self.email_domains.is_some(), "email_domains", "e-mail domains"),
        ]
    }

    /// The API names of the fields that change (archiving aside), for event payloads.
    pub fn changed_fields(&self) -> Vec<&'static str> {
        self.fields().into_iter().filter(|(changed, ..)| *changed).map(|(_, field, _)| field).collect()
    }

    /// Names the fields that change, for the audit log.
    pub fn summary(&self) -> String {
        let fields: Vec<String> = self
            .fields()
            .into_iter()
            .filter(|(changed, ..)| *changed)
            .map(|(.., label)| label.to_string())
            .collect();
        match self.archived {
            Some(true) => format!("archived{}", with_fields(&fields)),
            Some(false) => format!("restored{}", with_fields(&fields)),
            None => format!("changed {}", fields.join(", ")),
        }
    }
}

fn with_fields(fields: &[String]) -> String {
    if fields.is_empty() { String::new() } else { format!("; changed {}", fields.join(", ")) }
}

impl CustomerDraft {
    pub fn into_new(self) -> Result<NewCustomer, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.archived.is_some() {
            errors.push(FieldError::new("archived", "Archived can only be set on an existing customer."));
        }
        let name = match &self.name {
            Some(raw) => errors.check(text::bounded("name", raw, 1, NAME_MAX, false)),
            None => {
                errors.push(FieldError::new("name", "Name is required."));
                None
            }
        };
        let slug = match self.slug.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => errors.check(Slug::parse("slug", raw)),
        };
        let contact_email = errors.check(optional_email(self.contact_email.flatten()));
        let phone = errors.check(text::optional("phone", self.phone.flatten().as_deref(), PHONE_MAX));
        let website = errors.check(optional_website(self.website.flatten()));
        let notes = errors.check(notes(self.notes.as_deref().unwrap_or_default()));
        let email_domains = errors.check(email_domains(self.email_domains.as_deref().unwrap_or_default()));
        errors.into_result()?;
        Ok(NewCustomer {
            name: ValidationErrors::checked(name, "name")?,
            slug,
            contact_email: ValidationErrors::checked(contact_email, "contact_email")?,
            phone: ValidationErrors::checked(phone, "phone")?,
            website: ValidationErrors::checked(website, "website")?,
            notes: ValidationErrors::checked(notes, "notes")?,
            email_domains: ValidationErrors::checked(email_domains, "email_domains")?,
        })
    }

    pub fn into_changes(self) -> Result<CustomerChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut changes = CustomerChanges { archived: self.archived, ..Default::default() };
        if let Some(raw) = &self.name {
            changes.name = errors.check(text::bounded("name", raw, 1, NAME_MAX, false));
        }
        if let Some(raw) = &self.slug {
            changes.slug = errors.check(Slug::parse("slug", raw));
        }
        if let Some(raw) = self.contact_email {
            changes.contact_email = errors.check(optional_email(raw));
        }
        if let Some(raw) = self.phone {
            changes.phone = errors.check(text::optional("phone", raw.as_deref(), PHONE_MAX));
        }
        if let Some(raw) = self.website {
            changes.website = errors.check(optional_website(raw));
        }
        if let Some(raw) = &self.notes {
            changes.notes = errors.check(notes(raw));
        }
        if let Some(raw) = &self.email_domains {
            changes.email_domains = errors.check(email_domains(raw));
        }
        errors.into_result()?;
        Ok(changes)
    }
}

fn optional_email(raw: Option<String>) -> Result<Option<EmailAddress>, FieldError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => EmailAddress::parse("contact_email", value).map(Some),
    }
}

fn email_domains(raw: &[String]) -> Result<Vec<String>, FieldError> {
    super::email::domain_list("email_domains", "E-mail domains", raw)
}

fn notes(raw: &str) -> Result<String, FieldError> {
    text::bounded("notes", raw, 0, NOTES_MAX, true)
}

/// Absolute `http`/`https` URLs only: anything else could run script when clicked.
pub fn web_url(field: &str, raw: &str) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.chars().count() > WEBSITE_MAX {
        return Err(FieldError::new(
            field,
            format!("{} must be at most {WEBSITE_MAX} characters.", label(field)),
        ));
    }
    let parsed = Url::parse(value).map_err(|_| {
        FieldError::new(
            field,
            format!("{} must be an absolute address such as https://example.com.", label(field)),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(FieldError::new(
            field,
            format!("{} must be an http:// or https:// address.", label(field)),
        ));
    }
    Ok(parsed.to_string())
}

fn optional_website(raw: Option<String>) -> Result<Option<String>, FieldError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => web_url("website", value).map(Some),
    }
}

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub search: Option<String>,
    pub include_archived: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(json: &str) -> CustomerDraft {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_new_customer_needs_a_name() {
        let errors = draft("{}").into_new().unwrap_err();
        assert_eq!(errors.message_for("name"), Some("Name is required."));
    }

    #[test]
    fn a_new_customer_gets_clean_optional_fields() {
        let new = draft(r#"{"name":" Acme ","contact_email":"IT@Acme.example","phone":"","website":"https://acme.example"}"#)
            .into_new()
            .unwrap();
        assert_eq!(new.name, "Acme");
        assert_eq!(new.contact_email.unwrap().as_str(), "it@acme.example");
        assert_eq!(new.phone, None);
        assert_eq!(new.website.as_deref(), Some("https://acme.example/"));
        assert_eq!(new.slug, None);
    }

    #[test]
    fn script_urls_are_refused_as_websites() {
        for url in ["javascript:alert(1)", "data:text/html,hi", "ftp://x.example", "acme.example"] {
            let errors = draft(&format!(r#"{{"name":"A","website":"{url}"}}"#)).into_new().unwrap_err();
            assert!(errors.message_for("website").is_some(), "{url}");
        }
    }

    #[test]
    fn email_domains_are_domains() {
        let new = draft(r#"{"name":"A","email_domains":["@Acme.example"," acme.co.uk ","acme.example"]}"#)
            .into_new()
            .unwrap();
        assert_eq!(new.email_domains, ["acme.example", "acme.co.uk"]);
        for bad in ["acme", "acme..example", "ac me.example", "-acme.example", "acme.example/x"] {
            let errors =
                draft(&format!(r#"{{"name":"A","email_domains":["{bad}"]}}"#)).into_new().unwrap_err();
            assert!(
                errors.message_for("email_domains").is_some_and(|m| m.contains("is not a domain")),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<CustomerDraft>(r#"{"name":"A","colour":"red"}"#).is_err());
    }

    #[test]
    fn an_update_changes_only_what_was_sent_and_null_clears() {
        let changes = draft(r#"{"phone":null,"notes":"x"}"#).into_changes().unwrap();
        assert_eq!(changes.phone, Some(None));
        assert_eq!(changes.notes.as_deref(), Some("x"));
        assert_eq!(changes.name, None);
        assert_eq!(changes.summary(), "changed phone, notes");
        assert_eq!(changes.changed_fields(), ["phone", "notes"]);
        assert!(draft("{}").into_changes().unwrap().is_empty());
    }

    #[test]
    fn archiving_is_named_apart_from_the_fields_that_change() {
        let changes = draft(r#"{"archived":true,"contact_email":null}"#).into_changes().unwrap();
        assert_eq!(changes.summary(), "archived; changed contact e-mail");
        assert_eq!(changes.changed_fields(), ["contact_email"]);
        let restore = draft(r#"{"archived":false}"#).into_changes().unwrap();
        assert_eq!(restore.summary(), "restored");
        assert!(restore.changed_fields().is_empty());
    }

    #[test]
    fn an_update_refuses_an_empty_name() {
        let errors = draft(r#"{"name":"  "}"#).into_changes().unwrap_err();
        assert_eq!(errors.message_for("name"), Some("Name must not be empty."));
    }
}
