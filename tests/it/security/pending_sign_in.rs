//! Item 10: starting a sign-in writes nothing; a state answers once.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::json;

use crate::crafted_idp::{Claims, CraftedIdp, Key};
use crate::idp::Visitor;
use crate::sso_tokens::{CLIENT, portal_for};
use crate::support::{Backend, TestApp, on_both_backends, snapshot};

on_both_backends!(item10_starting_sign_ins_writes_nothing_and_a_state_answers_once,);

async fn item10_starting_sign_ins_writes_nothing_and_a_state_answers_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_for(&app, &idp, json!({})).await;
    for _ in 0..50 {
        Visitor::new(&app).start(&portal).await;
    }
    for table in ["spent_login_states", "portal_sessions", "end_users"] {
        assert!(snapshot(&app.store, table).await.is_empty(), "anonymous starts write nothing ({table})");
    }
    // Made-up states write nothing either.
    for forged in ["x", "v1:AAAA", "v1:not-base64!"] {
        let response = Visitor::new(&app)
            .client
            .get(app.url(&portal.path(&format!("/auth/{}/callback", portal.sso_id))))
            .query(&[("code", "c"), ("state", forged)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    assert!(snapshot(&app.store, "spent_login_states").await.is_empty());

    // A genuine answer signs in once; the same answer again is refused.
    let visitor = Visitor::new(&app);
    let authorize = visitor.start(&portal).await;
    let query: HashMap<String, String> =
        url::Url::parse(&authorize).unwrap().query_pairs().into_owned().collect();
    idp.hand_out(Claims::valid(&idp.issuer(), CLIENT, &query["nonce"]).sign(&key));
    let callback = app.url(&portal.path(&format!("/auth/{}/callback", portal.sso_id)));
    let answer = [("code", "c0de"), ("state", query["state"].as_str())];
    let first = visitor.client.get(&callback).query(&answer).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let cookie = first
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(
        cookie.iter().any(|c| c.starts_with("portico_portal_login=;")),
        "the pending sign-in is removed: {cookie:?}"
    );
    let again = visitor.client.get(&callback).query(&answer).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.unwrap().contains("already used or has expired"));
    assert_eq!(snapshot(&app.store, "spent_login_states").await.len(), 1);
}
