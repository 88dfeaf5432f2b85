//! Request types: the service catalogue. Each type has its own form (fields of eight kinds, some
//! shown only when another field has a given value), its own receiving group and urgency, and is
//! offered to every customer or to chosen ones; a customer can hide a global type or route it to
//! another group. The answers a ticket is filed with are kept with their labels, so editing a
//! type never changes or loses what earlier tickets say.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use super::email::EmailAddress;
use super::patch::nullable;
use super::text;
use super::ticket::{TicketType, Urgency};
use super::validation::{FieldError, ValidationErrors};
pub use crate::answer::{Answer, answers_text};

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 500;
pub const ICON_MAX: usize = 8;
pub const CATEGORY_MAX: usize = 60;
pub const FIELDS_MAX: usize = 50;
pub const KEY_MAX: usize = 40;
pub const LABEL_MAX: usize = 100;
pub const HELP_MAX: usize = 300;
pub const OPTIONS_MAX: usize = 50;
pub const OPTION_MAX: usize = 100;
pub const CUSTOMERS_MAX: usize = 1000;
const SHORT_ANSWER_MAX: usize = 1000;
const LONG_ANSWER_MAX: usize = 10_000;

/// What a field asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Textarea,
    Number,
    Date,
    Email,
    Select,
    Multiselect,
    Checkbox,
}

impl FieldKind {
    pub const ALL: &'static [Self] = &[
        Self::Text,
        Self::Textarea,
        Self::Number,
        Self::Date,
        Self::Email,
        Self::Select,
        Self::Multiselect,
        Self::Checkbox,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Textarea => "textarea",
            Self::Number => "number",
            Self::Date => "date",
            Self::Email => "email",
            Self::Select => "select",
            Self::Multiselect => "multiselect",
            Self::Checkbox => "checkbox",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Text => "Short text",
            Self::Textarea => "Long text",
            Self::Number => "Number",
            Self::Date => "Date",
            Self::Email => "E-mail address",
            Self::Select => "Single choice",
            Self::Multiselect => "Multiple choice",
            Self::Checkbox => "Checkbox",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == raw.trim()).ok_or_else(|| {
            FieldError::new(
                field,
                "The kind must be one of text, textarea, number, date, email, select, multiselect or checkbox.",
            )
        })
    }

    /// Kinds that choose from a list of options.
    pub fn has_options(self) -> bool {
        matches!(self, Self::Select | Self::Multiselect)
    }
}

/// A field shown only when an earlier field has a given value (a checkbox: `true` or `false`;
/// a multiple choice: when it includes the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub field: String,
    pub equals: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub show_when: Option<Condition>,
}

/// A request type's settings, as validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTypeSettings {
    pub name: String,
    pub description: String,
    pub icon: String,
    /// The catalogue groups types by category ("Accounts", "Hardware").
    pub category: String,
    /// The group that receives its tickets; `None`: the portal's default group.
    pub assignment_group_id: Option<Uuid>,
    pub default_urgency: Urgency,
    pub ticket_type: TicketType,
    pub fields: Vec<Field>,
    /// Empty: every customer.
    pub customer_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestType {
    pub id: Uuid,
    pub settings: RequestTypeSettings,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl RequestType {
    pub fn is_global(&self) -> bool {
        self.settings.customer_ids.is_empty()
    }

    /// Whether the type is meant for this customer at all (before the customer's own override).
    pub fn is_for(&self, customer_id: Uuid) -> bool {
        self.is_global() || self.settings.customer_ids.contains(&customer_id)
    }
}

/// How one customer tailors a global type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Override {
    pub hidden: bool,
    pub assignment_group_id: Option<Uuid>,
}

/// A type as one customer gets it: offered or not, and the group its tickets go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    pub request_type: RequestType,
    /// The customer's own group, else the type's; `None`: the portal's default group.
    pub assignment_group_id: Option<Uuid>,
}

/// What the customer may use: the types meant for it, less those it hides, with its routing.
pub fn offered_to(customer_id: Uuid, request_type: RequestType, own: Option<Override>) -> Option<Offered> {
    if !request_type.is_for(customer_id) {
        return None;
    }
    let own = own.unwrap_or_default();
    if own.hidden {
        return None;
    }
    let assignment_group_id = own.assignment_group_id.or(request_type.settings.assignment_group_id);
    Some(Offered { request_type, assignment_group_id })
}

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

/// What a person typed or chose for each field, by key (a multiple choice has several values).
pub type RawAnswers = BTreeMap<String, Vec<String>>;

fn is_blank(values: Option<&Vec<String>>) -> bool {
    values.is_none_or(|values| values.iter().all(|v| v.trim().is_empty()))
}

fn ticked(values: Option<&Vec<String>>) -> bool {
    values.is_some_and(|values| values.iter().any(|v| matches!(v.trim(), "true" | "on" | "yes" | "1")))
}

/// Whether each field is shown, given the answers: a field is shown when it has no condition,
/// or its earlier field is shown and answered with the value.
fn shown(fields: &[Field], answers: &RawAnswers) -> HashSet<String> {
    let mut shown = HashSet::new();
    for field in fields {
        let visible = match &field.show_when {
            None => true,
            Some(condition) => {
                shown.contains(&condition.field) && {
                    let earlier = fields.iter().find(|f| f.key == condition.field);
                    let given = answers.get(&condition.field);
                    match earlier.map(|f| f.kind) {
                        Some(FieldKind::Checkbox) => ticked(given).to_string() == condition.equals,
                        _ => given.is_some_and(|values| values.iter().any(|v| v.trim() == condition.equals)),
                    }
                }
            }
        };
        if visible {
            shown.insert(field.key.clone());
        }
    }
    shown
}

/// The keys of fields shown for these answers, in order (for the form and the checks).
pub fn shown_keys(fields: &[Field], answers: &RawAnswers) -> HashSet<String> {
    shown(fields, answers)
}

/// Checks the answers against the fields and returns them as kept with the ticket. Errors name
/// the field by its label (`fields.KEY` is the error's path); an answer to a field that is not
/// shown, to a field that does not exist, or an option that does not exist is refused.
pub fn answer(fields: &[Field], answers: &RawAnswers) -> Result<Vec<Answer>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    for key in answers.keys() {
        if !fields.iter().any(|f| &f.key == key) && !is_blank(answers.get(key)) {
            errors.push(FieldError::new(format!("fields.{key}"), format!("This form has no field '{key}'.")));
        }
    }
    let visible = shown(fields, answers);
    let mut kept = Vec::new();
    for field in fields {
        let path = format!("fields.{}", field.key);
        let given = answers.get(&field.key);
        let label = &field.label;
        if !visible.contains(&field.key) {
            if field.kind != FieldKind::Checkbox && !is_blank(given)
                || field.kind == FieldKind::Checkbox && ticked(given)
            {
                // Only conditional fields are hidden.
                let message = match &field.show_when {
                    Some(condition) => {
                        let other = fields
                            .iter()
                            .find(|f| f.key == condition.field)
                            .map_or("another field", |f| &f.label);
                        format!("{label} is only asked when {other} is {}; leave it empty.", condition.equals)
                    }
                    None => format!("{label} is not asked here; leave it empty."),
                };
                errors.push(FieldError::new(path, message));
            }
            continue;
        }
        if field.kind == FieldKind::Checkbox {
            let value = ticked(given);
            if field.required && !value {
                errors.push(FieldError::new(path, format!("{label} must be ticked.")));
            }
            kept.push(Answer { key: field.key.clone(), label: label.clone(), value: Value::Bool(value) });
            continue;
        }
        let given = match given {
            Some(given) if !is_blank(Some(given)) => given,
            _ => {
                if field.required {
                    errors.push(FieldError::new(path, format!("{label} is required.")));
                }
                continue;
            }
        };
        let values: Vec<&str> = given.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
        let single = || -> Result<&str, FieldError> {
            match values.as_slice() {
                [one] => Ok(one),
                _ => Err(FieldError::new(path.clone(), format!("{label} takes one value."))),
            }
        };
        let value = match field.kind {
            FieldKind::Text | FieldKind::Textarea => single().and_then(|raw| {
                let long = field.kind == FieldKind::Textarea;
                let max = if long { LONG_ANSWER_MAX } else { SHORT_ANSWER_MAX };
                text::bounded(&path, raw, 1, max, long).map(Value::String).map_err(|_| {
                    FieldError::new(
                        path.clone(),
                        format!("{label} must be at most {max} characters of text."),
                    )
                })
            }),
            FieldKind::Number => single().and_then(|raw| {
                raw.replace(',', ".")
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .and_then(serde_json::Number::from_f64)
                    .map(|n| match n.as_f64() {
                        Some(whole) if whole.fract() == 0.0 && whole.abs() < 9.0e15 => {
                            Value::from(whole as i64)
                        }
                        _ => Value::Number(n),
                    })
                    .ok_or_else(|| {
                        FieldError::new(path.clone(), format!("{label} must be a number, like 3 or 2.5."))
                    })
            }),
            FieldKind::Date => single().and_then(|raw| {
                time::Date::parse(raw, format_description!("[year]-[month]-[day]"))
                    .map(|_| Value::String(raw.to_string()))
                    .map_err(|_| {
                        FieldError::new(path.clone(), format!("{label} must be a date like 2026-12-31."))
                    })
            }),
            FieldKind::Email => single().and_then(|raw| {
                EmailAddress::parse(&path, raw).map(|email| Value::String(email.to_string())).map_err(|_| {
                    FieldError::new(
                        path.clone(),
                        format!("{label} must be an e-mail address like name@example.com."),
                    )
                })
            }),
            FieldKind::Select => single().and_then(|raw| {
                if field.options.iter().any(|o| o == raw) {
                    Ok(Value::String(raw.to_string()))
                } else {
                    Err(FieldError::new(
                        path.clone(),
                        format!("{label} must be one of: {}.", field.options.join(", ")),
                    ))
                }
            }),
            FieldKind::Multiselect => {
                let unknown: Vec<&str> =
                    values.iter().copied().filter(|v| !field.options.iter().any(|o| o == v)).collect();
                if unknown.is_empty() {
                    // In the options' order, each once.
                    let chosen = field.options.iter().filter(|o| values.contains(&o.as_str()));
                    Ok(Value::Array(chosen.map(|o| Value::String(o.clone())).collect()))
                } else {
                    Err(FieldError::new(
                        path.clone(),
                        format!(
                            "{label} has no option {}; choose from: {}.",
                            unknown.join(", "),
                            field.options.join(", ")
                        ),
                    ))
                }
            }
            FieldKind::Checkbox => unreachable!("handled above"),
        };
        match value {
            Ok(value) => kept.push(Answer { key: field.key.clone(), label: label.clone(), value }),
            Err(error) => errors.push(error),
        }
    }
    errors.into_result()?;
    Ok(kept)
}

/// API answers (`{"KEY": value}`) as typed into a form: strings, numbers, booleans and lists.
pub fn raw_answers(json: &serde_json::Map<String, Value>) -> Result<RawAnswers, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut raw = RawAnswers::new();
    for (key, value) in json {
        let values = match value {
            Value::Null => Vec::new(),
            Value::String(text) => vec![text.clone()],
            Value::Number(number) => vec![number.to_string()],
            Value::Bool(flag) => vec![flag.to_string()],
            Value::Array(items) if items.iter().all(Value::is_string) => {
                items.iter().filter_map(Value::as_str).map(str::to_string).collect()
            }
            _ => {
                errors.push(FieldError::new(
                    format!("fields.{key}"),
                    format!(
                        "The answer to '{key}' must be text, a number, true or false, or a list of texts."
                    ),
                ));
                continue;
            }
        };
        raw.insert(key.clone(), values);
    }
    errors.into_result()?;
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: &str) -> FieldDraft {
        FieldDraft {
            key: Some(key.into()),
            label: Some(format!("The {key}")),
            kind: Some(kind.into()),
            ..Default::default()
        }
    }

    fn laptop() -> RequestTypeSettings {
        let mut model = field("model", "select");
        model.options = Some(vec!["Standard".into(), "Developer".into(), "Other".into()]);
        model.required = Some(true);
        let mut other = field("other_model", "text");
        other.show_when = Some(Condition { field: "model".into(), equals: "Other".into() });
        other.required = Some(true);
        let mut extras = field("extras", "multiselect");
        extras.options = Some(vec!["Dock".into(), "Headset".into()]);
        let mut needed = field("needed_by", "date");
        needed.required = Some(true);
        let mut urgent = field("urgent", "checkbox");
        urgent.help = Some("Tick when someone cannot work without it.".into());
        let mut why = field("why", "textarea");
        why.show_when = Some(Condition { field: "urgent".into(), equals: "true".into() });
        let draft = RequestTypeDraft {
            name: Some("Laptop request".into()),
            fields: Some(vec![
                model,
                other,
                extras,
                needed,
                field("count", "number"),
                field("manager_email", "email"),
                urgent,
                why,
            ]),
            ..Default::default()
        };
        draft.apply(None).unwrap()
    }

    fn answers(pairs: &[(&str, &[&str])]) -> RawAnswers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(std::string::ToString::to_string).collect()))
            .collect()
    }

    #[test]
    fn a_new_type_needs_a_name_and_takes_the_defaults() {
        let errors = RequestTypeDraft::default().apply(None).unwrap_err();
        assert_eq!(errors.message_for("name"), Some("Name is required."));
        let settings = laptop();
        assert_eq!(settings.default_urgency, Urgency::Medium);
        assert_eq!(settings.ticket_type, TicketType::ServiceRequest);
        assert!(settings.customer_ids.is_empty());
        assert_eq!(settings.fields.len(), 8);
    }

    #[test]
    fn bad_fields_are_named_by_their_path() {
        let mut select = field("model", "select");
        select.options = Some(vec![]);
        let mut text = field("notes", "text");
        text.options = Some(vec!["a".into()]);
        let mut forward = field("later", "text");
        forward.show_when = Some(Condition { field: "nowhere".into(), equals: "x".into() });
        let draft = RequestTypeDraft {
            name: Some("Bad".into()),
            fields: Some(vec![
                select,
                text,
                field("Bad Key", "text"),
                field("notes", "colour"),
                forward,
                FieldDraft { key: Some("nolabel".into()), kind: Some("text".into()), ..Default::default() },
            ]),
            ..Default::default()
        };
        let errors = draft.apply(None).unwrap_err();
        assert!(errors.message_for("fields[0].options").unwrap().contains("1 to 50 options"));
        assert!(errors.message_for("fields[1].options").unwrap().contains("has no options"));
        assert!(errors.message_for("fields[2].key").unwrap().contains("lowercase"));
        assert!(errors.message_for("fields[3].kind").unwrap().contains("must be one of"));
        assert!(errors.message_for("fields[4].show_when.field").unwrap().contains("earlier field"));
        assert!(errors.message_for("fields[5].label").unwrap().contains("label is required"));
        let mut twice = field("model", "select");
        twice.options = Some(vec!["A".into(), "A".into()]);
        let mut on_checkbox = field("why", "text");
        on_checkbox.show_when = Some(Condition { field: "ok".into(), equals: "yes".into() });
        let draft = RequestTypeDraft {
            name: Some("Bad".into()),
            fields: Some(vec![twice, field("ok", "checkbox"), on_checkbox, field("ok", "text")]),
            ..Default::default()
        };
        let errors = draft.apply(None).unwrap_err();
        assert!(errors.message_for("fields[0].options[1]").unwrap().contains("listed twice"));
        assert!(errors.message_for("fields[2].show_when.equals").unwrap().contains("true or false"));
        assert!(errors.message_for("fields[3].key").unwrap().contains("earlier field"));
    }

    #[test]
    fn each_kind_of_answer_is_checked_and_kept_with_its_label() {
        let settings = laptop();
        let kept = answer(
            &settings.fields,
            &answers(&[
                ("model", &["Developer"]),
                ("extras", &["Headset", "Dock"]),
                ("needed_by", &["2026-12-24"]),
                ("count", &["2"]),
                ("manager_email", &["Boss@Acme.example"]),
                ("urgent", &["on"]),
                ("why", &["New starter on Monday"]),
            ]),
        )
        .unwrap();
        let value = |key: &str| kept.iter().find(|a| a.key == key).map(|a| a.value.clone());
        assert_eq!(value("model"), Some(Value::String("Developer".into())));
        assert_eq!(value("extras"), Some(serde_json::json!(["Dock", "Headset"])), "in the options' order");
        assert_eq!(value("count"), Some(serde_json::json!(2)));
        assert_eq!(value("urgent"), Some(Value::Bool(true)));
        assert_eq!(value("other_model"), None, "not shown, not kept");
        assert_eq!(kept[0].label, "The model");
        assert!(answers_text(&kept).contains("The extras: Dock, Headset"));
        assert!(answers_text(&kept).contains("The urgent: Yes"));

        for (key, bad, message) in [
            ("model", "Gaming", "must be one of: Standard, Developer, Other"),
            ("needed_by", "24/12/2026", "must be a date like"),
            ("count", "two", "must be a number"),
            ("manager_email", "boss", "must be an e-mail address"),
            ("extras", "Monitor", "has no option Monitor"),
        ] {
            let mut given = answers(&[("model", &["Standard"]), ("needed_by", &["2026-12-24"])]);
            given.insert(key.into(), vec![bad.into()]);
            let errors = answer(&settings.fields, &given).unwrap_err();
            let text = errors.message_for(&format!("fields.{key}")).unwrap_or_default().to_string();
            assert!(text.contains(message), "{key}: {text}");
        }
        let errors = answer(&settings.fields, &answers(&[])).unwrap_err();
        assert_eq!(errors.message_for("fields.model"), Some("The model is required."));
        assert_eq!(errors.message_for("fields.needed_by"), Some("The needed_by is required."));
        let errors =
            answer(&settings.fields, &answers(&[("model", &["Standard", "Developer"])])).unwrap_err();
        assert_eq!(errors.message_for("fields.model"), Some("The model takes one value."));
        let errors = answer(&settings.fields, &answers(&[("colour", &["red"])])).unwrap_err();
        assert_eq!(errors.message_for("fields.colour"), Some("This form has no field 'colour'."));
    }

    #[test]
    fn conditional_fields_are_asked_only_when_their_condition_holds() {
        let settings = laptop();
        let base = [("needed_by", &["2026-12-24"][..])];
        // Shown and required once the model is Other.
        let mut other = answers(&base);
        other.insert("model".into(), vec!["Other".into()]);
        let errors = answer(&settings.fields, &other).unwrap_err();
        assert_eq!(errors.message_for("fields.other_model"), Some("The other_model is required."));
        other.insert("other_model".into(), vec!["A tablet".into()]);
        assert!(answer(&settings.fields, &other).is_ok());
        // Not shown for Standard: an answer to it is refused.
        let mut standard = answers(&base);
        standard.insert("model".into(), vec!["Standard".into()]);
        standard.insert("other_model".into(), vec!["sneaky".into()]);
        let errors = answer(&settings.fields, &standard).unwrap_err();
        assert!(
            errors.message_for("fields.other_model").unwrap().contains("only asked when The model is Other")
        );
        // A checkbox condition.
        standard.remove("other_model");
        standard.insert("why".into(), vec!["because".into()]);
        assert!(answer(&settings.fields, &standard).is_err(), "why is asked only when urgent is ticked");
        standard.insert("urgent".into(), vec!["true".into()]);
        assert!(answer(&settings.fields, &standard).is_ok());
    }

    #[test]
    fn a_customer_gets_global_types_and_its_own_unless_hidden_with_its_routing() {
        let acme = Uuid::now_v7();
        let globex = Uuid::now_v7();
        let group = Uuid::now_v7();
        let now = OffsetDateTime::now_utc();
        let global = RequestType { id: Uuid::now_v7(), settings: laptop(), created_at: now, updated_at: now };
        let own = RequestType {
            settings: RequestTypeSettings { customer_ids: vec![acme], ..laptop() },
            ..global.clone()
        };
        assert!(offered_to(acme, global.clone(), None).is_some());
        assert!(offered_to(acme, own.clone(), None).is_some());
        assert!(offered_to(globex, own, None).is_none());
        assert!(
            offered_to(globex, global.clone(), Some(Override { hidden: true, assignment_group_id: None }))
                .is_none()
        );
        let routed =
            offered_to(acme, global, Some(Override { hidden: false, assignment_group_id: Some(group) }));
        assert_eq!(routed.unwrap().assignment_group_id, Some(group));
    }

    #[test]
    fn api_answers_read_like_form_answers() {
        let json = serde_json::json!({"count": 3, "urgent": true, "extras": ["Dock"], "model": "Standard", "none": null});
        let raw = raw_answers(json.as_object().unwrap()).unwrap();
        assert_eq!(raw["count"], ["3"]);
        assert_eq!(raw["urgent"], ["true"]);
        assert_eq!(raw["extras"], ["Dock"]);
        assert!(raw["none"].is_empty());
        let bad = serde_json::json!({"model": {"nested": 1}});
        assert!(raw_answers(bad.as_object().unwrap()).is_err());
    }
}
