//! A drawer form post: urlencoded or multipart (when a logo file rides along), CSRF-checked.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::{StatusCode, header};

use crate::admin::page_error::PageError;
use crate::admin::session::{CSRF_FIELD, ConsoleUser, csrf_refusal};
use crate::error::AppError;
use crate::state::AppState;
use portico_domain::secret::same_secret;

/// A drawer form may be this large: a logo of up to [`portico_core::logo::MAX_BYTES`] with room to
/// spare, so that a larger file is read (and dropped) and the drawer comes back with the
/// person's edits and a message, rather than ending on an error page.
pub const BODY_LIMIT: usize = 16 * portico_core::logo::MAX_BYTES;

pub struct DrawerSubmission {
    pub user: ConsoleUser,
    /// Every text field, in document order.
    pub pairs: Vec<(String, String)>,
    /// The logo file chosen in the form.
    pub logo: ChosenLogo,
}

/// What the form's logo field held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChosenLogo {
    /// No file was chosen (or the form had no file field).
    NotChosen,
    /// A file within the size limit (possibly empty, which the logo pipeline refuses).
    File(Bytes),
    /// A file over [`portico_core::logo::MAX_BYTES`]: only its size was kept.
    TooLarge { size: usize },
}

impl DrawerSubmission {
    pub fn field(&self, name: &str) -> &str {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }
}

fn malformed(status: StatusCode, detail: String) -> PageError {
    AppError::malformed(status, "form", detail).into()
}

/// A multipart form that cannot be read to its end: larger than [`BODY_LIMIT`], or broken.
fn unreadable(status: StatusCode) -> PageError {
    let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "The form with its file is larger than {} MB, so Portico could not read it. Logos may \
             be at most 2 MB: go back, choose a smaller image, and your other changes are still in the form.",
            BODY_LIMIT / (1024 * 1024)
        )
    } else {
        "The form could not be read. Go back and send it again.".to_string()
    };
    AppError::Malformed { status, detail, errors: Vec::new() }.into()
}

impl FromRequest<AppState> for DrawerSubmission {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = ConsoleUser::from_request_parts(&mut parts, state).await?;
        let is_multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let request = Request::from_parts(parts, body);
        let mut pairs = Vec::new();
        let mut logo = ChosenLogo::NotChosen;
        if is_multipart {
            let mut form =
                Multipart::from_request(request, state).await.map_err(|r| unreadable(r.status()))?;
            while let Some(mut field) = form.next_field().await.map_err(|e| unreadable(e.status()))? {
                let name = field.name().unwrap_or_default().to_string();
                let Some(file_name) = field.file_name().map(str::to_string) else {
                    let value = field.text().await.map_err(|e| unreadable(e.status()))?;
                    pairs.push((name, value));
                    continue;
                };
                // Read in chunks: past the limit the rest is counted and dropped, and the
                // fields after the file are still read.
                let mut kept = Vec::new();
                let mut size = 0;
                while let Some(chunk) = field.chunk().await.map_err(|e| unreadable(e.status()))? {
                    size += chunk.len();
                    if size <= portico_core::logo::MAX_BYTES {
                        kept.extend_from_slice(&chunk);
                    } else {
                        kept = Vec::new();
                    }
                }
                logo = match size {
                    0 if file_name.is_empty() => ChosenLogo::NotChosen,
                    size if size > portico_core::logo::MAX_BYTES => ChosenLogo::TooLarge { size },
                    _ => ChosenLogo::File(Bytes::from(kept)),
                };
            }
        } else {
            let bytes = Bytes::from_request(request, state)
                .await
                .map_err(|r| malformed(r.status(), r.body_text()))?;
            pairs = form_urlencoded::parse(&bytes).into_owned().collect();
        }
        let submission = Self { user, pairs, logo };
        if !same_secret(submission.field(CSRF_FIELD), &submission.user.csrf_token) {
            return Err(csrf_refusal());
        }
        Ok(submission)
    }
}
