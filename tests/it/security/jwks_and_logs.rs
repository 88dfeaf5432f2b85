//! Key rotation gets through within seconds; the callback's code and state never reach the logs.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::json;

use crate::crafted_idp::{Claims, CraftedIdp, Key};
use crate::idp::Visitor;
use crate::sso_tokens::{CLIENT, portal_for};
use crate::support::{Backend, TestApp, on_both_backends};

on_both_backends!(callback_code_and_state_never_reach_the_logs,);

async fn callback_code_and_state_never_reach_the_logs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_for(&app, &idp, json!({})).await;
    let visitor = Visitor::new(&app);
    let authorize = visitor.start(&portal).await;
    let query: HashMap<String, String> =
        url::Url::parse(&authorize).unwrap().query_pairs().into_owned().collect();
    idp.hand_out(Claims::valid(&idp.issuer(), CLIENT, &query["nonce"]).sign(&key));
    let code = format!("CODE-{}", uuid::Uuid::now_v7().simple());
    let answer = visitor
        .client
        .get(app.url(&portal.path(&format!("/auth/{}/callback", portal.sso_id))))
        .query(&[("code", code.as_str()), ("state", query["state"].as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let logs = crate::support::captured_logs();
    assert!(!logs.contains(&code), "the code must never be logged");
    let encoded_state: String = url::form_urlencoded::byte_serialize(query["state"].as_bytes()).collect();
    assert!(!logs.contains(query["state"].as_str()) && !logs.contains(&encoded_state), "nor the state");
    let mine = crate::support::this_tests_logs();
    assert!(mine.contains("/callback?code=***"), "the callback is still logged, redacted");
}

/// Concurrent unknown-key refetches share one fetch, and a rotation gets through within the
/// (short) refetch interval rather than after a minute.
#[tokio::test]
async fn jwks_refetches_are_coalesced_and_a_rotation_gets_through_within_seconds() {
    use portico::domain::sso::Provider;
    use portico::sso::outbound::Outbound;
    use portico::sso::provider::ProviderCache;

    let old = Key::load(1, "k-old");
    let new = Key::load(2, "k-new");
    let idp = CraftedIdp::start(&[&old], "").await;
    let outbound = Outbound::new(true);
    let interval = std::time::Duration::from_secs(2);
    let cache = std::sync::Arc::new(ProviderCache::with_refetch_interval(interval));
    let info = cache.get(&outbound, &idp.discovery_url(), Provider::Oidc).await.unwrap();
    let before = idp.jwks_fetches();
    let fetched = std::time::Instant::now();
    let refetches: Vec<_> = (0..10)
        .map(|_| {
            let (cache, outbound, info) = (cache.clone(), outbound.clone(), info.clone());
            tokio::spawn(async move { cache.refresh_keys(&outbound, &info).await.unwrap() })
        })
        .collect();
    for refetch in refetches {
        assert!(refetch.await.unwrap().is_some(), "every waiting caller gets the fresh keys");
    }
    assert_eq!(idp.jwks_fetches(), before + 1, "one fetch for all of them");
    let fresh = cache.get(&outbound, &idp.discovery_url(), Provider::Oidc).await.unwrap();
    // Not again within the interval (only a machine stalled past it may see a second fetch).
    let again = cache.refresh_keys(&outbound, &fresh).await.unwrap();
    assert!(again.is_none() || fetched.elapsed() >= interval, "refetched within the interval");

    // Once the interval has passed, a rotation gets through: polled, bounded, never a fixed wait.
    idp.publish(&new);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let kids_of = |info: &portico::sso::provider::ProviderInfo| -> Vec<String> {
        info.metadata
            .jwks()
            .keys()
            .iter()
            .filter_map(|key| openidconnect::JsonWebKey::key_id(key).map(|kid| kid.to_string()))
            .collect()
    };
    loop {
        if let Some(rotated) = cache.refresh_keys(&outbound, &fresh).await.unwrap()
            && kids_of(&rotated).contains(&"k-new".to_string())
        {
            break;
        }
        // Bounded far below a minute: a rotation must not wait for the hourly refresh.
        assert!(std::time::Instant::now() < deadline, "the rotation never got through");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(portico::sso::provider::JWKS_REFETCH_INTERVAL <= std::time::Duration::from_secs(5));
}
