//! The service catalogue in real Chromium: an end user picks a type, the form shows its
//! conditional field only when it applies, the ticket is filed, and the technician reads the
//! answers in the console; axe-core on each page.

use serde_json::json;

use crate::browser::Browser;
use crate::idp::TestIdp;
use crate::support::{Backend, TestApp};
use crate::tickets::{accounts, ticketing_portal};

#[tokio::test]
async fn an_end_user_files_a_request_through_the_catalogue() {
    let Some(browser) = Browser::start().await else { return };
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;
    let (status, laptop) =
        app.post_json("/request-types", &app.admin.token, crate::request_types::laptop(&[])).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{laptop}");
    let (status, _) = app
        .post_json(
            "/request-types",
            &app.admin.token,
            json!({"name": "Password reset", "icon": "🔑", "category": "Accounts"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED);

    browser.goto(&app.url(&portal.path("/tickets/new"))).await;
    browser.wait_until("the sign-in page", "return !!document.querySelector('a.portal-action')").await;
    browser.click("a.portal-action").await;
    browser.log_in_at_idp(&idp.issuer, "ada").await;
    browser.wait_until("the catalogue", "return !!document.querySelector('.catalogue')").await;
    browser.assert_accessible("the catalogue").await;
    browser.assert_layout("portal-catalogue").await;
    browser.type_into("#catalogue-q", "laptop").await;
    browser.click(".inline-search button").await;
    browser
        .wait_until("the search", "return !document.body.innerText.includes('Password reset') && !!document.querySelector('.catalogue a')")
        .await;
    browser.click(".catalogue a").await;
    browser.wait_until("the form", "return !!document.getElementById('request-form')").await;

    // The conditional fields show only when their condition holds.
    let hidden = |key: &str| format!("return document.querySelector('[data-key=\"{key}\"]').hidden");
    browser.wait_until("Which model hidden", &hidden("other_model")).await;
    browser.find("#field-model").await.select_by_value("Other").await.unwrap();
    browser.wait_until("Which model shown", &format!("return !({})", &hidden("other_model")[7..])).await;
    browser.type_into("#field-other_model", "A tablet with a pen").await;
    browser.click("input[name='fields[extras]'][value='Headset']").await;
    // A date input takes keys in the browser's locale order: set the value as a picker would.
    browser
        .client
        .execute("document.getElementById('field-needed_by').value = '2026-12-24'", vec![])
        .await
        .unwrap();
    browser.click("#field-urgent").await;
    browser.wait_until("Why shown", &format!("return !({})", &hidden("why")[7..])).await;
    browser.type_into("#field-why", "A new colleague starts on Monday").await;
    browser.assert_accessible("the request form").await;
    browser.assert_layout("portal-request-form").await;
    browser.click("#request-form button[type=submit]").await;
    browser
        .wait_until("the filed ticket", "return document.body.innerText.includes('has been submitted')")
        .await;
    let ticket_id =
        browser.client.current_url().await.unwrap().path().rsplit('/').next().unwrap().to_string();
    let (_, ticket) = app.get_json(&format!("/tickets/{ticket_id}"), &app.admin.token).await;
    assert_eq!(ticket["fields"]["other_model"], "A tablet with a pen");
    assert_eq!(ticket["fields"]["extras"], json!(["Headset"]));
    assert_eq!(ticket["fields"]["urgent"], true);
    assert_eq!(ticket["request_type_id"], laptop["id"]);

    // The technician reads the answers in the console.
    browser.sign_in(&app.base, &app.technician.email, &app.technician.password).await;
    browser.goto(&app.url(&format!("/admin/tickets/{ticket_id}"))).await;
    browser.wait_until("the answers", "return document.body.innerText.includes('A tablet with a pen')").await;
    let page = browser.text_of("main").await;
    assert!(page.contains("Laptop request") && page.contains("Headset"), "{page}");
    browser.assert_accessible("the console ticket with answers").await;
    browser.close().await;
}
