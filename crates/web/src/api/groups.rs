//! `/assignment-groups`: global and customer-specific response teams.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiCaller, ApiJson, ApiQuery, PathId};
use super::views::Page;
use super::views::groups::{AssignmentGroupView, GroupDraftBody};
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::groups;
use portico_domain::group::GroupFilter;
use portico_domain::page::PageRequest;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GroupListQuery {
    /// Case-insensitive search in the name.
    q: Option<String>,
    /// Only groups usable for this customer: the global ones and the customer's own.
    customer_id: Option<Uuid>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// Lists assignment groups by name, the built-in Everyone group included.
#[utoipa::path(get, path = "/assignment-groups", tag = "assignment groups", params(GroupListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<AssignmentGroupView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<GroupListQuery>,
) -> AppResult<Json<Page<AssignmentGroupView>>> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let filter = GroupFilter { search: query.q, usable_for: query.customer_id };
    Ok(Json(groups::list_groups(&state.core, &caller.actor(), &filter, &page).await?.into()))
}

/// Creates a group (admins only): `customer_id` null for a global group.
#[utoipa::path(post, path = "/assignment-groups", tag = "assignment groups", request_body = GroupDraftBody,
    security(("bearer" = [])),
    responses((status = 201, body = AssignmentGroupView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<GroupDraftBody>,
) -> AppResult<impl IntoResponse> {
    let group = groups::create_group(&state.core, &caller.actor(), body.into()).await?;
    let location = format!("/api/v1/assignment-groups/{}", group.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(AssignmentGroupView::from(group))))
}

#[utoipa::path(get, path = "/assignment-groups/{id}", tag = "assignment groups", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = AssignmentGroupView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<AssignmentGroupView>> {
    Ok(Json(groups::group(&state.core, &caller.actor(), id).await?.into()))
}

/// Changes name, manager or members (admins only). The Everyone group cannot be changed.
#[utoipa::path(patch, path = "/assignment-groups/{id}", tag = "assignment groups", params(("id" = Uuid, Path)),
    request_body = GroupDraftBody, security(("bearer" = [])),
    responses((status = 200, body = AssignmentGroupView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(body): ApiJson<GroupDraftBody>,
) -> AppResult<Json<AssignmentGroupView>> {
    Ok(Json(groups::update_group(&state.core, &caller.actor(), id, body.into()).await?.into()))
}

/// Deletes a group (admins only). The Everyone group cannot be deleted.
#[utoipa::path(delete, path = "/assignment-groups/{id}", tag = "assignment groups", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<StatusCode> {
    groups::delete_group(&state.core, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
