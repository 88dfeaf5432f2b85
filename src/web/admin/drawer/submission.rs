//! A drawer form post: urlencoded or multipart (when a logo file rides along), CSRF-checked.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::{StatusCode, header};

use crate::auth::secret::same_secret;
use crate::web::admin::page_error::PageError;
use crate::web::admin::session::{CSRF_FIELD, ConsoleUser, csrf_refusal};
use crate::web::error::AppError;
use crate::web::state::AppState;

pub struct DrawerSubmission {
    pub user: ConsoleUser,
    /// Every text field, in document order.
    pub pairs: Vec<(String, String)>,
    /// A logo file chosen in the form, if any.
    pub logo: Option<Bytes>,
}

impl DrawerSubmission {
    pub fn field(&self, name: &str) -> &str {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }
}

fn malformed(status: StatusCode, detail: String) -> PageError {
    AppError::malformed(status, "form", detail).into()
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
        let mut logo = None;
        if is_multipart {
            let mut form = Multipart::from_request(request, state)
                .await
                .map_err(|r| malformed(r.status(), r.body_text()))?;
            while let Some(field) =
                form.next_field().await.map_err(|e| malformed(e.status(), e.body_text()))?
            {
                let name = field.name().unwrap_or_default().to_string();
                if field.file_name().is_some() {
                    let bytes = field.bytes().await.map_err(|e| malformed(e.status(), e.body_text()))?;
                    if !bytes.is_empty() {
                        logo = Some(bytes);
                    }
                } else {
                    let value = field.text().await.map_err(|e| malformed(e.status(), e.body_text()))?;
                    pairs.push((name, value));
                }
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
