//! Request spans for the logs, without the secrets some URLs carry: the OIDC callback's `code`
//! and `state` (a code with its state is a sign-in) and the like are logged as `***`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, RwLock};

use axum::extract::Request;
use axum::http::{HeaderValue, Method, Uri};
use metrics::SharedString;
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::Span;

/// Query parameters whose values never reach a log.
const SECRET_PARAMETERS: &[&str] = &[
    "code",
    "state",
    "id_token",
    "id_token_hint",
    "access_token",
    "refresh_token",
    "token",
    "session_state",
];

/// The span tower-http's default would make, with the query's secrets hidden.
pub fn request_span(request: &Request) -> Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        uri = %redacted(request.uri()),
        version = ?request.version(),
    )
}

/// `uri` with the values of secret query parameters replaced by `***`.
pub fn redacted(uri: &Uri) -> String {
    let Some(query) = uri.query() else { return uri.path().to_string() };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(name) => format!("{name}=***"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{}?{}", uri.path(), pairs.join("&"))
}

fn is_secret(raw_name: &str) -> bool {
    let name = percent_encoding::percent_decode_str(raw_name).decode_utf8_lossy();
    SECRET_PARAMETERS.iter().any(|secret| name.eq_ignore_ascii_case(secret))
}

/// Request ids for the `x-request-id` header: this process's random prefix and a counter, unique
/// across instances and restarts without asking the system for randomness per request.
#[derive(Clone)]
pub struct RequestIds {
    prefix: u64,
    next: std::sync::Arc<AtomicU64>,
}

impl RequestIds {
    pub fn new() -> Self {
        Self { prefix: rand::random(), next: Default::default() }
    }
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:016x}-{n:x}", self.prefix)).ok().map(RequestId::new)
    }
}

/// The method as a metrics label, without allocating for the usual ones.
pub fn method_label(method: &Method) -> SharedString {
    let known = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ];
    match known.iter().find(|known| *known == method) {
        Some(_) => SharedString::const_str(interned(method.as_str())),
        None => SharedString::from_owned(method.as_str().to_owned()),
    }
}

/// A metrics label from a small fixed set (the router's route templates, HTTP's status codes):
/// each is kept once for the life of the process instead of allocated per request.
pub fn fixed_label(label: &str) -> SharedString {
    SharedString::const_str(interned(label))
}

fn interned(label: &str) -> &'static str {
    static LABELS: LazyLock<RwLock<HashSet<&'static str>>> = LazyLock::new(Default::default);
    let found = LABELS.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(label).copied();
    found.unwrap_or_else(|| {
        let mut labels = LABELS.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        match labels.get(label) {
            Some(kept) => kept,
            None => {
                let kept: &'static str = Box::leak(label.to_owned().into_boxed_str());
                labels.insert(kept);
                kept
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_states_are_hidden_and_the_rest_kept() {
        let uri: Uri = "/p/acme/auth/1/callback?code=SECRETCODE&st%61te=SECRETSTATE&iss=https%3A%2F%2Fidp"
            .parse()
            .unwrap();
        let logged = redacted(&uri);
        assert!(!logged.contains("SECRETCODE") && !logged.contains("SECRETSTATE"), "{logged}");
        assert_eq!(logged, "/p/acme/auth/1/callback?code=***&st%61te=***&iss=https%3A%2F%2Fidp");
        assert_eq!(redacted(&"/p/acme/search?q=vpn".parse().unwrap()), "/p/acme/search?q=vpn");
    }
}
