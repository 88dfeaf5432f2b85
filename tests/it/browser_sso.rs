//! An end user signs in through the real IdP's own pages in real Chromium.

use serde_json::json;

use crate::browser::Browser;
use crate::idp::{TestIdp, sso_portal};
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn an_end_user_signs_in_at_the_identity_providers_own_pages() {
    let Some(browser) = Browser::start().await else { return };
    let Some(idp) = TestIdp::start(
        json!({"ada": {"email": "ada@acme.example", "email_verified": true, "name": "Ada Lovelace"}}),
    )
    .await
    else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let portal = sso_portal(&app, &idp, "Acme", json!({})).await;
    app.update_portal(&portal.customer_id, |document| {
        document["design"] = json!({"primary_color": "#7b2cbf", "secondary_color": "#f3e8ff"});
    })
    .await;

    browser.goto(&app.url(&portal.path("/"))).await;
    browser
        .wait_until("the sign-in page", "return document.body.innerText.includes('Sign in to Acme help')")
        .await;
    browser.assert_accessible("the portal sign-in page").await;
    browser.assert_layout("portal-sign-in").await;
    browser.click("a.portal-action").await;

    browser.log_in_at_idp(&idp.issuer, "ada").await;

    browser.wait_until("the landing page", "return document.body.innerText.includes('Ada Lovelace')").await;
    let url = browser.client.current_url().await.unwrap();
    assert!(url.as_str().starts_with(&app.url(&portal.path("/"))), "{url}");
    let theme = browser.find("link[href^='/assets/theme/']").await.attr("href").await.unwrap().unwrap();
    assert_eq!(theme, "/assets/theme/7b2cbf-f3e8ff.css", "the landing page is themed");
    browser.assert_accessible("the portal landing page").await;
    browser.assert_layout("portal-landing-signed-in").await;
    browser.close().await;
}
