//! A customer manager's day in real Chromium: their company's tickets, a reply to a
//! colleague's ticket, sharing it, inviting a colleague and deactivating one; axe-core on every
//! page, screenshots at both widths.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::idp::{TestIdp, Visitor};
use crate::support::{Backend, TestApp};
use crate::tickets::{submit, ticketing_portal};

#[tokio::test]
async fn a_manager_works_through_their_company_tickets_and_people() {
    let Some(browser) = Browser::start().await else { return };
    let person = |email: &str, name: &str| json!({"email": email, "email_verified": true, "name": name});
    let accounts = json!({
        "ada": person("ada@acme.example", "Ada Asker"),
        "lin": person("lin@acme.example", "Lin Colleague"),
        "mia": person("mia@acme.example", "Mia Manager"),
    });
    let Some(idp) = TestIdp::start(accounts).await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;
    // Managers invite colleagues at the customer's own domains only.
    let (status, _) = app
        .patch_json(
            &format!("/customers/{}", portal.customer_id),
            &app.admin.token,
            json!({"email_domains": ["acme.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Mia is registered as a manager before her first sign-in; Ada and Lin ask for things.
    let (status, mia) = app
        .post_json(
            &format!("/customers/{}/end-users", portal.customer_id),
            &app.admin.token,
            json!({"name": "Mia Manager", "email": "mia@acme.example", "role": "manager"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{mia}");
    for (account, summary) in [("ada", "Projector in room 4 is dead"), ("lin", "Order a second monitor")] {
        let visitor = Visitor::new(&app);
        assert_eq!(visitor.sign_in(&portal, account).await.0, StatusCode::OK);
        let submitted =
            submit(&visitor, &portal, &[("type", "incident"), ("short_description", summary)]).await;
        assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    }

    browser.goto(&app.url(&portal.path("/"))).await;
    browser.wait_until("the sign-in page", "return !!document.querySelector('a.portal-action')").await;
    browser.click("a.portal-action").await;
    browser.log_in_at_idp(&idp.issuer, "mia").await;
    browser.wait_until("the landing page", "return !!document.querySelector('.portal-nav')").await;
    browser.click(".portal-nav a[href$='/company/tickets']").await;
    browser
        .wait_until(
            "company tickets",
            "return document.body.innerText.includes('Projector in room 4') && document.body.innerText.includes('Order a second monitor')",
        )
        .await;
    browser.assert_accessible("company tickets").await;
    browser.assert_layout("portal-company-tickets").await;

    // Narrow to Ada's tickets, open hers and reply.
    browser.type_into("#company-requester", "ada").await;
    browser.click(".filter-form button[type=submit]").await;
    browser
        .wait_until("the filtered list", "return !document.body.innerText.includes('Order a second monitor')")
        .await;
    browser.click(".ticket-list a").await;
    browser
        .wait_until("Ada's ticket", "return document.body.innerText.includes('Ada Asker asked for it')")
        .await;
    browser.type_into("#reply", "I have asked facilities to bring a spare projector.").await;
    browser.click("#reply-form button[type=submit]").await;
    browser
        .wait_until("the reply", "return document.body.innerText.includes('bring a spare projector')")
        .await;
    // Share it with Lin.
    browser.type_into("#share-email", "lin@acme.example").await;
    browser.click(".share-form button[type=submit]").await;
    browser
        .wait_until("Lin follows", "return document.body.innerText.includes('Lin Colleague follows it')")
        .await;
    browser.assert_accessible("a colleague's ticket").await;
    browser.assert_layout("portal-manager-ticket").await;

    // People: invite Nia, deactivate Lin.
    browser.click(".portal-nav a[href$='/people']").await;
    browser.wait_until("people", "return !!document.getElementById('invite-name')").await;
    browser.assert_accessible("people").await;
    browser.type_into("#invite-name", "Nia Newcomer").await;
    browser.type_into("#invite-email", "nia@acme.example").await;
    browser.click("#invite-form button[type=submit]").await;
    browser
        .wait_until("the invitation", "return document.body.innerText.includes('The invitation is sent')")
        .await;
    assert!(browser.text_of("main").await.contains("Nia Newcomer"));
    let lin_row = "//li[.//strong[text()='Lin Colleague']]//button";
    browser.client.find(fantoccini::Locator::XPath(lin_row)).await.unwrap().click().await.unwrap();
    browser
        .wait_until(
            "the deactivation",
            "return document.body.innerText.includes('Deactivated: they are signed out')",
        )
        .await;
    browser.assert_accessible("people after a change").await;
    browser.assert_layout("portal-people").await;

    let (_, comments) = app.get_json("/tickets?limit=10", &app.admin.token).await;
    let projector = comments["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["short_description"] == "Projector in room 4 is dead")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, replies) = app.get_json(&format!("/tickets/{projector}/comments"), &app.admin.token).await;
    assert_eq!(replies["items"][0]["author_name"], "Mia Manager");
    let (_, users) =
        app.get_json(&format!("/customers/{}/end-users?q=lin", portal.customer_id), &app.admin.token).await;
    assert_eq!(users["items"][0]["active"], false);
    browser.close().await;
}
