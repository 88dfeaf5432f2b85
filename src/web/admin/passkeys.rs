//! Passkeys in the console: adding and removing one's own under the two-step pages, and signing
//! in with one as the second step. The browser's part is `static/passkeys.js`; each ceremony's
//! state waits in a sealed cookie scoped to the pages that finish it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::login::start_session;
use super::page_error::{PageError, PageResult};
use super::pending::{PENDING_COOKIE, PendingSignIn, password_fingerprint};
use super::session::{ConsoleForm, LOGIN_CSRF_COOKIE, NoFields, console_cookie};
use crate::auth::secret::same_secret;
use crate::usecases::passkeys;
use crate::web::client_ip::ClientIp;
use crate::web::paths;
use crate::web::state::AppState;

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
    let Some(webauthn) = state.passkeys.as_deref() else { return unavailable() };
    match passkeys::start_registration(
        &state.store,
        webauthn,
        &state.sealer,
        &user.actor(),
        user.signed_in_at,
    )
    .await
    {
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
    let Some(webauthn) = state.passkeys.as_deref() else { return Ok(unavailable()) };
    let sealed = jar.get(ADD_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    let jar = jar.remove(Cookie::build(ADD_COOKIE).path(paths::ACCOUNT_PASSKEYS));
    let answer = serde_json::from_str(&form.credential).map_err(|_| {
        crate::usecases::UseCaseError::field("passkey", "The browser's answer could not be read.")
    });
    let result = match answer {
        Ok(answer) => {
            passkeys::finish_registration(
                &state.store,
                webauthn,
                &state.sealer,
                &user.actor(),
                &form.name,
                &sealed,
                &answer,
            )
            .await
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
    passkeys::remove(&state.store, &user.actor(), id)
        .await
        .map_err(|e| PageError::from(crate::web::error::AppError::from(e)))?;
    Ok(Redirect::to(&format!("{}?passkey=removed", paths::ACCOUNT_MFA)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    credential: String,
}

/// The member half-way through signing in, when the sign-in form's token and the pending
/// second step are both there and still valid.
async fn pending_member(
    state: &AppState,
    jar: &CookieJar,
    csrf: &str,
) -> PageResult<Option<(PendingSignIn, crate::domain::team::TeamMember)>> {
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, csrf) {
        return Ok(None);
    }
    let Some(pending) = jar
        .get(PENDING_COOKIE)
        .and_then(|c| PendingSignIn::open(&state.sealer, c.value(), OffsetDateTime::now_utc()))
    else {
        return Ok(None);
    };
    let member = match state.store.team_member(pending.member_id).await {
        Ok(member) if member.active => member,
        _ => return Ok(None),
    };
    let current = state.store.team_member_credentials(&member.email).await?.map(|(_, hash)| hash);
    if !current.is_some_and(|hash| same_secret(&password_fingerprint(&hash), &pending.password)) {
        return Ok(None);
    }
    Ok(Some((pending, member)))
}

pub async fn sign_in_options(
    State(state): State<AppState>,
    jar: CookieJar,
    axum::Form(form): axum::Form<SignInForm>,
) -> PageResult<Response> {
    let Some(webauthn) = state.passkeys.as_deref() else { return Ok(unavailable()) };
    let Some((_, member)) = pending_member(&state, &jar, &form.csrf).await? else {
        return Ok(refusal(StatusCode::FORBIDDEN, "The sign-in expired. Start again with your password."));
    };
    match passkeys::start_authentication(&state.store, webauthn, &state.sealer, &member).await {
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
    let Some(webauthn) = state.passkeys.as_deref() else { return Ok(unavailable()) };
    let Some((pending, member)) = pending_member(&state, &jar, &form.csrf).await? else {
        return Ok(Redirect::to(paths::LOGIN).into_response());
    };
    let sealed = jar.get(SIGN_IN_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    let jar = jar.remove(Cookie::build(SIGN_IN_COOKIE).path(paths::LOGIN));
    let email_key = member.email.to_string();
    super::login::reserve_password_check(&state, &email_key, &client_ip.to_string()).await?;
    let signed = match serde_json::from_str(&form.credential) {
        Ok(answer) => {
            passkeys::finish_authentication(&state.store, webauthn, &state.sealer, &member, &sealed, &answer)
                .await
                .unwrap_or(false)
        }
        Err(_) => false,
    };
    if !signed {
        return super::second_step::refused_page(
            &state,
            jar,
            &member,
            "The passkey was not accepted. Try again, or enter a code.",
        )
        .await;
    }
    state.store.clear_sign_in_failures(&email_key).await?;
    if !pending.spend(&state.store).await? {
        return Ok(Redirect::to(paths::LOGIN).into_response());
    }
    tracing::info!(member = %member.email, "console second step with a passkey");
    start_session(&state, jar, &member, &pending.next).await
}
