//! Request types: the service catalogue. Each type has its own form (fields of eight kinds, some
//! shown only when another field has a given value), its own receiving group and urgency, and is
//! offered to every customer or to chosen ones; a customer can hide a global type or route it to
//! another group. The answers a ticket is filed with are kept with their labels, so editing a
//! type never changes or loses what earlier tickets say.
//!
//! `draft` reads a request type as callers send it; `answers` reads what a person filled in
//! against the type's form.

mod answers;
mod draft;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ticket::{TicketType, Urgency};
use super::validation::FieldError;
pub use crate::answer::{Answer, answers_text};
pub use answers::{RawAnswers, answer, answers_from_form, raw_answers, shown_keys};
pub use draft::{FieldDraft, RequestTypeDraft};

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
pub(crate) const SHORT_ANSWER_MAX: usize = 1000;
pub(crate) const LONG_ANSWER_MAX: usize = 10_000;

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

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
