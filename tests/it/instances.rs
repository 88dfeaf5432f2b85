//! Several instances serving one PostgreSQL database, as behind a load balancer: nothing that
//! matters may live in only one of them.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::crafted_idp::{Claims, CraftedIdp, Key};
use crate::idp::{SsoPortal, Visitor};
use crate::portal_cache::{assert_served_from_memory, name_shown};
use crate::sso_tokens::{CLIENT, answer_as, portal_for};
use crate::support::{Backend, TestApp, hidden_value};

#[tokio::test]
async fn instances_share_sessions_and_forget_a_changed_provider_together() {
    let Some(Pair { first, second, key, idp, portal }) = two_instances_with_a_portal().await else { return };
    let issuer = idp.issuer();

    // Signed in through the first instance, the browser is signed in at the second too, and
    // signing out at the second ends the session everywhere.
    let visitor = Visitor::new(&first);
    let (status, page) =
        answer_as(&visitor, &first, &idp, &portal, |nonce| Claims::valid(&issuer, CLIENT, nonce).sign(&key))
            .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let landing = visitor.client.get(second.url(&portal.path("/"))).send().await.unwrap();
    assert_eq!(landing.status(), StatusCode::OK);
    let page = landing.text().await.unwrap();
    assert!(page.contains("Sign out"), "signed in at the second instance");
    let csrf = hidden_value(&page, "_csrf");
    let signed_out = visitor
        .client
        .post(second.url(&portal.path("/auth/logout")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(signed_out.status().is_redirection(), "{}", signed_out.status());
    let landing = visitor.client.get(first.url(&portal.path("/"))).send().await.unwrap();
    let still_in = landing.status() == StatusCode::OK && landing.text().await.unwrap().contains("Sign out");
    assert!(!still_in, "signing out at the second instance ends the session at the first");

    // The second instance caches the provider like the first (signing out there looked it up)...
    let at_second = Visitor::new(&second);
    at_second.start(&portal).await;
    let fetches = idp.jwks_fetches();
    at_second.start(&portal).await;
    assert_eq!(idp.jwks_fetches(), fetches, "the second instance uses its cache");

    // ...until a change saved through the first instance makes both forget it.
    let (status, body) = first
        .patch_json(
            &format!("/customers/{}/portal/sso-configs/{}", portal.customer_id, portal.sso_id),
            &first.admin.token,
            json!({"label": "Renamed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut waited = Duration::ZERO;
    while idp.jwks_fetches() == fetches && waited < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
        at_second.start(&portal).await;
    }
    assert_eq!(
        idp.jwks_fetches(),
        fetches + 1,
        "the second instance heard of the change and fetched once more"
    );
}

#[tokio::test]
async fn a_change_through_one_instance_reaches_the_portals_of_the_other_within_a_second() {
    let Some(Pair { first, second, key: _key, idp: _idp, portal }) = two_instances_with_a_portal().await
    else {
        return;
    };
    assert_served_from_memory(&second, &first, &portal.customer_id, &portal.slug).await;

    // Renamed through the first instance: seen there at once, and soon at the second.
    let (status, body) = first
        .patch_json(
            &format!("/customers/{}", portal.customer_id),
            &first.admin.token,
            json!({"name": "Renamed through the first"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(name_shown(&first, &portal.slug).await, "Renamed through the first");
    let waited =
        eventually(async || name_shown(&second, &portal.slug).await == "Renamed through the first").await;
    assert!(waited.is_some(), "the second instance never showed the new name");

    // Closed through the first instance: the second closes it too.
    first.update_portal(&portal.customer_id, |d| d["active"] = json!(false)).await;
    let closed = eventually(async || {
        let page = crate::support::plain_client()
            .get(second.url(&portal.path("/auth/sign-in")))
            .send()
            .await
            .unwrap();
        page.status() == StatusCode::FORBIDDEN
    })
    .await;
    assert!(closed.is_some(), "the second instance kept the portal open");
}

/// Two instances on one PostgreSQL database, both listening for events, and a portal that signs
/// in through a crafted IdP.
struct Pair {
    first: TestApp,
    second: TestApp,
    key: Key,
    idp: CraftedIdp,
    portal: SsoPortal,
}

/// The [`Pair`], or `None` without PostgreSQL.
async fn two_instances_with_a_portal() -> Option<Pair> {
    let backend = Backend::postgres()?;
    let first = TestApp::spawn(backend).await;
    let second = first.another_instance().await;
    wait_until_both_listen(&first).await;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_for(&first, &idp, json!({})).await;
    Some(Pair { first, second, key, idp, portal })
}

/// Whether `check` came to hold, polling for at most 20 seconds (a bound against hanging, not a
/// speed target: an instance that is never told keeps what it cached for ever, so only being
/// told can make `check` hold). How long it took, when it did.
async fn eventually(mut check: impl AsyncFnMut() -> bool) -> Option<Duration> {
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if check().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    None
}

/// Waits until both instances hold their LISTEN connection, so that what the test caches
/// before a change cannot be cleared by a listener that only just started.
pub(crate) async fn wait_until_both_listen(app: &TestApp) {
    for _ in 0..200 {
        let listening: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        )
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        if listening >= 2 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the two instances never started listening");
}
