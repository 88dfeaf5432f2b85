//! The portal's request idioms, as the console has its own: the signed-in end user
//! ([`PortalUser`]), a form that proves it came from this portal's page ([`PortalForm`]), and
//! the error that renders as a page in the portal's colours ([`PortalError`]).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::de::DeserializeOwned;

use super::chrome::{Chrome, signed_in};
use super::pages::{self, Action, Message};
use super::resolve::LivePortal;
use crate::state::AppState;
use crate::uploads;
use portico_core::attachments::stage::Staged;
use portico_core::paths::portal;
use portico_core::usecases::UseCaseError;
use portico_core::usecases::portal_sign_in::Visit;
use portico_domain::actor::Actor;
use portico_domain::page::BadQuery;
use portico_domain::secret::same_secret;
use portico_domain::session::PortalSession;

/// The signed-in end user of the portal the request is for. Anyone else gets the page that
/// sends them to sign in (or says their session ended), and comes back here afterwards.
pub struct PortalUser {
    pub live: LivePortal,
    pub session: PortalSession,
    /// The page asked for, as the portal links it (below its base path), with its query.
    pub here: String,
    /// What the core vouches for about this end user here, for use cases that need not read
    /// the customer, the end user or the portal again.
    pub visit: Visit,
}

impl PortalUser {
    pub fn actor(&self) -> Actor {
        self.session.actor()
    }

    pub fn chrome(&self) -> Chrome {
        Chrome::new(&self.live, &self.session)
    }

    /// The page for a use case's refusal, in this portal's colours.
    pub fn fail(&self, error: UseCaseError) -> PortalError {
        PortalError::new(&self.live, error)
    }

    /// The page asked for, from memory while nothing it shows changed for this session (see
    /// `portico_core::read_models`), else rendered by `render`. Only a page answered with 200
    /// is kept: a refusal or a "not found" is rendered each time.
    pub async fn kept_page(
        &self,
        state: &AppState,
        render: impl AsyncFnOnce() -> PortalResult,
    ) -> PortalResult {
        let address = format!("{}{}", self.live.base_path, self.here);
        let mut not_kept = None;
        let kept = state
            .core
            .read_models()
            .page(&self.session, address, async || {
                let response = render().await?;
                if response.status() != StatusCode::OK {
                    not_kept = Some(response);
                    return Ok(None);
                }
                let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.map_err(|error| {
                    self.fail(UseCaseError::Internal(anyhow::anyhow!("a page's body: {error}")))
                })?;
                Ok::<_, PortalError>(Some(body))
            })
            .await?;
        match (kept, not_kept) {
            (Some(page), _) => Ok(axum::response::Html(page).into_response()),
            (None, Some(response)) => Ok(response),
            (None, None) => {
                Err(self
                    .fail(UseCaseError::Internal(anyhow::anyhow!("a page was neither kept nor answered"))))
            }
        }
    }
}

impl FromRequestParts<AppState> for PortalUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let live = LivePortal::from_request_parts(parts, state).await?;
        let jar = CookieJar::from_headers(&parts.headers);
        // Routes are `/p/{slug}/…` (hosts of their own are mapped onto them): the rest is the
        // page to come back to, as the portal links it.
        let routed = format!("/p/{}", live.portal.settings.slug);
        let path = parts.uri.path().strip_prefix(&routed).filter(|rest| !rest.is_empty()).unwrap_or("/");
        let here = match parts.uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        };
        let visit = signed_in(state, &live, &jar, &here).await?;
        Ok(Self { live, session: visit.session().clone(), visit, here })
    }
}

/// A form posted by the signed-in end user from one of this portal's pages: its `_csrf` field
/// must carry the session's token, else nothing happens and the user is told why.
pub struct PortalForm<T> {
    pub user: PortalUser,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PortalForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = PortalUser::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(axum::response::IntoResponse::into_response)?;
        let csrf = form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == "_csrf")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        if !same_secret(&csrf, &user.session.csrf_token) {
            return Err(csrf_refused(&user.live));
        }
        let form = serde_html_form::from_bytes(&bytes).map_err(|error| {
            pages::message(
                &user.live,
                Message {
                    status: StatusCode::BAD_REQUEST,
                    title: "This form could not be read".into(),
                    text: format!("{error}. Go back, reload the page and try again."),
                    action: Some(Action {
                        label: "Go to the start page".into(),
                        href: user.live.link(portal::HOME),
                    }),
                },
            )
        })?;
        Ok(Self { user, form })
    }
}

/// A form that may carry files (`multipart/form-data`), posted by the signed-in end user; the
/// same CSRF rule as [`PortalForm`]. A file over the limit does not refuse the request: the
/// handler gets the text read so far and `upload_error`, to show the form again with it.
pub struct PortalUpload<T> {
    pub user: PortalUser,
    pub form: T,
    pub files: Vec<Staged>,
    pub upload_error: Option<String>,
}

impl<T: DeserializeOwned + Send + Default> FromRequest<AppState> for PortalUpload<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !uploads::is_multipart(request.headers()) {
            let PortalForm { user, form } = PortalForm::<T>::from_request(request, state).await?;
            return Ok(Self { user, form, files: Vec::new(), upload_error: None });
        }
        let (mut parts, body) = request.into_parts();
        let user = PortalUser::from_request_parts(&mut parts, state).await?;
        let (received, upload_error) =
            match uploads::receive(&parts.headers, body, &state.core.attachments().stager).await {
                Ok(received) => (received, None),
                Err((error, partial)) => (partial, Some(error.to_string())),
            };
        let csrf = received.field("_csrf").unwrap_or_default();
        if !same_secret(csrf, &user.session.csrf_token) {
            return Err(csrf_refused(&user.live));
        }
        let form = serde_html_form::from_bytes(&received.urlencoded()).unwrap_or_default();
        let files = if upload_error.is_some() { Vec::new() } else { received.files };
        Ok(Self { user, form, files, upload_error })
    }
}

fn csrf_refused(live: &LivePortal) -> Response {
    pages::message(
        live,
        Message {
            status: StatusCode::FORBIDDEN,
            title: "This form did not come from this portal".into(),
            text: "It may have expired. Go back, reload the page and try again.".into(),
            action: Some(Action { label: "Go to the start page".into(), href: live.link(portal::HOME) }),
        },
    )
}

/// A refusal or failure, as a page in the portal's colours. Failures on our side carry a
/// reference that is also in the log, so support can find what happened.
pub struct PortalError(Box<Response>);

impl PortalError {
    pub fn new(live: &LivePortal, error: UseCaseError) -> Self {
        let home = Some(Action { label: "Go to the start page".into(), href: live.link(portal::HOME) });
        let (status, title, text, action) = match error {
            UseCaseError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "Not found".to_string(),
                format!("There is no such {what} among yours."),
                home,
            ),
            UseCaseError::Forbidden(refused) => {
                (StatusCode::FORBIDDEN, "Not allowed".to_string(), refused.message().to_string(), home)
            }
            UseCaseError::RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "That is a lot at once".to_string(),
                "Please wait a few minutes and try again.".to_string(),
                home,
            ),
            UseCaseError::Invalid(errors) => {
                let text = errors.errors().iter().map(|e| e.message.as_str()).collect::<Vec<_>>();
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Please check your input".to_string(),
                    text.join(" "),
                    home,
                )
            }
            UseCaseError::Conflict { message, .. } => {
                (StatusCode::CONFLICT, "This could not be saved".to_string(), message, home)
            }
            UseCaseError::TooLarge { message, .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "The file is too large".to_string(), message, home)
            }
            UseCaseError::Stale { .. } => (
                StatusCode::CONFLICT,
                "Someone changed this meanwhile".to_string(),
                "Reload the page and try again.".to_string(),
                home,
            ),
            UseCaseError::Internal(error) => {
                let reference = uuid::Uuid::now_v7().simple().to_string()[20..].to_string();
                tracing::error!(reference, error = format!("{error:#}"), portal = %live.portal.settings.slug, "portal request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side".to_string(),
                    format!(
                        "It has been logged with the reference {reference}. Please try again in a moment."
                    ),
                    home,
                )
            }
        };
        Self(Box::new(pages::message(live, Message { status, title, text, action })))
    }
}

impl PortalError {
    /// A link whose parameters cannot be used (a tampered or outdated paging cursor).
    pub fn bad_link(live: &LivePortal, bad: BadQuery, back: Action) -> Self {
        Self(Box::new(pages::message(
            live,
            Message {
                status: StatusCode::BAD_REQUEST,
                title: "This link does not work".into(),
                text: format!("Its {} {}.", bad.0.field, bad.0.message),
                action: Some(back),
            },
        )))
    }
}

impl From<Response> for PortalError {
    fn from(response: Response) -> Self {
        Self(Box::new(response))
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        *self.0
    }
}

pub type PortalResult = Result<Response, PortalError>;
