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

use super::login::{PENDING_COOKIE, enter};
use super::page_error::PageResult;
use super::session::{LOGIN_CSRF_COOKIE, console_cookie};
use crate::client_ip::ClientIp;
use crate::state::AppState;
use portico_core::auth::pending::PendingSignIn;
use portico_core::paths;
use portico_core::usecases::console_sign_in::{self, SignInRefusal};
use portico_domain::secret::{random_token, same_secret};

#[derive(Template, WebTemplate)]
#[template(path = "admin/login_code.html")]
struct CodePage {
    csrf: String,
    error: Option<String>,
    /// The member's ways of taking the step: an app's code, a passkey.
    app: bool,
    passkey: bool,
}

async fn render(
    state: &AppState,
    jar: CookieJar,
    pending: &PendingSignIn,
    error: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let ways = console_sign_in::second_step_ways(&state.core, pending).await?;
    // Recovery codes stay usable while the app is on; with neither there is always the code box.
    let (app, passkey) = (ways.app || !ways.passkey, ways.passkey);
    let csrf = random_token("csrf");
    let jar = jar.add(console_cookie(&state.config, LOGIN_CSRF_COOKIE, csrf.clone(), paths::LOGIN));
    Ok((status, jar, CodePage { csrf, error, app, passkey }).into_response())
}

/// The page again after a passkey was refused.
pub(super) async fn refused_page(
    state: &AppState,
    jar: CookieJar,
    pending: &PendingSignIn,
    message: &str,
) -> PageResult<Response> {
    render(state, jar, pending, Some(message.to_string()), StatusCode::UNAUTHORIZED).await
}

/// The half-done sign-in the cookie holds, if it was sealed here and has not expired.
pub(super) fn pending(state: &AppState, jar: &CookieJar) -> Option<PendingSignIn> {
    let cookie = jar.get(PENDING_COOKIE)?;
    PendingSignIn::open(state.core.sealer(), cookie.value(), OffsetDateTime::now_utc())
}

/// Back to the password, forgetting a second step that expired or no longer applies.
pub(super) fn start_over(jar: CookieJar) -> Response {
    let jar = jar.remove(Cookie::build(PENDING_COOKIE).path(paths::LOGIN));
    (jar, Redirect::to(paths::LOGIN)).into_response()
}

pub async fn form(State(state): State<AppState>, jar: CookieJar) -> PageResult<Response> {
    match pending(&state, &jar) {
        Some(pending) => render(&state, jar, &pending, None, StatusCode::OK).await,
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
        return render(&state, jar, &pending, Some(message), StatusCode::FORBIDDEN).await;
    }
    match console_sign_in::with_code(&state.core, &pending, &form.code, &client_ip.to_string()).await? {
        Ok(signed_in) => Ok(enter(&state, jar, signed_in, &pending.next)),
        Err(SignInRefusal::SecondStepRefused(message)) => {
            render(&state, jar, &pending, Some(message), StatusCode::UNAUTHORIZED).await
        }
        Err(_) => Ok(start_over(jar)),
    }
}
