//! API authentication and roles: who may read, who may change.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Backend, TestApp, on_both_backends, send};

on_both_backends!(requests_without_a_valid_token_get_401, technicians_read_but_only_admins_change_settings);

async fn requests_without_a_valid_token_get_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = app.url("/api/v1/customers");

    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(response.headers()["content-type"], "application/problem+json");

    for header in ["Bearer pt_not-a-real-token", "Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer "] {
        let response = app.client.get(&url).header("authorization", header).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header}");
    }

    let (status, _) = app.get_json("/customers", &app.admin.token).await;
    assert_eq!(status, StatusCode::OK);
    let revoked = portico::cli::revoke_token(&app.core, &app.admin.token).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    let response = app.api(Method::GET, "/customers", &app.admin.token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a revoked token is refused");
    assert_eq!(response.headers()["www-authenticate"], "Bearer error=\"invalid_token\"");
    let (status, _) = app.post_json("/customers", &app.admin.token, json!({"name": "Sneaky"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.store.count_customers().await.unwrap(), 0);
}

async fn technicians_read_but_only_admins_change_settings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = &app.admin.token;
    let tech = &app.technician.token;
    let (_, customer) = app.post_json("/customers", admin, json!({"name": "Acme"})).await;
    let customer_path = format!("/customers/{}", customer["id"].as_str().unwrap());
    let users_path = format!("{customer_path}/end-users");
    let (_, user) =
        app.post_json(&users_path, admin, json!({"name": "Ada", "email": "ada@acme.example"})).await;
    let (_, group) = app.post_json("/assignment-groups", admin, json!({"name": "Desk"})).await;
    let group_path = format!("/assignment-groups/{}", group["id"].as_str().unwrap());
    let user_path = format!("/end-users/{}", user["id"].as_str().unwrap());

    for path in [
        "/customers",
        customer_path.as_str(),
        users_path.as_str(),
        user_path.as_str(),
        "/assignment-groups",
        group_path.as_str(),
        "/team-members",
    ] {
        assert_eq!(app.get_json(path, tech).await.0, StatusCode::OK, "technicians read {path}");
    }
    let writes = [
        (Method::POST, "/customers".to_string(), json!({"name": "Nope"})),
        (Method::PATCH, customer_path.clone(), json!({"name": "Nope"})),
        (Method::DELETE, customer_path.clone(), json!(null)),
        (Method::POST, users_path.clone(), json!({"name": "Nope", "email": "nope@acme.example"})),
        (Method::PATCH, user_path.clone(), json!({"active": false})),
        (Method::POST, "/assignment-groups".to_string(), json!({"name": "Nope"})),
        (Method::PATCH, group_path.clone(), json!({"name": "Nope"})),
        (Method::DELETE, group_path.clone(), json!(null)),
    ];
    for (method, path, body) in writes {
        let (status, problem) = send(app.api(method.clone(), &path, tech).json(&body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {problem}");
        assert_eq!(problem["type"], "urn:portico:problem:forbidden");
    }
    let (_, customer_now) = app.get_json(&customer_path, admin).await;
    assert_eq!(customer_now["name"], "Acme");
    assert_eq!(customer_now["archived"], false);
    assert_eq!(app.get_json(&user_path, admin).await.1["active"], true);
    assert_eq!(app.get_json(&group_path, admin).await.1["name"], "Desk");
}
