//! Console sign-in through the MSP's own identity provider: the same relying-party code as the
//! portals (authorization code with PKCE, one-time sealed `state`, `nonce`, every id_token check),
//! then [`portico_core::usecases::console_sign_in::admit`] says which team member it is.
//!
//! The provider's sign-in stands in for the password: a member who has set up Portico's own
//! second step (an app or a passkey) takes it after the provider too.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use secrecy::ExposeSecret;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::login;
use super::session::console_cookie;
use crate::state::AppState;
use portico_core::paths;
use portico_core::sso::flow;
use portico_core::sso::pending::{PendingSignIn, SignInState};
use portico_core::usecases::console_sign_in::{self, PasswordChecked};
use portico_domain::secret::random_token;

/// The browser's half of a pending console sign-in.
const PENDING_COOKIE: &str = "portico_console_sso";
/// How long the provider may take.
const WINDOW: time::Duration = time::Duration::minutes(10);

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

fn refused(state: &AppState, jar: CookieJar, status: StatusCode, message: &str) -> Response {
    login::render(state, jar, paths::ADMIN_HOME.to_string(), String::new(), Some(message.to_string()), status)
}

fn callback_uri(state: &AppState) -> String {
    state.config.url_for(paths::CONSOLE_SSO_CALLBACK)
}

/// Sends the browser to the provider; writes nothing but the sealed cookie.
pub async fn start(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<StartQuery>,
) -> Response {
    let Some(sso) = state.config.console_sso.as_ref() else {
        return refused(&state, jar, StatusCode::NOT_FOUND, "Single sign-on is not set up for the console.");
    };
    let next = crate::redirect::safe_return_to(&state.config.public_url, query.next.as_deref());
    let info = match state
        .core
        .providers()
        .get(state.core.outbound(), &sso.settings.discovery_url(), sso.settings.provider)
        .await
    {
        Ok(info) => info,
        Err(error) => {
            tracing::warn!(%error, "console single sign-on: the provider cannot be reached");
            return refused(
                &state,
                jar,
                StatusCode::BAD_GATEWAY,
                "Your organisation's sign-in cannot be reached right now. Try again in a moment.",
            );
        }
    };
    // The console's state names no customer and no configuration: portals refuse it, and it
    // refuses theirs.
    let sealed_state = SignInState::new(Uuid::nil(), Uuid::nil(), OffsetDateTime::now_utc() + WINDOW)
        .seal(state.core.sealer());
    let callback = callback_uri(&state);
    let request = match flow::authorization_request(&info, &sso.settings, &callback, sealed_state.clone()) {
        Ok(request) => request,
        Err(error) => {
            tracing::warn!(%error, "console single sign-on could not start");
            return refused(
                &state,
                jar,
                StatusCode::BAD_GATEWAY,
                "Your organisation's sign-in could not be started.",
            );
        }
    };
    let pending = PendingSignIn::new(&sealed_state, request.nonce, request.pkce_verifier, callback, next);
    let jar = jar.add(console_cookie(
        &state.config,
        PENDING_COOKIE,
        pending.seal(state.core.sealer()),
        paths::CONSOLE_SSO_CALLBACK,
    ));
    (jar, Redirect::to(request.url.as_str())).into_response()
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(answer): Query<CallbackQuery>,
) -> Response {
    let mut response = complete(&state, jar, answer).await;
    // The callback URL carries the code: never let it leak through a Referer.
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

async fn complete(state: &AppState, jar: CookieJar, answer: CallbackQuery) -> Response {
    let Some(sso) = state.config.console_sso.as_ref() else {
        return refused(state, jar, StatusCode::NOT_FOUND, "Single sign-on is not set up for the console.");
    };
    let again = "This sign-in was already used, has expired or was started elsewhere. Sign in again.";
    let Some(state_value) = answer.state.as_deref().filter(|s| !s.is_empty()) else {
        return refused(state, jar, StatusCode::BAD_REQUEST, again);
    };
    let Some(sign_in) = SignInState::open(state.core.sealer(), state_value)
        .filter(|s| s.customer_id.is_nil() && s.sso_config_id.is_nil() && !s.expired())
    else {
        return refused(state, jar, StatusCode::BAD_REQUEST, again);
    };
    match console_sign_in::spend_provider_state(&state.core, state_value, sign_in.expires_at()).await {
        Ok(true) => {}
        Ok(false) => return refused(state, jar, StatusCode::BAD_REQUEST, again),
        Err(error) => {
            tracing::error!(%error, "console single sign-on: the state could not be spent");
            return refused(
                state,
                jar,
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in is unavailable right now. Try again in a moment.",
            );
        }
    }
    let pending = jar
        .get(PENDING_COOKIE)
        .and_then(|c| PendingSignIn::open_for(state.core.sealer(), c.value(), state_value));
    let jar = jar.remove(Cookie::build(PENDING_COOKIE).path(paths::CONSOLE_SSO_CALLBACK));
    let Some(pending) = pending else { return refused(state, jar, StatusCode::BAD_REQUEST, again) };
    if let Some(error) = &answer.error {
        tracing::warn!(error, "console single sign-on: the provider refused");
        return refused(state, jar, StatusCode::FORBIDDEN, "Your organisation's sign-in did not let you in.");
    }
    let Some(code) = answer.code.as_deref().filter(|c| !c.is_empty()) else {
        return refused(state, jar, StatusCode::BAD_REQUEST, again);
    };
    let flow_answer = flow::Answer {
        code,
        pkce_verifier: &pending.pkce_verifier,
        nonce: &pending.nonce,
        redirect_uri: &pending.redirect_uri,
        iss: answer.iss.as_deref(),
    };
    let completed = match flow::complete(
        state.core.outbound(),
        state.core.providers(),
        &sso.settings,
        sso.secret.expose_secret(),
        &flow_answer,
    )
    .await
    {
        Ok(completed) => completed,
        Err(error) => {
            let reference = random_token("ref");
            tracing::warn!(%error, reference, "console single sign-on failed");
            let message =
                format!("Your organisation's sign-in could not be completed (reference {reference}).");
            return refused(state, jar, StatusCode::FORBIDDEN, &message);
        }
    };
    let member = match console_sign_in::admit(&state.core, &completed.identity).await {
        Ok(Ok(member)) => member,
        Ok(Err(refusal)) => {
            tracing::warn!(issuer = completed.identity.issuer, subject = completed.identity.subject, %refusal,
                "console single sign-on refused");
            let message = format!("You cannot sign in to the console: {refusal}.");
            return refused(state, jar, StatusCode::FORBIDDEN, &message);
        }
        Err(error) => {
            tracing::error!(%error, "console single sign-on: admission failed");
            return refused(
                state,
                jar,
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in is unavailable right now. Try again in a moment.",
            );
        }
    };
    tracing::info!(member = %member.email, "console sign-in through single sign-on");
    match second_step_or_session(state, jar.clone(), &member, &pending.return_to).await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(?error, "console single sign-on: the session could not be kept");
            refused(
                state,
                jar,
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in is unavailable right now. Try again in a moment.",
            )
        }
    }
}

/// A member with Portico's own second step set up takes it here too, as after a password: the
/// provider's sign-in stands in for the password, not for the second factor.
async fn second_step_or_session(
    state: &AppState,
    jar: CookieJar,
    member: &portico_domain::team::TeamMember,
    next: &str,
) -> super::page_error::PageResult<Response> {
    Ok(match console_sign_in::after_identity_provider(&state.core, member, next).await? {
        PasswordChecked::SignedIn(signed_in) => login::enter(state, jar, signed_in, next),
        PasswordChecked::SecondStepDue(pending) => login::second_step(state, jar, &pending),
    })
}
