//! Field-level validation errors shared by every input surface (API, console, CLI).

use serde::Serialize;

/// One refused field: `field` is the JSON path of the input (`name`, `links[2].url`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Every problem found in one input, so a form or client can fix them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", summary(.0))]
pub struct ValidationErrors(Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" ")
}

/// How people call the input at `field`, a JSON path (`name`, `links[2].url`): "Name",
/// "Link 3 URL". Messages are sentences that start with it. Groups on the way (`features.`,
/// `design.`) are left out; items of lists are counted from 1.
pub fn label(field: &str) -> String {
    let segments: Vec<&str> = field.split('.').collect();
    let last = segments.len() - 1;
    let words: Vec<String> = segments
        .iter()
        .enumerate()
        .filter_map(|(i, segment)| match segment.split_once('[') {
            Some((list, index)) => {
                let n = index.trim_end_matches(']').parse::<usize>().ok()? + 1;
                Some(format!("{} {n}", humanise(list.strip_suffix('s').unwrap_or(list))))
            }
            None if i == last => Some(humanise(segment)),
            None => None,
        })
        .collect();
    let text = words.join(" ");
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn humanise(name: &str) -> String {
    name.split('_')
        .map(|word| match word {
            "id" => "ID",
            "ids" => "IDs",
            "url" => "URL",
            "uri" => "URI",
            "sso" => "SSO",
            "email" => "e-mail",
            "okta" => "Okta",
            "color" => "colour",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Adds every error of `other`.
    pub fn extend(&mut self, other: ValidationErrors) {
        self.0.extend(other.0);
    }

    /// Keeps the value when it parsed, records the error otherwise.
    /// A value [`ValidationErrors::check`] kept, once [`ValidationErrors::into_result`] said
    /// nothing failed: every checked value is then there. Should one be missing all the same (a
    /// check that failed without a word), the input is refused naming `field` instead of the
    /// server stopping.
    pub fn checked<T>(value: Option<T>, field: &str) -> Result<T, ValidationErrors> {
        value.ok_or_else(|| FieldError::new(field, format!("{field} could not be read.")).into())
    }

    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(error);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), Self> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_as_people_read_them() {
        assert_eq!(label("name"), "Name");
        assert_eq!(label("client_id"), "Client ID");
        assert_eq!(label("features.external_links.links[2].url"), "Link 3 URL");
        assert_eq!(label("layout.buttons[0].label"), "Button 1 label");
        assert_eq!(label("design.primary_color"), "Primary colour");
        assert_eq!(label("contact_email"), "Contact e-mail");
    }

    #[test]
    fn a_checked_value_that_is_missing_refuses_the_input_naming_the_field() {
        assert_eq!(ValidationErrors::checked(Some(3), "count").unwrap(), 3);
        let refused = ValidationErrors::checked::<u8>(None, "count").unwrap_err();
        assert_eq!(refused.message_for("count"), Some("count could not be read."));
    }
}
