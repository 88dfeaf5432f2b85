//! Console sessions and CSRF: who is signed in, and proof that a form came from our page.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::flash::Done;
use super::layout::Nav;
use super::page_error::PageError;
use crate::error::AppError;
use crate::state::AppState;
use crate::uploads;
use portico_core::attachments::stage::Staged;
use portico_core::config::Config;
use portico_core::paths;
use portico_core::usecases::console_sign_in;
use portico_domain::actor::Actor;
use portico_domain::mfa::{self, MfaState};
use portico_domain::secret::{TokenHash, hash_token, same_secret};
use portico_domain::team::TeamMember;

pub const SESSION_COOKIE: &str = "portico_console";
pub const LOGIN_CSRF_COOKIE: &str = "portico_login_csrf";
pub const CSRF_FIELD: &str = "_csrf";

/// The signed-in team member of a console request.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    pub member: TeamMember,
    pub csrf_token: String,
    /// The hash of this browser's session token, to tell this session from the member's others.
    pub session_hash: TokenHash,
    /// The confirmation of a save the request's query carries ([`super::flash`]).
    pub notice: Option<String>,
    /// The MSP requires two-step sign-in and this member has not set it up: only the set-up
    /// pages are open to them ([`paths::usable_before_enrolment`]).
    pub must_enrol: bool,
    /// When this session's sign-in happened, for changes that want a fresh one.
    pub signed_in_at: time::OffsetDateTime,
}

impl ConsoleUser {
    pub fn actor(&self) -> Actor {
        Actor::team_member(self.member.id, &self.member.name, self.member.role)
    }

    pub fn nav(&self, section: &'static str) -> Nav {
        Nav {
            member_name: self.member.name.clone(),
            role: self.member.role.as_str(),
            is_admin: self.member.role.may_change_settings(),
            csrf: self.csrf_token.clone(),
            section,
            notice: self.notice.clone(),
            must_enrol: self.must_enrol,
        }
    }

    pub fn require_admin(&self) -> Result<(), PageError> {
        if self.member.role.may_change_settings() {
            Ok(())
        } else {
            Err(AppError::Forbidden("Only admins may change settings; technicians have read access.").into())
        }
    }
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let return_to = parts
            .uri
            .path_and_query()
            .map(axum::http::uri::PathAndQuery::as_str)
            .unwrap_or("/admin")
            .to_string();
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Err(PageError::sign_in(&return_to));
        };
        let session_hash = hash_token(cookie.value());
        let session = console_sign_in::session(&state.core, cookie.value())
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| PageError::sign_in(&return_to))?;
        let state_of_mfa = if session.mfa_on { MfaState::On } else { MfaState::Off };
        let must_enrol = mfa::must_enrol(session.mfa_required, state_of_mfa);
        if must_enrol && !paths::usable_before_enrolment(parts.uri.path()) {
            return Err(PageError::enrol_first());
        }
        let notice = match parts.uri.query().and_then(Done::from_query) {
            Some(done) => Some(
                done.notice(
                    &state.core,
                    &Actor::team_member(session.member.id, &session.member.name, session.member.role),
                )
                .await,
            ),
            None => None,
        };
        Ok(Self {
            member: session.member,
            csrf_token: session.csrf_token,
            session_hash,
            notice,
            must_enrol,
            signed_in_at: session.signed_in_at,
        })
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// A console form post from a signed-in member, refused unless it carries the session's CSRF token.
pub struct ConsoleForm<T> {
    pub user: ConsoleUser,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for ConsoleForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = ConsoleUser::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|r| AppError::malformed(r.status(), "form", r.body_text()))?;
        let presented: CsrfOnly =
            serde_html_form::from_bytes(&bytes).unwrap_or(CsrfOnly { csrf: String::new() });
        if !same_secret(&presented.csrf, &user.csrf_token) {
            return Err(csrf_refusal());
        }
        let form = serde_html_form::from_bytes(&bytes)
            .map_err(|e| AppError::malformed(StatusCode::BAD_REQUEST, "form", e.to_string()))?;
        Ok(Self { user, form })
    }
}

/// A console form that may carry files (`multipart/form-data`), under the same CSRF rule as
/// [`ConsoleForm`]. A file over the limit comes back as `upload_error` with the text read so far.
pub struct ConsoleUpload<T> {
    pub user: ConsoleUser,
    pub form: T,
    pub files: Vec<Staged>,
    pub upload_error: Option<String>,
}

impl<T: DeserializeOwned + Default> FromRequest<AppState> for ConsoleUpload<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !uploads::is_multipart(request.headers()) {
            let ConsoleForm { user, form } = ConsoleForm::<T>::from_request(request, state).await?;
            return Ok(Self { user, form, files: Vec::new(), upload_error: None });
        }
        let (mut parts, body) = request.into_parts();
        let user = ConsoleUser::from_request_parts(&mut parts, state).await?;
        let (received, upload_error) =
            match uploads::receive(&parts.headers, body, &state.core.attachments().stager).await {
                Ok(received) => (received, None),
                Err((error, partial)) => (partial, Some(error.to_string())),
            };
        if !same_secret(received.field("_csrf").unwrap_or_default(), &user.csrf_token) {
            return Err(csrf_refusal());
        }
        let form = serde_html_form::from_bytes(&received.urlencoded())
            .map_err(|e| AppError::malformed(StatusCode::BAD_REQUEST, "form", e.to_string()))?;
        let files = if upload_error.is_some() { Vec::new() } else { received.files };
        Ok(Self { user, form, files, upload_error })
    }
}

/// For posts whose only field is the CSRF token (sign out, archive, delete).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

pub fn csrf_refusal() -> PageError {
    AppError::Forbidden(
        "This form has expired or did not come from Portico (CSRF check failed). Go back, reload the page and try again.",
    )
    .into()
}

/// A cookie scoped to the console, Secure when Portico is served over https.
pub fn console_cookie(
    config: &Config,
    name: &'static str,
    value: String,
    path: &'static str,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookies())
        .build()
}

/// The `{id}` of a console path; an id that is not a UUID names no page (404).
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct PageId(pub uuid::Uuid);

crate::path::path_values! { PageId => PageError = AppError::NotFound("page").into(); }
