//! `/customers/{id}/portal`: the portal document, its logo, preview and revisions.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::extract::{ApiCaller, ApiJson, PathId};
use super::views::portal_draft::PortalDraftBody;
use super::views::portals::{PortalDocumentView, PortalRevisionView};
use crate::error::{AppError, AppResult, Problem};
use crate::portal_view;
use crate::state::AppState;
use portico_core::logo::{self, LogoError};
use portico_core::usecases::{customers, portals};
use portico_domain::invariant::guaranteed;
use portico_domain::portal::draft::PortalDraft;
use portico_domain::portal::stored::StoredPortal;

/// The document with its revision as the ETag.
fn with_etag(state: &AppState, portal: &StoredPortal) -> Response {
    let mut response = Json(PortalDocumentView::from(portal_view::document(state, portal))).into_response();
    let etag = guaranteed(
        HeaderValue::from_str(&format!("\"{}\"", portal.revision)),
        "a quoted number is a valid header value",
    );
    response.headers_mut().insert(header::ETAG, etag);
    response
}

/// The revision named by `If-Match` (`"3"`, `W/"3"` or `3`); `*` means whatever is current.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, AppError> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let raw = value.to_str().unwrap_or_default().trim();
    if raw == "*" {
        return Ok(None);
    }
    let number = raw.trim_start_matches("W/").trim_matches('"');
    number.parse().map(Some).map_err(|_| {
        AppError::malformed(StatusCode::BAD_REQUEST, "If-Match", "must be the ETag of the portal, e.g. \"3\"")
    })
}

fn required_if_match(headers: &HeaderMap) -> Result<i64, AppError> {
    match headers.get(header::IF_MATCH).map(|v| v.to_str().unwrap_or_default().trim()) {
        None => Err(AppError::PreconditionRequired(
            "Saving a portal needs If-Match with the revision you read (its ETag), so no one's changes are lost.",
        )),
        Some("*") => Err(AppError::malformed(
            StatusCode::BAD_REQUEST,
            "If-Match",
            "If-Match must name a revision, not *.",
        )),
        Some(_) => if_match(headers)?.ok_or_else(|| {
            AppError::malformed(
                StatusCode::BAD_REQUEST,
                "If-Match",
                "must be the ETag of the portal, e.g. \"3\"",
            )
        }),
    }
}

/// The customer's portal document; the `ETag` is its revision.
#[utoipa::path(get, path = "/customers/{id}/portal", tag = "portals", params(("id" = Uuid, Path, description = "The customer")),
    security(("bearer" = [])),
    responses((status = 200, body = PortalDocumentView, headers(("ETag" = String, description = "The revision"))),
        (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Response> {
    let portal = portals::portal(&state.core, &caller.actor(), id).await?;
    Ok(with_etag(&state, &portal))
}

/// Saves the whole document (admins only) over the revision named in `If-Match`. A stale
/// revision gets 412 and nothing is stored.
#[utoipa::path(put, path = "/customers/{id}/portal", tag = "portals", params(("id" = Uuid, Path, description = "The customer"),
        ("If-Match" = String, Header, description = "The ETag (revision) the change is based on")),
    request_body = PortalDraftBody, security(("bearer" = [])),
    responses((status = 200, body = PortalDocumentView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem),
        (status = 422, body = Problem), (status = 428, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PortalDraftBody>,
) -> AppResult<Response> {
    caller.require_admin()?;
    let expected = required_if_match(&headers)?;
    let settings = PortalDraft::from(body).validate()?;
    let portal = portals::save_portal(&state.core, &caller.actor(), id, &settings, None, expected).await?;
    Ok(with_etag(&state, &portal))
}

/// The image of a logo upload: the request body itself, or the first file of a multipart form.
pub struct LogoUpload(pub Bytes);

impl FromRequest<AppState> for LogoUpload {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let too_large = |_| {
            AppError::malformed(
                StatusCode::PAYLOAD_TOO_LARGE,
                "logo",
                "The logo file is larger than 2 MB, the most a logo may be.",
            )
        };
        let is_multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !is_multipart {
            return Bytes::from_request(request, state)
                .await
                .map(Self)
                .map_err(|r| AppError::malformed(r.status(), "logo", r.body_text()));
        }
        let mut form = Multipart::from_request(request, state)
            .await
            .map_err(|r| AppError::malformed(r.status(), "logo", r.body_text()))?;
        while let Some(field) =
            form.next_field().await.map_err(|e| AppError::malformed(e.status(), "logo", e.body_text()))?
        {
            if field.file_name().is_some() || field.name() == Some("logo") {
                return field.bytes().await.map(Self).map_err(too_large);
            }
        }
        Err(AppError::malformed(
            StatusCode::BAD_REQUEST,
            "logo",
            "the form has no file; send it as the field 'logo'",
        ))
    }
}

pub fn logo_error(error: LogoError) -> AppError {
    let status = match error {
        LogoError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        LogoError::Svg | LogoError::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        LogoError::Empty | LogoError::TooManyPixels { .. } | LogoError::Undecodable(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    AppError::malformed(status, "logo", error.to_string())
}

/// Uploads the logo (admins only): PNG, JPEG, WebP or GIF up to 2 MB, as the body or as the
/// multipart field `logo`. It is decoded with limits, scaled to fit 512×512 and re-encoded.
#[utoipa::path(put, path = "/customers/{id}/portal/logo", tag = "portals",
    params(("id" = Uuid, Path, description = "The customer"), ("If-Match" = Option<String>, Header, description = "Optional: the revision")),
    request_body(content = Vec<u8>, content_type = "image/png"), security(("bearer" = [])),
    responses((status = 200, body = PortalDocumentView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
pub async fn upload_logo(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    headers: HeaderMap,
    LogoUpload(bytes): LogoUpload,
) -> AppResult<Response> {
    caller.require_admin()?;
    let expected = if_match(&headers)?;
    customers::customer(&state.core, &caller.actor(), id).await?;
    let processed = tokio::task::spawn_blocking(move || logo::process(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(logo_error)?;
    let portal = portals::set_logo(&state.core, &caller.actor(), id, Some(&processed), expected).await?;
    Ok(with_etag(&state, &portal))
}

/// Removes the logo (admins only).
#[utoipa::path(delete, path = "/customers/{id}/portal/logo", tag = "portals",
    params(("id" = Uuid, Path, description = "The customer"), ("If-Match" = Option<String>, Header, description = "Optional: the revision")),
    security(("bearer" = [])),
    responses((status = 200, body = PortalDocumentView), (status = 403, body = Problem), (status = 412, body = Problem)))]
pub async fn delete_logo(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    headers: HeaderMap,
) -> AppResult<Response> {
    caller.require_admin()?;
    let expected = if_match(&headers)?;
    let portal = portals::set_logo(&state.core, &caller.actor(), id, None, expected).await?;
    Ok(with_etag(&state, &portal))
}

/// The landing page for a possibly unsaved document, exactly as the live portal would render
/// it, with sample content and a preview banner. Stores nothing.
#[utoipa::path(post, path = "/customers/{id}/portal/preview", tag = "portals", params(("id" = Uuid, Path, description = "The customer")),
    request_body = PortalDraftBody, security(("bearer" = [])),
    responses((status = 200, description = "The landing page", content_type = "text/html"), (status = 400, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn preview(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(body): ApiJson<PortalDraftBody>,
) -> AppResult<Response> {
    let customer = customers::customer(&state.core, &caller.actor(), id).await?;
    let settings = PortalDraft::from(body).validate()?;
    let portal = portals::portal(&state.core, &caller.actor(), id).await?;
    portal_view::preview_response(&customer, &settings, portal.logo_id.as_deref())
}

/// Every saved revision, newest first: who, when, what changed.
#[utoipa::path(get, path = "/customers/{id}/portal/revisions", tag = "portals", params(("id" = Uuid, Path, description = "The customer")),
    security(("bearer" = [])), responses((status = 200, body = Vec<PortalRevisionView>), (status = 404, body = Problem)))]
pub async fn revisions(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<Vec<PortalRevisionView>>> {
    let revisions = portals::portal_revisions(&state.core, &caller.actor(), id).await?;
    Ok(Json(revisions.into_iter().map(PortalRevisionView::from).collect()))
}

/// The `{id}` and `{n}` of a revision path.
#[derive(serde::Deserialize)]
#[serde(from = "(Uuid, i64)")]
pub struct RevisionPath {
    customer_id: Uuid,
    number: i64,
}

impl From<(Uuid, i64)> for RevisionPath {
    fn from((customer_id, number): (Uuid, i64)) -> Self {
        Self { customer_id, number }
    }
}

crate::path::path_values! { RevisionPath => AppError = AppError::NotFound("revision"); }

/// Makes revision `n` current again as a new revision (admins only).
#[utoipa::path(post, path = "/customers/{id}/portal/revisions/{n}/restore", tag = "portals",
    params(("id" = Uuid, Path, description = "The customer"), ("n" = i64, Path, description = "The revision to restore"),
        ("If-Match" = Option<String>, Header, description = "Optional: the current revision")),
    security(("bearer" = [])),
    responses((status = 200, body = PortalDocumentView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem)))]
pub async fn restore(
    State(state): State<AppState>,
    caller: ApiCaller,
    path: RevisionPath,
    headers: HeaderMap,
) -> AppResult<Response> {
    caller.require_admin()?;
    let expected = if_match(&headers)?;
    let portal =
        portals::restore_revision(&state.core, &caller.actor(), path.customer_id, path.number, expected)
            .await?;
    Ok(with_etag(&state, &portal))
}
