//! `/tickets/{id}/attachments` and `/attachments/{id}`: files on tickets.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{ApiCaller, PathId};
use crate::downloads;
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::uploads::{self, UploadError};
use portico_core::usecases::{attachments, tickets};
use portico_domain::attachment::Attachment;

/// A file on a ticket.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Attachment)]
pub struct AttachmentView {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub filename: String,
    /// In bytes.
    pub size: i64,
    /// Decided from the file's bytes, not from what the uploader said.
    pub content_type: String,
    /// The SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// `false`: internal, for the team only.
    pub public: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<Attachment> for AttachmentView {
    fn from(a: Attachment) -> Self {
        Self {
            id: a.id,
            ticket_id: a.ticket_id,
            filename: a.filename,
            size: a.size,
            content_type: a.content_type,
            sha256: a.sha256,
            public: a.public,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentList {
    pub items: Vec<AttachmentView>,
}

/// The multipart body of an upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; the handler reads it as a stream
pub struct AttachmentUpload {
    /// The file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `false` makes the file internal (team only). Default `true`.
    public: Option<bool>,
}

pub(crate) fn upload_error(error: UploadError) -> AppError {
    match error {
        UploadError::NotMultipart => {
            AppError::malformed(StatusCode::UNSUPPORTED_MEDIA_TYPE, "content-type", error.to_string())
        }
        error if error.is_too_large() => {
            AppError::malformed(StatusCode::PAYLOAD_TOO_LARGE, "file", error.to_string())
        }
        error => AppError::malformed(StatusCode::BAD_REQUEST, "file", error.to_string()),
    }
}

/// Attaches one file (multipart field `file`; field `public=false` for an internal file). The
/// content type is decided from the bytes. Over `PORTICO_ATTACHMENT_MAX_MB` (or the ticket's
/// total limit) the upload is refused with 413 and nothing is stored.
#[utoipa::path(post, path = "/tickets/{id}/attachments", tag = "tickets", params(("id" = Uuid, Path)),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"), security(("bearer" = [])),
    responses((status = 201, body = AttachmentView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    tickets::ticket(&state.core, &caller.actor(), id).await?;
    if !uploads::is_multipart(&headers) {
        return Err(upload_error(UploadError::NotMultipart));
    }
    let received = uploads::receive(&headers, body, &state.core.attachments().stager)
        .await
        .map_err(|(error, _)| upload_error(error))?;
    let public = match received.field("public").map(str::trim) {
        None | Some("" | "true") => true,
        Some("false") => false,
        Some(_) => {
            return Err(AppError::malformed(
                StatusCode::UNPROCESSABLE_ENTITY,
                "public",
                "Public must be true or false.",
            ));
        }
    };
    let mut files = received.files;
    if files.len() != 1 {
        let message = if files.is_empty() {
            "Send the file in the field `file`."
        } else {
            "Send one file per request."
        };
        return Err(AppError::malformed(StatusCode::UNPROCESSABLE_ENTITY, "file", message));
    }
    let file = files.remove(0);
    let mut added = attachments::attach(&state.core, &caller.actor(), id, vec![file], public).await?;
    Ok((StatusCode::CREATED, Json(AttachmentView::from(added.remove(0)))).into_response())
}

/// The ticket's files, internal ones included, oldest first.
#[utoipa::path(get, path = "/tickets/{id}/attachments", tag = "tickets", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = AttachmentList), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<AttachmentList>> {
    let items = attachments::files_of(&state.core, &caller.actor(), id).await?;
    Ok(Json(AttachmentList { items: items.into_iter().map(AttachmentView::from).collect() }))
}

/// The file's content, always as a download (`Content-Disposition: attachment`, `nosniff`,
/// `Content-Security-Policy: sandbox`).
#[utoipa::path(get, path = "/attachments/{id}/content", tag = "tickets", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The file, typed from its bytes (markup and scripts as application/octet-stream)",
        content_type = "*/*"), (status = 404, body = Problem)))]
pub async fn content(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Response> {
    let attachment = attachments::file_for(&state.core, &caller.actor(), id).await?;
    Ok(downloads::content(state.core.attachments(), &attachment).await?)
}

/// Redacts a file (admins): it disappears from the ticket, its content is removed, and the
/// audit log keeps who did it.
#[utoipa::path(delete, path = "/attachments/{id}", tag = "tickets", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Redacted"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn redact(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<StatusCode> {
    attachments::redact(&state.core, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
