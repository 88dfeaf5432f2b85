//! Item 8: the IdP's name claim goes through the API's text rules.

use reqwest::StatusCode;
use serde_json::json;

use crate::crafted_idp::{Claims, CraftedIdp, Key};
use crate::idp::Visitor;
use crate::sso_tokens::{CLIENT, portal_for};
use crate::support::{Backend, TestApp, on_both_backends};

on_both_backends!(item8_the_idp_name_claim_is_cleaned_and_never_fails_a_sign_in,);

async fn item8_the_idp_name_claim_is_cleaned_and_never_fails_a_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_for(&app, &idp, json!({})).await;
    let name_of = |name: &'static str| {
        let issuer = idp.issuer();
        let key = &key;
        move |nonce: &str| {
            let mut claims = Claims::valid(&issuer, CLIENT, nonce);
            claims.name = Some(name.to_string());
            claims.sign(key)
        }
    };
    let visitor = Visitor::new(&app);
    let (status, page) = crate::sso_tokens::answer_as(
        &visitor,
        &app,
        &idp,
        &portal,
        name_of("Eve\u{0}\u{1b}[2J\r\nAdmin\u{202e}txt.exe"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let customer_id = portal.customer_id.parse().unwrap();
    let users = app.store.list_end_users(customer_id, None, &Default::default()).await.unwrap().items;
    assert_eq!(users[0].name, "Eve [2J Admin txt.exe");

    // Nothing printable left: a fallback name, and still a sign-in.
    sqlx::query("DELETE FROM end_user_identities").execute(app.store.pool()).await.unwrap();
    sqlx::query("DELETE FROM portal_sessions").execute(app.store.pool()).await.unwrap();
    sqlx::query("DELETE FROM end_users").execute(app.store.pool()).await.unwrap();
    let (status, page) = crate::sso_tokens::answer_as(
        &Visitor::new(&app),
        &app,
        &idp,
        &portal,
        name_of("\u{200b}\u{0}\u{202e}"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let users = app.store.list_end_users(customer_id, None, &Default::default()).await.unwrap().items;
    assert_eq!(users[0].name, "crafted", "the e-mail's local part");
}
