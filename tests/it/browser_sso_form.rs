//! The console's SSO form in real Chromium: it shows the fields of the chosen provider only.

use serde_json::json;

use crate::browser::Browser;
use crate::support::{Backend, TestApp};

/// Whether the field around the input with `id` is shown.
fn shown(id: &str) -> String {
    format!("return !document.getElementById('{id}').closest('.field').hidden")
}

#[tokio::test]
async fn the_sso_form_shows_only_the_chosen_providers_fields() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, customer) = app.post_json("/customers", &app.admin.token, json!({"name": "Acme"})).await;
    browser.sign_in(&app.base, &app.admin.email, &app.admin.password).await;
    browser
        .goto(&app.url(&format!("/admin/customers/{}/portal/sso", customer["id"].as_str().unwrap())))
        .await;
    browser.wait_until("the SSO form", "return !!document.getElementById('sso-form')").await;
    let visible = |id: &'static str| {
        let client = browser.client.clone();
        async move { client.execute(&shown(id), vec![]).await.unwrap() == json!(true) }
    };
    browser.click("input[name=provider][value=microsoft]").await;
    assert!(visible("tenant_id").await && !visible("okta_domain").await && !visible("discovery_url").await);
    browser.click("input[name=provider][value=okta]").await;
    assert!(
        visible("okta_domain").await && visible("authorization_server").await && !visible("tenant_id").await
    );
    browser.assert_accessible("the SSO form for Okta").await;
    browser.assert_layout("console-sso-form-okta").await;
    // A field that holds a value stays in view whatever is chosen.
    browser.type_into("#okta_domain", "acme.okta.com").await;
    browser.click("input[name=provider][value=oidc]").await;
    assert!(visible("discovery_url").await && visible("okta_domain").await && !visible("tenant_id").await);
    browser.close().await;
}
