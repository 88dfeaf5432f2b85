//! Stylesheets and scripts, embedded in the binary.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::AppError;
use crate::state::AppState;
use portico_core::logo::Logo;
use portico_core::paths;
use portico_domain::portal::colour::{Colour, Theme};

const ADMIN_CSS: &str = include_str!("../../../static/admin.css");
const ADMIN_JS: &str = include_str!("../../../static/admin.js");
const PORTAL_CSS: &str = include_str!("../../../static/portal.css");
const DRAWER_JS: &str = include_str!("../../../static/drawer.js");
const UPLOADS_JS: &str = include_str!("../../../static/uploads.js");
const PORTAL_JS: &str = include_str!("../../../static/portal.js");
const PASSKEYS_JS: &str = include_str!("../../../static/passkeys.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::STYLESHEET, get(|| async { asset("text/css; charset=utf-8", ADMIN_CSS) }))
        .route(paths::SCRIPT, get(|| async { asset("text/javascript; charset=utf-8", ADMIN_JS) }))
        .route(paths::DRAWER_SCRIPT, get(|| async { asset("text/javascript; charset=utf-8", DRAWER_JS) }))
        .route(paths::UPLOADS_SCRIPT, get(|| async { asset("text/javascript; charset=utf-8", UPLOADS_JS) }))
        .route(paths::PORTAL_SCRIPT, get(|| async { asset("text/javascript; charset=utf-8", PORTAL_JS) }))
        .route(paths::PASSKEYS_SCRIPT, get(|| async { asset("text/javascript; charset=utf-8", PASSKEYS_JS) }))
        .route(paths::PORTAL_STYLESHEET, get(|| async { asset("text/css; charset=utf-8", PORTAL_CSS) }))
        .route("/assets/theme/{file}", get(theme))
        .route("/assets/logos/{file}", get(logo))
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `/assets/theme/{primary}-{secondary}.css`: the stylesheet of a colour pair. Only strictly
/// parsed colours reach it, so nothing else can be injected into the CSS.
async fn theme(Path(file): Path<String>) -> Response {
    let parsed = file.strip_suffix(".css").and_then(|pair| pair.split_once('-')).and_then(|(p, s)| {
        let primary = Colour::parse("primary", &format!("#{p}")).ok()?;
        let secondary = Colour::parse("secondary", &format!("#{s}")).ok()?;
        (p.len() == 6 && s.len() == 6).then_some((primary, secondary))
    });
    match parsed {
        Some((primary, secondary)) => (
            [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, IMMUTABLE)],
            Theme::new(primary, secondary).stylesheet(),
        )
            .into_response(),
        None => AppError::NotFound("stylesheet").into_response(),
    }
}

/// `/assets/logos/{sha256}.png`: content-addressed, so cached for good.
async fn logo(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(id) =
        file.strip_suffix(".png").filter(|id| id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()))
    else {
        return AppError::NotFound("logo").into_response();
    };
    match portico_core::usecases::portals::logo(&state.core, id).await {
        Ok(png) => (
            [
                (header::CONTENT_TYPE, Logo::CONTENT_TYPE),
                (header::CACHE_CONTROL, IMMUTABLE),
                (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'; sandbox"),
            ],
            png,
        )
            .into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}
