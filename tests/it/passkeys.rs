//! Passkey ceremonies refused where they must be: at an address (no relying party), without a
//! session or a pending sign-in, with an answer that is not one, or for someone else's passkey.
//! The whole ceremony runs in Chromium (`browser_passkeys.rs`).

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Backend, Console, TestApp, on_both_backends};

on_both_backends!(passkey_ceremonies_refuse_what_is_not_theirs);

async fn passkey_ceremonies_refuse_what_is_not_theirs(backend: Backend) {
    // Reached at an address: no passkeys, and the page says why.
    let at_address = TestApp::spawn(backend).await;
    let console = at_address.console(&at_address.admin.email, &at_address.admin.password).await;
    assert!(console.page("/admin/account/mfa").await.contains("passkeys-unavailable"));
    let refused = console.submit("/admin/account/mfa", "/admin/account/mfa/passkeys/options", &[]).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    let app = TestApp::spawn_with(backend, |config| {
        config.public_url = url::Url::parse(&format!("http://localhost:{}", config.addr.port())).unwrap();
    })
    .await;
    let base = format!("http://localhost:{}", app.config.addr.port());
    let console = Console::anonymous(&base);
    let signed_in = console.sign_in(&app.admin.email, &app.admin.password).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let session = cookie_set_by(&signed_in, "portico_console");
    let options = console.submit("/admin/account/mfa", "/admin/account/mfa/passkeys/options", &[]).await;
    assert_eq!(options.status(), StatusCode::OK);
    let sealed = cookie_set_by(&options, "portico_passkey_add");
    let options: Value = options.json().await.unwrap();
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
    assert!(options["publicKey"]["challenge"].as_str().is_some_and(|c| c.len() >= 40), "{options}");

    // An answer that is not a passkey's adds nothing and says so.
    let bogus = console
        .submit(
            "/admin/account/mfa",
            "/admin/account/mfa/passkeys",
            &[("name", "Fake"), ("credential", "{\"id\":\"x\"}")],
        )
        .await;
    assert_eq!(bogus.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bogus.text().await.unwrap();
    assert!(page.contains("passkey-error") && page.contains("no-passkeys"), "{page}");

    // A well-formed answer spends the ceremony, accepted or not: the same state answers once.
    let credential = serde_json::json!({"id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": {"attestationObject": "AAAA", "clientDataJSON": "AAAA"}, "extensions": {}})
    .to_string();
    let mut messages = Vec::new();
    for _ in 0..2 {
        let page = console.page("/admin/account/mfa").await;
        let csrf = crate::support::hidden_value(&page, "_csrf");
        let answer = crate::support::plain_client()
            .post(format!("{base}/admin/account/mfa/passkeys"))
            .header("cookie", format!("portico_passkey_add={sealed}; portico_console={session}"))
            .form(&[("_csrf", csrf.as_str()), ("name", "Replayed"), ("credential", credential.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = answer.text().await.unwrap();
        let start = page.find("id=\"passkey-error\">").expect("the refusal is shown");
        messages.push(page[start..start + 120].to_string());
    }
    assert!(messages[0].contains("was not accepted"), "{messages:?}");
    assert!(messages[1].contains("expired or belongs elsewhere"), "a ceremony answers once: {messages:?}");

    // A member who already has a second step adds a passkey only soon after signing in.
    let tech = Console::anonymous(&base);
    assert_eq!(
        tech.sign_in(&app.technician.email, &app.technician.password).await.status(),
        StatusCode::SEE_OTHER
    );
    let (secret, _codes) = crate::mfa::enrol(&tech).await;
    let fresh = Console::anonymous(&base);
    fresh.sign_in(&app.technician.email, &app.technician.password).await;
    crate::mfa::enter_code(&fresh, &crate::mfa::code_for(&secret, 30)).await;
    assert!(fresh.page("/admin").await.contains("Tim Tech"));
    sqlx::query("UPDATE console_sessions SET created_at = created_at - 3600000")
        .execute(app.store.pool())
        .await
        .unwrap();
    let stale = fresh.submit("/admin/account/mfa", "/admin/account/mfa/passkeys/options", &[]).await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refusal: Value = stale.json().await.unwrap();
    assert!(refusal["error"].as_str().unwrap().contains("within 10 minutes of signing in"), "{refusal}");

    // Without a session, or half-way without a right password, nothing is offered.
    let stranger = Console::anonymous(&base);
    let refused = stranger.post_form("/admin/account/mfa/passkeys/options", &[("_csrf", "x")]).await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER, "sent to sign in");
    assert!(refused.headers()["location"].to_str().unwrap().starts_with("/admin/login"));
    let refused = stranger.post_form("/admin/login/passkey/options", &[("_csrf", "x")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused = stranger.post_form("/admin/login/passkey", &[("_csrf", "x"), ("credential", "{}")]).await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER, "back to the password");

    // Someone else's (or no) passkey cannot be removed.
    let missing = console
        .submit(
            "/admin/account/mfa",
            &format!("/admin/account/mfa/passkeys/{}/remove", uuid::Uuid::now_v7()),
            &[],
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// The value a response sets for cookie `name`.
fn cookie_set_by(response: &reqwest::Response, name: &str) -> String {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .find_map(|c| c.strip_prefix(prefix.as_str()).map(|rest| rest.split(';').next().unwrap().to_string()))
        .unwrap_or_else(|| panic!("no {name} cookie set"))
}
