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
use serde::Deserialize;

use super::login;
use super::session::console_cookie;
use crate::state::AppState;
use portico_core::paths;
use portico_core::usecases::console_sign_in::{self, PasswordChecked, ProviderRefusal};

/// The browser's half of a pending console sign-in.
const PENDING_COOKIE: &str = "portico_console_sso";

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

fn refused(state: &AppState, jar: CookieJar, status: StatusCode, message: &str) -> Response {
    login::render(state, jar, paths::ADMIN_HOME.to_string(), String::new(), Some(message.to_string()), status)
}

fn refusal_page(state: &AppState, jar: CookieJar, refusal: ProviderRefusal) -> Response {
    let again = "This sign-in was already used, has expired or was started elsewhere. Sign in again.";
    match refusal {
        ProviderRefusal::NotSetUp => {
            refused(state, jar, StatusCode::NOT_FOUND, "Single sign-on is not set up for the console.")
        }
        ProviderRefusal::Unreachable => refused(
            state,
            jar,
            StatusCode::BAD_GATEWAY,
            "Your organisation's sign-in cannot be reached right now. Try again in a moment.",
        ),
        ProviderRefusal::UsedOrExpired => refused(state, jar, StatusCode::BAD_REQUEST, again),
        ProviderRefusal::ProviderRefused => {
            refused(state, jar, StatusCode::FORBIDDEN, "Your organisation's sign-in did not let you in.")
        }
        ProviderRefusal::Failed { reference } => {
            let message =
                format!("Your organisation's sign-in could not be completed (reference {reference}).");
            refused(state, jar, StatusCode::FORBIDDEN, &message)
        }
        ProviderRefusal::NotAdmitted(reason) => refused(
            state,
            jar,
            StatusCode::FORBIDDEN,
            &format!("You cannot sign in to the console: {reason}."),
        ),
    }
}

/// Sends the browser to the provider; writes nothing but the sealed cookie.
pub async fn start(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<StartQuery>,
) -> Response {
    let next = crate::redirect::safe_return_to(&state.config.public_url, query.next.as_deref());
    match console_sign_in::start_with_provider(&state.core, &next).await {
        Ok(Ok((url, sealed))) => {
            let jar =
                jar.add(console_cookie(&state.config, PENDING_COOKIE, sealed, paths::CONSOLE_SSO_CALLBACK));
            (jar, Redirect::to(url.as_str())).into_response()
        }
        Ok(Err(refusal)) => refusal_page(&state, jar, refusal),
        Err(error) => unavailable(&state, jar, &error),
    }
}

/// Sign-in could not go on for a reason of Portico's own (the database, say).
fn unavailable(state: &AppState, jar: CookieJar, error: &dyn std::fmt::Display) -> Response {
    tracing::error!(%error, "console single sign-on could not go on");
    refused(
        state,
        jar,
        StatusCode::SERVICE_UNAVAILABLE,
        "Sign-in is unavailable right now. Try again in a moment.",
    )
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
    let sealed = jar.get(PENDING_COOKIE).map(|c| c.value().to_string());
    let completed = console_sign_in::complete_with_provider(
        &state.core,
        sealed.as_deref(),
        answer.state.as_deref(),
        answer.code.as_deref(),
        answer.error.as_deref(),
        answer.iss.as_deref(),
    )
    .await;
    // Once looked at, the pending cookie has done its work.
    let jar = jar.remove(Cookie::build(PENDING_COOKIE).path(paths::CONSOLE_SSO_CALLBACK));
    let mut response = match completed {
        Ok(Ok((PasswordChecked::SignedIn(signed_in), next))) => login::enter(&state, jar, signed_in, &next),
        Ok(Ok((PasswordChecked::SecondStepDue(pending), _))) => login::second_step(&state, jar, &pending),
        Ok(Err(refusal)) => refusal_page(&state, jar, refusal),
        Err(error) => unavailable(&state, jar, &error),
    };
    // The callback URL carries the code: never let it leak through a Referer.
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}
