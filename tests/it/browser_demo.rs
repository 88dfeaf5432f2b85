//! The first hour, in real Chromium: `portico serve --demo` → console sign-in with the printed
//! account → a demo portal → sign-in as a demo end user through the demo identity provider →
//! a ticket submitted → the technician finds it and replies → the end user reads the reply.
//! Every page is checked with axe-core and the layout check at phone and desktop widths.

use crate::browser::Browser;
use crate::demo::DemoServer;
use crate::support::Backend;

#[tokio::test]
async fn a_newcomer_walks_the_demo() {
    let Some(browser) = Browser::start().await else { return };
    let demo = DemoServer::start(Backend::Sqlite).await;

    // The console, with the account the start-up message printed.
    browser.sign_in(&demo.base, &demo.admin_email, &demo.admin_password).await;
    browser
        .wait_until("the console home", "return document.body.innerText.includes('Waiting longest')")
        .await;
    browser.assert_accessible("the demo's console home").await;
    browser.assert_layout("demo-console-home").await;

    // A demo portal, signed in to through the demo identity provider's own page.
    let (_, acme) = &demo.portals[0];
    browser.goto(&format!("{acme}tickets/new")).await;
    browser
        .wait_until("the portal's sign-in page", "return !!document.querySelector('a.portal-action')")
        .await;
    assert!(browser.text_of("main").await.contains("Sign in with the demo identity provider"));
    browser.assert_layout("demo-portal-sign-in").await;
    browser.click("a.portal-action").await;
    browser
        .wait_until("the demo identity provider", "return location.pathname === '/demo-idp/authorize'")
        .await;
    assert!(browser.text_of("main").await.contains("belongs to Portico's demo"));
    browser.assert_accessible("the demo identity provider's page").await;
    browser.assert_layout("demo-idp-sign-in").await;
    browser.click(".demo-people li:first-child button").await;
    // After sign-in: the service catalogue, then "Something else" for the plain form.
    browser.wait_until("the catalogue after sign-in", "return !!document.querySelector('.catalogue')").await;
    assert!(browser.text_of("main").await.contains("New laptop"));
    browser.assert_accessible("the demo's catalogue").await;
    browser.assert_layout("demo-portal-catalogue").await;
    browser.click("a[href$='/tickets/new/other']").await;
    browser.wait_until("the plain form", "return !!document.getElementById('ticket-form')").await;

    let (portal_ticket, ticket_id) =
        browser.submit_ticket("The projector in room 2 shows no picture", "It was fine yesterday.").await;

    // The technician's side: the ticket is in the queue; a reply goes out.
    browser.goto(&format!("{}/admin/tickets?group=all", demo.base)).await;
    browser
        .wait_until(
            "the queue",
            "return document.body.innerText.includes('The projector in room 2 shows no picture')",
        )
        .await;
    browser.assert_accessible("the demo's ticket queue").await;
    browser.assert_layout("demo-console-queue").await;
    browser.goto(&format!("{}/admin/tickets/{ticket_id}", demo.base)).await;
    browser.type_into("#body", "We are bringing an HDMI cable.").await;
    browser.click("#comment-form button[type=submit]").await;
    browser
        .wait_until("the reply", "return document.body.innerText.includes('We are bringing an HDMI cable.')")
        .await;

    // The end user reads the reply.
    browser.goto(portal_ticket.as_str()).await;
    browser
        .wait_until(
            "the reply in the portal",
            "return document.body.innerText.includes('We are bringing an HDMI cable.')",
        )
        .await;
    browser.assert_accessible("the demo portal's ticket page").await;
    browser.assert_layout("demo-portal-ticket").await;
    browser.goto(acme).await;
    browser.wait_until("the landing page", "return document.readyState === 'complete'").await;
    browser.assert_accessible("the demo portal's landing page").await;
    browser.assert_layout("demo-portal-landing").await;
    browser.close().await;
}
