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
    let (status, _) = app
        .patch_json(&format!("/tickets/{ticket_id}"), &app.technician.token, json!({"status": "in_progress"}))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    browser.goto(&app.url(&portal.path(&format!("/tickets/{ticket_id}")))).await;
    browser
        .wait_until("the reply", "return document.body.innerText.includes('restart the VPN client')")
        .await;
    // The end user answers; the timeline tells the two sides apart and shows the status change.
    browser.type_into("#reply", "Restarted it; it held for two hours, then dropped again.").await;
    browser.click("#reply-form button[type=submit]").await;
    browser
        .wait_until("the answer", "return document.querySelectorAll('.timeline .message').length === 2")
        .await;
    let sides: String = browser
        .client
        .execute(
            "return [...document.querySelectorAll('.timeline > li')].map(e => e.className + ':' + \
             (e.querySelector('.message-role, .event-text') || {}).textContent).join('|')",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        sides,
        "timeline-event:Ticket opened|message from-team:Support team|timeline-event status-change:Tim Tech \
         changed the status from New to In progress|message from-requester:You"
    );
    let local_times: bool = browser
        .client
        .execute(
            "return [...document.querySelectorAll('.timeline time')].every(t => !t.textContent.includes('UTC') && t.title === t.getAttribute('datetime'))",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(local_times, "times show in the reader's time zone");
    browser.assert_accessible("the ticket timeline").await;
    browser.assert_layout("portal-ticket").await;

    browser.goto(&app.url(&portal.path("/tickets"))).await;
    browser
        .wait_until("my tickets", "return document.body.innerText.includes('The VPN drops every hour')")
        .await;
    browser.assert_accessible("my tickets").await;
    browser.assert_layout("portal-my-tickets").await;
    browser.close().await;
}
