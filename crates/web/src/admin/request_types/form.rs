//! The request type builder's form: what it posts (every field of the draft, in order, named by
//! the path the domain's errors use, so `fields[2].options` is both an input's name and where its
//! refusal shows), the edits that re-render it (add, move, remove a field) and the draft it makes.

use uuid::Uuid;

use portico_domain::request_type::{
    Condition, Field, FieldDraft, FieldKind, RequestTypeDraft, RequestTypeSettings,
};
use portico_domain::ticket::{TicketType, Urgency};
use portico_domain::validation::{FieldError, ValidationErrors};

/// One field of the form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldForm {
    pub key: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    /// One option per line.
    pub options: String,
    pub help: String,
    /// The key of an earlier field; empty: always shown.
    pub show_field: String,
    pub show_equals: String,
}

impl FieldForm {
    fn from_field(field: &Field) -> Self {
        Self {
            key: field.key.clone(),
            label: field.label.clone(),
            kind: field.kind.as_str().to_string(),
            required: field.required,
            options: field.options.join("\n"),
            help: field.help.clone(),
            show_field: field.show_when.as_ref().map(|c| c.field.clone()).unwrap_or_default(),
            show_equals: field.show_when.as_ref().map(|c| c.equals.clone()).unwrap_or_default(),
        }
    }

    fn kind(&self) -> Option<FieldKind> {
        FieldKind::parse("kind", &self.kind).ok()
    }

    /// Whether the field chooses from options (its options box matters).
    pub fn has_options(&self) -> bool {
        self.kind().is_some_and(FieldKind::has_options)
    }

    pub fn option_lines(&self) -> Vec<String> {
        self.options.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
    }

    fn draft(&self) -> FieldDraft {
        FieldDraft {
            key: Some(self.key.clone()),
            label: Some(self.label.clone()),
            kind: Some(self.kind.clone()),
            required: Some(self.required),
            // The options box is kept for every kind (switching back finds it filled) but only
            // a choice's options are part of the type.
            options: Some(if self.has_options() { self.option_lines() } else { Vec::new() }),
            help: Some(self.help.clone()),
            show_when: (!self.show_field.trim().is_empty())
                .then(|| Condition { field: self.show_field.clone(), equals: self.show_equals.clone() }),
        }
    }
}

/// The whole builder form, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuilderForm {
    pub name: String,
    pub description: String,
    pub icon: String,
    pub category: String,
    /// A group id; empty: the portal's default group.
    pub assignment_group_id: String,
    pub default_urgency: String,
    pub ticket_type: String,
    /// `all` or `chosen`.
    pub audience: String,
    pub customer_ids: Vec<String>,
    pub fields: Vec<FieldForm>,
}

impl Default for BuilderForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            description: String::new(),
            icon: String::new(),
            category: String::new(),
            assignment_group_id: String::new(),
            default_urgency: Urgency::Medium.as_str().into(),
            ticket_type: TicketType::ServiceRequest.as_str().into(),
            audience: "all".into(),
            customer_ids: Vec::new(),
            fields: Vec::new(),
        }
    }
}

/// What a post asks the builder to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Save,
    /// Re-render with the draft (the preview follows).
    Refresh,
    Add,
    Up(usize),
    Down(usize),
    Remove(usize),
}

impl Edit {
    pub fn parse(raw: &str) -> Self {
        let index = |rest: &str| rest.parse::<usize>().ok();
        match raw.split_once('.') {
            None if raw == "save" => Self::Save,
            None if raw == "add" => Self::Add,
            Some(("up", n)) => index(n).map_or(Self::Refresh, Self::Up),
            Some(("down", n)) => index(n).map_or(Self::Refresh, Self::Down),
            Some(("remove", n)) => index(n).map_or(Self::Refresh, Self::Remove),
            _ => Self::Refresh,
        }
    }
}

impl BuilderForm {
    pub fn from_settings(settings: &RequestTypeSettings) -> Self {
        Self {
            name: settings.name.clone(),
            description: settings.description.clone(),
            icon: settings.icon.clone(),
            category: settings.category.clone(),
            assignment_group_id: settings.assignment_group_id.map(|id| id.to_string()).unwrap_or_default(),
            default_urgency: settings.default_urgency.as_str().into(),
            ticket_type: settings.ticket_type.as_str().into(),
            audience: if settings.customer_ids.is_empty() { "all" } else { "chosen" }.into(),
            customer_ids: settings.customer_ids.iter().map(Uuid::to_string).collect(),
            fields: settings.fields.iter().map(FieldForm::from_field).collect(),
        }
    }

    /// Reads the posted pairs: `fields[N].key` and the like for each field, in the order of N.
    pub fn from_pairs(pairs: &[(String, String)]) -> (Self, Edit) {
        let mut form = Self { audience: String::new(), ..Self::default() };
        let mut edit = Edit::Refresh;
        let mut fields: std::collections::BTreeMap<usize, FieldForm> = Default::default();
        for (name, value) in pairs {
            if let Some(rest) = name.strip_prefix("fields[") {
                let Some((index, part)) = rest.split_once("].") else { continue };
                let Ok(index) = index.parse::<usize>() else { continue };
                if index >= portico_domain::request_type::FIELDS_MAX * 2 {
                    continue;
                }
                let field = fields.entry(index).or_default();
                match part {
                    "key" => field.key = value.clone(),
                    "label" => field.label = value.clone(),
                    "kind" => field.kind = value.clone(),
                    "required" => field.required = value == "true",
                    "options" => field.options = value.clone(),
                    "help" => field.help = value.clone(),
                    "show_when.field" => field.show_field = value.clone(),
                    "show_when.equals" => field.show_equals = value.clone(),
                    _ => {}
                }
                continue;
            }
            match name.as_str() {
                "name" => form.name = value.clone(),
                "description" => form.description = value.clone(),
                "icon" => form.icon = value.clone(),
                "category" => form.category = value.clone(),
                "assignment_group_id" => form.assignment_group_id = value.clone(),
                "default_urgency" => form.default_urgency = value.clone(),
                "ticket_type" => form.ticket_type = value.clone(),
                "audience" => form.audience = value.clone(),
                "customer_ids" => form.customer_ids.push(value.clone()),
                "action" => edit = Edit::parse(value),
                _ => {}
            }
        }
        if form.audience.is_empty() {
            form.audience = "all".into();
        }
        form.fields = fields.into_values().collect();
        (form, edit)
    }

    /// Applies an add, move or remove; `false` when there was nothing to do.
    pub fn edit(&mut self, edit: Edit) -> bool {
        let count = self.fields.len();
        match edit {
            Edit::Add => {
                let n = (1..).find(|n| !self.fields.iter().any(|f| f.key == format!("field_{n}")));
                self.fields.push(FieldForm {
                    key: format!("field_{}", n.unwrap_or(count + 1)),
                    kind: FieldKind::Text.as_str().into(),
                    ..Default::default()
                });
            }
            Edit::Up(n) if n > 0 && n < count => self.fields.swap(n, n - 1),
            Edit::Down(n) if n + 1 < count => self.fields.swap(n, n + 1),
            Edit::Remove(n) if n < count => {
                self.fields.remove(n);
            }
            _ => return false,
        }
        true
    }

    pub fn for_all(&self) -> bool {
        self.audience != "chosen"
    }

    pub fn has_customer(&self, id: &Uuid) -> bool {
        self.customer_ids.iter().any(|c| c == &id.to_string())
    }

    /// The draft the domain checks; what only the form can get wrong (a choice that is no id,
    /// chosen customers without any) is refused here, under the same names.
    pub fn draft(&self) -> Result<RequestTypeDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let assignment_group_id = match self.assignment_group_id.trim() {
            "" => Some(None),
            raw => errors.check(Uuid::parse_str(raw).map(Some).map_err(|_| {
                FieldError::new("assignment_group_id", "Choose a receiving group from the list.")
            })),
        };
        let mut customer_ids = Vec::new();
        if !self.for_all() {
            for raw in &self.customer_ids {
                match Uuid::parse_str(raw.trim()) {
                    Ok(id) => customer_ids.push(id),
                    Err(_) => errors.push(FieldError::new("customer_ids", "Choose customers from the list.")),
                }
            }
            if customer_ids.is_empty() && errors.is_empty() {
                errors.push(FieldError::new(
                    "customer_ids",
                    "Choose at least one customer, or offer the type to all customers.",
                ));
            }
        }
        errors.into_result()?;
        Ok(RequestTypeDraft {
            name: Some(self.name.clone()),
            description: Some(self.description.clone()),
            icon: Some(self.icon.clone()),
            category: Some(self.category.clone()),
            customer_ids: Some(customer_ids),
            assignment_group_id,
            default_urgency: Some(self.default_urgency.clone()),
            ticket_type: Some(self.ticket_type.clone()),
            fields: Some(self.fields.iter().map(FieldForm::draft).collect()),
        })
    }

    /// The fields as the portal would render them: the checked ones when the draft is valid,
    /// else as near as the draft allows (unknown kinds as short text, conditions only on earlier
    /// fields), so the preview follows every edit.
    pub fn preview_fields(&self) -> (Vec<Field>, bool) {
        if let Ok(settings) = self.draft().map_err(|_| ()).and_then(|d| d.apply(None).map_err(|_| ())) {
            return (settings.fields, true);
        }
        let mut fields: Vec<Field> = Vec::new();
        for (index, form) in self.fields.iter().enumerate() {
            let mut key = form.key.trim().to_string();
            if key.is_empty() || fields.iter().any(|f| f.key == key) {
                key = format!("field_{}", index + 1);
            }
            let kind = form.kind().unwrap_or(FieldKind::Text);
            let show_when = fields.iter().any(|f| f.key == form.show_field.trim()).then(|| Condition {
                field: form.show_field.trim().into(),
                equals: form.show_equals.trim().into(),
            });
            fields.push(Field {
                key,
                label: if form.label.trim().is_empty() {
                    format!("Field {}", index + 1)
                } else {
                    form.label.trim().to_string()
                },
                kind,
                required: form.required,
                options: if kind.has_options() { form.option_lines() } else { Vec::new() },
                help: form.help.trim().to_string(),
                show_when,
            });
        }
        (fields, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn fields_are_read_in_the_order_of_their_index_and_edits_keep_them() {
        let (mut form, edit) = BuilderForm::from_pairs(&pairs(&[
            ("name", "Laptop"),
            ("fields[1].key", "model"),
            ("fields[1].kind", "select"),
            ("fields[1].options", "A\r\n\r\n B \n"),
            ("fields[0].key", "why"),
            ("fields[0].required", "true"),
            ("action", "down.0"),
        ]));
        assert_eq!(edit, Edit::Down(0));
        assert_eq!(form.fields[0].key, "why");
        assert!(form.fields[0].required);
        assert_eq!(form.fields[1].option_lines(), ["A", "B"]);
        assert!(form.edit(edit));
        assert_eq!(form.fields[0].key, "model");
        assert!(!form.edit(Edit::Down(1)), "the last field cannot move down");
        assert!(form.edit(Edit::Add));
        assert_eq!(form.fields[2].key, "field_1");
        assert!(form.edit(Edit::Remove(0)));
        assert_eq!(form.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["why", "field_1"]);
        assert_eq!(Edit::parse("remove.x"), Edit::Refresh);
    }

    #[test]
    fn options_belong_to_choices_only_and_chosen_customers_need_one() {
        let mut form = BuilderForm {
            name: "T".into(),
            fields: vec![FieldForm {
                key: "a".into(),
                label: "A".into(),
                kind: "text".into(),
                options: "kept for later".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let settings = form.draft().unwrap().apply(None).unwrap();
        assert!(settings.fields[0].options.is_empty());
        form.audience = "chosen".into();
        assert!(form.draft().unwrap_err().message_for("customer_ids").unwrap().contains("at least one"));
    }
}
