//! Stylesheets and scripts, embedded in the binary.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;
use crate::web::paths;

const ADMIN_CSS: &str = include_str!("../../static/admin.css");
const ADMIN_JS: &str = include_str!("../../static/admin.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::STYLESHEET, get(|| async { asset("text/css; charset=utf-8", ADMIN_CSS) }))
        .route(paths::SCRIPT, get(|| async { asset("text/javascript; charset=utf-8", ADMIN_JS) }))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}
