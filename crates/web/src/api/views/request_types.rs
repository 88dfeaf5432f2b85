//! Request types on the wire.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::mirrored_enum;
use super::tickets::{TicketTypeView, UrgencyView};
use portico_core::usecases::request_types::Tailored;
use portico_domain::request_type::{self, Condition, Field, FieldDraft, RequestType, RequestTypeDraft};

mirrored_enum!(
    /// `text`, `textarea`, `number`, `date`, `email`, `select` (one option), `multiselect` (several) or `checkbox`.
    #[serde(rename_all = "lowercase")]
    FieldKindView as FieldKind from request_type::FieldKind {
        Text, Textarea, Number, Date, Email, Select, Multiselect, Checkbox
    }
);

/// Show the field only when an earlier field has this value (a checkbox: `"true"` or
/// `"false"`; a multiple choice: when it includes the value).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionView {
    /// The key of an earlier field.
    pub field: String,
    pub equals: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RequestTypeField)]
pub struct FieldView {
    /// Stable: answers are kept under it.
    pub key: String,
    pub label: String,
    pub kind: FieldKindView,
    pub required: bool,
    /// The choices of `select` and `multiselect`; empty otherwise.
    pub options: Vec<String>,
    pub help: String,
    pub show_when: Option<ConditionView>,
}

impl From<Field> for FieldView {
    fn from(field: Field) -> Self {
        let Field { key, label, kind, required, options, help, show_when } = field;
        Self {
            key,
            label,
            kind: kind.into(),
            required,
            options,
            help,
            show_when: show_when.map(|Condition { field, equals }| ConditionView { field, equals }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RequestType)]
pub struct RequestTypeView {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// A short symbol (an emoji) shown beside the name.
    pub icon: String,
    /// The catalogue groups types by category.
    pub category: String,
    /// The customers it is for; empty: every customer.
    pub customer_ids: Vec<Uuid>,
    /// The group its tickets go to; `null`: each portal's default group.
    pub assignment_group_id: Option<Uuid>,
    pub default_urgency: UrgencyView,
    pub ticket_type: TicketTypeView,
    pub fields: Vec<FieldView>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<RequestType> for RequestTypeView {
    fn from(found: RequestType) -> Self {
        let RequestType { id, settings, created_at, updated_at } = found;
        let request_type::RequestTypeSettings {
            name,
            description,
            icon,
            category,
            assignment_group_id,
            default_urgency,
            ticket_type,
            fields,
            customer_ids,
        } = settings;
        Self {
            id,
            name,
            description,
            icon,
            category,
            customer_ids,
            assignment_group_id,
            default_urgency: default_urgency.into(),
            ticket_type: ticket_type.into(),
            fields: fields.into_iter().map(FieldView::from).collect(),
            created_at,
            updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "RequestTypeFieldDraft", deny_unknown_fields)]
#[schema(as = RequestTypeFieldDraft)]
pub struct FieldBody {
    /// 1–40 of `a-z 0-9 _`, starting with a letter; unique within the type.
    pub key: Option<String>,
    pub label: Option<String>,
    /// `text`, `textarea`, `number`, `date`, `email`, `select`, `multiselect` or `checkbox`.
    pub kind: Option<String>,
    pub required: Option<bool>,
    pub options: Option<Vec<String>>,
    pub help: Option<String>,
    pub show_when: Option<ConditionView>,
}

/// What callers send to create (`name` required) or change (absent fields stay) a type;
/// `fields`, when sent, replaces the whole list in its order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "RequestTypeDraft", deny_unknown_fields)]
#[schema(as = RequestTypeDraft)]
pub struct RequestTypeBody {
    pub name: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub category: Option<String>,
    /// Empty: every customer.
    pub customer_ids: Option<Vec<Uuid>>,
    /// `null`: each portal's default group.
    #[serde(default, deserialize_with = "portico_domain::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub assignment_group_id: Option<Option<Uuid>>,
    /// `low`, `medium` (default) or `high`.
    pub default_urgency: Option<String>,
    /// `service_request` (default) or `incident`.
    pub ticket_type: Option<String>,
    pub fields: Option<Vec<FieldBody>>,
}

impl From<RequestTypeBody> for RequestTypeDraft {
    fn from(body: RequestTypeBody) -> Self {
        let RequestTypeBody {
            name,
            description,
            icon,
            category,
            customer_ids,
            assignment_group_id,
            default_urgency,
            ticket_type,
            fields,
        } = body;
        Self {
            name,
            description,
            icon,
            category,
            customer_ids,
            assignment_group_id,
            default_urgency,
            ticket_type,
            fields: fields.map(|fields| {
                fields
                    .into_iter()
                    .map(|FieldBody { key, label, kind, required, options, help, show_when }| FieldDraft {
                        key,
                        label,
                        kind,
                        required,
                        options,
                        help,
                        show_when: show_when
                            .map(|ConditionView { field, equals }| Condition { field, equals }),
                    })
                    .collect()
            }),
        }
    }
}

/// A type as one customer has it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CustomerRequestType)]
pub struct TailoredView {
    pub request_type: RequestTypeView,
    /// Hidden for this customer: its end users are not offered it.
    pub hidden: bool,
    /// This customer's own receiving group, instead of the type's; `null`: the type's.
    pub assignment_group_id: Option<Uuid>,
}

impl From<Tailored> for TailoredView {
    fn from(tailored: Tailored) -> Self {
        let Tailored { request_type, own } = tailored;
        Self {
            request_type: request_type.into(),
            hidden: own.hidden,
            assignment_group_id: own.assignment_group_id,
        }
    }
}

/// How a customer tailors a type (both fields replace what was set).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "CustomerRequestTypeDraft", deny_unknown_fields)]
#[schema(as = CustomerRequestTypeDraft)]
pub struct TailorBody {
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub assignment_group_id: Option<Uuid>,
}
