//! Passkeys in real Chromium with its virtual authenticator (WebDriver's WebAuthn extension): a
//! member adds one under their two-step settings, then signs in with the password and the
//! passkey; axe-core on the pages. The console is reached at `localhost`, as passkeys refuse
//! bare addresses.

use serde_json::json;

use crate::browser::Browser;
use crate::support::{Backend, TestApp};

/// WebDriver's "Add Virtual Authenticator": a platform authenticator that says yes.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/webauthn/authenticator", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (axum::http::Method, Option<String>) {
        let options = json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserConsenting": true,
            "isUserVerified": true,
        });
        (axum::http::Method::POST, Some(options.to_string()))
    }
}

#[tokio::test]
async fn a_member_adds_a_passkey_and_signs_in_with_it() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.public_url = url::Url::parse(&format!("http://localhost:{}", config.addr.port())).unwrap();
    })
    .await;
    let base = format!("http://localhost:{}", app.config.addr.port());
    browser.client.issue_cmd(AddVirtualAuthenticator).await.expect("a virtual authenticator");
    browser.sign_in(&base, &app.admin.email, &app.admin.password).await;

    browser.goto(&format!("{base}/admin/account/mfa")).await;
    browser.wait_until("the passkey form", "return !!document.getElementById('add-passkey')").await;
    browser.assert_accessible("the two-step page with passkeys").await;
    browser.type_into("#passkey-name", "Test laptop").await;
    browser.click("#add-passkey").await;
    browser.wait_until("the passkey added", "return !!document.getElementById('passkey-notice')").await;
    assert!(browser.text_of("#passkey-list").await.contains("Test laptop"));
    assert_eq!(browser.text_of("#mfa-status").await, "On", "a passkey is a second step");
    browser.assert_accessible("the two-step page with a passkey").await;
    browser.assert_layout("console-passkeys").await;

    // Signed out, the password is no longer enough: the passkey takes the second step.
    browser.client.delete_all_cookies().await.unwrap();
    browser.goto(&format!("{base}/admin/login")).await;
    browser.type_into("#email", &app.admin.email).await;
    browser.type_into("#password", &app.admin.password).await;
    browser.click("button[type=submit]").await;
    browser.wait_until("the second step", "return !!document.getElementById('use-passkey')").await;
    browser.assert_accessible("the second step with a passkey").await;
    browser.click("#use-passkey").await;
    browser
        .wait_until(
            "the console",
            "return location.pathname === '/admin' && !!document.querySelector('.topbar')",
        )
        .await;

    let (_, events) = app.get_json("/events?limit=200", &app.admin.token).await;
    let added = events["items"].as_array().unwrap().iter().any(|e| {
        e["type"] == "team_member.updated" && e["payload"]["summary"] == "added the passkey 'Test laptop'"
    });
    assert!(added, "adding a passkey is an audited event: {events}");
    browser.close().await;
}
