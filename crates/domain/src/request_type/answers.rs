//! What a person filled in on a request type's form, read against the form: the fields shown
//! by their conditions, each answer checked for its kind, kept with the label it was asked with.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;
use time::macros::format_description;

use super::*;
use crate::email::EmailAddress;
use crate::text;
use crate::validation::{FieldError, ValidationErrors};

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

/// A form's answers from its posted pairs: every `fields[KEY]`, repeated for several choices.
pub fn answers_from_form<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> RawAnswers {
    let mut answers = RawAnswers::new();
    for (name, value) in pairs {
        if let Some(key) = name.strip_prefix("fields[").and_then(|rest| rest.strip_suffix(']')) {
            answers.entry(key.to_string()).or_default().push(value.to_string());
        }
    }
    answers
}
