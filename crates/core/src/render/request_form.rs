//! A request type's form fields as HTML: the one renderer the portal's form and the console's
//! preview both use, so the preview is the form. Inputs are named `fields[KEY]`; a field shown
//! only when another has a value carries that condition (`data-show-when`) and says it in words,
//! so the form works without script and `portal.js` only hides what does not apply.

use askama::Template;

use portico_domain::request_type::{Field, FieldKind, RawAnswers};
use portico_domain::validation::ValidationErrors;

/// One field as the template draws it.
pub struct FieldView<'a> {
    pub field: &'a Field,
    /// The input's id (and its label's `for`).
    pub id: String,
    pub values: Vec<String>,
    pub error: Option<String>,
    /// "Only if Model is Other", for a conditional field.
    pub condition: Option<String>,
}

impl FieldView<'_> {
    pub fn kind(&self) -> &'static str {
        self.field.kind.as_str()
    }

    pub fn value(&self) -> &str {
        self.values.iter().map(String::as_str).find(|v| !v.trim().is_empty()).unwrap_or_default()
    }

    pub fn chosen(&self, option: &str) -> bool {
        self.values.iter().any(|v| v == option)
    }

    pub fn ticked(&self) -> bool {
        self.values.iter().any(|v| matches!(v.as_str(), "true" | "on" | "yes" | "1"))
    }

    /// What the input's `aria-describedby` names: its help and its error.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.field.help.is_empty() || self.condition.is_some() {
            ids.push(format!("{}-help", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }

    pub fn input_type(&self) -> &'static str {
        match self.field.kind {
            FieldKind::Number => "text",
            FieldKind::Date => "date",
            FieldKind::Email => "email",
            _ => "text",
        }
    }

    pub fn input_mode(&self) -> &'static str {
        if self.field.kind == FieldKind::Number { "decimal" } else { "" }
    }
}

#[derive(Template)]
#[template(path = "request_fields.html")]
struct FieldsTemplate<'a> {
    fields: Vec<FieldView<'a>>,
}

/// The fields of a form, with what was typed and the refusals, as HTML.
pub fn render(
    fields: &[Field],
    values: &RawAnswers,
    errors: &ValidationErrors,
) -> Result<String, askama::Error> {
    let views = fields
        .iter()
        .map(|field| FieldView {
            field,
            id: format!("field-{}", field.key),
            values: values.get(&field.key).cloned().unwrap_or_default(),
            error: errors.message_for(&format!("fields.{}", field.key)).map(str::to_string),
            condition: field.show_when.as_ref().map(|condition| {
                let other = fields.iter().find(|f| f.key == condition.field);
                let value = match (other.map(|f| f.kind), condition.equals.as_str()) {
                    (Some(FieldKind::Checkbox), "true") => "ticked".to_string(),
                    (Some(FieldKind::Checkbox), _) => "not ticked".to_string(),
                    (_, value) => format!("“{value}”"),
                };
                format!(
                    "Only if {} is {value}.",
                    other.map_or(condition.field.as_str(), |f| f.label.as_str())
                )
            }),
        })
        .collect();
    FieldsTemplate { fields: views }.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_domain::request_type::answers_from_form;
    use portico_domain::request_type::{Condition, FieldKind};

    fn field(key: &str, kind: FieldKind) -> Field {
        Field {
            key: key.into(),
            label: format!("The {key}"),
            kind,
            required: true,
            options: if kind == FieldKind::Select { vec!["A".into(), "Other".into()] } else { vec![] },
            help: String::new(),
            show_when: None,
        }
    }

    #[test]
    fn every_field_is_labelled_keeps_its_value_and_says_its_condition() {
        let mut other = field("other", FieldKind::Text);
        other.show_when = Some(Condition { field: "model".into(), equals: "Other".into() });
        let fields = vec![field("model", FieldKind::Select), other, field("ok", FieldKind::Checkbox)];
        let values =
            answers_from_form([("fields[model]", "Other"), ("fields[other]", "<b>x</b>"), ("name", "y")]);
        assert_eq!(values.len(), 2);
        let mut errors = ValidationErrors::new();
        errors.push(portico_domain::validation::FieldError::new("fields.ok", "The ok must be ticked."));
        let html = render(&fields, &values, &errors).unwrap();
        assert!(html.contains(r#"<label for="field-model""#), "{html}");
        assert!(html.contains(r#"name="fields[other]""#));
        let escaped = html.contains("x&#60;/b&#62;") || html.contains("x&lt;/b&gt;");
        assert!(!html.contains("<b>x</b>") && escaped, "typed text is escaped: {html}");
        assert!(html.contains(r#"data-show-when="model""#) && html.contains("Only if The model is “Other”."));
        assert!(html.contains(r#"<option value="Other" selected>"#));
        assert!(html.contains("The ok must be ticked.") && html.contains(r#"aria-invalid="true""#));
    }
}
