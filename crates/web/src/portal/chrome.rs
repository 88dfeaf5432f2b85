//! What every signed-in portal page shows around its content, and the guard that gets there.

use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;

use super::pages::sign_in_closed;
use super::pages::{self, Action, Message};
use super::resolve::LivePortal;
use super::session::{SESSION_COOKIE, current_visit};
use crate::state::AppState;
use portico_core::paths;
use portico_core::paths::portal;
use portico_core::usecases::portal_sign_in::Visit;
use portico_domain::session::PortalSession;

/// The header and theme of a portal page.
pub struct Chrome {
    pub portal_name: String,
    pub logo_url: Option<String>,
    pub base: String,
    pub theme_url: String,
    pub user_name: String,
    pub csrf: String,
    /// A manager of the customer: the header links their company's tickets and people.
    pub manager: bool,
    pub ticketing: bool,
}

impl Chrome {
    pub fn new(live: &LivePortal, session: &PortalSession) -> Self {
        let design = &live.portal.settings.design;
        Self {
            portal_name: live.customer.name.clone(),
            logo_url: live.portal.logo_id.as_deref().map(paths::logo),
            base: live.base_path.clone(),
            theme_url: paths::theme_stylesheet(&design.primary_color, &design.secondary_color),
            user_name: session.end_user.name.clone(),
            csrf: session.csrf_token.clone(),
            manager: session.end_user.role == portico_domain::end_user::CustomerRole::Manager,
            ticketing: live.portal.settings.features.ticketing.enabled,
        }
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The signed-in end user of this portal, or the page that sends them to sign in.
pub async fn signed_in(
    state: &AppState,
    live: &LivePortal,
    jar: &CookieJar,
    here: &str,
) -> Result<Visit, Response> {
    if let Some(page) = sign_in_closed(live) {
        return Err(page);
    }
    match current_visit(state, live, jar).await? {
        Some(visit) => Ok(visit),
        None if jar.get(SESSION_COOKIE).is_some() => Err(pages::session_expired(live, &live.link(here))),
        None => {
            let target = format!(
                "{}?return_to={}",
                live.link(portal::SIGN_IN),
                form_urlencoded::byte_serialize(live.link(here).as_bytes()).collect::<String>()
            );
            Err(Redirect::to(&target).into_response())
        }
    }
}

/// Ticketing pages exist only while the feature is on: otherwise, the page that says so.
pub fn ticketing_closed(live: &LivePortal) -> Option<Response> {
    if live.portal.settings.features.ticketing.enabled {
        None
    } else {
        Some(pages::message(
            live,
            Message {
                status: axum::http::StatusCode::NOT_FOUND,
                title: "Tickets are not available here".into(),
                text: "This portal does not take tickets. Contact your IT team another way.".into(),
                action: Some(Action { label: "Go to the start page".into(), href: live.link(portal::HOME) }),
            },
        ))
    }
}
