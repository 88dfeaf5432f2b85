//! The ticket journey in real Chromium, with axe-core on every portal page it visits.

use serde_json::json;

use crate::browser::Browser;
use crate::idp::TestIdp;
use crate::support::{Backend, TestApp};
use crate::tickets::{accounts, ticketing_portal};

#[tokio::test]
async fn an_end_user_submits_and_follows_a_ticket_in_the_browser() {
    let Some(browser) = Browser::start().await else { return };
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;

    // Sign in through the IdP's own pages.
    browser.goto(&app.url(&portal.path("/tickets/new"))).await;
    browser.wait_until("the sign-in page", "return !!document.querySelector('a.portal-action')").await;
    browser.click("a.portal-action").await;
    browser.log_in_at_idp(&idp.issuer, "ada").await;
    browser
        .wait_until("the submit form after sign-in", "return !!document.getElementById('ticket-form')")
        .await;

    browser.assert_accessible("the submit form").await;
    browser.assert_layout("portal-submit-ticket").await;
    browser.click("input[name=type][value=incident]").await;
    browser.type_into("#short_description", "The VPN drops every hour").await;
    browser.type_into("#description", "Since Monday, on the home network.").await;
    browser.find("#urgency").await.select_by_value("high").await.unwrap();
    browser.click("#ticket-form button[type=submit]").await;
    browser
        .wait_until("the ticket page", "return document.body.innerText.includes('has been submitted')")
        .await;
    browser.assert_accessible("the ticket page").await;

    // A technician answers; the end user sees it.
    let ticket_id =
        browser.client.current_url().await.unwrap().path().rsplit('/').next().unwrap().to_string();
    let (status, _) = app
        .post_json(
            &format!("/tickets/{ticket_id}/comments"),
            &app.technician.token,
            json!({"body": "Please restart the VPN client; we are looking into it.", "public": true}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED);
    browser.goto(&app.url(&portal.path(&format!("/tickets/{ticket_id}")))).await;
    browser
        .wait_until("the reply", "return document.body.innerText.includes('restart the VPN client')")
        .await;
    browser.assert_layout("portal-ticket").await;

    browser.goto(&app.url(&portal.path("/tickets"))).await;
    browser
        .wait_until("my tickets", "return document.body.innerText.includes('The VPN drops every hour')")
        .await;
    browser.assert_accessible("my tickets").await;
    browser.assert_layout("portal-my-tickets").await;
    browser.close().await;
}
