//! The console at `/admin`: team members manage customers, groups and end users.

pub mod account;
pub mod customers;
pub mod directory;
pub mod drawer;
pub mod flash;
pub mod groups;
pub mod home;
pub mod import;
pub mod kb;
pub mod layout;
pub mod login;
pub mod mfa;
pub mod page_error;
pub mod passkeys;
pub mod request_types;
pub mod second_step;
pub mod session;
pub mod sso;
pub mod sso_sign_in;
pub mod team;
pub mod tickets;
pub mod tokens;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;
use portico_core::paths;

/// Console pages load nothing from elsewhere and may not be framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
    script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

pub fn router(_state: &AppState) -> Router<AppState> {
    Router::new()
        .route(paths::ADMIN_HOME, get(home::show))
        .route(paths::LOGIN, get(login::form).post(login::submit))
        .route(paths::CONSOLE_SSO_START, get(sso_sign_in::start))
        .route(paths::CONSOLE_SSO_CALLBACK, get(sso_sign_in::callback))
        .route(paths::LOGIN_CODE, get(second_step::form).post(second_step::submit))
        .route(paths::LOGOUT, post(login::logout))
        .route(paths::CUSTOMERS, get(customers::list).post(customers::create))
        .route(paths::NEW_CUSTOMER, get(customers::new_form))
        .route(paths::CUSTOMER, get(customers::profile).post(customers::update))
        .route(paths::EDIT_CUSTOMER, get(customers::edit_form))
        .route(paths::ARCHIVE_CUSTOMER, post(customers::archive))
        .route(paths::RESTORE_CUSTOMER, post(customers::restore))
        .route(paths::CUSTOMER_END_USERS, get(customers::end_users).post(customers::add_end_user))
        .route(paths::IMPORT_END_USERS, get(import::form).post(import::submit))
        .route(
            paths::CUSTOMER_PORTAL,
            get(drawer::show)
                .post(drawer::submit)
                .layer(DefaultBodyLimit::max(drawer::submission::BODY_LIMIT)),
        )
        .route(paths::RESTORE_PORTAL_REVISION, post(drawer::restore))
        .route(paths::NEW_CUSTOMER_SSO, get(sso::new_form).post(sso::create))
        .route(paths::CUSTOMER_SSO, get(sso::edit_form).post(sso::update))
        .route(paths::DELETE_CUSTOMER_SSO, post(sso::delete))
        .route(paths::END_USER_ACTIVE, post(customers::set_end_user_active))
        .route(paths::END_USER_ROLE, post(customers::set_end_user_role))
        .route(paths::GROUPS, get(groups::list).post(groups::create))
        .route(paths::NEW_GROUP, get(groups::new_form))
        .route(paths::GROUP, post(groups::update))
        .route(paths::EDIT_GROUP, get(groups::edit_form))
        .route(paths::DELETE_GROUP, post(groups::delete))
        .route(paths::TEAM, get(team::list).post(team::create))
        .route(paths::NEW_TEAM_MEMBER, get(team::new_form))
        .route(paths::ACCOUNT, get(account::show))
        .route(paths::ACCOUNT_PASSWORD, post(account::change_password))
        .route(paths::ACCOUNT_MFA, get(mfa::show))
        .route(paths::ACCOUNT_MFA_SETUP, post(mfa::setup))
        .route(paths::ACCOUNT_MFA_CONFIRM, post(mfa::confirm))
        .route(paths::ACCOUNT_MFA_OFF, post(mfa::turn_off))
        .route(paths::ACCOUNT_RECOVERY_CODES, post(mfa::renew_codes))
        .route(paths::ACCOUNT_PASSKEYS, post(passkeys::add))
        .route(paths::ACCOUNT_PASSKEY_OPTIONS, post(passkeys::add_options))
        .route(paths::ACCOUNT_PASSKEY_REMOVE, post(passkeys::remove))
        .route(paths::LOGIN_PASSKEY, post(passkeys::sign_in))
        .route(paths::LOGIN_PASSKEY_OPTIONS, post(passkeys::sign_in_options))
        .route(paths::TEAM_MFA_REQUIRED, post(team::set_mfa_required))
        .route(paths::TEAM_MEMBER_MFA_RESET, post(team::reset_mfa))
        .route(paths::TEAM_MEMBER, get(team::edit_form).post(team::update))
        .route(paths::TEAM_MEMBER_PASSWORD, post(team::reset_password))
        .route(paths::TICKETS, get(tickets::queue))
        .route(paths::KB, get(kb::list).post(kb::create))
        .route(paths::NEW_ARTICLE, get(kb::new_form))
        .route(paths::ARTICLE, get(kb::edit_form).post(kb::update))
        .route(paths::DELETE_ARTICLE, post(kb::delete))
        .route(paths::REQUEST_TYPES, get(request_types::list).post(request_types::create))
        .route(paths::NEW_REQUEST_TYPE, get(request_types::new_form))
        .route(paths::REQUEST_TYPE, get(request_types::show).post(request_types::update))
        .route(paths::DELETE_REQUEST_TYPE, get(request_types::delete_form).post(request_types::delete))
        .route(paths::CUSTOMER_REQUEST_TYPES, get(request_types::tailoring::show))
        .route(paths::CUSTOMER_REQUEST_TYPE, post(request_types::tailoring::save))
        .route(paths::TICKET, get(tickets::show).post(tickets::update))
        .route(paths::TICKET_FOLLOWERS, post(tickets::share))
        .route(paths::TICKET_FOLLOWER_REMOVE, post(tickets::unshare))
        .route(paths::TICKET_COMMENTS, post(tickets::comment))
        .route(paths::TICKET_FILE, get(tickets::file))
        .route(paths::TICKET_FILE_THUMBNAIL, get(tickets::file_thumbnail))
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
        // Added after the layers: the preview sets its own headers, as the drawer's live
        // preview panel frames it.
        .route(
            paths::CUSTOMER_PORTAL_PREVIEW,
            post(drawer::preview).layer(DefaultBodyLimit::max(drawer::submission::BODY_LIMIT)),
        )
}
