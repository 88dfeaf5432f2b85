//! The answers a ticket keeps from its request type's form: each with the label the field had
//! when the ticket was filed, so later changes to the form never rewrite what was asked.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One answer, kept with the label the field had when the ticket was filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub key: String,
    pub label: String,
    pub value: Value,
}

impl Answer {
    /// The value as people read it.
    pub fn display(&self) -> String {
        match &self.value {
            Value::Bool(true) => "Yes".into(),
            Value::Bool(false) => "No".into(),
            Value::String(text) => text.clone(),
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
            other => other.to_string(),
        }
    }
}

/// The answers as plain text, for the ticket's description (mail, search, the conversation).
pub fn answers_text(answers: &[Answer]) -> String {
    answers.iter().map(|a| format!("{}: {}", a.label, a.display())).collect::<Vec<_>>().join("\n")
}
