//! Console sign-in and sign-out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;

use super::page_error::PageResult;
use super::session::{ConsoleForm, LOGIN_CSRF_COOKIE, NoFields, SESSION_COOKIE, console_cookie};
use crate::client_ip::ClientIp;
use crate::state::AppState;
use portico_core::auth::pending::PendingSignIn;
use portico_core::paths;
use portico_core::usecases::console_sign_in::{self, PasswordChecked, SignInRefusal, SignedIn};
use portico_domain::secret::{random_token, same_secret};

/// The cookie of a sign-in between its two steps, scoped to the sign-in pages.
pub const PENDING_COOKIE: &str = "portico_console_pending";

#[derive(Template, WebTemplate)]
#[template(path = "admin/login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
    /// The button to sign in through the MSP's own provider, when configured.
    sso_label: Option<String>,
    /// Whether the password form is offered.
    passwords: bool,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Shows the sign-in form with a fresh double-submit CSRF token (there is no session yet).
pub async fn form(State(state): State<AppState>, jar: CookieJar, Query(query): Query<NextQuery>) -> Response {
    let next = crate::redirect::safe_return_to(&state.config.public_url, query.next.as_deref());
    render(&state, jar, next, String::new(), None, StatusCode::OK)
}

pub(super) fn render(
    state: &AppState,
    jar: CookieJar,
    next: String,
    email: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let csrf = random_token("csrf");
    let jar = jar.add(console_cookie(&state.config, LOGIN_CSRF_COOKIE, csrf.clone(), paths::LOGIN));
    let sso_label = state.config.console_sso.as_ref().map(|sso| sso.settings.label.clone());
    let passwords = state.config.console_password_sign_in;
    (status, jar, LoginPage { csrf, next, email, error, sso_label, passwords }).into_response()
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    jar: CookieJar,
    Form(login): Form<LoginForm>,
) -> PageResult<Response> {
    let next = crate::redirect::safe_return_to(&state.config.public_url, login.next.as_deref());
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if state.config.console_password_sign_in && (expected.is_empty() || !same_secret(&expected, &login.csrf))
    {
        let message = "The sign-in form expired. Please try again.".to_string();
        return Ok(render(&state, jar, next, login.email, Some(message), StatusCode::FORBIDDEN));
    }
    let checked = console_sign_in::with_password(
        &state.core,
        &login.email,
        &login.password,
        &client_ip.to_string(),
        &next,
    )
    .await?;
    match checked {
        Ok(PasswordChecked::SignedIn(signed_in)) => Ok(enter(&state, jar, signed_in, &next)),
        Ok(PasswordChecked::SecondStepDue(pending)) => Ok(second_step(&state, jar, &pending)),
        Err(refusal) => {
            let status = match refusal {
                SignInRefusal::PasswordsOff => StatusCode::FORBIDDEN,
                _ => StatusCode::UNAUTHORIZED,
            };
            Ok(render(&state, jar, next, login.email, Some(refusal.to_string()), status))
        }
    }
}

/// Sends a member whose password was right on to the second step, the half-done sign-in
/// sealed in a cookie of the sign-in pages.
pub(super) fn second_step(state: &AppState, jar: CookieJar, pending: &PendingSignIn) -> Response {
    let sealed = pending.seal(state.core.sealer());
    let jar = jar.add(console_cookie(&state.config, PENDING_COOKIE, sealed, paths::LOGIN));
    (jar, Redirect::to(paths::LOGIN_CODE)).into_response()
}

/// The signed-in member's way in: the session cookie, and the way to `next`. Nothing of the
/// sign-in pages (their CSRF cookie, a pending second step) stays behind.
pub(super) fn enter(state: &AppState, jar: CookieJar, signed_in: SignedIn, next: &str) -> Response {
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path(paths::LOGIN))
        .remove(Cookie::build(PENDING_COOKIE).path(paths::LOGIN))
        .add(console_cookie(&state.config, SESSION_COOKIE, signed_in.session_token, paths::ADMIN_HOME));
    (jar, Redirect::to(next)).into_response()
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    _form: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        console_sign_in::sign_out(&state.core, cookie.value()).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path(paths::ADMIN_HOME));
    Ok((jar, Redirect::to(paths::LOGIN)).into_response())
}
