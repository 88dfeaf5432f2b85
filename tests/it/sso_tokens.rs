//! Sign-in answers no honest IdP gives: every one is refused with a clear page and no session.

use reqwest::StatusCode;
use serde_json::json;

use crate::crafted_idp::{Claims, CraftedIdp, Key};
use crate::idp::{SsoPortal, Visitor};
use crate::support::{Backend, TestApp, on_both_backends, snapshot};

on_both_backends!(
    forged_and_spoiled_id_tokens_are_refused,
    an_unknown_key_is_refetched_once_and_a_rotated_key_is_accepted,
    microsoft_tenants_are_pinned,
    replays_foreign_browsers_and_idp_errors_are_refused,
);

const TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const OTHER_TENANT: &str = "11111111-2222-3333-4444-555555555555";
pub(crate) const CLIENT: &str = "crafted-client";

pub(crate) async fn portal_for(app: &TestApp, idp: &CraftedIdp, extra: serde_json::Value) -> SsoPortal {
    let token = &app.admin.token;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Crafted"})).await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    let (_, mut portal) = app.get_json(&format!("/customers/{customer_id}/portal"), token).await;
    portal["active"] = json!(true);
    app.api(reqwest::Method::PUT, &format!("/customers/{customer_id}/portal"), token)
        .header("if-match", "1")
        .json(&portal)
        .send()
        .await
        .unwrap();
    let mut body = json!({"label": "Crafted ID", "provider": "oidc", "discovery_url": idp.discovery_url(), "client_id": CLIENT, "client_secret": "s", "jit_provisioning": true});
    for (key, value) in extra.as_object().cloned().unwrap_or_default() {
        body[key] = value;
    }
    let (status, config) =
        app.post_json(&format!("/customers/{customer_id}/portal/sso-configs"), token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{config}");
    SsoPortal {
        customer_id,
        slug: portal["slug"].as_str().unwrap().to_string(),
        sso_id: config["id"].as_str().unwrap().to_string(),
        client_id: CLIENT.into(),
        client_secret: "s".into(),
    }
}

/// An end user called `name`, signed in to the live portal of an existing customer (its portal
/// made active, a crafted provider added to it): the visitor, with its session, and the slug.
pub(crate) async fn end_user_of(app: &TestApp, customer_id: &str, name: &str) -> (Visitor, String) {
    let token = &app.admin.token;
    let (_, mut portal) = app.get_json(&format!("/customers/{customer_id}/portal"), token).await;
    if portal["active"] != json!(true) {
        portal["active"] = json!(true);
        let response = app
            .api(reqwest::Method::PUT, &format!("/customers/{customer_id}/portal"), token)
            .header("if-match", portal["revision"].to_string())
            .json(&portal)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let body = json!({"label": "Crafted ID", "provider": "oidc", "discovery_url": idp.discovery_url(),
        "client_id": CLIENT, "client_secret": "s", "jit_provisioning": true});
    let (status, config) =
        app.post_json(&format!("/customers/{customer_id}/portal/sso-configs"), token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{config}");
    let slug = portal["slug"].as_str().unwrap().to_string();
    let sso = SsoPortal {
        customer_id: customer_id.to_string(),
        slug: slug.clone(),
        sso_id: config["id"].as_str().unwrap().to_string(),
        client_id: CLIENT.into(),
        client_secret: "s".into(),
    };
    let visitor = Visitor::new(app);
    let issuer = idp.issuer();
    let (status, page) = answer_as(&visitor, app, &idp, &sso, |nonce| {
        let mut claims = Claims::valid(&issuer, CLIENT, nonce);
        claims.name = Some(name.to_string());
        claims.sign(&key)
    })
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed in: {page}");
    (visitor, slug)
}

/// Starts a sign-in, lets the IdP hand out `token`, and returns the callback's answer.
async fn answer_with(
    app: &TestApp,
    idp: &CraftedIdp,
    portal: &SsoPortal,
    token: impl FnOnce(&str) -> String,
) -> (StatusCode, String) {
    answer_as(&Visitor::new(app), app, idp, portal, token).await
}

/// [`answer_with`] for a given visitor, whose cookies keep the session if one is made.
pub(crate) async fn answer_as(
    visitor: &Visitor,
    app: &TestApp,
    idp: &CraftedIdp,
    portal: &SsoPortal,
    token: impl FnOnce(&str) -> String,
) -> (StatusCode, String) {
    let authorize = visitor.start(portal).await;
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(&authorize).unwrap().query_pairs().into_owned().collect();
    idp.hand_out(token(&query["nonce"]));
    let callback = app
        .url(&portal.path(&format!("/auth/{}/callback?code=c0de&state={}", portal.sso_id, query["state"])));
    let response = visitor.client.get(callback).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn assert_refused(app: &TestApp, portal: &SsoPortal, answer: (StatusCode, String), says: &str) {
    let (status, page) = answer;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert!(page.contains("Sign-in did not succeed"), "{page}");
    assert_plain_failure(app, portal, &page, says).await;
    assert!(snapshot(&app.store, "portal_sessions").await.is_empty(), "no session may be created");
}

/// The reference a failed sign-in's page gives (`7KQM-X4TP`).
pub(crate) fn reference_in(page: &str) -> String {
    let start = page.find("the reference ").unwrap_or_else(|| panic!("no reference in:\n{page}")) + 14;
    page[start..start + 9].to_string()
}

/// A failed sign-in as the end user sees it: a plain explanation and a reference, none of the
/// relying party's own words (`says`, audiences, issuers, nonces, raw timestamps); the detail is
/// in the log under the same reference and in the configuration's health in the console.
pub(crate) async fn assert_plain_failure(app: &TestApp, portal: &SsoPortal, page: &str, says: &str) {
    let main = &page[page.find("<main").unwrap()..page.find("</main>").unwrap()];
    // The reference is random letters ("UTCZ-VD4T"): it may spell anything, so it is left out.
    let reference = reference_in(main).to_lowercase();
    let seen = crate::html_form::decode(main).to_lowercase().replace(&reference, "");
    for internal in [
        says.to_lowercase().as_str(),
        "audience",
        "issuer",
        "nonce",
        "signature",
        "jwks",
        "id_token",
        "azp",
        "kid",
        "iat",
        "exp:",
        "utc",
        "+00:00",
        "invalid_",
        "error_description",
        "try again",
    ] {
        assert!(!seen.contains(internal), "the end user is shown '{internal}':\n{main}");
    }
    let digits: String = seen.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
    assert!(!digits.contains("9999-99-99") && !digits.contains("99:99"), "a raw timestamp:\n{main}");
    let reference = reference_in(page);
    assert!(
        reference.len() == 9
            && reference.as_bytes()[4] == b'-'
            && reference.chars().all(|c| c == '-' || c.is_ascii_alphanumeric()),
        "{reference}"
    );
    let says = says.to_lowercase();
    let logged = crate::support::this_tests_logs()
        .lines()
        .any(|line| line.contains(&reference) && line.to_lowercase().contains(&says));
    assert!(logged, "the log has '{says}' under {reference}");
    let config = app
        .store
        .sso_config(portal.customer_id.parse().unwrap(), portal.sso_id.parse().unwrap())
        .await
        .unwrap();
    let failure = config.last_failure.expect("the configuration's health has the failure");
    assert_eq!(failure.reference, reference);
    assert!(failure.detail.to_lowercase().contains(&says), "{}", failure.detail);
}

async fn forged_and_spoiled_id_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = Key::load(1, "k1");
    let stranger = Key::load(2, "k2");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_for(&app, &idp, json!({})).await;
    let issuer = idp.issuer();

    // The harness itself works: a proper token signs in.
    let (status, _) =
        answer_with(&app, &idp, &portal, |nonce| Claims::valid(&issuer, CLIENT, nonce).sign(&key)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "a valid token is accepted");
    sqlx::query("DELETE FROM portal_sessions").execute(app.store.pool()).await.unwrap();

    type Craft<'a> = Box<dyn Fn(&str) -> String + 'a>;
    let cases: Vec<(&str, Craft)> = vec![
        (
            "signature",
            Box::new(|nonce: &str| Claims::valid(&issuer, CLIENT, nonce).sign_claiming_kid(&stranger, "k1")),
        ),
        (
            "issuer",
            Box::new(|nonce: &str| {
                Claims { issuer: "http://evil.example".into(), ..Claims::valid(&issuer, CLIENT, nonce) }
                    .sign(&key)
            }),
        ),
        (
            "audience",
            Box::new(|nonce: &str| {
                Claims { audiences: vec!["another-client".into()], ..Claims::valid(&issuer, CLIENT, nonce) }
                    .sign(&key)
            }),
        ),
        (
            "not a trusted audience",
            Box::new(|nonce: &str| {
                Claims {
                    audiences: vec![CLIENT.into(), "untrusted".into()],
                    authorized_party: Some(CLIENT.into()),
                    ..Claims::valid(&issuer, CLIENT, nonce)
                }
                .sign(&key)
            }),
        ),
        (
            "expired",
            Box::new(|nonce: &str| {
                Claims {
                    issued: chrono::Utc::now() - chrono::Duration::minutes(20),
                    expires: chrono::Utc::now() - chrono::Duration::minutes(5),
                    ..Claims::valid(&issuer, CLIENT, nonce)
                }
                .sign(&key)
            }),
        ),
        (
            "issued in the future",
            Box::new(|nonce: &str| {
                Claims {
                    issued: chrono::Utc::now() + chrono::Duration::hours(1),
                    expires: chrono::Utc::now() + chrono::Duration::hours(2),
                    ..Claims::valid(&issuer, CLIENT, nonce)
                }
                .sign(&key)
            }),
        ),
        (
            "nonce",
            Box::new(|nonce: &str| {
                Claims { nonce: None, ..Claims::valid(&issuer, CLIENT, nonce) }.sign(&key)
            }),
        ),
        ("nonce", Box::new(|_nonce: &str| Claims::valid(&issuer, CLIENT, "another-nonce").sign(&key))),
        ("signature", Box::new(|nonce: &str| Claims::valid(&issuer, CLIENT, nonce).unsigned())),
        (
            "signature",
            Box::new(|nonce: &str| Claims::valid(&issuer, CLIENT, nonce).hmac_with_public_key(&key)),
        ),
    ];
    for (says, token) in cases {
        let answer = answer_with(&app, &idp, &portal, |nonce| token(nonce)).await;
        assert_refused(&app, &portal, answer, says).await;
    }

    // The console shows the last one, with its time and reference, on the configuration's page
    // and in the drawer's list.
    let answer = answer_with(&app, &idp, &portal, |nonce| {
        Claims { audiences: vec!["another-client".into()], ..Claims::valid(&issuer, CLIENT, nonce) }
            .sign(&key)
    })
    .await;
    let reference = reference_in(&answer.1);
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let health = crate::html_form::decode(
        &console.page(&format!("/admin/customers/{}/portal/sso/{}", portal.customer_id, portal.sso_id)).await,
    );
    let section = &health[health.find("id=\"sign-in-health\"").expect("a health section")..];
    assert!(section.contains(&reference) && section.contains(" UTC</time>"), "{section}");
    assert!(section.contains("the sign-in answer was not valid: Invalid audiences"), "{section}");
    let drawer = console.page(&format!("/admin/customers/{}/portal", portal.customer_id)).await;
    assert!(drawer.contains(&format!("(reference <code>{reference}</code>)")), "{drawer}");
}

async fn an_unknown_key_is_refetched_once_and_a_rotated_key_is_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let old = Key::load(1, "k-old");
    let new = Key::load(2, "k-new");
    let idp = CraftedIdp::start(&[&old], "").await;
    let portal = portal_for(&app, &idp, json!({})).await;
    let issuer = idp.issuer();

    // An unknown kid: the keys are fetched again, once, and the token is still refused.
    let before = idp.jwks_fetches();
    let answer =
        answer_with(&app, &idp, &portal, |nonce| Claims::valid(&issuer, CLIENT, nonce).sign(&new)).await;
    assert_refused(&app, &portal, answer, "key the IdP does not publish").await;
    assert_eq!(idp.jwks_fetches(), before + 2, "fetched at discovery, then once more");
    let answer =
        answer_with(&app, &idp, &portal, |nonce| Claims::valid(&issuer, CLIENT, nonce).sign(&new)).await;
    assert_refused(&app, &portal, answer, "key the IdP does not publish").await;
    assert_eq!(idp.jwks_fetches(), before + 2, "refetching is rate-limited");

    // The IdP rotates to the new key: accepted after one refetch (a fresh provider cache here).
    let rotated = CraftedIdp::start(&[&old], "").await;
    let portal = portal_for(&app, &rotated, json!({})).await;
    let issuer = rotated.issuer();
    let (status, _) =
        answer_with(&app, &rotated, &portal, |nonce| Claims::valid(&issuer, CLIENT, nonce).sign(&old)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    rotated.publish(&new);
    let (status, page) =
        answer_with(&app, &rotated, &portal, |nonce| Claims::valid(&issuer, CLIENT, nonce).sign(&new)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "a rotated key is picked up: {page}");
}

async fn microsoft_tenants_are_pinned(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = Key::load(1, "ms");
    // A multi-tenant ("common") issuer template, resolved with the token's tid.
    let idp = CraftedIdp::start(&[&key], "/{tenantid}/v2.0").await;
    let template = idp.issuer();
    let portal = portal_for(&app, &idp, json!({"provider": "microsoft", "tenant_id": TENANT})).await;
    let resolved = template.replace("{tenantid}", TENANT);
    let with_tid = |tid: &str, issuer: &str, nonce: &str| {
        let mut claims = Claims::valid(issuer, CLIENT, nonce);
        claims.extra.tid = Some(tid.to_string());
        claims.extra.oid = Some("00000000-0000-0000-66f3-3332eca7ea81".into());
        claims.extra.xms_edov = Some(json!(true));
        claims.sign(&key)
    };
    let (status, page) = answer_with(&app, &idp, &portal, |nonce| with_tid(TENANT, &resolved, nonce)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    sqlx::query("DELETE FROM portal_sessions").execute(app.store.pool()).await.unwrap();

    let other_issuer = template.replace("{tenantid}", OTHER_TENANT);
    let answer = answer_with(&app, &idp, &portal, |nonce| with_tid(OTHER_TENANT, &other_issuer, nonce)).await;
    assert_refused(&app, &portal, answer, "is not the configured tenant").await;
    let answer = answer_with(&app, &idp, &portal, |nonce| with_tid(TENANT, &other_issuer, nonce)).await;
    assert_refused(&app, &portal, answer, "issuer").await;
}

async fn replays_foreign_browsers_and_idp_errors_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_for(&app, &idp, json!({})).await;
    let issuer = idp.issuer();

    // A callback without the browser's pre-login cookie (another browser) is refused.
    let visitor = Visitor::new(&app);
    let authorize = visitor.start(&portal).await;
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(&authorize).unwrap().query_pairs().into_owned().collect();
    idp.hand_out(Claims::valid(&issuer, CLIENT, &query["nonce"]).sign(&key));
    let callback = app
        .url(&portal.path(&format!("/auth/{}/callback?code=c0de&state={}", portal.sso_id, query["state"])));
    let elsewhere = crate::support::client().get(&callback).send().await.unwrap();
    assert_eq!(elsewhere.status(), StatusCode::BAD_REQUEST);
    assert!(elsewhere.text().await.unwrap().contains("started in another browser"));
    // And that state is spent: even the right browser cannot use it now.
    let replay = visitor.client.get(&callback).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(snapshot(&app.store, "portal_sessions").await.is_empty());

    // A successful answer cannot be replayed.
    let visitor = Visitor::new(&app);
    let authorize = visitor.start(&portal).await;
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(&authorize).unwrap().query_pairs().into_owned().collect();
    idp.hand_out(Claims::valid(&issuer, CLIENT, &query["nonce"]).sign(&key));
    let callback = app
        .url(&portal.path(&format!("/auth/{}/callback?code=c0de&state={}", portal.sso_id, query["state"])));
    assert_eq!(visitor.client.get(&callback).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    let again = visitor.client.get(&callback).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.unwrap().contains("already used or has expired"));
    sqlx::query("DELETE FROM portal_sessions").execute(app.store.pool()).await.unwrap();

    // The token endpoint refuses the code.
    idp.refuse_tokens(json!({"error": "invalid_grant", "error_description": "the code has expired"}));
    let answer =
        answer_with(&app, &idp, &portal, |nonce| Claims::valid(&issuer, CLIENT, nonce).sign(&key)).await;
    assert_refused(&app, &portal, answer, "invalid_grant: the code has expired").await;
}
