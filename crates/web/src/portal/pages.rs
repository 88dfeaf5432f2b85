//! The portal's pages besides sign-in: the landing page and the clear pages for every state
//! a portal can be in (unknown, not open, not set up, expired, failed).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use bytes::Bytes;
use uuid::Uuid;

use super::message_page::MessagePage;
pub use super::message_page::{Action, Message, failure, plain_message, unknown_portal, unknown_portal_url};
use super::resolve::LivePortal;
use super::session::{SESSION_COOKIE, current_session};
use crate::error::AppError;
use crate::portal_view::{self, Viewer};
use crate::state::AppState;
use portico_core::paths;
use portico_core::paths::portal;
use portico_core::render::Mode;
use portico_core::render::landing::Line;
use portico_core::usecases::{kb, tickets};
use portico_domain::kb::ArticleOrder;
use portico_domain::page::PageRequest;
use portico_domain::portal::layout::ButtonTarget;
use portico_domain::session::PortalSession;

/// A message page in the portal's own colours.
pub fn message(live: &LivePortal, message: Message) -> Response {
    let design = &live.portal.settings.design;
    let page = MessagePage {
        portal_name: live.customer.name.clone(),
        logo_url: live.portal.logo_id.as_deref().map(paths::logo),
        home: live.link(portal::HOME),
        theme_url: paths::theme_stylesheet(&design.primary_color, &design.secondary_color),
        title: message.title,
        text: message.text,
        action: message.action,
    };
    (message.status, page).into_response()
}

/// The page that says why the portal cannot take sign-ins now, if it cannot (inactive, or no
/// enabled SSO configuration).
pub fn sign_in_closed(live: &LivePortal) -> Option<Response> {
    if !live.portal.settings.active {
        return Some(message(
            live,
            Message {
                status: axum::http::StatusCode::FORBIDDEN,
                title: "This portal is not open".into(),
                text: format!(
                    "{}'s help portal is not available at the moment. Please contact your IT team another way.",
                    live.customer.name
                ),
                action: None,
            },
        ));
    }
    if !live.sign_in_ready {
        return Some(message(
            live,
            Message {
                status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
                title: "Sign-in is not set up yet".into(),
                text: format!(
                    "{}'s help portal has no way to sign in yet. Your IT service provider needs to connect it to your company's sign-in first.",
                    live.customer.name
                ),
                action: None,
            },
        ));
    }
    None
}

/// The landing page for a signed-in end user; everyone else is sent to sign in.
pub async fn landing(State(state): State<AppState>, live: LivePortal, jar: CookieJar) -> Response {
    if let Some(page) = sign_in_closed(&live) {
        return page;
    }
    let session = match current_session(&state, &live, &jar).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let Some(session) = session else {
        if jar.get(SESSION_COOKIE).is_some() {
            return session_expired(&live, "/");
        }
        return Redirect::to(&live.link(portal::SIGN_IN)).into_response();
    };
    let page = state
        .core
        .read_models()
        .page(&session, live.link(portal::HOME), async || {
            render_landing(&state, &live, &session).await.map(|html| Some(Bytes::from(html)))
        })
        .await;
    match page {
        Ok(Some(html)) => axum::response::Html(html).into_response(),
        Ok(None) => failure(AppError::Internal(anyhow::anyhow!("the landing page was not rendered"))),
        Err(error) => failure(error),
    }
}

/// The landing page as `session` sees it.
async fn render_landing(
    state: &AppState,
    live: &LivePortal,
    session: &PortalSession,
) -> Result<String, AppError> {
    let (open_tickets, articles) = landing_lists(state, live, session).await?;
    let viewer = Viewer {
        base_path: live.base_path.clone(),
        user_name: &session.end_user.name,
        csrf: &session.csrf_token,
        manager: session.end_user.role == portico_domain::end_user::CustomerRole::Manager,
        open_tickets,
        articles,
    };
    // A button of a request type the customer no longer has (removed, hidden since) goes.
    let mut settings = live.portal.settings.clone();
    if settings.layout.buttons.iter().any(|b| matches!(b.target, ButtonTarget::RequestType(_))) {
        let offered: Vec<Uuid> =
            portico_core::usecases::request_types::catalogue(&state.core, &session.actor(), live.customer.id)
                .await?
                .into_iter()
                .map(|o| o.request_type.id)
                .collect();
        settings.layout.buttons.retain(|b| match b.target {
            ButtonTarget::RequestType(id) => offered.contains(&id),
            _ => true,
        });
    }
    portal_view::landing_html(&live.customer, &settings, live.portal.logo_id.as_deref(), &viewer, Mode::Live)
}

/// What the landing page lists under the configured sections: the end user's open tickets (asked
/// for or followed) and
/// the most read articles, for the features the portal has.
async fn landing_lists(
    state: &AppState,
    live: &LivePortal,
    session: &portico_domain::session::PortalSession,
) -> Result<(Vec<Line>, Vec<Line>), AppError> {
    const SHOWN: u32 = 5;
    let features = &live.portal.settings.features;
    let mut open_tickets = Vec::new();
    if features.ticketing.enabled {
        let found = tickets::my_open_tickets(&state.core, &session.actor(), SHOWN).await?;
        open_tickets = found
            .into_iter()
            .map(|ticket| Line {
                label: format!("{}: {}", ticket.number, ticket.short_description),
                meta: ticket.status.title().to_string(),
                href: live.link(&portal::ticket(ticket.id)),
            })
            .collect();
    }
    let mut articles = Vec::new();
    if features.knowledge_base.enabled {
        let found = kb::portal_article_lines(
            &state.core,
            &session.actor(),
            ArticleOrder::Popular,
            &PageRequest::first(SHOWN),
        )
        .await?;
        articles = found
            .items
            .into_iter()
            .map(|article| Line {
                label: article.title,
                meta: String::new(),
                href: live.link(&portal::article(article.id)),
            })
            .collect();
    }
    Ok((open_tickets, articles))
}

pub fn session_expired(live: &LivePortal, return_to: &str) -> Response {
    let href = format!(
        "{}?return_to={}",
        live.link(portal::SIGN_IN),
        form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
    );
    message(
        live,
        Message {
            status: StatusCode::UNAUTHORIZED,
            title: "Your session has ended".into(),
            text: "For your security you were signed out after a while without activity. Sign in again to continue.".into(),
            action: Some(Action { label: "Sign in again".into(), href }),
        },
    )
}

/// Portal pages that do not exist.
pub async fn elsewhere(live: LivePortal) -> Response {
    message(
        &live,
        Message {
            status: StatusCode::NOT_FOUND,
            title: "Page not found".into(),
            text: "This page does not exist in this portal.".into(),
            action: Some(Action { label: "Go to the start page".into(), href: live.link(portal::HOME) }),
        },
    )
}
