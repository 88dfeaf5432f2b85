//! Console sign-in and sign-out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use time::OffsetDateTime;

use super::page_error::PageResult;
use super::pending::{PENDING_COOKIE, PendingSignIn};
use super::session::{ConsoleForm, LOGIN_CSRF_COOKIE, NoFields, SESSION_COOKIE, console_cookie};
use crate::auth::password;
use crate::auth::secret::{hash_token, random_token, same_secret};
use crate::domain::email::EmailAddress;
use crate::store::sign_in::Attempt;
use crate::web::client_ip::ClientIp;
use crate::web::error::AppError;
use crate::web::paths;
use crate::web::state::AppState;

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
    let next = paths::safe_return_to(&state.config.public_url, query.next.as_deref());
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

/// Reserves one password check for this account and address, or refuses while either has too
/// many recent failures. The reservation counts as a failure until released, so a burst of
/// parallel guesses gets no more checks than the limit allows.
pub(super) async fn reserve_password_check(
    state: &AppState,
    email_key: &str,
    client_ip: &str,
) -> PageResult<i64> {
    let limits = &state.config.sign_in_limits;
    let window_ms = limits.window.as_millis() as i64;
    let attempt = state
        .store
        .reserve_sign_in_attempt(email_key, client_ip, window_ms, limits.per_account, limits.per_address)
        .await?;
    match attempt {
        Attempt::Reserved(id) => Ok(id),
        Attempt::Limited(recent) => {
            let now = crate::store::to_ms(OffsetDateTime::now_utc());
            let retry_after_ms = recent.oldest_at.map_or(window_ms, |oldest| oldest + window_ms - now);
            let retry_after_secs = (retry_after_ms.max(1000) / 1000) as u64;
            tracing::warn!(email = %email_key, %client_ip, "console password checks rate limited");
            Err(AppError::RateLimited { retry_after_secs }.into())
        }
    }
}

const WRONG_CREDENTIALS: &str = "The e-mail address or password is not right.";

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    jar: CookieJar,
    Form(login): Form<LoginForm>,
) -> PageResult<Response> {
    let next = paths::safe_return_to(&state.config.public_url, login.next.as_deref());
    if !state.config.console_password_sign_in {
        let message =
            "Password sign-in is turned off: sign in through your organisation's account.".to_string();
        return Ok(render(&state, jar, next, login.email, Some(message), StatusCode::FORBIDDEN));
    }
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, &login.csrf) {
        let message = "The sign-in form expired. Please try again.".to_string();
        return Ok(render(&state, jar, next, login.email, Some(message), StatusCode::FORBIDDEN));
    }

    let email_key = login.email.trim().to_ascii_lowercase();
    let client_ip = client_ip.to_string();
    let attempt = reserve_password_check(&state, &email_key, &client_ip).await?;

    let credentials = match EmailAddress::parse("email", &login.email) {
        Ok(email) => state.store.team_member_credentials(&email).await?,
        Err(_) => None,
    };
    let stored_hash = credentials.as_ref().map(|(_, hash)| hash.clone());
    let verified = password::verify_blocking(login.password.clone(), stored_hash).await;
    let (member, password_hash) = match credentials {
        Some((member, hash)) if verified && member.active => (member, hash),
        _ => {
            // The reservation stays: it is the recorded failure.
            let error = Some(WRONG_CREDENTIALS.to_string());
            return Ok(render(&state, jar, next, login.email, error, StatusCode::UNAUTHORIZED));
        }
    };

    if state.store.second_step_due(member.id).await? {
        // The password was right, so this check no longer counts; earlier failures stay until
        // the second step succeeds, so re-entering the password never resets the count of
        // wrong codes.
        state.store.release_sign_in_attempt(attempt).await?;
        let pending = PendingSignIn::new(member.id, &password_hash, next, OffsetDateTime::now_utc());
        let jar =
            jar.add(console_cookie(&state.config, PENDING_COOKIE, pending.seal(&state.sealer), paths::LOGIN));
        return Ok((jar, Redirect::to(paths::LOGIN_CODE)).into_response());
    }
    state.store.clear_sign_in_failures(&email_key).await?;
    start_session(&state, jar, &member, &next).await
}

/// Signs `member` in: a new session, its cookie, and the way to `next`. Nothing of the sign-in
/// pages (their CSRF cookie, a pending second step) stays behind.
pub(super) async fn start_session(
    state: &AppState,
    jar: CookieJar,
    member: &crate::domain::team::TeamMember,
    next: &str,
) -> PageResult<Response> {
    let token = random_token("pcs");
    let csrf = random_token("csrf");
    let expires_at = OffsetDateTime::now_utc() + state.config.session_max;
    state.store.create_console_session(&hash_token(&token), member, &csrf, expires_at).await?;
    tracing::info!(member = %member.email, "console sign-in");
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path(paths::LOGIN))
        .remove(Cookie::build(PENDING_COOKIE).path(paths::LOGIN))
        .add(console_cookie(&state.config, SESSION_COOKIE, token, paths::ADMIN_HOME));
    Ok((jar, Redirect::to(next)).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    _form: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state.store.delete_console_session(&hash_token(cookie.value())).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path(paths::ADMIN_HOME));
    Ok((jar, Redirect::to(paths::LOGIN)).into_response())
}
