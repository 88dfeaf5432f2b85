//! `/customers/{id}/portal/sso-configs`: how the portal's end users sign in.

use axum::Json;
use axum::extract::State;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{ApiCaller, ApiJson, PathId};
use super::views::sso::SsoDraftBody;
use crate::api::sso_service::{self, SsoConfigView};
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use portico_core::sso::provider::Check;
use portico_core::usecases::sso;

/// The `{id}` (customer) and `{sso_id}` of a configuration path.
#[derive(serde::Deserialize)]
#[serde(from = "(Uuid, Uuid)")]
pub struct SsoPath {
    customer_id: Uuid,
    sso_id: Uuid,
}

impl From<(Uuid, Uuid)> for SsoPath {
    fn from((customer_id, sso_id): (Uuid, Uuid)) -> Self {
        Self { customer_id, sso_id }
    }
}

crate::path::path_values! { SsoPath => AppError = AppError::NotFound("SSO configuration"); }

#[derive(Debug, Serialize, ToSchema)]
pub struct SsoConfigList {
    pub items: Vec<SsoConfigView>,
}

/// The portal's SSO configurations.
#[utoipa::path(get, path = "/customers/{id}/portal/sso-configs", tag = "single sign-on",
    params(("id" = Uuid, Path, description = "The customer")), security(("bearer" = [])),
    responses((status = 200, body = SsoConfigList), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<SsoConfigList>> {
    let mut items = Vec::new();
    for config in sso::sso_configs(&state.core, &caller.actor(), id).await? {
        items.push(sso_service::view(&state, &caller.actor(), &config).await?);
    }
    Ok(Json(SsoConfigList { items }))
}

/// Adds a configuration (admins only). The client secret is stored encrypted and never returned.
#[utoipa::path(post, path = "/customers/{id}/portal/sso-configs", tag = "single sign-on",
    params(("id" = Uuid, Path, description = "The customer")), request_body = SsoDraftBody, security(("bearer" = [])),
    responses((status = 201, body = SsoConfigView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(body): ApiJson<SsoDraftBody>,
) -> AppResult<impl IntoResponse> {
    caller.require_admin()?;
    let config = sso_service::create(&state, id, body.into(), &caller.actor(), None).await?;
    let location = format!("/api/v1/customers/{id}/portal/sso-configs/{}", config.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(sso_service::view(&state, &caller.actor(), &config).await?),
    ))
}

#[utoipa::path(get, path = "/customers/{id}/portal/sso-configs/{sso_id}", tag = "single sign-on",
    params(("id" = Uuid, Path, description = "The customer"), ("sso_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = SsoConfigView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    path: SsoPath,
) -> AppResult<Json<SsoConfigView>> {
    let config = sso::sso_config(&state.core, &caller.actor(), path.customer_id, path.sso_id).await?;
    Ok(Json(sso_service::view(&state, &caller.actor(), &config).await?))
}

/// Changes the fields sent (admins only); a `client_secret` replaces the stored one.
#[utoipa::path(patch, path = "/customers/{id}/portal/sso-configs/{sso_id}", tag = "single sign-on",
    params(("id" = Uuid, Path, description = "The customer"), ("sso_id" = Uuid, Path)), request_body = SsoDraftBody,
    security(("bearer" = [])),
    responses((status = 200, body = SsoConfigView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    path: SsoPath,
    ApiJson(body): ApiJson<SsoDraftBody>,
) -> AppResult<Json<SsoConfigView>> {
    caller.require_admin()?;
    let config =
        sso_service::update(&state, path.customer_id, path.sso_id, body.into(), &caller.actor()).await?;
    Ok(Json(sso_service::view(&state, &caller.actor(), &config).await?))
}

/// Removes a configuration (admins only); its identities and sessions go with it.
#[utoipa::path(delete, path = "/customers/{id}/portal/sso-configs/{sso_id}", tag = "single sign-on",
    params(("id" = Uuid, Path, description = "The customer"), ("sso_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    path: SsoPath,
) -> AppResult<StatusCode> {
    caller.require_admin()?;
    sso_service::delete(&state, path.customer_id, path.sso_id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    /// True when every check passed.
    pub ok: bool,
    pub checks: Vec<Check>,
}

/// Fetches discovery and JWKS now and checks the issuer and endpoints; says exactly what is wrong.
#[utoipa::path(post, path = "/customers/{id}/portal/sso-configs/{sso_id}/test", tag = "single sign-on",
    params(("id" = Uuid, Path, description = "The customer"), ("sso_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = TestResult), (status = 404, body = Problem)))]
pub async fn test(
    State(state): State<AppState>,
    caller: ApiCaller,
    path: SsoPath,
) -> AppResult<Json<TestResult>> {
    let checks = sso::test_sso_config(&state.core, &caller.actor(), path.customer_id, path.sso_id).await?;
    Ok(Json(TestResult { ok: checks.iter().all(|c| c.ok), checks }))
}
