//! SSO configurations through the API and the console: presets, validation, the Test action,
//! and the client secret, which is stored encrypted and never shown.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::html_form::{form_pairs, set};
use crate::idp::TestIdp;
use crate::support::{
    Backend, TestApp, assert_problem_names, hidden_value, location, location_path, on_both_backends, send,
    snapshot,
};

const SECRET: &str = "very-secret-client-secret-value";

on_both_backends!(
    sso_configurations_are_managed_and_their_secret_never_leaves,
    sso_configurations_are_managed_in_the_console,
    the_new_sso_form_shows_the_redirect_uri_the_configuration_gets,
);

async fn sso_configurations_are_managed_and_their_secret_never_leaves(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let base = format!("/customers/{}/portal/sso-configs", customer["id"].as_str().unwrap());

    let (status, okta) = app
        .post_json(&base, token, json!({"label": "Acme Okta", "provider": "okta", "okta_domain": "acme.okta.com",
            "authorization_server": "default", "client_id": "0oa1", "client_secret": SECRET, "secret_expires_at": "2099-01-01"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{okta}");
    assert_eq!(
        okta["effective_discovery_url"],
        "https://acme.okta.com/oauth2/default/.well-known/openid-configuration"
    );
    assert_eq!(
        okta["redirect_uri"],
        app.url(&format!("/p/acme/auth/{}/callback", okta["id"].as_str().unwrap()))
    );
    assert_eq!(okta["has_secret"], true);
    assert!(!okta.to_string().contains(SECRET), "the secret is never returned");
    assert!(okta.get("client_secret").is_none());

    let raw = snapshot(&app.store, "sso_configs").await.join("\n");
    assert!(!raw.contains(SECRET), "the secret is stored encrypted: {raw}");
    assert!(raw.contains("v1:"), "sealed with the server key");

    let path = format!("{base}/{}", okta["id"].as_str().unwrap());
    let (_, listed) = app.get_json(&base, token).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(SECRET));
    let (status, renamed) = app
        .patch_json(&path, token, json!({"label": "Sign in with Acme", "client_secret": "a-new-secret"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["label"], "Sign in with Acme");
    assert!(!snapshot(&app.store, "sso_configs").await.join("").contains("a-new-secret"));

    for (body, expected, field) in [
        (
            json!({"label": "X", "provider": "okta", "client_id": "c", "client_secret": "s"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "okta_domain",
        ),
        (
            json!({"label": "X", "provider": "microsoft", "client_id": "c", "client_secret": "s"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "tenant_id",
        ),
        (
            json!({"label": "X", "provider": "oidc", "client_id": "c", "client_secret": "s"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "discovery_url",
        ),
        (
            json!({"label": "X", "provider": "saml", "client_id": "c", "client_secret": "s"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "provider",
        ),
        (
            json!({"label": "X", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "client_secret",
        ),
        (
            json!({"label": "X", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "scopes": "email"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "scopes",
        ),
        (
            json!({"label": "X", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "colour": 1}),
            StatusCode::BAD_REQUEST,
            "colour",
        ),
    ] {
        let (status, problem) = app.post_json(&base, token, body).await;
        assert_problem_names(status, &problem, expected, field);
        assert!(!problem.to_string().contains(SECRET));
    }
    assert_eq!(snapshot(&app.store, "sso_configs").await.len(), 1, "refusals store nothing");

    // Test: the discovery URL is fetched now; an unreachable IdP is named plainly.
    let (_, test) = send(app.api(Method::POST, &format!("{path}/test"), token)).await;
    assert_eq!(test["ok"], false);
    assert!(
        test["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["ok"] == false && c["detail"].as_str().unwrap().contains("could not be reached")),
        "{test}"
    );
    if let Some(idp) = TestIdp::start(json!({})).await {
        let (_, good) = app
            .post_json(&base, token, json!({"label": "Real", "provider": "oidc", "discovery_url": idp.discovery_url(), "client_id": "c", "client_secret": "s"}))
            .await;
        let (status, test) =
            send(app.api(Method::POST, &format!("{base}/{}/test", good["id"].as_str().unwrap()), token))
                .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(test["ok"], true, "{test}");
        assert!(test.to_string().contains(&idp.issuer));
    }

    let tech = &app.technician.token;
    assert_eq!(app.get_json(&path, tech).await.0, StatusCode::OK);
    assert_eq!(app.patch_json(&path, tech, json!({"label": "Nope"})).await.0, StatusCode::FORBIDDEN);
    let (_, other) = app.post_json("/customers", token, json!({"name": "Other"})).await;
    let foreign = format!(
        "/customers/{}/portal/sso-configs/{}",
        other["id"].as_str().unwrap(),
        okta["id"].as_str().unwrap()
    );
    assert_eq!(
        app.get_json(&foreign, token).await.0,
        StatusCode::NOT_FOUND,
        "configurations are scoped to their customer"
    );
    let response = app.api(Method::DELETE, &path, token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_json(&path, token).await.0, StatusCode::NOT_FOUND);
    let audit = snapshot(&app.store, "audit_log").await.join("\n");
    assert!(audit.contains("added SSO configuration 'Acme Okta'") && !audit.contains(SECRET));
}

async fn sso_configurations_are_managed_in_the_console(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, customer) = app.post_json("/customers", &app.admin.token, json!({"name": "Contoso"})).await;
    let id = customer["id"].as_str().unwrap();
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let drawer = console.page(&format!("/admin/customers/{id}/portal")).await;
    assert!(
        drawer.contains("No single sign-on configurations yet") && drawer.contains("Add SSO Configuration")
    );

    let new_path = format!("/admin/customers/{id}/portal/sso");
    let mut form = form_pairs(&console.page(&new_path).await, "sso-form");
    form.retain(|(k, _)| k != "action");
    set(&mut form, "provider", "microsoft");
    set(&mut form, "label", "Sign in with Contoso");
    set(&mut form, "tenant_id", "");
    set(&mut form, "client_id", "app-id");
    set(&mut form, "client_secret", SECRET);
    set(
        &mut form,
        "secret_expires_at",
        &(time::OffsetDateTime::now_utc().date() + time::Duration::days(10)).to_string(),
    );
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = console.post_form(&new_path, &pairs).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("is required for Microsoft") && !page.contains(SECRET),
        "the typed secret is not echoed back"
    );

    set(&mut form, "tenant_id", "9188040d-6c67-4c5b-b112-36a304b66dad");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let created = console.post_form(&new_path, &pairs).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let edit = console.page(&location(&created)).await;
    assert!(
        edit.contains("SSO configuration “Sign in with Contoso” added. Use Test")
            && edit.contains("/auth/")
            && edit.contains("/callback")
    );
    assert!(edit.contains("A secret is stored") && !edit.contains(SECRET));
    assert!(edit.contains("expires on") && edit.contains("days"), "the expiry warning shows");
    let drawer = console.page(&format!("/admin/customers/{id}/portal")).await;
    assert!(
        drawer.contains("Sign in with Contoso")
            && drawer.contains("Microsoft Entra ID")
            && !drawer.contains(SECRET)
    );
}

/// The redirect URI a page shows for registration at the identity provider.
fn shown_redirect_uri(page: &str) -> String {
    let marker = "<output id=\"redirect-uri\" class=\"url\">";
    let start = page.find(marker).expect("a redirect URI") + marker.len();
    page[start..start + page[start..].find("</output>").unwrap()].to_string()
}

async fn the_new_sso_form_shows_the_redirect_uri_the_configuration_gets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Contoso"})).await;
    let id = customer["id"].as_str().unwrap();
    let (_, other) = app.post_json("/customers", token, json!({"name": "Globex"})).await;
    let other = other["id"].as_str().unwrap();
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let new_path = format!("/admin/customers/{id}/portal/sso");

    let page = console.page(&new_path).await;
    let shown = shown_redirect_uri(&page);
    let proposed = hidden_value(&page, "id");
    assert_eq!(
        shown,
        app.url(&format!("/p/contoso/auth/{proposed}/callback")),
        "the exact URI, before saving"
    );
    assert!(page.contains("data-copy=\"#redirect-uri\""), "it can be copied");
    assert_ne!(hidden_value(&console.page(&new_path).await, "id"), proposed, "each form gets its own id");

    let mut form = form_pairs(&page, "sso-form");
    form.retain(|(k, _)| k != "action");
    set(&mut form, "label", "Contoso ID");
    set(&mut form, "okta_domain", "contoso.okta.com");
    set(&mut form, "client_id", "portal");
    set(&mut form, "client_secret", SECRET);
    let post = |form: Vec<(String, String)>, path: String| {
        let console = &console;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            console.post_form(&path, &pairs).await
        }
    };
    let created = post(form.clone(), new_path.clone()).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let edit = location_path(&created);
    assert!(edit.ends_with(&format!("/sso/{proposed}")), "the form's id is the configuration's: {edit}");
    assert_eq!(shown_redirect_uri(&console.page(&edit).await), shown, "the same URI after saving");
    let (_, view) = app.get_json(&format!("/customers/{id}/portal/sso-configs/{proposed}"), token).await;
    assert_eq!(view["redirect_uri"], shown.as_str());

    // The same form sent again, the id sent to another customer's form, and ids this form never
    // makes are refused, and add nothing.
    let before = snapshot(&app.store, "sso_configs").await;
    let again = post(form.clone(), new_path.clone()).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = again.text().await.unwrap();
    assert!(page.contains("The configuration id was already used by another SSO configuration."), "{page}");
    let fresh = hidden_value(&page, "id");
    assert_ne!(fresh, proposed, "the refused form gets a new id");
    assert!(shown_redirect_uri(&page).contains(&fresh), "and shows its redirect URI");
    let foreign = post(form.clone(), format!("/admin/customers/{other}/portal/sso")).await;
    assert_eq!(foreign.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for refused in
        ["not-a-uuid", "9188040d-6c67-4c5b-b112-36a304b66dad", "00000000-0000-0000-0000-000000000000"]
    {
        set(&mut form, "id", refused);
        let response = post(form.clone(), new_path.clone()).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    }
    assert_eq!(snapshot(&app.store, "sso_configs").await, before);

    // A removed configuration's id is not given out again either.
    let removed = console.submit(&edit, &format!("{edit}/delete"), &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    set(&mut form, "id", &proposed);
    assert_eq!(post(form.clone(), new_path.clone()).await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The API makes its own ids; an id sent back is read-only and ignored.
    let (status, created) = app
        .post_json(
            &format!("/customers/{id}/portal/sso-configs"),
            token,
            json!({"id": proposed, "label": "API", "provider": "okta", "okta_domain": "contoso.okta.com",
                "client_id": "api", "client_secret": SECRET}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_ne!(created["id"], proposed.as_str());
}
