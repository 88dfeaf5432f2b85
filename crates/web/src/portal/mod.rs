//! The live End User Portal: `/p/{slug}` always, `{slug}.{PORTICO_PORTAL_DOMAIN}` and custom
//! domains through [`hosts::route_portal_hosts`], which maps those hosts onto the same routes.

pub mod auth;
pub mod catalogue;
pub mod chrome;
pub mod company;
pub mod extract;
pub mod hosts;
pub mod kb;
pub mod message_page;
pub mod pages;
pub mod resolve;
pub mod session;
pub mod tickets;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

/// Portal pages load only our own styles, images and one script of ours (drag and drop and upload
/// progress for files, which may talk only to the page's own origin); nothing inline.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
    script-src 'self'; connect-src 'self'; \
    form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/p/{slug}", get(pages::landing))
        .route("/p/{slug}/", get(pages::landing))
        .route("/p/{slug}/auth/sign-in", get(auth::sign_in_page))
        .route("/p/{slug}/auth/signed-out", get(auth::signed_out))
        .route("/p/{slug}/auth/logout", post(auth::logout))
        .route("/p/{slug}/auth/{sso_id}/start", get(auth::start))
        .route("/p/{slug}/auth/{sso_id}/callback", get(auth::callback))
        .route("/p/{slug}/tickets", get(tickets::list).post(tickets::submit))
        .route("/p/{slug}/tickets/new", get(catalogue::catalogue))
        .route("/p/{slug}/tickets/new/other", get(tickets::new_form))
        .route(
            "/p/{slug}/tickets/new/{type_id}",
            get(catalogue::request_form).post(catalogue::submit_request),
        )
        .route("/p/{slug}/tickets/{ticket_id}", get(tickets::show))
        .route("/p/{slug}/tickets/{ticket_id}/comments", post(tickets::reply))
        .route("/p/{slug}/tickets/{ticket_id}/files/{file_id}", get(tickets::file))
        .route("/p/{slug}/tickets/{ticket_id}/files/{file_id}/thumbnail", get(tickets::file_thumbnail))
        .route("/p/{slug}/tickets/{ticket_id}/status", post(tickets::change_status))
        .route("/p/{slug}/tickets/{ticket_id}/followers", post(tickets::share))
        .route("/p/{slug}/tickets/{ticket_id}/followers/{end_user_id}/remove", post(tickets::unshare))
        .route("/p/{slug}/company/tickets", get(company::tickets))
        .route("/p/{slug}/people", get(company::people_list).post(company::invite))
        .route("/p/{slug}/people/{person_id}/active", post(company::set_active))
        .route("/p/{slug}/kb", get(kb::list))
        .route("/p/{slug}/kb/{article_id}", get(kb::show))
        .route("/p/{slug}/search", get(kb::search))
        .route("/p/{slug}/{*rest}", get(pages::elsewhere))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
