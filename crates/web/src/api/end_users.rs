//! End users of a customer.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiCaller, ApiJson, ApiQuery, PathId};
use super::views::Page;
use super::views::end_users::{EndUserDraftBody, EndUserView};
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::{customers, end_users};
use portico_domain::page::PageRequest;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EndUserListQuery {
    /// Case-insensitive search in name and e-mail.
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// Lists a customer's end users by name.
#[utoipa::path(get, path = "/customers/{id}/end-users", tag = "end users",
    params(("id" = Uuid, Path, description = "The customer"), EndUserListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<EndUserView>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(customer_id): PathId,
    ApiQuery(query): ApiQuery<EndUserListQuery>,
) -> AppResult<Json<Page<EndUserView>>> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    customers::customer(&state.core, &caller.actor(), customer_id).await?;
    Ok(Json(
        end_users::list_end_users(&state.core, &caller.actor(), customer_id, query.q.as_deref(), &page)
            .await?
            .into(),
    ))
}

/// Adds an end user to the customer (admins only).
#[utoipa::path(post, path = "/customers/{id}/end-users", tag = "end users",
    params(("id" = Uuid, Path, description = "The customer")), request_body = EndUserDraftBody, security(("bearer" = [])),
    responses((status = 201, body = EndUserView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(customer_id): PathId,
    ApiJson(body): ApiJson<EndUserDraftBody>,
) -> AppResult<impl IntoResponse> {
    let user = end_users::create_end_user(&state.core, &caller.actor(), customer_id, body.into()).await?;
    let location = format!("/api/v1/end-users/{}", user.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(EndUserView::from(user))))
}

#[utoipa::path(get, path = "/end-users/{id}", tag = "end users", params(("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = EndUserView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<EndUserView>> {
    Ok(Json(end_users::end_user(&state.core, &caller.actor(), id).await?.into()))
}

/// Changes name, e-mail or the active flag (admins only); `"active": false` deactivates.
#[utoipa::path(patch, path = "/end-users/{id}", tag = "end users", params(("id" = Uuid, Path)),
    request_body = EndUserDraftBody, security(("bearer" = [])),
    responses((status = 200, body = EndUserView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(body): ApiJson<EndUserDraftBody>,
) -> AppResult<Json<EndUserView>> {
    Ok(Json(end_users::update_end_user(&state.core, &caller.actor(), id, body.into()).await?.into()))
}
