//! One header policy for every response, whatever produced it (pages, the 404 fallback, the API
//! docs, assets, errors): routes with stricter or looser needs set their own policy first and
//! this fills in what they left out.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// For responses that set no policy of their own: our own resources only, never framed.
pub const DEFAULT_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
    script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// Swagger UI styles its elements inline and draws icons as data URLs; still only our own
/// scripts, and never framed.
pub const API_DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
    script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// A year: browsers then refuse plain http for the host until it passes.
const HSTS: &str = "max-age=31536000";

pub async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let docs = request.uri().path().starts_with("/api/docs");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = if docs { API_DOCS_CSP } else { DEFAULT_CSP };
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    }
    if !headers.contains_key(header::X_FRAME_OPTIONS)
        && let Some(frame_options) = frame_options_for(headers)
    {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static(frame_options));
    }
    headers.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    headers.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    if state.config.public_url.scheme() == "https" {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

/// X-Frame-Options for browsers that predate `frame-ancestors`, saying the same as the CSP (the
/// console's preview is framed by the console itself, so it cannot simply be DENY everywhere).
fn frame_options_for(headers: &HeaderMap) -> Option<&'static str> {
    let policy = headers.get(header::CONTENT_SECURITY_POLICY)?.to_str().ok()?;
    let ancestors = policy
        .split(';')
        .map(str::trim)
        .find_map(|directive| directive.strip_prefix("frame-ancestors"))?
        .trim();
    match ancestors {
        "'none'" => Some("DENY"),
        "'self'" => Some("SAMEORIGIN"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_options_follow_the_policy() {
        let with = |policy: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(policy).unwrap());
            frame_options_for(&headers)
        };
        assert_eq!(with(DEFAULT_CSP), Some("DENY"));
        assert_eq!(with("default-src 'none'; frame-ancestors 'self'; base-uri 'none'"), Some("SAMEORIGIN"));
        assert_eq!(with("default-src 'none'; sandbox"), None);
    }
}
