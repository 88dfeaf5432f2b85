//! Operations endpoints, security headers and the OpenAPI document.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Backend, TestApp, on_both_backends};

on_both_backends!(health_readiness_and_metrics_answer, responses_carry_security_headers_and_a_request_id);

async fn health_readiness_and_metrics_answer(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.metrics_token = Some("metrics-token".to_string().into());
    })
    .await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.unwrap(), "ready");

    app.get_json("/customers", &app.admin.token).await;
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("metrics-token")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.lines().any(|l| l.starts_with("http_requests_total{")
            && l.contains("route=\"/api/v1/customers\"")
            && l.contains("status=\"200\"")),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds_bucket{"), "latency is a histogram");

    app.store.close().await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE, "not ready without a database");
}

async fn responses_carry_security_headers_and_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app.client.get(app.url("/admin/login")).send().await.unwrap();
    let headers = page.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(headers.contains_key("x-request-id"));
    let missing = app.client.get(app.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()["content-type"], "application/problem+json");
    let missing_page = app.client.get(app.url("/nothing-here")).send().await.unwrap();
    assert_eq!(missing_page.status(), StatusCode::NOT_FOUND);
    assert!(missing_page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}

/// A request that is in flight when shutdown begins is still answered in full.
#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut app = TestApp::spawn(Backend::Sqlite).await;
    let host = app.base.trim_start_matches("http://").to_string();
    let body = r#"{"name": "Finished During Shutdown"}"#;
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /api/v1/customers HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        app.admin.token,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // "100 Continue" comes once the handler reads the body: the request is now in flight.
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).await.unwrap();
    assert!(interim.starts_with(b"HTTP/1.1 100 Continue"), "{}", String::from_utf8_lossy(&interim));
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();

    app.begin_shutdown();
    // Shutdown has begun once the listener refuses new connections.
    while tokio::net::TcpStream::connect(&host).await.is_ok() {
        tokio::task::yield_now().await;
    }
    stream.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    app.stopped().await;
    assert_eq!(app.store.count_customers().await.unwrap(), 1);
}

/// Every route of the API is in the generated document, which is snapshotted so that any
/// change to the API shows as a diff (`UPDATE_SNAPSHOTS=1` rewrites the snapshot).
#[tokio::test]
async fn the_openapi_document_covers_every_route_and_matches_its_snapshot() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut operations: Vec<String> = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    operations.sort();
    let mut expected = vec![
        "GET /api/v1/customers",
        "POST /api/v1/customers",
        "GET /api/v1/customers/{id}",
        "PATCH /api/v1/customers/{id}",
        "DELETE /api/v1/customers/{id}",
        "GET /api/v1/customers/{id}/end-users",
        "POST /api/v1/customers/{id}/end-users",
        "POST /api/v1/customers/{id}/end-users/import",
        "GET /api/v1/end-users/{id}",
        "PATCH /api/v1/end-users/{id}",
        "GET /api/v1/assignment-groups",
        "POST /api/v1/assignment-groups",
        "GET /api/v1/assignment-groups/{id}",
        "PATCH /api/v1/assignment-groups/{id}",
        "DELETE /api/v1/assignment-groups/{id}",
        "GET /api/v1/team-members",
        "POST /api/v1/team-members",
        "GET /api/v1/team-members/{id}",
        "PATCH /api/v1/team-members/{id}",
        "POST /api/v1/team-members/{id}/password",
        "GET /api/v1/team-members/{id}/api-tokens",
        "POST /api/v1/team-members/{id}/mfa/reset",
        "GET /api/v1/console-settings",
        "PATCH /api/v1/console-settings",
        "GET /api/v1/openapi.json",
        "GET /api/v1/customers/{id}/portal",
        "PUT /api/v1/customers/{id}/portal",
        "PUT /api/v1/customers/{id}/portal/logo",
        "DELETE /api/v1/customers/{id}/portal/logo",
        "POST /api/v1/customers/{id}/portal/preview",
        "GET /api/v1/customers/{id}/portal/revisions",
        "POST /api/v1/customers/{id}/portal/revisions/{n}/restore",
        "GET /api/v1/customers/{id}/portal/sso-configs",
        "POST /api/v1/customers/{id}/portal/sso-configs",
        "GET /api/v1/customers/{id}/portal/sso-configs/{sso_id}",
        "PATCH /api/v1/customers/{id}/portal/sso-configs/{sso_id}",
        "DELETE /api/v1/customers/{id}/portal/sso-configs/{sso_id}",
        "POST /api/v1/customers/{id}/portal/sso-configs/{sso_id}/test",
        "GET /api/v1/tickets",
        "POST /api/v1/tickets",
        "GET /api/v1/tickets/{id}",
        "PATCH /api/v1/tickets/{id}",
        "GET /api/v1/tickets/{id}/comments",
        "POST /api/v1/tickets/{id}/comments",
        "GET /api/v1/tickets/{id}/followers",
        "POST /api/v1/tickets/{id}/followers",
        "DELETE /api/v1/tickets/{id}/followers/{end_user_id}",
        "GET /api/v1/request-types",
        "POST /api/v1/request-types",
        "GET /api/v1/request-types/{id}",
        "PATCH /api/v1/request-types/{id}",
        "DELETE /api/v1/request-types/{id}",
        "GET /api/v1/customers/{id}/request-types",
        "GET /api/v1/customers/{id}/request-types/{type_id}",
        "PUT /api/v1/customers/{id}/request-types/{type_id}",
        "GET /api/v1/kb/articles",
        "POST /api/v1/kb/articles",
        "GET /api/v1/kb/articles/{id}",
        "PATCH /api/v1/kb/articles/{id}",
        "DELETE /api/v1/kb/articles/{id}",
        "GET /api/v1/events",
        "POST /api/v1/inbound-email",
        "GET /api/v1/tickets/{id}/attachments",
        "POST /api/v1/tickets/{id}/attachments",
        "GET /api/v1/attachments/{id}/content",
        "DELETE /api/v1/attachments/{id}",
    ];
    expected.sort();
    assert_eq!(operations, expected);
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
    // The document names Portico, its version and licence, not the library that builds it.
    assert_eq!(document["info"]["title"], "Portico API");
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(document["info"]["license"]["name"], "Apache-2.0");
    assert!(!document["info"].to_string().contains("utoipa"), "{}", document["info"]);

    // Every documented operation answers (not 404/405) on the running server.
    for operation in &operations {
        let (method, path) = operation.split_once(' ').unwrap();
        let path = path
            .replace("{id}", "0192f0c0-0000-7000-8000-000000000000")
            .replace("{n}", "1")
            .replace("{sso_id}", "0192f0c0-0000-7000-8000-000000000001");
        let response = app
            .client
            .request(method.parse().unwrap(), app.url(&path))
            .bearer_auth(&app.admin.token)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_ne!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{operation}");
        if !path.contains("0192f0c0") {
            assert_ne!(response.status(), StatusCode::NOT_FOUND, "{operation}");
        }
    }

    let snapshot_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    let rendered = serde_json::to_string_pretty(&document).unwrap() + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::create_dir_all(snapshot_path.parent().unwrap()).unwrap();
        std::fs::write(&snapshot_path, &rendered).unwrap();
    }
    let stored = std::fs::read_to_string(&snapshot_path)
        .expect("tests/snapshots/openapi.json (UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(stored, rendered, "the API changed: review the diff and run with UPDATE_SNAPSHOTS=1");
}

#[tokio::test]
async fn the_swagger_ui_is_served() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("swagger"));
}
