//! `/tickets/{id}/followers`: the end users of the ticket's customer it is shared with.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{ApiCaller, ApiJson, PathId};
use super::views::end_users::EndUserView;
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::tickets;

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowerList {
    pub items: Vec<EndUserView>,
}

/// Lists who follows the ticket (besides its requester).
#[utoipa::path(get, path = "/tickets/{id}/followers", tag = "tickets", params(("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = FollowerList), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<FollowerList>> {
    let followers = tickets::followers_of(&state.core, &caller.actor(), id).await?;
    Ok(Json(FollowerList { items: followers.into_iter().map(EndUserView::from).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFollowerBody {
    /// An active end user of the ticket's customer.
    pub end_user_id: Uuid,
}

/// Shares the ticket with an end user of its customer: they see it in the portal, may reply,
/// and get its e-mails. Adding a follower twice (or the requester) changes nothing.
#[utoipa::path(post, path = "/tickets/{id}/followers", tag = "tickets", params(("id" = Uuid, Path)),
    request_body = NewFollowerBody, security(("bearer" = [])),
    responses((status = 200, body = EndUserView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(body): ApiJson<NewFollowerBody>,
) -> AppResult<Json<EndUserView>> {
    let follower = tickets::add_follower(&state.core, &caller.actor(), id, body.end_user_id).await?;
    Ok(Json(follower.into()))
}

/// The `{id}` (ticket) and `{end_user_id}` of a follower path.
#[derive(serde::Deserialize)]
#[serde(from = "(Uuid, Uuid)")]
pub struct FollowerPath {
    ticket_id: Uuid,
    end_user_id: Uuid,
}

impl From<(Uuid, Uuid)> for FollowerPath {
    fn from((ticket_id, end_user_id): (Uuid, Uuid)) -> Self {
        Self { ticket_id, end_user_id }
    }
}

crate::path::path_values! { FollowerPath => AppError = AppError::NotFound("follower"); }

/// Stops sharing the ticket with the end user.
#[utoipa::path(delete, path = "/tickets/{id}/followers/{end_user_id}", tag = "tickets",
    params(("id" = Uuid, Path), ("end_user_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "No longer shared"), (status = 404, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    path: FollowerPath,
) -> AppResult<StatusCode> {
    tickets::remove_follower(&state.core, &caller.actor(), path.ticket_id, path.end_user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
