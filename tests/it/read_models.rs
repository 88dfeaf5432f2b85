//! Portal pages are read from memory, yet every kind of change is seen by the very next request
//! on the instance that made it, and by another instance within a second: a stale authorization
//! is a security bug, a stale list a page that lies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::json;

use crate::crafted_idp::{Claims, CraftedIdp, Key};
use crate::idp::{SsoPortal, Visitor};
use crate::sso_tokens::{CLIENT, answer_as, portal_for};
use crate::support::{
    Backend, TestApp, client_builder, empty_database, hidden_value, on_both_backends, plain_client,
};
use portico::domain::actor::Actor;
use portico::domain::customer::CustomerDraft;
use portico::domain::end_user::EndUserDraft;
use portico::domain::event::ReadArea;
use portico::domain::kb::ArticleDraft;
use portico::store::read_generations::Stamp;
use portico::store::{Store, StoreOptions};
use portico::usecases::{customers, end_users, kb};

on_both_backends!(
    every_kind_of_change_is_seen_by_the_very_next_request,
    a_warm_signed_in_landing_page_is_read_from_memory,
    a_commit_makes_what_it_changed_stale_before_it_returns
);

/// How soon the reader must see a change made through the writer.
#[derive(Clone, Copy)]
enum Seen {
    /// The very next request: the reader made the change.
    AtOnce,
    /// Within a second: another instance made it, and its event has to arrive.
    WithinASecond,
}

/// A browser signed in to the portal, whose session cookie the test can read and replay.
struct Browser {
    visitor: Visitor,
    jar: Arc<reqwest::cookie::Jar>,
}

impl Browser {
    async fn signed_in(app: &TestApp, idp: &CraftedIdp, key: &Key, portal: &SsoPortal) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = client_builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let visitor = Visitor { client, base: app.base.clone() };
        let issuer = idp.issuer();
        let (status, page) =
            answer_as(&visitor, app, idp, portal, |nonce| Claims::valid(&issuer, CLIENT, nonce).sign(key))
                .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        Self { visitor, jar }
    }

    /// The cookies the browser sends to `app`'s portal pages.
    fn cookies(&self, app: &TestApp, portal: &SsoPortal) -> String {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(&app.url(&portal.path("/"))).unwrap();
        self.jar.cookies(&url).expect("the session cookie").to_str().unwrap().to_string()
    }

    async fn page(&self, app: &TestApp, path: &str) -> (StatusCode, String) {
        let response = self.visitor.client.get(app.url(path)).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

/// What one portal page shows, fetched until `holds` says the change is shown: once for
/// [`Seen::AtOnce`], for up to a second (measured, and reported when longer) otherwise.
async fn expect_seen(
    seen: Seen,
    what: &str,
    mut fetch: impl AsyncFnMut() -> (StatusCode, String),
    holds: impl Fn(StatusCode, &str) -> bool,
) {
    let started = Instant::now();
    loop {
        let (status, page) = fetch().await;
        if holds(status, &page) {
            if let Seen::WithinASecond = seen {
                let took = started.elapsed();
                assert!(took < Duration::from_secs(1), "{what}: seen by the other instance after {took:?}");
            }
            return;
        }
        match seen {
            Seen::AtOnce => panic!("{what}: not seen by the very next request ({status}): {page}"),
            Seen::WithinASecond if started.elapsed() > Duration::from_secs(5) => {
                panic!("{what}: never seen by the other instance ({status}): {page}")
            }
            Seen::WithinASecond => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// A portal with ticketing and the knowledge base, signing in through a crafted IdP.
async fn portal_with_everything(app: &TestApp, idp: &CraftedIdp) -> SsoPortal {
    let portal = portal_for(app, idp, json!({})).await;
    let (_, group) = app.post_json("/assignment-groups", &app.admin.token, json!({"name": "Desk"})).await;
    app.update_portal(&portal.customer_id, |document| {
        document["features"]["knowledge_base"] = json!({"enabled": true});
        document["features"]["ticketing"] =
            json!({"enabled": true, "default_assignment_group_id": group["id"]});
    })
    .await;
    portal
}

async fn every_kind_of_change_is_seen_by_the_very_next_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_with_everything(&app, &idp).await;
    every_kind_of_change(&app, &app, &idp, &key, &portal, Seen::AtOnce).await;
}

#[tokio::test]
async fn every_kind_of_change_reaches_another_instance_within_a_second() {
    let Some(backend) = Backend::postgres() else { return };
    let writer = TestApp::spawn(backend).await;
    let reader = writer.another_instance().await;
    crate::instances::wait_until_both_listen(&writer).await;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_with_everything(&writer, &idp).await;
    every_kind_of_change(&writer, &reader, &idp, &key, &portal, Seen::WithinASecond).await;
}

/// Each kind of change, made through `writer`, after `reader` has served (and so kept) what it
/// changes: sign-out, the end user's role, deactivation, tickets created and closed, articles
/// published, unpublished and re-scoped, request types offered and hidden, the sign-in
/// configuration and the portal switched off.
async fn every_kind_of_change(
    writer: &TestApp,
    reader: &TestApp,
    idp: &CraftedIdp,
    key: &Key,
    portal: &SsoPortal,
    seen: Seen,
) {
    let token = &writer.admin.token;
    let customer = format!("/customers/{}", portal.customer_id);
    let browser = Browser::signed_in(reader, idp, key, portal).await;
    let landing = async || browser.page(reader, &portal.path("/")).await;
    let (status, page) = landing().await;
    assert!(status == StatusCode::OK && page.contains("Sign out"), "{status}: {page}");
    let end_user = only_end_user(writer, portal).await;

    // The end user's role: a manager's navigation comes and goes.
    assert!(!landing().await.1.contains("Company tickets"));
    let person = format!("/end-users/{end_user}");
    assert_eq!(writer.patch_json(&person, token, json!({"role": "manager"})).await.0, StatusCode::OK);
    expect_seen(seen, "made a manager", landing, |_, page| page.contains("Company tickets")).await;
    assert_eq!(writer.patch_json(&person, token, json!({"role": "member"})).await.0, StatusCode::OK);
    expect_seen(seen, "a member again", landing, |_, page| !page.contains("Company tickets")).await;

    // Tickets: a new one is listed, a resolved one is not.
    let ticket = new_ticket(writer, portal, &end_user, "Printer on fire").await;
    expect_seen(seen, "a new ticket", landing, |_, page| page.contains("Printer on fire")).await;
    let my_tickets = async || browser.page(reader, &portal.path("/tickets")).await;
    expect_seen(seen, "a new ticket in My tickets", my_tickets, |_, page| page.contains("Printer on fire"))
        .await;
    let ticket_id = ticket["id"].as_str().unwrap();
    let (status, body) =
        writer.patch_json(&format!("/tickets/{ticket_id}"), token, json!({"status": "resolved"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    expect_seen(seen, "a resolved ticket", landing, |_, page| !page.contains("Printer on fire")).await;
    expect_seen(seen, "a resolved ticket in My tickets", my_tickets, |_, page| {
        page.contains("status-resolved")
    })
    .await;

    // Articles: published, unpublished, published again, re-scoped to another customer.
    let (status, article) = writer
        .post_json(
            "/kb/articles",
            &writer.technician.token,
            json!({"title": "Reset your VPN token", "body": "Press Reset.", "published": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{article}");
    let shown = async || {
        browser.page(reader, &portal.path(&format!("/kb/{}", article["id"].as_str().unwrap()))).await
    };
    let article = format!("/kb/articles/{}", article["id"].as_str().unwrap());
    let kb = async || browser.page(reader, &portal.path("/kb")).await;
    let listed = |_: StatusCode, page: &str| page.contains("Reset your VPN token");
    let not_listed = |_: StatusCode, page: &str| !page.contains("Reset your VPN token");
    expect_seen(seen, "a new article on the landing page", landing, listed).await;
    expect_seen(seen, "a new article in the knowledge base", kb, listed).await;
    expect_seen(seen, "a new article's page", shown, |status, page| {
        status == StatusCode::OK && page.contains("Press Reset")
    })
    .await;
    assert_eq!(writer.patch_json(&article, token, json!({"published": false})).await.0, StatusCode::OK);
    expect_seen(seen, "an unpublished article on the landing page", landing, not_listed).await;
    expect_seen(seen, "an unpublished article in the knowledge base", kb, not_listed).await;
    expect_seen(seen, "an unpublished article's page", shown, |status, _| status == StatusCode::NOT_FOUND)
        .await;
    assert_eq!(writer.patch_json(&article, token, json!({"published": true})).await.0, StatusCode::OK);
    expect_seen(seen, "an article published again", kb, listed).await;
    let (_, other) = writer.post_json("/customers", token, json!({"name": "Other Co"})).await;
    let scoped = json!({"all_customers": false, "customer_ids": [other["id"]]});
    assert_eq!(writer.patch_json(&article, token, scoped).await.0, StatusCode::OK);
    expect_seen(seen, "an article re-scoped away on the landing page", landing, not_listed).await;
    expect_seen(seen, "an article re-scoped away in the knowledge base", kb, not_listed).await;

    // Request types: a new one is offered, one hidden for this customer is not.
    let catalogue = async || browser.page(reader, &portal.path("/tickets/new")).await;
    let (status, request_type) = writer
        .post_json("/request-types", token, json!({"name": "Parking space", "category": "Facilities"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{request_type}");
    expect_seen(seen, "a new request type", catalogue, |_, page| page.contains("Parking space")).await;
    let hide = writer
        .api(
            reqwest::Method::PUT,
            &format!("{customer}/request-types/{}", request_type["id"].as_str().unwrap()),
            token,
        )
        .json(&json!({"hidden": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(hide.status(), StatusCode::OK);
    expect_seen(seen, "a request type hidden", catalogue, |_, page| !page.contains("Parking space")).await;

    // Signing out (at the writer): the session's cookie, replayed, is refused everywhere.
    let cookies = browser.cookies(reader, portal);
    let replayed = async || {
        let response =
            plain_client().get(reader.url(&portal.path("/"))).header(COOKIE, &cookies).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    };
    assert!(replayed().await.1.contains("Sign out"), "the replayed cookie works before signing out");
    let csrf = hidden_value(&landing().await.1, "_csrf");
    let signed_out = browser
        .visitor
        .client
        .post(writer.url(&portal.path("/auth/logout")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(signed_out.status().is_redirection(), "{}", signed_out.status());
    expect_seen(seen, "signed out", replayed, ended).await;

    // The end user deactivated: their other session ends.
    let browser = Browser::signed_in(reader, idp, key, portal).await;
    let landing = async || browser.page(reader, &portal.path("/")).await;
    assert_eq!(landing().await.0, StatusCode::OK);
    let (status, body) =
        writer.patch_json(&format!("/end-users/{end_user}"), token, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    expect_seen(seen, "the end user deactivated", landing, ended).await;
    let (status, body) =
        writer.patch_json(&format!("/end-users/{end_user}"), token, json!({"active": true})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The sign-in configuration disabled: its sessions end.
    let browser = Browser::signed_in(reader, idp, key, portal).await;
    let landing = async || browser.page(reader, &portal.path("/")).await;
    assert_eq!(landing().await.0, StatusCode::OK);
    let config = format!("{customer}/portal/sso-configs/{}", portal.sso_id);
    assert_eq!(writer.patch_json(&config, token, json!({"enabled": false})).await.0, StatusCode::OK);
    expect_seen(seen, "the sign-in configuration disabled", landing, |status, _| {
        status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert_eq!(writer.patch_json(&config, token, json!({"enabled": true})).await.0, StatusCode::OK);

    // The portal closed.
    let browser = Browser::signed_in(reader, idp, key, portal).await;
    let landing = async || browser.page(reader, &portal.path("/")).await;
    assert_eq!(landing().await.0, StatusCode::OK);
    writer.update_portal(&portal.customer_id, |document| document["active"] = json!(false)).await;
    expect_seen(seen, "the portal closed", landing, |status, _| status == StatusCode::FORBIDDEN).await;
}

/// The id of the portal's one end user (the one the crafted IdP signs in).
async fn only_end_user(app: &TestApp, portal: &SsoPortal) -> String {
    let (_, users) =
        app.get_json(&format!("/customers/{}/end-users", portal.customer_id), &app.admin.token).await;
    users["items"][0]["id"].as_str().unwrap().to_string()
}

/// A ticket the team opens for `requester`, through the API.
async fn new_ticket(app: &TestApp, portal: &SsoPortal, requester: &str, title: &str) -> serde_json::Value {
    let (status, ticket) = app
        .post_json(
            "/tickets",
            &app.technician.token,
            json!({"customer_id": portal.customer_id, "requester_id": requester, "type": "incident",
                   "short_description": title}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    ticket
}

/// The session is refused: the page says it has ended.
fn ended(status: StatusCode, page: &str) -> bool {
    status == StatusCode::UNAUTHORIZED && page.contains("Your session has ended")
}

async fn a_warm_signed_in_landing_page_is_read_from_memory(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.metrics_token = Some("metrics-token".to_string().into());
    })
    .await;
    let key = Key::load(1, "k1");
    let idp = CraftedIdp::start(&[&key], "").await;
    let portal = portal_with_everything(&app, &idp).await;
    let browser = Browser::signed_in(&app, &idp, &key, &portal).await;
    let end_user = only_end_user(&app, &portal).await;
    let ticket = new_ticket(&app, &portal, &end_user, "Listed from memory").await;
    let landing = async || {
        let (status, page) = browser.page(&app, &portal.path("/")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page
    };
    assert!(landing().await.contains("Listed from memory"));

    // Behind the server's back (no event): the end user renamed and the ticket's title changed.
    // A page read from memory shows neither, and every model answered from memory. Events of the
    // set-up may still be on their way (PostgreSQL's listener) and make the server read anew
    // once: then it tries again.
    let pool = app.store.pool();
    let mut served_from_memory = false;
    for attempt in 0..50 {
        landing().await;
        let before = lookups(&app);
        let behind = format!("Behind its back {attempt}");
        sqlx::query("UPDATE end_users SET name = $1 WHERE id = $2")
            .bind(&behind)
            .bind(&end_user)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("UPDATE tickets SET short_description = $1 WHERE id = $2")
            .bind(&behind)
            .bind(ticket["id"].as_str().unwrap())
            .execute(pool)
            .await
            .unwrap();
        let page = landing().await;
        let after = lookups(&app);
        // The session, then the page as rendered for it.
        let models = ["portal_sessions", "pages"];
        if page.contains(&behind) || models.iter().any(|model| after[model].1 != before[model].1) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        for model in models {
            assert_eq!(after[model].0, before[model].0 + 1, "{model}: one hit");
        }
        served_from_memory = true;
        break;
    }
    assert!(served_from_memory, "the landing page was read from the database at every request");

    // The hit ratios reach /metrics.
    let metrics = metrics_of(&app).await;
    assert!(
        metrics.contains("portico_read_model_lookups_total{model=\"portal_sessions\",outcome=\"hit\"}"),
        "{metrics}"
    );
}

/// Each read model's hits and misses so far.
fn lookups(app: &TestApp) -> std::collections::HashMap<&'static str, (u64, u64)> {
    app.core.read_models().tallies().iter().map(|tally| (tally.model, (tally.hits, tally.misses))).collect()
}

async fn metrics_of(app: &TestApp) -> String {
    let token = app.config.metrics_token.as_ref().map(|token| {
        use secrecy::ExposeSecret;
        token.expose_secret().to_string()
    });
    let Some(token) = token else { panic!("the test server has a metrics token") };
    let response = plain_client().get(app.url("/metrics")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

async fn a_commit_makes_what_it_changed_stale_before_it_returns(backend: Backend) {
    // A store alone, no server and so no consumer of events: only the commits themselves can
    // move the generations (in a server, the events reaching it move them a moment later too).
    let (url, dir) = empty_database(backend).await;
    let store = Store::connect(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let core = crate::support::command_core(&store, &dir);
    let generations = store.read_generations();
    let actor = Actor::system();
    let draft = CustomerDraft { name: Some("Stale Co".into()), ..Default::default() };
    let customer = customers::create_customer(&core, &actor, draft).await.unwrap().id;
    let other = customers::create_customer(
        &core,
        &actor,
        CustomerDraft { name: Some("Other Co".into()), ..Default::default() },
    )
    .await
    .unwrap()
    .id;
    let stamps = |customer| ReadArea::ALL.map(|area| generations.stamp(area, customer));
    let current = |stamps: [Stamp; 4]| stamps.map(|stamp| generations.is_current(&stamp));

    // An end user of the customer: its sessions are stale, nothing else, no other customer's.
    let (ours, theirs) = (stamps(customer), stamps(other));
    let person = EndUserDraft {
        name: Some("Ada".into()),
        email: Some("ada@stale.example".into()),
        ..Default::default()
    };
    let ada = end_users::create_end_user(&core, &actor, customer, person).await.unwrap();
    assert_eq!(current(ours), [false, true, true, true], "end_user.created");
    assert_eq!(current(theirs), [true; 4], "another customer");
    let ours = stamps(customer);
    let change = EndUserDraft { role: Some("manager".into()), ..Default::default() };
    end_users::update_end_user(&core, &actor, ada.id, change).await.unwrap();
    assert_eq!(current(ours), [false, true, true, true], "end_user.updated");

    // An article: every customer's lists (an article may reach any of them).
    let (ours, theirs) = (stamps(customer), stamps(other));
    let draft =
        ArticleDraft { title: Some("VPN".into()), body: Some("Press Reset.".into()), ..Default::default() };
    kb::create_article(&core, &actor, draft).await.unwrap();
    assert_eq!(current(ours), [true, true, false, true], "article.created");
    assert_eq!(current(theirs), [true, true, false, true], "article.created, for everyone");
    store.close().await;
}
