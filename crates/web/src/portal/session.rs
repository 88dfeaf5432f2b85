//! End users' sessions: a random token in a cookie scoped to the portal, its hash in the database.

use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::message_page as pages;
use super::resolve::LivePortal;
use crate::state::AppState;
use portico_core::usecases::portal_sign_in::{self, Visit};
use portico_domain::session::PortalSession;

pub const SESSION_COOKIE: &str = "portico_portal";
/// Binds a sign-in in progress to the browser that started it.
pub const LOGIN_COOKIE: &str = "portico_portal_login";

pub fn portal_cookie(
    state: &AppState,
    live: &LivePortal,
    name: &'static str,
    value: String,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(live.cookie_path.clone())
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies())
        .build()
}

pub fn removal(live: &LivePortal, name: &'static str) -> Cookie<'static> {
    Cookie::build(name).path(live.cookie_path.clone()).build()
}

/// The session of this portal the cookie names, if it is still good. A session of another
/// portal is never found: sessions are looked up per customer.
pub async fn current_session(
    state: &AppState,
    live: &LivePortal,
    jar: &CookieJar,
) -> Result<Option<PortalSession>, Response> {
    Ok(current_visit(state, live, jar).await?.map(|visit| visit.session().clone()))
}

/// The visit of the signed-in end user at this portal, if the cookie's session is good here.
pub async fn current_visit(
    state: &AppState,
    live: &LivePortal,
    jar: &CookieJar,
) -> Result<Option<Visit>, Response> {
    let Some(cookie) = jar.get(SESSION_COOKIE) else { return Ok(None) };
    portal_sign_in::visit(&state.core, &live.resolved, cookie.value())
        .await
        .map_err(|e| pages::failure(e.into()))
}
