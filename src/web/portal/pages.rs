//! The portal's pages besides sign-in: the landing page and the clear pages for every state
//! a portal can be in (unknown, not open, not set up, expired, failed).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use uuid::Uuid;

use super::resolve::{LivePortal, sign_in_closed};
use super::session::{SESSION_COOKIE, current_session};
use crate::domain::page::PageRequest;
use crate::domain::portal::document::{DEFAULT_PRIMARY, DEFAULT_SECONDARY};
use crate::domain::portal::layout::ButtonTarget;
use crate::render::Mode;
use crate::render::landing::Line;
use crate::store::kb::ArticleOrder;
use crate::store::tickets::TicketFilter;
use crate::web::error::AppError;
use crate::web::paths;
use crate::web::portal_view::{self, Viewer};
use crate::web::state::AppState;

/// A button under a message.
pub struct Action {
    pub label: String,
    pub href: String,
}

pub struct Message {
    pub status: StatusCode,
    pub title: String,
    pub text: String,
    pub action: Option<Action>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/message.html")]
struct MessagePage {
    portal_name: String,
    logo_url: Option<String>,
    home: String,
    theme_url: String,
    title: String,
    text: String,
    action: Option<Action>,
}

/// A message page in the portal's own colours.
pub fn message(live: &LivePortal, message: Message) -> Response {
    let design = &live.portal.settings.design;
    let page = MessagePage {
        portal_name: live.customer.name.clone(),
        logo_url: live.portal.logo_id.as_deref().map(paths::logo),
        home: live.link("/"),
        theme_url: paths::theme_stylesheet(&design.primary_color, &design.secondary_color),
        title: message.title,
        text: message.text,
        action: message.action,
    };
    (message.status, page).into_response()
}

/// A message page for no portal in particular.
pub fn plain_message(status: StatusCode, title: &str, text: &str) -> Response {
    let page = MessagePage {
        portal_name: "Help portal".into(),
        logo_url: None,
        home: String::new(),
        theme_url: paths::theme_stylesheet(&DEFAULT_PRIMARY, &DEFAULT_SECONDARY),
        title: title.into(),
        text: text.into(),
        action: None,
    };
    (status, page).into_response()
}

pub fn unknown_portal() -> Response {
    plain_message(
        StatusCode::NOT_FOUND,
        "There is no portal here",
        "Check the address: it may be mistyped, or the portal has moved. Your IT team can give you the right link.",
    )
}

/// Where an old subdomain goes when subdomain mode was switched off since.
pub fn unknown_portal_url() -> String {
    "/".to_string()
}

pub fn failure(error: AppError) -> Response {
    let detail = error.public_detail();
    plain_message(error.status(), "Something went wrong", &detail)
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
        return Redirect::to(&live.link("/auth/sign-in")).into_response();
    };
    let (open_tickets, articles) = match landing_lists(&state, &live, &session).await {
        Ok(lists) => lists,
        Err(error) => return failure(error),
    };
    let viewer = Viewer {
        base_path: live.base_path.clone(),
        user_name: &session.end_user.name,
        csrf: &session.csrf_token,
        manager: session.end_user.role == crate::domain::end_user::CustomerRole::Manager,
        open_tickets,
        articles,
    };
    // A button of a request type the customer no longer has (removed, hidden since) goes.
    let mut settings = live.portal.settings.clone();
    if settings.layout.buttons.iter().any(|b| matches!(b.target, ButtonTarget::RequestType(_))) {
        let offered: Vec<Uuid> =
            match crate::usecases::request_types::catalogue(&state.store, &session.actor(), live.customer.id)
                .await
            {
                Ok(offered) => offered.into_iter().map(|o| o.request_type.id).collect(),
                Err(error) => return failure(AppError::from(error)),
            };
        settings.layout.buttons.retain(|b| match b.target {
            ButtonTarget::RequestType(id) => offered.contains(&id),
            _ => true,
        });
    }
    match portal_view::landing_html(
        &live.customer,
        &settings,
        live.portal.logo_id.as_deref(),
        &viewer,
        Mode::Live,
    ) {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(error) => failure(error),
    }
}

/// What the landing page lists under the configured sections: the end user's open tickets (asked
/// for or followed) and
/// the most read articles, for the features the portal has.
async fn landing_lists(
    state: &AppState,
    live: &LivePortal,
    session: &crate::store::portal_sessions::PortalSession,
) -> Result<(Vec<Line>, Vec<Line>), AppError> {
    const SHOWN: u32 = 5;
    let features = &live.portal.settings.features;
    let mut open_tickets = Vec::new();
    if features.ticketing.enabled {
        let filter = TicketFilter {
            customer_id: Some(live.customer.id),
            involving: Some(session.end_user.id),
            open_only: true,
            ..Default::default()
        };
        let found = state.store.list_tickets(&filter, &PageRequest::first(SHOWN)).await?;
        open_tickets = found
            .items
            .into_iter()
            .map(|ticket| Line {
                label: format!("{}: {}", ticket.number, ticket.short_description),
                meta: ticket.status.title().to_string(),
                href: live.link(&format!("/tickets/{}", ticket.id)),
            })
            .collect();
    }
    let mut articles = Vec::new();
    if features.knowledge_base.enabled {
        let found = state
            .store
            .list_article_lines(live.customer.id, ArticleOrder::Popular, &PageRequest::first(SHOWN))
            .await?;
        articles = found
            .items
            .into_iter()
            .map(|article| Line {
                label: article.title,
                meta: String::new(),
                href: live.link(&format!("/kb/{}", article.id)),
            })
            .collect();
    }
    Ok((open_tickets, articles))
}

pub fn session_expired(live: &LivePortal, return_to: &str) -> Response {
    let href = format!(
        "{}?return_to={}",
        live.link("/auth/sign-in"),
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
            action: Some(Action { label: "Go to the start page".into(), href: live.link("/") }),
        },
    )
}
