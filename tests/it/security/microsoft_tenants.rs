//! Item 4: multi-tenant Microsoft configurations must be restricted; provisioning is opt-in.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, Console, TestApp, assert_problem_names, on_both_backends, snapshot};

on_both_backends!(item4_multi_tenant_microsoft_needs_a_restriction_and_provisioning_is_opt_in,);

const MS_DISCOVERY: &str = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration";

async fn item4_multi_tenant_microsoft_needs_a_restriction_and_provisioning_is_opt_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Multi"})).await;
    let configs = format!("/customers/{}/portal/sso-configs", customer["id"].as_str().unwrap());
    let base = json!({"label": "Microsoft", "provider": "microsoft", "tenant_id": "common", "client_id": "c", "client_secret": "s"});
    let (status, problem) = app.post_json(&configs, token, base.clone()).await;
    assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "tenant_id");
    let mut with_domains = base.clone();
    with_domains["allowed_email_domains"] = json!(["acme.example"]);
    let (status, problem) = app.post_json(&configs, token, with_domains.clone()).await;
    assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "multi_tenant_acknowledged");
    assert!(snapshot(&app.store, "sso_configs").await.is_empty(), "nothing saved");

    with_domains["multi_tenant_acknowledged"] = json!(true);
    let (status, config) = app.post_json(&configs, token, with_domains).await;
    assert_eq!(status, StatusCode::CREATED, "{config}");
    assert_eq!(config["jit_provisioning"], json!(false), "just-in-time provisioning is opt-in");
    assert_eq!(config["multi_tenant_acknowledged"], json!(true));
    assert!(config["tenant_warning"].as_str().unwrap().contains("any Microsoft Entra tenant"));
    let (status, single) = app
        .post_json(&configs, token, json!({"label": "Own tenant", "provider": "microsoft", "tenant_id": "acme.example", "client_id": "c", "client_secret": "s"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(single["tenant_warning"], Value::Null);

    // The console warns on the configuration's page.
    let console = Console::anonymous(&app.base);
    console.sign_in(&app.admin.email, &app.admin.password).await;
    let page = console
        .page(&format!(
            "/admin/customers/{}/portal/sso/{}",
            customer["id"].as_str().unwrap(),
            config["id"].as_str().unwrap()
        ))
        .await;
    assert!(page.contains("accepts any Microsoft Entra tenant"), "the console warns");

    // A configuration saved unrestricted before this rule takes no sign-ins until restricted.
    let (_, mut portal) =
        app.get_json(&format!("/customers/{}/portal", customer["id"].as_str().unwrap()), token).await;
    portal["active"] = json!(true);
    app.api(Method::PUT, &format!("/customers/{}/portal", customer["id"].as_str().unwrap()), token)
        .header("if-match", "1")
        .json(&portal)
        .send()
        .await
        .unwrap();
    let legacy = json!({"label": "Legacy", "provider": "microsoft", "okta_domain": null, "authorization_server": null,
        "tenant_id": null, "discovery_url": MS_DISCOVERY, "client_id": "c", "secret_expires_at": null,
        "scopes": ["openid"], "allowed_email_domains": [], "jit_provisioning": true, "enabled": true});
    sqlx::query("UPDATE sso_configs SET settings = $1 WHERE id = $2")
        .bind(legacy.to_string())
        .bind(config["id"].as_str().unwrap())
        .execute(app.store.pool())
        .await
        .unwrap();
    let start = crate::support::client()
        .get(app.url(&format!(
            "/p/{}/auth/{}/start",
            portal["slug"].as_str().unwrap(),
            config["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::FORBIDDEN);
    assert!(start.text().await.unwrap().contains("must be restricted first"));
}
