//! Tickets and their comments on the wire.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::mirrored_enum;
use portico_domain::ticket::{self, Comment, Ticket};

mirrored_enum!(#[serde(rename_all = "snake_case")]
    TicketTypeView as TicketType from ticket::TicketType { Incident, ServiceRequest });
mirrored_enum!(#[serde(rename_all = "snake_case")]
    UrgencyView as Urgency from ticket::Urgency { Low, Medium, High });
mirrored_enum!(#[serde(rename_all = "snake_case")]
    StatusView as Status from ticket::Status { New, InProgress, OnHold, Resolved, Closed });
mirrored_enum!(#[serde(rename_all = "snake_case")]
    AuthorKindView as AuthorKind from ticket::AuthorKind { EndUser, TeamMember });
mirrored_enum!(#[serde(rename_all = "snake_case")]
    ContactSourceView as ContactSource from ticket::ContactSource { Portal, Console, Api, Email });

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Ticket)]
pub struct TicketView {
    pub id: Uuid,
    /// The human-readable number, e.g. `T-000123`.
    pub number: String,
    pub customer_id: Uuid,
    pub requester_id: Uuid,
    #[serde(rename = "type")]
    pub kind: TicketTypeView,
    pub short_description: String,
    pub description: String,
    pub urgency: UrgencyView,
    pub status: StatusView,
    pub assignment_group_id: Uuid,
    pub assignee_id: Option<Uuid>,
    pub contact_source: ContactSourceView,
    /// The request type it was filed through (`null`: none, or the type was removed since).
    pub request_type_id: Option<Uuid>,
    /// The answers to the type's form, by field key: text, a number, `true`/`false`, or a list.
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The label each answered field had when the ticket was filed, by field key.
    #[schema(value_type = Object)]
    pub field_labels: serde_json::Map<String, serde_json::Value>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<Ticket> for TicketView {
    fn from(ticket: Ticket) -> Self {
        let Ticket {
            id,
            number,
            customer_id,
            requester_id,
            kind,
            short_description,
            description,
            urgency,
            status,
            assignment_group_id,
            assignee_id,
            contact_source,
            request_type_id,
            answers,
            created_at,
            updated_at,
        } = ticket;
        let fields = answers.iter().map(|a| (a.key.clone(), a.value.clone())).collect();
        let field_labels = answers.into_iter().map(|a| (a.key, serde_json::Value::String(a.label))).collect();
        Self {
            id,
            number,
            customer_id,
            requester_id,
            kind: kind.into(),
            short_description,
            description,
            urgency: urgency.into(),
            status: status.into(),
            assignment_group_id,
            assignee_id,
            contact_source: contact_source.into(),
            request_type_id,
            fields,
            field_labels,
            created_at,
            updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Comment)]
pub struct CommentView {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub body: String,
    /// `false` for internal notes, which end users never see.
    pub public: bool,
    pub author_kind: AuthorKindView,
    pub author_id: Uuid,
    pub author_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<Comment> for CommentView {
    fn from(comment: Comment) -> Self {
        let Comment { id, ticket_id, body, public, author_kind, author_id, author_name, created_at } =
            comment;
        Self {
            id,
            ticket_id,
            body,
            public,
            author_kind: author_kind.into(),
            author_id,
            author_name,
            created_at,
        }
    }
}
