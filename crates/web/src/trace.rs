//! Request spans for the logs, without the secrets some URLs carry: the OIDC callback's `code`
//! and `state` (a code with its state is a sign-in) and the like are logged as `***`.

use axum::extract::Request;
use axum::http::Uri;
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
