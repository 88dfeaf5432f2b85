//! The whole portal in real Chromium: every end-user page passes axe-core under several colour
//! pairs (extreme ones included), and the walk landing → search → article → external link →
//! knowledge base works at 375 px and at desktop width.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::idp::{SsoPortal, TestIdp};
use crate::kb::{article, with_knowledge_base};
use crate::support::{Backend, TestApp};
use crate::tickets::{accounts, ticketing_portal};

async fn colours(app: &TestApp, portal: &SsoPortal, primary: &str, secondary: &str) {
    app.update_portal(&portal.customer_id, |document| {
        document["design"] = json!({"primary_color": primary, "secondary_color": secondary});
    })
    .await;
}

pub(crate) async fn sign_in(browser: &Browser, app: &TestApp, idp: &TestIdp, portal: &SsoPortal) {
    browser.goto(&app.url(&portal.path("/"))).await;
    browser.wait_until("the sign-in page", "return !!document.querySelector('a.portal-action')").await;
    browser.assert_accessible("the sign-in page").await;
    browser.click("a.portal-action").await;
    browser.log_in_at_idp(&idp.issuer, "ada").await;
    browser.wait_until("the landing page", "return !!document.getElementById('sign-out')").await;
}

#[tokio::test]
async fn every_portal_page_is_accessible_and_the_walk_works_on_a_phone_and_a_desktop() {
    let Some(browser) = Browser::start().await else { return };
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;
    with_knowledge_base(&app, &portal).await;
    let guide = article(&app, json!({"title": "Reset your VPN token", "published": true,
        "body": "# Before you start\n\nOpen the **VPN** app.\n\n1. Press *Reset*\n2. Sign in again\n\n| Step | Time |\n|---|---|\n| Reset | 1 min |"})).await;
    sign_in(&browser, &app, &idp, &portal).await;
    let (status, ticket) = app
        .post_json("/tickets", &app.technician.token, json!({"customer_id": portal.customer_id,
            "requester_id": app.get_json(&format!("/customers/{}/end-users", portal.customer_id), &app.admin.token).await.1["items"][0]["id"],
            "type": "incident", "short_description": "VPN drops"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let ticket_id = ticket["id"].as_str().unwrap().to_string();

    let pages = [
        ("landing", portal.path("/")),
        ("submit", portal.path("/tickets/new")),
        ("my tickets", portal.path("/tickets")),
        ("ticket", portal.path(&format!("/tickets/{ticket_id}"))),
        ("knowledge base", portal.path("/kb")),
        ("article", portal.path(&format!("/kb/{guide}"))),
        ("search", portal.path("/search?q=vpn")),
    ];
    for (primary, secondary) in
        [("#1f6feb", "#f6f8fa"), ("#ffff00", "#ffffff"), ("#000000", "#000000"), ("#7b2cbf", "#1b1f24")]
    {
        colours(&app, &portal, primary, secondary).await;
        for (name, path) in &pages {
            browser.goto(&app.url(path)).await;
            browser.wait_until(name, "return document.readyState === 'complete'").await;
            browser.assert_accessible(&format!("the {name} page in {primary} on {secondary}")).await;
        }
    }

    colours(&app, &portal, "#0b5cad", "#eef4fb").await;
    for (name, path) in &pages {
        browser.goto(&app.url(path)).await;
        browser.wait_until(name, "return document.readyState === 'complete'").await;
        browser.assert_layout(&format!("portal-{}", name.replace(' ', "-"))).await;
    }
    for (width, label) in [(375u32, "375"), (1280u32, "desktop")] {
        browser.client.set_window_size(width, 900).await.unwrap();
        browser.goto(&app.url(&portal.path("/"))).await;
        browser.wait_until("the landing page", "return !!document.querySelector('.portal-search')").await;
        let overflow = browser
            .client
            .execute("return document.documentElement.scrollWidth <= window.innerWidth", vec![])
            .await
            .unwrap();
        assert_eq!(overflow, json!(true), "no sideways scrolling at {width} px");
        browser.screenshot(&format!("walk-{label}-1-landing")).await;
        browser.type_into("#portal-q", "vpn").await;
        browser.click(".portal-search button[type=submit]").await;
        browser.wait_until("the results", "return !!document.querySelector('.results mark')").await;
        browser.screenshot(&format!("walk-{label}-2-search")).await;
        browser.click(".results a[href*='/kb/']").await;
        browser.wait_until("the article", "return !!document.querySelector('.article-body')").await;
        browser.screenshot(&format!("walk-{label}-3-article")).await;
        browser.goto(&app.url(&portal.path("/"))).await;
        let external = browser.find("a[href='https://hr.example/start']").await;
        assert_eq!(external.attr("rel").await.unwrap().as_deref(), Some("noopener noreferrer"));
        assert_eq!(external.attr("target").await.unwrap().as_deref(), Some("_blank"));
        assert!(
            external.text().await.unwrap().contains("opens another site")
                || external.html(true).await.unwrap().contains("opens another site")
        );
        browser.screenshot(&format!("walk-{label}-4-external-link")).await;
        browser.goto(&app.url(&portal.path("/kb"))).await;
        browser
            .wait_until(
                "the knowledge base",
                "return document.body.innerText.includes('Reset your VPN token')",
            )
            .await;
        browser.screenshot(&format!("walk-{label}-5-knowledge-base")).await;
    }
    browser.close().await;
}
