//! Item 12: one header policy on every response; `/metrics` needs its token.

use reqwest::StatusCode;

use crate::support::{Backend, TestApp, on_both_backends};

on_both_backends!(item12_every_response_carries_the_header_policy_and_metrics_need_the_token,);

async fn item12_every_response_carries_the_header_policy_and_metrics_need_the_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/nothing-here",
        "/api/docs/",
        "/api/v1/openapi.json",
        "/assets/admin.css",
        "/healthz",
        "/api/v1/nothing",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers.get("content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(csp.to_str().unwrap().contains("frame-ancestors 'none'"), "{path}: {csp:?}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        assert!(!headers.contains_key("strict-transport-security"), "{path}: no HSTS over http");
    }
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), StatusCode::FORBIDDEN, "no token configured: refused");
    assert!(!metrics.text().await.unwrap().contains("http_requests_total"));

    let app = TestApp::spawn_with(backend, |config| {
        config.metrics_token = Some("scrape-token-0123456789".to_string().into());
        config.public_url = url::Url::parse("https://portico.example").unwrap();
    })
    .await;
    let scrape = |token: Option<&'static str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(scrape(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(Some("wrong")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let good = scrape(Some("scrape-token-0123456789")).await.unwrap();
    assert_eq!(good.status(), StatusCode::OK);
    assert_eq!(good.headers()["strict-transport-security"], "max-age=31536000", "https: HSTS");
    assert!(good.text().await.unwrap().contains("http_requests_total"));
}
