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
use portico_core::paths::portal;

/// Portal pages load only our own styles, images and one script of ours (drag and drop and upload
/// progress for files, which may talk only to the page's own origin); nothing inline.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
    script-src 'self'; connect-src 'self'; \
    form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/p/{slug}", get(pages::landing))
        .route(&portal::mounted(portal::HOME), get(pages::landing))
        .route(&portal::mounted(portal::SIGN_IN), get(auth::sign_in_page))
        .route(&portal::mounted(portal::SIGNED_OUT), get(auth::signed_out))
        .route(&portal::mounted(portal::LOGOUT), post(auth::logout))
        .route(&portal::mounted(portal::SSO_START), get(auth::start))
        .route(&portal::mounted(portal::SSO_CALLBACK), get(auth::callback))
        .route(&portal::mounted(portal::TICKETS), get(tickets::list).post(tickets::submit))
        .route(&portal::mounted(portal::NEW_TICKET), get(catalogue::catalogue))
        .route(&portal::mounted(portal::OTHER_REQUEST), get(tickets::new_form))
        .route(
            &portal::mounted(portal::REQUEST_FORM),
            get(catalogue::request_form).post(catalogue::submit_request),
        )
        .route(&portal::mounted(portal::TICKET), get(tickets::show))
        .route(&portal::mounted(portal::TICKET_COMMENTS), post(tickets::reply))
        .route(&portal::mounted(portal::TICKET_FILE), get(tickets::file))
        .route(&portal::mounted(portal::TICKET_FILE_THUMBNAIL), get(tickets::file_thumbnail))
        .route(&portal::mounted(portal::TICKET_STATUS), post(tickets::change_status))
        .route(&portal::mounted(portal::TICKET_FOLLOWERS), post(tickets::share))
        .route(&portal::mounted(portal::TICKET_FOLLOWER_REMOVE), post(tickets::unshare))
        .route(&portal::mounted(portal::COMPANY_TICKETS), get(company::tickets))
        .route(&portal::mounted(portal::PEOPLE), get(company::people_list).post(company::invite))
        .route(&portal::mounted(portal::PERSON_ACTIVE), post(company::set_active))
        .route(&portal::mounted(portal::KB), get(kb::list))
        .route(&portal::mounted(portal::ARTICLE), get(kb::show))
        .route(&portal::mounted(portal::SEARCH), get(kb::search))
        .route("/p/{slug}/{*rest}", get(pages::elsewhere))
        // A response with guards of its own (a file download's sandbox) keeps them.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
