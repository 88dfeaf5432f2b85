//! A request type as callers send it (the console's builder, the API), checked field by field:
//! keys, labels, kinds, options and the conditions that show a field.

use serde::Deserialize;
use uuid::Uuid;

use super::*;
use crate::patch::nullable;
use crate::text;
use crate::ticket::{TicketType, Urgency};
use crate::validation::{FieldError, ValidationErrors};

/// A field as callers send it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDraft {
    pub key: Option<String>,
    pub label: Option<String>,
    pub kind: Option<String>,
    pub required: Option<bool>,
    pub options: Option<Vec<String>>,
    pub help: Option<String>,
    pub show_when: Option<Condition>,
}

/// What callers send to create (`name` required) or change (absent fields stay) a type.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestTypeDraft {
    pub name: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub category: Option<String>,
    /// Empty: every customer.
    pub customer_ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "nullable")]
    pub assignment_group_id: Option<Option<Uuid>>,
    pub default_urgency: Option<String>,
    pub ticket_type: Option<String>,
    /// The whole list, in order: it replaces the current fields.
    pub fields: Option<Vec<FieldDraft>>,
}

fn is_key(raw: &str) -> bool {
    let mut chars = raw.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && raw.len() <= KEY_MAX
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl RequestTypeDraft {
    /// The settings after this draft: a new type's when `current` is `None`.
    pub fn apply(
        self,
        current: Option<&RequestTypeSettings>,
    ) -> Result<RequestTypeSettings, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = match (self.name.as_deref(), current) {
            (Some(raw), _) => errors.check(text::bounded("name", raw, 1, NAME_MAX, false)),
            (None, Some(current)) => Some(current.name.clone()),
            (None, None) => {
                errors.push(FieldError::new("name", "Name is required."));
                None
            }
        };
        let keep =
            |raw: Option<&str>, field: &str, max: usize, multiline: bool, old: Option<&String>| match raw {
                Some(raw) if raw.trim().is_empty() => Ok(String::new()),
                Some(raw) => text::bounded(field, raw, 1, max, multiline),
                None => Ok(old.cloned().unwrap_or_default()),
            };
        let description = errors.check(keep(
            self.description.as_deref(),
            "description",
            DESCRIPTION_MAX,
            true,
            current.map(|c| &c.description),
        ));
        let icon =
            errors.check(keep(self.icon.as_deref(), "icon", ICON_MAX, false, current.map(|c| &c.icon)));
        let category = errors.check(keep(
            self.category.as_deref(),
            "category",
            CATEGORY_MAX,
            false,
            current.map(|c| &c.category),
        ));
        let default_urgency = match self.default_urgency.as_deref() {
            Some(raw) => errors.check(Urgency::parse(raw).map_err(|_| {
                FieldError::new("default_urgency", "The default urgency must be low, medium or high.")
            })),
            None => Some(current.map_or(Urgency::Medium, |c| c.default_urgency)),
        };
        let ticket_type = match self.ticket_type.as_deref() {
            Some(raw) => errors.check(TicketType::parse(raw).map_err(|_| {
                FieldError::new("ticket_type", "The ticket type must be incident or service_request.")
            })),
            None => Some(current.map_or(TicketType::ServiceRequest, |c| c.ticket_type)),
        };
        let customer_ids = match self.customer_ids {
            Some(ids) if ids.len() > CUSTOMERS_MAX => {
                errors.push(FieldError::new(
                    "customer_ids",
                    format!("A type can be for at most {CUSTOMERS_MAX} chosen customers; leave the list empty for all."),
                ));
                None
            }
            Some(ids) => {
                let mut unique = Vec::new();
                for id in ids {
                    if !unique.contains(&id) {
                        unique.push(id);
                    }
                }
                Some(unique)
            }
            None => Some(current.map(|c| c.customer_ids.clone()).unwrap_or_default()),
        };
        let fields = match self.fields {
            Some(drafts) => fields(drafts, &mut errors),
            None => current.map(|c| c.fields.clone()).unwrap_or_default(),
        };
        errors.into_result()?;
        Ok(RequestTypeSettings {
            name: ValidationErrors::checked(name, "name")?,
            description: ValidationErrors::checked(description, "description")?,
            icon: ValidationErrors::checked(icon, "icon")?,
            category: ValidationErrors::checked(category, "category")?,
            assignment_group_id: match self.assignment_group_id {
                Some(id) => id,
                None => current.and_then(|c| c.assignment_group_id),
            },
            default_urgency: ValidationErrors::checked(default_urgency, "default_urgency")?,
            ticket_type: ValidationErrors::checked(ticket_type, "ticket_type")?,
            fields,
            customer_ids: ValidationErrors::checked(customer_ids, "customer_ids")?,
        })
    }
}

/// The fields of a draft, checked in order: keys unique, options where they belong, conditions
/// only on earlier fields (so they can never go round in a circle).
fn fields(drafts: Vec<FieldDraft>, errors: &mut ValidationErrors) -> Vec<Field> {
    if drafts.len() > FIELDS_MAX {
        errors.push(FieldError::new("fields", format!("A request type has at most {FIELDS_MAX} fields.")));
        return Vec::new();
    }
    let mut out: Vec<Field> = Vec::new();
    for (index, draft) in drafts.into_iter().enumerate() {
        let path = |name: &str| format!("fields[{index}].{name}");
        let before = errors.errors().len();
        let key = draft.key.as_deref().map(str::trim).unwrap_or_default().to_string();
        if !is_key(&key) {
            errors.push(FieldError::new(
                path("key"),
                format!(
                    "Field {}'s key must start with a lowercase letter and hold at most {KEY_MAX} lowercase letters, digits and '_'.",
                    index + 1
                ),
            ));
        } else if out.iter().any(|f| f.key == key) {
            errors
                .push(FieldError::new(path("key"), format!("The key '{key}' is used by an earlier field.")));
        }
        let label = match draft.label.as_deref() {
            Some(raw) => errors.check(text::bounded(&path("label"), raw, 1, LABEL_MAX, false)),
            None => {
                errors.push(FieldError::new(
                    path("label"),
                    format!("Field {}'s label is required.", index + 1),
                ));
                None
            }
        };
        let kind = match draft.kind.as_deref() {
            Some(raw) => errors.check(FieldKind::parse(&path("kind"), raw)),
            None => {
                errors
                    .push(FieldError::new(path("kind"), format!("Field {}'s kind is required.", index + 1)));
                None
            }
        };
        let help = match draft.help.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            Some(raw) => {
                errors.check(text::bounded(&path("help"), raw, 1, HELP_MAX, false)).unwrap_or_default()
            }
            None => String::new(),
        };
        let mut options = Vec::new();
        let raw_options = draft.options.unwrap_or_default();
        match kind {
            Some(kind) if kind.has_options() => {
                if raw_options.is_empty() || raw_options.len() > OPTIONS_MAX {
                    errors.push(FieldError::new(
                        path("options"),
                        format!("A {} field needs 1 to {OPTIONS_MAX} options.", kind.title().to_lowercase()),
                    ));
                }
                for (n, raw) in raw_options.iter().enumerate() {
                    let option_path = format!("fields[{index}].options[{n}]");
                    if let Some(option) = errors.check(text::bounded(&option_path, raw, 1, OPTION_MAX, false))
                    {
                        if options.contains(&option) {
                            errors.push(FieldError::new(
                                option_path,
                                format!("The option '{option}' is listed twice."),
                            ));
                        } else {
                            options.push(option);
                        }
                    }
                }
            }
            Some(kind) if !raw_options.is_empty() => errors.push(FieldError::new(
                path("options"),
                format!("A {} field has no options.", kind.title().to_lowercase()),
            )),
            _ => {}
        }
        let show_when = draft.show_when.and_then(|condition| {
            let field = condition.field.trim().to_string();
            let equals = condition.equals.trim().to_string();
            let Some(earlier) = out.iter().find(|f| f.key == field) else {
                errors.push(FieldError::new(
                    path("show_when.field"),
                    format!(
                        "A field can only depend on an earlier field; no earlier field has the key '{field}'."
                    ),
                ));
                return None;
            };
            let fits = match earlier.kind {
                FieldKind::Checkbox => matches!(equals.as_str(), "true" | "false"),
                kind if kind.has_options() => earlier.options.contains(&equals),
                _ => !equals.is_empty() && equals.chars().count() <= OPTION_MAX,
            };
            if !fits {
                errors.push(FieldError::new(
                    path("show_when.equals"),
                    match earlier.kind {
                        FieldKind::Checkbox => {
                            format!("'{}' is a checkbox: the value must be true or false.", earlier.label)
                        }
                        kind if kind.has_options() => {
                            format!("The value must be one of the options of '{}'.", earlier.label)
                        }
                        _ => format!("The value must be 1 to {OPTION_MAX} characters."),
                    },
                ));
                return None;
            }
            Some(Condition { field, equals })
        });
        // Every check of this field passed: its label and kind are there.
        if let (true, Some(label), Some(kind)) = (errors.errors().len() == before, label, kind) {
            out.push(Field {
                key,
                label,
                kind,
                required: draft.required.unwrap_or(false),
                options,
                help,
                show_when,
            });
        }
    }
    out
}
