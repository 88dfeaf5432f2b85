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
    assert_eq!(console.sign_in(&app.admin.email, &app.admin.password).await.status(), StatusCode::SEE_OTHER);
    let options = console.submit("/admin/account/mfa", "/admin/account/mfa/passkeys/options", &[]).await;
    assert_eq!(options.status(), StatusCode::OK);
    assert!(
        options
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().contains("portico_passkey_add"))
    );
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

    // Without a session, or half-way without a right password, nothing is offered.
    let stranger = Console::anonymous(&base);
    let refused = stranger.post_form("/admin/account/mfa/passkeys/options", &[("_csrf", "x")]).await;
    assert_ne!(refused.status(), StatusCode::OK);
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
