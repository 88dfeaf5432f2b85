//! Console sign-in through the MSP's own OpenID provider (the real `oidc-provider`): a team
//! member is found by the address the provider verified at the first sign-in and by their
//! identity afterwards; strangers, unverified addresses, deactivated members and replays are
//! refused; password sign-in can be switched off, and then only single sign-on opens the console.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::idp::{TestIdp, Visitor};
use crate::support::{Backend, TestApp, on_both_backends};

on_both_backends!(team_members_sign_in_to_the_console_through_the_msps_provider);

fn accounts() -> Value {
    let person =
        |email: &str, verified: bool| json!({"email": email, "email_verified": verified, "name": "Someone"});
    json!({
        "tim": person("tech@msp.example", true),
        "sly": person("admin@msp.example", false),
        "eve": person("stranger@msp.example", true),
    })
}

/// An app whose console signs in through `idp` (its client registered for the app's address).
pub async fn console_with_sso(backend: Backend, idp: &TestIdp, passwords: bool) -> TestApp {
    TestApp::spawn_with(backend, |config| {
        let callback = format!("{}admin/sso/callback", config.public_url);
        let (client_id, secret) =
            idp.register_clients_now(&[&callback], &format!("{}admin/login", config.public_url));
        let settings = portico::auth::console_sso::settings(
            "Sign in with MSP ID".into(),
            idp.discovery_url(),
            client_id,
        );
        config.console_sso = Some(portico::auth::console_sso::ConsoleSso {
            settings,
            secret: secrecy::SecretString::from(secret),
        });
        config.console_password_sign_in = passwords;
    })
    .await
}

/// Signs in as `account`; the final response (after every redirect) and the URLs visited.
async fn sign_in(visitor: &Visitor, account: &str) -> (StatusCode, String, Vec<String>) {
    let start =
        visitor.client.get(visitor.absolute("/admin/sso/start?next=/admin/tickets")).send().await.unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let authorize = start.headers()["location"].to_str().unwrap().to_string();
    let (response, visited) = visitor.follow(&format!("{authorize}&login_hint={account}")).await;
    (response.status(), response.text().await.unwrap(), visited)
}

async fn team_members_sign_in_to_the_console_through_the_msps_provider(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = console_with_sso(backend, &idp, true).await;
    let login = app.client.get(app.url("/admin/login")).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("Sign in with MSP ID") && login.contains("name=\"password\""), "{login}");

    // Tim's first sign-in links his identity by the address the provider verified.
    let tim = Visitor::new(&app);
    let (status, page, visited) = sign_in(&tim, "tim").await;
    assert_eq!(status, StatusCode::OK, "{visited:?}: {page}");
    assert!(visited.last().unwrap().ends_with("/admin/tickets"), "back where he was going: {visited:?}");
    assert!(page.contains("Tim Tech"), "{page}");
    let (_, events) = app.get_json("/events?limit=200", &app.admin.token).await;
    let linked = events["items"].as_array().unwrap().iter().any(|e| {
        e["type"] == "team_member.updated"
            && e["payload"]["summary"].as_str().unwrap_or_default().contains("console sign-in identity")
    });
    assert!(linked, "the link is an audited event: {events}");
    let callback = visited.iter().find(|url| url.contains("/admin/sso/callback")).unwrap().clone();

    // Afterwards the identity counts, not the address: the provider now claims the admin's.
    idp.set_account("tim", json!({"email": "admin@msp.example", "email_verified": true, "name": "Tim"}))
        .await;
    let again = Visitor::new(&app);
    let (status, page, _) = sign_in(&again, "tim").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Tim Tech") && !page.contains("Ada Admin"), "{page}");

    // With Portico's own second step set up, the provider's sign-in stands in for the password
    // only: the code is asked for next.
    let console = app.console("tech@msp.example", &app.technician.password).await;
    crate::mfa::enrol(&console).await;
    let second = Visitor::new(&app);
    let (status, page, visited) = sign_in(&second, "tim").await;
    assert_eq!(status, StatusCode::OK);
    assert!(visited.last().unwrap().ends_with("/admin/login/code"), "{visited:?}");
    assert!(!page.contains("Tim Tech"), "not signed in yet: {page}");
    assert_eq!(second.client.get(app.url("/admin")).send().await.unwrap().status(), StatusCode::SEE_OTHER);

    // A replayed answer is refused.
    let replay = Visitor::new(&app);
    let response = replay.client.get(&callback).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // A stranger, and an unverified claim to the admin's address, are refused.
    for (account, reason) in
        [("eve", "no team member has your e-mail address"), ("sly", "did not confirm your e-mail address")]
    {
        let visitor = Visitor::new(&app);
        let (status, page, _) = sign_in(&visitor, account).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{account}");
        assert!(page.contains(reason), "{account}: {page}");
        assert_eq!(
            visitor.client.get(app.url("/admin")).send().await.unwrap().status(),
            StatusCode::SEE_OTHER
        );
    }

    // A deactivated member's identity opens nothing.
    let (_, team) = app.get_json("/team-members", &app.admin.token).await;
    let tim_id = team["items"].as_array().unwrap().iter().find(|m| m["email"] == "tech@msp.example").unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) =
        app.patch_json(&format!("/team-members/{tim_id}"), &app.admin.token, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, page, _) = sign_in(&Visitor::new(&app), "tim").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("deactivated"), "{page}");

    // Password sign-in switched off: no form, and a posted password is refused.
    let sso_only = console_with_sso(backend, &idp, false).await;
    let login = sso_only.client.get(sso_only.url("/admin/login")).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("Sign in with MSP ID") && !login.contains("name=\"password\""), "{login}");
    let posted = sso_only
        .client
        .post(sso_only.url("/admin/login"))
        .form(&[("email", sso_only.admin.email.as_str()), ("password", sso_only.admin.password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::FORBIDDEN);
    assert!(posted.text().await.unwrap().contains("Password sign-in is turned off"));
}

/// The sign-in page with its single sign-on button, in real Chromium, through the provider's own
/// pages, with axe-core on the console's pages.
#[tokio::test]
async fn a_technician_signs_in_to_the_console_with_the_msps_provider_in_the_browser() {
    let Some(browser) = crate::browser::Browser::start().await else { return };
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = console_with_sso(Backend::Sqlite, &idp, false).await;
    browser.goto(&app.url("/admin/tickets")).await;
    browser.wait_until("the sign-in page", "return !!document.getElementById('console-sso')").await;
    browser.assert_accessible("the console sign-in page with single sign-on only").await;
    browser.assert_layout("console-login-sso").await;
    browser.click("#console-sso").await;
    browser.log_in_at_idp(&idp.issuer, "tim").await;
    browser
        .wait_until(
            "the ticket queue",
            "return location.pathname === '/admin/tickets' && document.body.innerText.includes('Tim Tech')",
        )
        .await;
    browser.assert_accessible("the queue after single sign-on").await;
    browser.close().await;
}
