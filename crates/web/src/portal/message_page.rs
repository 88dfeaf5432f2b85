//! The message page every portal answer that is not a page of its own uses, and the pages for
//! no portal in particular (an unknown address, a failure before a portal is known).

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use portico_core::paths;
use portico_domain::portal::document::{DEFAULT_PRIMARY, DEFAULT_SECONDARY};

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
pub struct MessagePage {
    pub portal_name: String,
    pub logo_url: Option<String>,
    pub home: String,
    pub theme_url: String,
    pub title: String,
    pub text: String,
    pub action: Option<Action>,
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
