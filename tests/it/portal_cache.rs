//! Portals are resolved from memory, yet every change made through the API is seen by the very
//! next portal request: the portal itself, its customer, its sign-in, its address.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::crafted_idp::{Claims, CraftedIdp, Key};
use crate::idp::{SsoPortal, Visitor};
use crate::sso_tokens::{CLIENT, answer_as, portal_for};
use crate::support::{Backend, TestApp, client, empty_database, location, on_both_backends};
use portico::domain::actor::Actor;
use portico::domain::customer::CustomerDraft;
use portico::domain::group::GroupDraft;
use portico::store::{Store, StoreOptions};
use portico::usecases::{customers, groups, portals};

on_both_backends!(
    every_change_is_seen_by_the_very_next_portal_request,
    an_address_unknown_a_moment_ago_serves_its_new_portal_at_once,
    a_resolved_portal_is_served_from_memory,
    a_commit_that_changes_portals_makes_them_stale_before_it_returns,
    a_session_in_use_is_touched_off_the_request_path_and_stays_alive
);

/// A visitor signed in to `portal` through the crafted IdP.
async fn signed_in(app: &TestApp, idp: &CraftedIdp, key: &Key, portal: &SsoPortal) -> Visitor {
    let visitor = Visitor::new(app);
    let issuer = idp.issuer();
    let (status, page) =
        answer_as(&visitor, app, idp, portal, |nonce| Claims::valid(&issuer, CLIENT, nonce).sign(key)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    visitor
}

async fn landing(visitor: &Visitor, app: &TestApp, slug: &str) -> (StatusCode, String) {
    let response = visitor.client.get(app.url(&format!("/p/{slug}/"))).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn sign_in_page(app: &TestApp, slug: &str) -> (StatusCode, String) {
    let response = client().get(app.url(&format!("/p/{slug}/auth/sign-in"))).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The customer's name as the portal's sign-in page shows it.
pub(crate) async fn name_shown(app: &TestApp, slug: &str) -> String {
    let (status, page) = sign_in_page(app, slug).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let start = page.find("Sign in to ").expect("the sign-in heading") + "Sign in to ".len();
    let end = start + page[start..].find(" help</h1>").expect("the end of the heading");
    page[start..end].to_string()
}

/// Proves that `reader` serves the portal from memory: a change written behind its back
/// (straight into the database, no event) is not seen. Changes made just before (the test's
/// setup) may still be on their way to `reader` and make it read anew once: then it tries again.
pub(crate) async fn assert_served_from_memory(
    reader: &TestApp,
    writer: &TestApp,
    customer_id: &str,
    slug: &str,
) {
    for attempt in 0..100 {
        let shown = name_shown(reader, slug).await;
        sqlx::query("UPDATE customers SET name = $1 WHERE id = $2")
            .bind(format!("Behind its back {attempt}"))
            .bind(customer_id)
            .execute(writer.store.pool())
            .await
            .unwrap();
        if name_shown(reader, slug).await == shown {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the portal was read from the database at every request");
}

async fn every_change_is_seen_by_the_very_next_portal_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_for(&app, &idp, json!({})).await;
    let customer = format!("/customers/{}", portal.customer_id);
    let visitor = signed_in(&app, &idp, &key, &portal).await;
    for _ in 0..2 {
        let (status, page) = landing(&visitor, &app, &portal.slug).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Sign out") && page.contains("Crafted"), "{page}");
    }

    // The portal saved: its colours.
    app.update_portal(&portal.customer_id, |d| d["design"]["primary_color"] = json!("#7b2cbf")).await;
    let (status, page) = landing(&visitor, &app, &portal.slug).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("/assets/theme/7b2cbf-"), "the new colour at once: {page}");

    // The customer renamed.
    let (status, body) = app.patch_json(&customer, token, json!({"name": "Renamed Crafted"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, page) = landing(&visitor, &app, &portal.slug).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Renamed Crafted"), "the new name at once: {page}");

    // The only SSO configuration disabled: sign-in is not set up, and its sessions are gone.
    let config = format!("{customer}/portal/sso-configs/{}", portal.sso_id);
    let (status, body) = app.patch_json(&config, token, json!({"enabled": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, page) = landing(&visitor, &app, &portal.slug).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
    assert!(page.contains("Sign-in is not set up yet"), "{page}");
    let (status, body) = app.patch_json(&config, token, json!({"enabled": true})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, page) = landing(&visitor, &app, &portal.slug).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "enabled again, the old session stays gone: {page}");
    assert!(page.contains("Your session has ended"), "{page}");

    // The end user deactivated: the session is gone.
    let visitor = signed_in(&app, &idp, &key, &portal).await;
    assert_eq!(landing(&visitor, &app, &portal.slug).await.0, StatusCode::OK);
    let (_, users) = app.get_json(&format!("{customer}/end-users"), token).await;
    let end_user = users["items"][0]["id"].as_str().unwrap().to_string();
    let (status, body) =
        app.patch_json(&format!("/end-users/{end_user}"), token, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, page) = landing(&visitor, &app, &portal.slug).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert!(page.contains("Your session has ended"), "{page}");

    // The portal closed, and opened again.
    app.update_portal(&portal.customer_id, |d| d["active"] = json!(false)).await;
    let (status, page) = sign_in_page(&app, &portal.slug).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("This portal is not open"), "{page}");
    app.update_portal(&portal.customer_id, |d| d["active"] = json!(true)).await;
    assert_eq!(sign_in_page(&app, &portal.slug).await.0, StatusCode::OK);

    // The slug changed: the old address redirects at once, the new one answers.
    app.update_portal(&portal.customer_id, |d| d["slug"] = json!("crafted-moved")).await;
    let moved = client().get(app.url(&portal.path("/auth/sign-in?sso=x"))).send().await.unwrap();
    assert_eq!(moved.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(location(&moved), "/p/crafted-moved/auth/sign-in?sso=x");
    assert_eq!(name_shown(&app, "crafted-moved").await, "Renamed Crafted");

    // The customer archived: no portal there any more; restored: back at once.
    let archived = app.api(reqwest::Method::DELETE, &customer, token).send().await.unwrap();
    assert_eq!(archived.status(), StatusCode::NO_CONTENT);
    let (status, page) = sign_in_page(&app, "crafted-moved").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    assert!(page.contains("There is no portal here"), "{page}");
    let (status, body) = app.patch_json(&customer, token, json!({"archived": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(name_shown(&app, "crafted-moved").await, "Renamed Crafted");
}

async fn an_address_unknown_a_moment_ago_serves_its_new_portal_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let on_host = |host: &'static str| client().get(app.url("/auth/sign-in")).header("host", host).send();

    // A slug no portal has, asked for, then given to a new customer's portal.
    assert_eq!(sign_in_page(&app, "fresh-co").await.0, StatusCode::NOT_FOUND);
    let (status, customer) =
        app.post_json("/customers", token, json!({"name": "Fresh Co", "slug": "fresh-co"})).await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    let id = customer["id"].as_str().unwrap().to_string();
    let (status, page) = sign_in_page(&app, "fresh-co").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the new portal, not open yet: {page}");
    assert!(page.contains("This portal is not open"), "{page}");

    // A custom domain no portal has, asked for, then given to this portal, then moved.
    let page = on_host("help.fresh.example").await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(!page.text().await.unwrap().contains("Fresh Co"));
    app.update_portal(&id, |d| d["custom_domain"] = json!("help.fresh.example")).await;
    let page = on_host("help.fresh.example").await.unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(page.text().await.unwrap().contains("Fresh Co"), "the domain serves the portal at once");
    app.update_portal(&id, |d| d["custom_domain"] = json!("help.fresher.example")).await;
    assert_eq!(on_host("help.fresh.example").await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(on_host("help.fresher.example").await.unwrap().status(), StatusCode::FORBIDDEN);
}

async fn a_resolved_portal_is_served_from_memory(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_for(&app, &idp, json!({})).await;
    assert_served_from_memory(&app, &app, &portal.customer_id, &portal.slug).await;
    // A change through the API is seen at once even so.
    let (status, body) = app
        .patch_json(&format!("/customers/{}", portal.customer_id), &app.admin.token, json!({"name": "Told"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(name_shown(&app, &portal.slug).await, "Told");
}

async fn a_commit_that_changes_portals_makes_them_stale_before_it_returns(backend: Backend) {
    // A store alone, no server: nothing but the commits themselves moves the generation (in a
    // server, the events reaching its consumer move it a moment later too).
    let (url, dir) = empty_database(backend).await;
    let store = Store::connect(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let core = crate::support::command_core(&store, &dir);
    let generation = store.portal_generation();
    let actor = Actor::system();
    let start = generation.current();
    let draft = CustomerDraft { name: Some("Stale Co".into()), ..Default::default() };
    let customer = customers::create_customer(&core, &actor, draft).await.unwrap();
    assert_eq!(generation.current(), start + 1, "customer.created");
    let draft = GroupDraft { name: Some("Desk".into()), ..Default::default() };
    groups::create_group(&core, &actor, draft).await.unwrap();
    assert_eq!(generation.current(), start + 1, "group.created changes no portal");

    // A customer from before portals were stored with the customer: a save that changes
    // nothing stores its portal, without an event, and that too makes resolved portals stale.
    for table in ["portal_revisions", "portals"] {
        let sql = format!("DELETE FROM {table} WHERE customer_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(customer.id.to_string())
            .execute(store.pool())
            .await
            .unwrap();
    }
    let portal = store.portal(customer.id).await.unwrap();
    portals::save_portal(&core, &actor, customer.id, &portal.settings, None, portal.revision).await.unwrap();
    assert_eq!(generation.current(), start + 2, "the portal stored without an event");

    customers::set_archived(&core, &actor, customer.id, true).await.unwrap();
    assert_eq!(generation.current(), start + 3, "customer.archived");
    store.close().await;
}

async fn a_session_in_use_is_touched_off_the_request_path_and_stays_alive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_for(&app, &idp, json!({})).await;
    let visitor = signed_in(&app, &idp, &key, &portal).await;
    let last_seen = || async {
        let row = sqlx::query("SELECT MIN(last_seen_at) FROM portal_sessions WHERE customer_id = $1")
            .bind(portal.customer_id.clone())
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        sqlx::Row::get::<i64, _>(&row, 0)
    };
    // Last used 50 minutes ago: within the tests' 60 idle minutes, and older than the minute
    // after which a request notes its use.
    let long_ago = time::OffsetDateTime::now_utc().unix_timestamp() * 1000 - 50 * 60_000;
    sqlx::query("UPDATE portal_sessions SET last_seen_at = $1 WHERE customer_id = $2")
        .bind(long_ago)
        .bind(portal.customer_id.clone())
        .execute(app.store.pool())
        .await
        .unwrap();
    let (status, page) = landing(&visitor, &app, &portal.slug).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut waited = Duration::ZERO;
    while last_seen().await == long_ago {
        assert!(waited < Duration::from_secs(5), "the use was never noted");
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    assert!(last_seen().await > long_ago + 49 * 60_000, "noted as now");
    // Once noted, the session outlives what would have been its idle end.
    sqlx::query("UPDATE portal_sessions SET last_seen_at = last_seen_at - $1 WHERE customer_id = $2")
        .bind(20 * 60_000_i64)
        .bind(portal.customer_id.clone())
        .execute(app.store.pool())
        .await
        .unwrap();
    let (status, page) = landing(&visitor, &app, &portal.slug).await;
    assert_eq!(status, StatusCode::OK, "still signed in 70 minutes after the first use: {page}");
}
