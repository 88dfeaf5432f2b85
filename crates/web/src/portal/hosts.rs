//! Portals on their own hosts: `{slug}.{portal_domain}` and custom domains (matched on the Host
//! header) are mapped onto the `/p/{slug}` routes before routing, marking the request so that
//! links and cookies use the host's root instead of `/p/{slug}`.

use axum::extract::{Request, State};
use axum::http::{Uri, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// The request reached a portal on its own host.
#[derive(Debug, Clone)]
pub struct PortalHost {
    pub host: String,
}

/// Paths that stay what they are on every host.
fn shared_path(path: &str) -> bool {
    path.starts_with("/assets/") || matches!(path, "/healthz" | "/readyz")
}

fn host_of(request: &Request) -> Option<String> {
    let raw = request.headers().get(header::HOST)?.to_str().ok()?;
    let host = raw
        .rsplit_once(':')
        .map_or(raw, |(host, port)| if port.chars().all(|c| c.is_ascii_digit()) { host } else { raw });
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

pub async fn route_portal_hosts(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let Some(host) = host_of(&request) else { return next.run(request).await };
    let public_host = state.config.public_url.host_str().unwrap_or_default().to_ascii_lowercase();
    if host == public_host || shared_path(&path) {
        return next.run(request).await;
    }
    let from_subdomain = state.config.portal_domain.as_deref().and_then(|domain| {
        host.strip_suffix(domain)
            .and_then(|rest| rest.strip_suffix('.'))
            .filter(|label| !label.is_empty() && !label.contains('.'))
    });
    let slug = match from_subdomain {
        Some(label) => Some(label.to_string()),
        None => {
            portico_core::usecases::portal_address::slug_for_host(&state.core, &host).await.ok().flatten()
        }
    };
    let Some(slug) = slug else { return next.run(request).await };
    let rewritten = match request.uri().query() {
        Some(query) => format!("/p/{slug}{path}?{query}"),
        None => format!("/p/{slug}{path}"),
    };
    if let Ok(uri) = rewritten.parse::<Uri>() {
        *request.uri_mut() = uri;
        request.extensions_mut().insert(PortalHost { host });
    }
    next.run(request).await
}
