//! Attachments in real Chromium: an end user attaches a screenshot in the portal (with the
//! upload script's progress), sees its preview, and the technician sees it in the console;
//! axe-core on each page.

use crate::attachments::png;
use crate::browser::Browser;
use crate::idp::TestIdp;
use crate::support::{Backend, TestApp};
use crate::tickets::{accounts, ticketing_portal};

#[tokio::test]
async fn a_screenshot_attached_in_the_portal_shows_to_the_technician() {
    let Some(browser) = Browser::start().await else { return };
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;
    let screenshot = app.data_dir.join("error-dialog.png");
    std::fs::write(&screenshot, png(800, 500)).unwrap();

    browser.goto(&app.url(&portal.path("/tickets/new"))).await;
    browser.wait_until("the sign-in page", "return !!document.querySelector('a.portal-action')").await;
    browser.click("a.portal-action").await;
    browser.log_in_at_idp(&idp.issuer, "ada").await;
    browser.wait_until("the submit form", "return !!document.getElementById('ticket-form')").await;
    browser.wait_until("the drop zone", "return !!document.querySelector('.drop-zone .drop-hint')").await;
    browser.assert_accessible("the submit form with its file field").await;
    browser.click("input[name=type][value=incident]").await;
    browser.type_into("#short_description", "An error dialog on start").await;
    browser.find("#files").await.send_keys(screenshot.to_str().unwrap()).await.unwrap();
    browser.click("#ticket-form button[type=submit]").await;
    browser
        .wait_until("the ticket page", "return document.body.innerText.includes('has been submitted')")
        .await;

    // The preview is a real image (decoded by the browser), and the page stays accessible.
    browser
        .wait_until(
            "the preview",
            "const img = document.querySelector('.file-thumb img'); return !!img && img.complete && img.naturalWidth === 320",
        )
        .await;
    assert!(browser.text_of("main").await.contains("error-dialog.png"));
    browser.assert_accessible("the ticket page with a file").await;
    browser.assert_layout("portal-ticket-with-file").await;
    let ticket_id =
        browser.client.current_url().await.unwrap().path().rsplit('/').next().unwrap().to_string();

    // The technician sees the same file, with its preview, in the console.
    browser.sign_in(&app.base, &app.technician.email, &app.technician.password).await;
    browser.goto(&app.url(&format!("/admin/tickets/{ticket_id}"))).await;
    browser
        .wait_until(
            "the preview in the console",
            "const img = document.querySelector('.file-thumb img'); return !!img && img.complete && img.naturalWidth > 0",
        )
        .await;
    assert!(browser.text_of("main").await.contains("error-dialog.png"));
    browser.assert_accessible("the console ticket page with a file").await;
    browser.assert_layout("console-ticket-with-file").await;
    browser.close().await;
}
