//! The console at `/admin`: team members manage customers, groups and end users.

pub mod account;
pub mod customers;
pub mod directory;
pub mod drawer;
pub mod groups;
pub mod kb;
pub mod layout;
pub mod login;
pub mod page_error;
pub mod session;
pub mod sso;
pub mod team;
pub mod tickets;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Redirect;
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::app::AppState;
use crate::web::paths;

/// Console pages load nothing from elsewhere and may not be framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
    script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

pub fn router(_state: &AppState) -> Router<AppState> {
    Router::new()
        .route(paths::ADMIN_HOME, get(|| async { Redirect::to(paths::CUSTOMERS) }))
        .route(paths::LOGIN, get(login::form).post(login::submit))
        .route(paths::LOGOUT, post(login::logout))
        .route(paths::CUSTOMERS, get(customers::list).post(customers::create))
        .route(paths::NEW_CUSTOMER, get(customers::new_form))
        .route("/admin/customers/{id}", get(customers::profile).post(customers::update))
        .route("/admin/customers/{id}/edit", get(customers::edit_form))
        .route("/admin/customers/{id}/archive", post(customers::archive))
        .route("/admin/customers/{id}/restore", post(customers::restore))
        .route("/admin/customers/{id}/end-users", get(customers::end_users).post(customers::add_end_user))
        .route("/admin/customers/{id}/portal", get(drawer::show).post(drawer::submit))
        .route("/admin/customers/{id}/portal/revisions/{n}/restore", post(drawer::restore))
        .route("/admin/customers/{id}/portal/sso", get(sso::new_form).post(sso::create))
        .route("/admin/customers/{id}/portal/sso/{sso_id}", get(sso::edit_form).post(sso::update))
        .route("/admin/customers/{id}/portal/sso/{sso_id}/delete", post(sso::delete))
        .route("/admin/end-users/{id}/active", post(customers::set_end_user_active))
        .route(paths::GROUPS, get(groups::list).post(groups::create))
        .route(paths::NEW_GROUP, get(groups::new_form))
        .route("/admin/groups/{id}", post(groups::update))
        .route("/admin/groups/{id}/edit", get(groups::edit_form))
        .route("/admin/groups/{id}/delete", post(groups::delete))
        .route(paths::TEAM, get(team::list).post(team::create))
        .route(paths::NEW_TEAM_MEMBER, get(team::new_form))
        .route(paths::ACCOUNT, get(account::show))
        .route(paths::ACCOUNT_PASSWORD, post(account::change_password))
        .route("/admin/team/{id}", get(team::edit_form).post(team::update))
        .route("/admin/team/{id}/password", post(team::reset_password))
        .route(paths::TICKETS, get(tickets::queue))
        .route(paths::KB, get(kb::list).post(kb::create))
        .route(paths::NEW_ARTICLE, get(kb::new_form))
        .route("/admin/kb/{id}", get(kb::edit_form).post(kb::update))
        .route("/admin/kb/{id}/delete", post(kb::delete))
        .route("/admin/tickets/{id}", get(tickets::show).post(tickets::update))
        .route("/admin/tickets/{id}/comments", post(tickets::comment))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        // Added after the layers: the preview sets its own headers, as the drawer's live
        // preview panel frames it.
        .route("/admin/customers/{id}/portal/preview", post(drawer::preview))
}
