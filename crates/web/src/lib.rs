//! HTTP surfaces: the console (`admin`), the JSON API (`api`), operations and assets.

pub mod admin;
pub mod api;
pub mod assets;
pub mod client_ip;
pub mod demo_idp;
pub mod downloads;
pub mod error;
pub mod headers;
pub mod ops;
pub mod path;
pub mod portal;
pub mod portal_view;
pub mod redirect;
pub mod state;
pub mod telemetry;
pub mod ticket_forms;
pub mod trace;
pub mod uploads;

use axum::http::Uri;
use axum::response::{IntoResponse, Response};

use self::error::AppError;

/// Unknown paths: a problem document under the API, a page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound("resource").into_response()
    } else {
        admin::page_error::PageError::from(AppError::NotFound("page")).into_response()
    }
}
