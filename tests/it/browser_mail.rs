//! The e-mail loop in real Chromium: an end user submits in the portal and is acknowledged by
//! mail, the technician answers in the console and the end user is mailed the answer, the end
//! user replies by mail, and the reply shows in the portal and in the console.

use reqwest::StatusCode;

use crate::browser::Browser;
use crate::idp::TestIdp;
use crate::mail_in::{hand_over, message};
use crate::smtp::{SmtpOptions, TestSmtp};
use crate::support::{Backend, TestApp};
use crate::tickets::{accounts, ticketing_portal};

const ADA: &str = "ada@acme.example";

#[tokio::test]
async fn a_ticket_travels_by_mail_and_back_in_the_browser() {
    let Some(browser) = Browser::start().await else { return };
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let Some(smtp) = TestSmtp::start(SmtpOptions::default()).await else { return };
    let settings = smtp.settings();
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.mail = settings).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;

    // Ada signs in through her IdP and submits.
    browser.goto(&app.url(&portal.path("/tickets/new"))).await;
    browser.wait_until("the sign-in page", "return !!document.querySelector('a.portal-action')").await;
    browser.click("a.portal-action").await;
    browser.log_in_at_idp(&idp.issuer, "ada").await;
    browser.wait_until("the submit form", "return !!document.getElementById('ticket-form')").await;
    let (portal_ticket, ticket_id) =
        browser.submit_ticket("Laptop will not charge", "The light on the charger stays off.").await;

    // Her acknowledgement arrives, with the address replies go to.
    smtp.wait_for(2).await;
    let ack = smtp.to(ADA).pop().expect("Ada is acknowledged");
    assert!(ack.text().contains("We received your request T-000001"));
    let reply_address = ack.reply_to();

    // The technician answers in the console; the ticket page shows the mail that went out.
    browser.sign_in(&app.base, &app.technician.email, &app.technician.password).await;
    browser.goto(&app.url(&format!("/admin/tickets/{ticket_id}"))).await;
    browser.type_into("#body", "Try another socket; a new charger is on its way.").await;
    browser.click("#comment-form button[type=submit]").await;
    browser
        .wait_until(
            "the reply in the console",
            "return document.body.innerText.includes('a new charger is on its way')",
        )
        .await;
    let answer = smtp
        .wait_for_one("Ada's copy of the reply", |m| {
            m.to.iter().any(|to| to == ADA) && m.text().contains("a new charger is on its way")
        })
        .await;
    assert!(answer.text().contains("Tim Tech replied to your request"));
    assert!(answer.text().contains(&format!("/tickets/{ticket_id}")), "the mail links to the portal page");

    // Ada replies from her mail client; her MTA hands the message to Portico.
    let reply = message(
        &[
            ("From", &format!("Ada Lovelace <{ADA}>")),
            ("To", &reply_address),
            ("Subject", &format!("Re: {}", answer.subject())),
            ("Message-ID", "<ada-reply-1@acme.example>"),
            ("In-Reply-To", &format!("<{}>", answer.message_id())),
        ],
        "Another socket works. Thank you!\n\nOn Mon, Acme Service Desk wrote:\n> Try another socket",
    );
    let (status, outcome) = hand_over(&app, &app.admin.token, reply).await;
    assert_eq!(
        (status, outcome["outcome"].as_str()),
        (StatusCode::ACCEPTED, Some("comment_added")),
        "{outcome}"
    );

    // The console shows her reply and the mail sent about the ticket.
    browser.goto(&app.url(&format!("/admin/tickets/{ticket_id}"))).await;
    browser
        .wait_until(
            "the mailed reply in the console",
            "return document.body.innerText.includes('Another socket works')",
        )
        .await;
    let console_page = browser.text_of("main").await;
    assert!(!console_page.contains("> Try another socket"), "quoted history is cut");
    assert!(
        console_page.contains("E-mail") && console_page.contains("Sent to ada@acme.example"),
        "{console_page}"
    );
    browser.assert_accessible("the console ticket page with its mail").await;
    browser.assert_layout("console-ticket-with-mail").await;
    browser.goto(&app.url("/admin")).await;
    browser.wait_until("the console home", "return !!document.getElementById('mail-title')").await;
    assert!(browser.text_of("main").await.contains("Notifications go out from"));
    browser.assert_accessible("the console home").await;
    browser.assert_layout("console-home").await;

    // And so does the portal.
    browser.goto(portal_ticket.as_str()).await;
    browser
        .wait_until(
            "the mailed reply in the portal",
            "return document.body.innerText.includes('Another socket works')",
        )
        .await;
    browser.assert_accessible("the portal ticket page after a mailed reply").await;
    browser.assert_layout("portal-ticket-after-mail").await;
    browser.close().await;
}
