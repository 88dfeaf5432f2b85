//! Request spans for the logs, without the secrets some URLs carry: the OIDC callback's `code`
//! and `state` (a code with its state is a sign-in) and the like are logged as `***`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, RwLock};

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
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

/// Counts a request and its latency under its method, route template (never the raw path,
/// which would explode the number of series) and status. Each combination's counter and timer
/// are registered with the recorder once and kept: a request then costs a look-up and two
/// atomic updates, not two registry look-ups hashing three labels each.
pub fn record_request(
    method: &Method,
    route: Option<&str>,
    status: StatusCode,
    elapsed: std::time::Duration,
) {
    /// Method, route, status.
    type Series = (&'static str, &'static str, u16);
    type Handles = (metrics::Counter, metrics::Histogram);
    static HANDLES: LazyLock<RwLock<HashMap<Series, Handles>>> = LazyLock::new(Default::default);
    let key = (method_label(method), route.map_or("unmatched", interned), status.as_u16());
    let found = HANDLES.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key).cloned();
    let (requests, duration) = found.unwrap_or_else(|| {
        let (method, route) = (key.0, key.1);
        let handles = (
            metrics::counter!("http_requests_total", "method" => method, "route" => route, "status" => interned(status.as_str())),
            metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route),
        );
        HANDLES.write().unwrap_or_else(std::sync::PoisonError::into_inner).entry(key).or_insert(handles).clone()
    });
    requests.increment(1);
    duration.record(elapsed.as_secs_f64());
}

/// The method as a label: the standard ones by name, any other as `OTHER`, so that made-up
/// methods cannot add series (or memory) without end.
fn method_label(method: &Method) -> &'static str {
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
        Some(known) => interned(known.as_str()),
        None => "OTHER",
    }
}

/// A label from a small fixed set (route templates, methods, status codes), kept once for the
/// life of the process instead of allocated per request.
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
