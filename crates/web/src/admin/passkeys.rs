//! Passkeys in the console: adding and removing one's own under the two-step pages, and signing
//! in with one as the second step. The browser's part is `static/passkeys.js`; each ceremony's
//! state waits in a sealed cookie scoped to the pages that finish it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use uuid::Uuid;

use super::login::enter;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, LOGIN_CSRF_COOKIE, NoFields, console_cookie};
use crate::client_ip::ClientIp;
use crate::state::AppState;
use portico_core::auth::pending::PendingSignIn;
use portico_core::paths;
use portico_core::usecases::console_sign_in::{self, SignInRefusal};
use portico_core::usecases::passkeys;
use portico_domain::secret::same_secret;

const ADD_COOKIE: &str = "portico_passkey_add";
const SIGN_IN_COOKIE: &str = "portico_passkey_sign_in";

fn refusal(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

fn unavailable() -> Response {
    refusal(StatusCode::NOT_FOUND, "Passkeys need the console to be reached at a host name, not an address.")
}

/// The options for adding a passkey (JSON), with the ceremony's state in a cookie.
pub async fn add_options(
    State(state): State<AppState>,
    jar: CookieJar,
    ConsoleForm { user, .. }: ConsoleForm<NoFields>,
) -> Response {
    if state.core.passkeys().is_none() {
        return unavailable();
    }
    match passkeys::start_registration(&state.core, &user.actor(), user.signed_in_at).await {
        Ok((options, sealed)) => {
            let jar = jar.add(console_cookie(&state.config, ADD_COOKIE, sealed, paths::ACCOUNT_PASSKEYS));
            (jar, Json(options)).into_response()
        }
        Err(error) => match PageError::form_errors_of(error) {
            Ok(errors) => {
                refusal(StatusCode::UNPROCESSABLE_ENTITY, errors.message_for("passkey").unwrap_or("Refused."))
            }
            Err(_) => refusal(StatusCode::INTERNAL_SERVER_ERROR, "The passkey request could not be made."),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    credential: String,
}

/// Keeps the new passkey; back to the two-step page, which names what went wrong if anything.
pub async fn add(
    State(state): State<AppState>,
    jar: CookieJar,
    ConsoleForm { user, form }: ConsoleForm<AddForm>,
) -> PageResult<Response> {
    if state.core.passkeys().is_none() {
        return Ok(unavailable());
    }
    let sealed = jar.get(ADD_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    let jar = jar.remove(Cookie::build(ADD_COOKIE).path(paths::ACCOUNT_PASSKEYS));
    let answer = serde_json::from_str(&form.credential).map_err(|_| {
        portico_core::usecases::UseCaseError::field("passkey", "The browser's answer could not be read.")
    });
    let result = match answer {
        Ok(answer) => {
            passkeys::finish_registration(&state.core, &user.actor(), &form.name, &sealed, &answer).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok((jar, Redirect::to(&format!("{}?passkey=added", paths::ACCOUNT_MFA))).into_response()),
        Err(error) => {
            let errors = PageError::form_errors_of(error)?;
            let message = errors.errors().first().map(|e| e.message.clone()).unwrap_or_default();
            Ok((jar, super::mfa::passkey_refused(&state, &user, message).await?).into_response())
        }
    }
}

pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    ConsoleForm { user, .. }: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    passkeys::remove(&state.core, &user.actor(), id)
        .await
        .map_err(|e| PageError::from(crate::error::AppError::from(e)))?;
    Ok(Redirect::to(&format!("{}?passkey=removed", paths::ACCOUNT_MFA)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    credential: String,
}

/// The half-done sign-in, when the sign-in form's token and the pending second step are both
/// there and still valid.
fn pending_sign_in(state: &AppState, jar: &CookieJar, csrf: &str) -> Option<PendingSignIn> {
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, csrf) {
        return None;
    }
    super::second_step::pending(state, jar)
}

pub async fn sign_in_options(
    State(state): State<AppState>,
    jar: CookieJar,
    axum::Form(form): axum::Form<SignInForm>,
) -> PageResult<Response> {
    if state.core.passkeys().is_none() {
        return Ok(unavailable());
    }
    let member = match pending_sign_in(&state, &jar, &form.csrf) {
        Some(pending) => console_sign_in::pending_member(&state.core, &pending).await?,
        None => None,
    };
    let Some(member) = member else {
        return Ok(refusal(StatusCode::FORBIDDEN, "The sign-in expired. Start again with your password."));
    };
    match passkeys::start_authentication(&state.core, &member).await {
        Ok(Some((options, sealed))) => {
            let jar = jar.add(console_cookie(&state.config, SIGN_IN_COOKIE, sealed, paths::LOGIN));
            Ok((jar, Json(options)).into_response())
        }
        Ok(None) => Ok(refusal(StatusCode::NOT_FOUND, "You have no passkey; enter a code instead.")),
        Err(_) => Ok(refusal(StatusCode::INTERNAL_SERVER_ERROR, "The passkey request could not be made.")),
    }
}

/// The second step with a passkey; a failure counts against the sign-in limits like a wrong code.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    jar: CookieJar,
    axum::Form(form): axum::Form<SignInForm>,
) -> PageResult<Response> {
    if state.core.passkeys().is_none() {
        return Ok(unavailable());
    }
    let Some(pending) = pending_sign_in(&state, &jar, &form.csrf) else {
        return Ok(Redirect::to(paths::LOGIN).into_response());
    };
    let sealed = jar.get(SIGN_IN_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    let jar = jar.remove(Cookie::build(SIGN_IN_COOKIE).path(paths::LOGIN));
    let answer = serde_json::from_str(&form.credential).ok();
    let result = console_sign_in::with_passkey(
        &state.core,
        &pending,
        &sealed,
        answer.as_ref(),
        &client_ip.to_string(),
    )
    .await?;
    match result {
        Ok(signed_in) => Ok(enter(&state, jar, signed_in, &pending.next)),
        Err(SignInRefusal::SecondStepRefused(message)) => {
            super::second_step::refused_page(&state, jar, &pending, &message).await
        }
        Err(_) => Ok(Redirect::to(paths::LOGIN).into_response()),
    }
}
