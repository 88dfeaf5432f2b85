//! `/team-members`: the MSP's staff. Admins add, change, deactivate and reset them.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiCaller, ApiJson, ApiQuery, PathId};
use super::views::Page;
use super::views::team::{
    ApiTokenView, ConsoleSettingsBody, ConsoleSettingsView, TeamMemberDraftBody, TeamMemberView,
};
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::mfa;
use portico_core::usecases::team::{self, NewPassword, OneTimePassword};
use portico_domain::page::PageRequest;
use portico_domain::team::TeamMember;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TeamListQuery {
    /// Case-insensitive search in name and e-mail.
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// A team member with the password they sign in with first, shown only in this response.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberWithPassword {
    #[serde(flatten)]
    pub member: TeamMemberView,
    /// Generated; hand it to the member, who should change it. Portico keeps only its hash.
    pub password: String,
}

impl TeamMemberWithPassword {
    fn new((member, OneTimePassword(password)): (TeamMember, OneTimePassword), mfa_enabled: bool) -> Self {
        Self { member: TeamMemberView::new(member, mfa_enabled), password }
    }
}

/// Lists team members by name.
#[utoipa::path(get, path = "/team-members", tag = "team members", params(TeamListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<TeamMemberView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<TeamListQuery>,
) -> AppResult<Json<Page<TeamMemberView>>> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let found = team::list_team_members(&state.core, &caller.actor(), query.q.as_deref(), &page).await?;
    let with_mfa = team::members_with_second_step(&state.core, &caller.actor()).await?;
    let items = found.items.into_iter().map(|m| {
        let mfa_enabled = with_mfa.contains(&m.id);
        TeamMemberView::new(m, mfa_enabled)
    });
    Ok(Json(Page { items: items.collect(), next_cursor: found.next_cursor }))
}

/// Adds a team member (admins only) with a generated password, returned only here.
#[utoipa::path(post, path = "/team-members", tag = "team members", request_body = TeamMemberDraftBody,
    security(("bearer" = [])),
    responses((status = 201, body = TeamMemberWithPassword), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<TeamMemberDraftBody>,
) -> AppResult<impl IntoResponse> {
    let created =
        team::create_team_member(&state.core, &caller.actor(), body.into(), NewPassword::Generated).await?;
    // A new member has no second step yet.
    let created = TeamMemberWithPassword::new(created, false);
    let location = format!("/api/v1/team-members/{}", created.member.id);
    let no_store = (header::CACHE_CONTROL, "no-store".to_string());
    Ok((StatusCode::CREATED, [(header::LOCATION, location), no_store], Json(created)))
}

/// One team member.
#[utoipa::path(get, path = "/team-members/{id}", tag = "team members", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = TeamMemberView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<TeamMemberView>> {
    let member = team::team_member(&state.core, &caller.actor(), id).await?;
    let mfa_enabled = team::second_step_due(&state.core, &caller.actor(), id).await?;
    Ok(Json(TeamMemberView::new(member, mfa_enabled)))
}

/// Changes the name, role or standing (admins only). Nobody changes their own role or
/// deactivates themselves, and the last active admin stays one.
#[utoipa::path(patch, path = "/team-members/{id}", tag = "team members", params(("id" = Uuid, Path)),
    request_body = TeamMemberDraftBody, security(("bearer" = [])),
    responses((status = 200, body = TeamMemberView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(body): ApiJson<TeamMemberDraftBody>,
) -> AppResult<Json<TeamMemberView>> {
    let member = team::update_team_member(&state.core, &caller.actor(), id, body.into()).await?;
    let mfa_enabled = team::second_step_due(&state.core, &caller.actor(), id).await?;
    Ok(Json(TeamMemberView::new(member, mfa_enabled)))
}

/// Sets a generated password (admins only), returned only here; the member's console sessions
/// end. API tokens are separate credentials and keep working (revoke them with `portico token revoke`).
#[utoipa::path(post, path = "/team-members/{id}/password", tag = "team members", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = TeamMemberWithPassword), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    let reset = team::reset_password(&state.core, &caller.actor(), id, NewPassword::Generated).await?;
    let mfa_enabled = team::second_step_due(&state.core, &caller.actor(), id).await?;
    let reset = TeamMemberWithPassword::new(reset, mfa_enabled);
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(reset)))
}

/// A member's API tokens (never the tokens themselves), with when and from which client address
/// each was last used: for the member and for admins.
#[utoipa::path(get, path = "/team-members/{id}/api-tokens", tag = "team members", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ApiTokenView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn api_tokens(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<Vec<ApiTokenView>>> {
    let tokens = team::api_tokens_of(&state.core, &caller.actor(), id).await?;
    Ok(Json(tokens.into_iter().map(ApiTokenView::from).collect()))
}

/// Removes a member's two-step sign-in (admins only, not their own): their authenticator app
/// and recovery codes stop working and their console sessions end.
#[utoipa::path(post, path = "/team-members/{id}/mfa/reset", tag = "team members", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = TeamMemberView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn reset_mfa(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<TeamMemberView>> {
    Ok(Json(TeamMemberView::new(mfa::reset(&state.core, &caller.actor(), id).await?, false)))
}

/// The console's security settings.
#[utoipa::path(get, path = "/console-settings", tag = "team members", security(("bearer" = [])),
    responses((status = 200, body = ConsoleSettingsView), (status = 401, body = Problem)))]
pub async fn console_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> AppResult<Json<ConsoleSettingsView>> {
    let mfa_required = mfa::mfa_required(&state.core, &caller.actor()).await?;
    Ok(Json(ConsoleSettingsView { mfa_required }))
}

/// Changes the console's security settings (admins only).
#[utoipa::path(patch, path = "/console-settings", tag = "team members", request_body = ConsoleSettingsBody,
    security(("bearer" = [])),
    responses((status = 200, body = ConsoleSettingsView), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn update_console_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<ConsoleSettingsBody>,
) -> AppResult<Json<ConsoleSettingsView>> {
    let mfa_required = mfa::set_mfa_required(&state.core, &caller.actor(), body.mfa_required).await?;
    Ok(Json(ConsoleSettingsView { mfa_required }))
}
