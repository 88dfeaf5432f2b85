//! The second step of a console sign-in: after the right password, a code from the member's
//! authenticator app or one of their recovery codes. Only then is a session made.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use time::OffsetDateTime;

use super::login::{reserve_password_check, start_session};
use super::page_error::{PageError, PageResult};
use super::pending::{PENDING_COOKIE, PendingSignIn, password_fingerprint};
use super::session::{LOGIN_CSRF_COOKIE, console_cookie};
use crate::auth::secret::{random_token, same_secret};
use crate::usecases::mfa::{self, SecondStepUsed};
use crate::web::client_ip::ClientIp;
use crate::web::paths;
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "admin/login_code.html")]
struct CodePage {
    csrf: String,
    error: Option<String>,
    /// The member's ways of taking the step: an app's code, a passkey.
    app: bool,
    passkey: bool,
}

/// What the member can take the second step with.
async fn ways(state: &AppState, member_id: uuid::Uuid) -> PageResult<(bool, bool)> {
    let app = state.store.mfa_state(member_id).await?.is_on();
    let passkey = state.passkeys.is_some() && !state.store.passkeys_of(member_id).await?.is_empty();
    // Recovery codes stay usable while the app is on; with neither there is always the code box.
    Ok((app || !passkey, passkey))
}

async fn render(
    state: &AppState,
    jar: CookieJar,
    member_id: uuid::Uuid,
    error: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let (app, passkey) = ways(state, member_id).await?;
    let csrf = random_token("csrf");
    let jar = jar.add(console_cookie(&state.config, LOGIN_CSRF_COOKIE, csrf.clone(), paths::LOGIN));
    Ok((status, jar, CodePage { csrf, error, app, passkey }).into_response())
}

/// The page again after a passkey was refused.
pub(super) async fn refused_page(
    state: &AppState,
    jar: CookieJar,
    member: &crate::domain::team::TeamMember,
    message: &str,
) -> PageResult<Response> {
    render(state, jar, member.id, Some(message.to_string()), StatusCode::UNAUTHORIZED).await
}

fn pending(state: &AppState, jar: &CookieJar) -> Option<PendingSignIn> {
    let cookie = jar.get(PENDING_COOKIE)?;
    PendingSignIn::open(&state.sealer, cookie.value(), OffsetDateTime::now_utc())
}

/// Back to the password, forgetting a second step that expired or no longer applies.
fn start_over(jar: CookieJar) -> Response {
    let jar = jar.remove(Cookie::build(PENDING_COOKIE).path(paths::LOGIN));
    (jar, Redirect::to(paths::LOGIN)).into_response()
}

pub async fn form(State(state): State<AppState>, jar: CookieJar) -> PageResult<Response> {
    match pending(&state, &jar) {
        Some(pending) => render(&state, jar, pending.member_id, None, StatusCode::OK).await,
        None => Ok(start_over(jar)),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// Checks the code; wrong codes count against the same limits as wrong passwords, for the
/// account and the address, so the six digits cannot be guessed through.
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> PageResult<Response> {
    let Some(pending) = pending(&state, &jar) else { return Ok(start_over(jar)) };
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, &form.csrf) {
        let message = "The form expired. Please enter the code again.".to_string();
        return render(&state, jar, pending.member_id, Some(message), StatusCode::FORBIDDEN).await;
    }
    let member = match state.store.team_member(pending.member_id).await {
        Ok(member) if member.active => member,
        _ => return Ok(start_over(jar)),
    };
    // A password changed or reset since the first step voids it; so does a second step reset
    // by an admin (the password alone then signs in).
    let current = state.store.team_member_credentials(&member.email).await?.map(|(_, hash)| hash);
    if !current.is_some_and(|hash| same_secret(&password_fingerprint(&hash), &pending.password))
        || !state.store.second_step_due(member.id).await?
    {
        return Ok(start_over(jar));
    }
    let email_key = member.email.to_string();
    // Stays counted as a failure unless the code is right.
    reserve_password_check(&state, &email_key, &client_ip.to_string()).await?;
    match mfa::complete_sign_in(&state.store, &state.sealer, &member, &form.code).await {
        Ok(used) => {
            state.store.clear_sign_in_failures(&email_key).await?;
            if !pending.spend(&state.store).await? {
                return Ok(start_over(jar));
            }
            if let SecondStepUsed::RecoveryCode { left } = used {
                tracing::warn!(member = %member.email, left, "console sign-in with a recovery code");
            }
            start_session(&state, jar, &member, &pending.next).await
        }
        Err(error) => {
            let errors = PageError::form_errors_of(error)?;
            let message = errors.message_for("code").unwrap_or("This code is not right.").to_string();
            render(&state, jar, member.id, Some(message), StatusCode::UNAUTHORIZED).await
        }
    }
}
