//! `/team-members`: the MSP's staff (read-only here; created with `portico admin create`).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiCaller, ApiQuery};
use crate::app::AppState;
use crate::domain::page::{Page, PageRequest};
use crate::domain::team::TeamMember;
use crate::error::{AppResult, Problem};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TeamListQuery {
    /// Case-insensitive search in name and e-mail.
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// Lists team members by name.
#[utoipa::path(get, path = "/team-members", tag = "team members", params(TeamListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<TeamMember>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiQuery(query): ApiQuery<TeamListQuery>,
) -> AppResult<Json<Page<TeamMember>>> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    Ok(Json(state.store.list_team_members(query.q.as_deref(), &page).await?))
}
