//! `/tickets`: tickets of every customer, for technicians and integrations.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{ApiCaller, ApiJson, ApiQuery, PathId};
use super::views::Page;
use super::views::tickets::{CommentView, TicketView};
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::tickets::{self, TicketRequest, TypedRequest, Visibility};
use portico_domain::page::PageRequest;
use portico_domain::patch::nullable;
use portico_domain::request_type::raw_answers;
use portico_domain::ticket::{ContactSource, Status, TicketDraft, Urgency};
use portico_domain::ticket::{TicketChanges, TicketFilter};
use portico_domain::validation::FieldError;
use portico_domain::validation::ValidationErrors;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TicketListQuery {
    customer_id: Option<Uuid>,
    assignment_group_id: Option<Uuid>,
    /// `new`, `in_progress`, `on_hold`, `resolved` or `closed`.
    status: Option<String>,
    /// Only tickets filed through this request type.
    request_type_id: Option<Uuid>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// Tickets, open ones first, then by last change.
#[utoipa::path(get, path = "/tickets", tag = "tickets", params(TicketListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<TicketView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<TicketListQuery>,
) -> AppResult<Json<Page<TicketView>>> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let status = query.status.as_deref().map(Status::parse).transpose()?;
    let filter = TicketFilter {
        customer_id: query.customer_id,
        assignment_group_ids: query.assignment_group_id.map(|id| vec![id]),
        status,
        request_type_id: query.request_type_id,
        ..Default::default()
    };
    Ok(Json(tickets::list_tickets(&state.core, &caller.actor(), &filter, &page).await?.into()))
}

/// A ticket as an integration creates it: for an end user of a customer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketBody {
    pub customer_id: Uuid,
    pub requester_id: Uuid,
    /// `incident` or `service_request`. Required without `request_type_id`; with one, the
    /// type's ticket type.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Required without `request_type_id`; with one, the type's name unless given.
    #[serde(default)]
    pub short_description: Option<String>,
    #[serde(default)]
    pub description: String,
    /// File it through a request type offered to the customer (not hidden for it).
    #[serde(default)]
    pub request_type_id: Option<Uuid>,
    /// The answers to the type's form, by field key: text, a number, `true`/`false`, or a
    /// list of options for a multiple choice. Only fields the form shows are accepted.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// `low`, `medium` (default) or `high`.
    #[serde(default)]
    pub urgency: Option<String>,
    /// Default: the portal's default assignment group.
    #[serde(default)]
    pub assignment_group_id: Option<Uuid>,
}

/// Creates a ticket (contact source `api`).
#[utoipa::path(post, path = "/tickets", tag = "tickets", request_body = NewTicketBody, security(("bearer" = [])),
    responses((status = 201, body = TicketView), (status = 400, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<NewTicketBody>,
) -> AppResult<impl IntoResponse> {
    let typed = match (body.request_type_id, &body.fields) {
        (Some(request_type_id), fields) => {
            let empty = serde_json::Map::new();
            let answers = raw_answers(fields.as_ref().unwrap_or(&empty))?;
            Some(TypedRequest { request_type_id, answers })
        }
        (None, Some(_)) => {
            return Err(ValidationErrors::from(FieldError::new(
                "fields",
                "Fields are the answers to a request type's form: send request_type_id with them.",
            ))
            .into());
        }
        (None, None) => None,
    };
    let request = TicketRequest {
        draft: TicketDraft {
            kind: body.kind,
            short_description: body.short_description,
            description: Some(body.description),
            urgency: body.urgency,
        },
        customer_id: body.customer_id,
        requester_id: body.requester_id,
        assignment_group_id: body.assignment_group_id,
        source: ContactSource::Api,
        submission_key: None,
        typed,
    };
    let ticket = tickets::submit_ticket(&state.core, &caller.actor(), request).await?.ticket;
    let location = format!("/api/v1/tickets/{}", ticket.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(TicketView::from(ticket))))
}

#[utoipa::path(get, path = "/tickets/{id}", tag = "tickets", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = TicketView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<TicketView>> {
    Ok(Json(tickets::ticket(&state.core, &caller.actor(), id).await?.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    pub status: Option<String>,
    pub urgency: Option<String>,
    pub assignment_group_id: Option<Uuid>,
    /// `null` unassigns.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub assignee_id: Option<Option<Uuid>>,
}

/// Changes status, urgency, group or assignee (a member of the group).
#[utoipa::path(patch, path = "/tickets/{id}", tag = "tickets", params(("id" = Uuid, Path)), request_body = TicketPatch,
    security(("bearer" = [])),
    responses((status = 200, body = TicketView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(patch): ApiJson<TicketPatch>,
) -> AppResult<Json<TicketView>> {
    tickets::ticket_for(&state.core, &caller.actor(), id).await?;
    let mut errors = ValidationErrors::new();
    let status = patch.status.as_deref().and_then(|raw| errors.check(Status::parse(raw)));
    let urgency = patch.urgency.as_deref().and_then(|raw| errors.check(Urgency::parse(raw)));
    errors.into_result()?;
    let changes = TicketChanges {
        status,
        urgency,
        assignment_group_id: patch.assignment_group_id,
        assignee_id: patch.assignee_id,
    };
    Ok(Json(tickets::update_ticket(&state.core, &caller.actor(), id, changes).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentList {
    pub items: Vec<CommentView>,
}

/// The whole conversation, internal notes included, oldest first.
#[utoipa::path(get, path = "/tickets/{id}/comments", tag = "tickets", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = CommentList), (status = 404, body = Problem)))]
pub async fn comments(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<CommentList>> {
    tickets::ticket(&state.core, &caller.actor(), id).await?;
    let items = tickets::comments(&state.core, &caller.actor(), id)
        .await?
        .into_iter()
        .map(CommentView::from)
        .collect();
    Ok(Json(CommentList { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    pub body: String,
    /// `true`: a reply the requester sees; `false`: an internal note.
    pub public: bool,
}

/// Adds a public reply or an internal note, as the calling team member.
#[utoipa::path(post, path = "/tickets/{id}/comments", tag = "tickets", params(("id" = Uuid, Path)), request_body = NewComment,
    security(("bearer" = [])),
    responses((status = 201, body = CommentView), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_comment(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(body): ApiJson<NewComment>,
) -> AppResult<impl IntoResponse> {
    let visibility = if body.public { Visibility::Public } else { Visibility::Internal };
    let comment = tickets::comment(&state.core, &caller.actor(), id, &body.body, visibility).await?;
    Ok((StatusCode::CREATED, Json(CommentView::from(comment))))
}
