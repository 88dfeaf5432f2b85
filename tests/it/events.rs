//! The event log: every change recorded with it, consumers following it at least once and in
//! order, across restarts and instances, and `/api/v1/events` for integrations.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portico::domain::event::Event;
use portico::events::{Consumer, Delivery, Scope};
use portico::store::Store;
use portico::store::events::StartFrom;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Backend, TestApp, assert_problem_names, events_settled, on_both_backends};

on_both_backends!(
    changes_are_listed_as_events_in_commit_order_for_admins,
    an_event_committed_before_a_kill_is_delivered_after_the_restart,
    a_frozen_holder_loses_its_lease_to_another_instance_and_delivers_nothing_twice,
    a_stopping_instance_hands_its_leases_back_at_once,
    a_failing_consumer_is_retried_and_holds_up_no_other,
    an_idle_dispatcher_writes_nothing
);

async fn changes_are_listed_as_events_in_commit_order_for_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, customer) = app
        .post_json("/customers", &app.admin.token, json!({"name": "Acme Events", "slug": "acme-events"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    let id = customer["id"].as_str().unwrap().to_string();
    let (status, _) =
        app.patch_json(&format!("/customers/{id}"), &app.admin.token, json!({"notes": "VIP"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, group) = app
        .post_json("/assignment-groups", &app.admin.token, json!({"name": "Event desk", "member_ids": []}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");

    let (status, list) = app.get_json("/events", &app.admin.token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let items = list["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let mine: Vec<&str> = kinds
        .iter()
        .copied()
        .filter(|k| !k.starts_with("team_member") && !k.starts_with("api_token"))
        .collect();
    assert_eq!(mine, ["customer.created", "customer.updated", "group.created"], "{list}");
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq grows: {seqs:?}");
    let created = items.iter().find(|e| e["type"] == "customer.created").unwrap();
    assert_eq!(created["subject_kind"], "customer");
    assert_eq!(created["subject_id"], id.as_str());
    assert_eq!(created["customer_id"], id.as_str());
    assert_eq!(created["actor"]["kind"], "api_token");
    assert_eq!(created["actor"]["name"], "Ada Admin");
    assert!(created["payload"]["summary"].as_str().unwrap().contains("Acme Events"));

    // Paging with `after`: the rest after the customer's creation, and nothing after the last.
    let after = created["seq"].as_i64().unwrap();
    let (_, rest) = app.get_json(&format!("/events?after={after}&limit=1"), &app.admin.token).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["items"][0]["type"], "customer.updated");
    assert_eq!(rest["next_after"], rest["items"][0]["seq"]);
    let last = list["next_after"].as_i64().unwrap();
    assert_eq!(last, *seqs.last().unwrap());
    let (_, none) = app.get_json(&format!("/events?after={last}"), &app.admin.token).await;
    assert_eq!(none["items"], json!([]));
    assert_eq!(none["next_after"], last, "an integration keeps its place when nothing happened");

    // Bad positions and limits are refused by name; technicians and strangers get nothing.
    for bad in ["-1", "abc", "1e3"] {
        let (status, body) = app.get_json(&format!("/events?after={bad}"), &app.admin.token).await;
        assert_problem_names(status, &body, StatusCode::BAD_REQUEST, "after");
    }
    let (status, body) = app.get_json("/events?limit=500", &app.admin.token).await;
    assert_problem_names(status, &body, StatusCode::BAD_REQUEST, "limit");
    let (status, _) = app.get_json("/events", &app.technician.token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get_json("/events", "not-a-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The audit log follows the events, once each.
    events_settled(&app.store).await;
    let audit = app.store.audit_for("customer", &id, 10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["update", "create"]);
}

/// Freezes `process` (SIGSTOP) at a moment it holds no write open. A process frozen inside a
/// SQLite write transaction keeps the database's one write lock, and no instance could take
/// anything over: that is SQLite's nature, not what the test is about. So the test checks that
/// it can begin a write, and thaws the process and tries again when the freeze came mid-write.
async fn freeze_outside_a_write(process: &crate::processes::ServerProcess, store: &portico::store::Store) {
    for _ in 0..50 {
        process.signal("STOP");
        if let Ok(Ok(tx)) = tokio::time::timeout(Duration::from_millis(500), store.begin_write()).await {
            tx.rollback().await.unwrap();
            return;
        }
        process.signal("CONT");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the process never paused outside a write");
}

async fn create_customer(base: &str, token: &str, name: &str) -> String {
    let response = crate::support::plain_client()
        .post(format!("{base}/api/v1/customers"))
        .bearer_auth(token)
        .json(&json!({"name": name}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let customer: Value = response.json().await.unwrap();
    customer["id"].as_str().unwrap().to_string()
}

/// An instance that holds a consumer's lease and then freezes (alive, but not renewing it, as a
/// process stalled by the machine) loses the consumer to another instance once the lease runs
/// out; when it thaws it goes on from the position the other left, and nothing is delivered twice.
async fn a_frozen_holder_loses_its_lease_to_another_instance_and_delivers_nothing_twice(backend: Backend) {
    let (database, store, token) = crate::support::database_with_admin(backend).await;
    // The first holds events back for two seconds, with a one-second lease.
    let held = [("PORTICO_EVENT_DELIVERY_DELAY_MS", "2000"), ("PORTICO_EVENT_LEASE_SECONDS", "1")];
    let (mut first, base) = crate::support::serve_portico(&database, &held).await;
    let id = create_customer(&base, &token, "Frozen Holder").await;
    let frozen_owner = wait_for_claim(&store, "audit_log").await;
    freeze_outside_a_write(&first, &store).await;
    assert_eq!(audit_entries(&store, &id).await, 0, "held back, then frozen before delivering");

    let (mut second, _) =
        crate::support::serve_portico(&database, &[("PORTICO_EVENT_LEASE_SECONDS", "1")]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while audit_entries(&store, &id).await == 0 {
        assert!(std::time::Instant::now() < deadline, "the second instance never took the consumer over");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let taker = lease_owner(&store, "audit_log").await;
    assert!(taker.is_some() && taker.as_deref() != Some(frozen_owner.as_str()), "taken over: {taker:?}");
    second.kill();

    // Thawed, the first claims the consumer again (the second's lease ran out) and finds nothing.
    first.signal("CONT");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while lease_owner(&store, "audit_log").await.as_deref() != Some(frozen_owner.as_str()) {
        assert!(std::time::Instant::now() < deadline, "the thawed instance never looked at the log again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(audit_entries(&store, &id).await, 1, "delivered once, by the second instance");
    first.kill();
    store.close().await;
}

/// A graceful stop hands every shared consumer's lease back: with leases of a minute, another
/// instance delivers at once, not a minute later.
async fn a_stopping_instance_hands_its_leases_back_at_once(backend: Backend) {
    let (database, store, token) = crate::support::database_with_admin(backend).await;
    // Held back for ten minutes, under a lease of ten minutes.
    let held = [("PORTICO_EVENT_DELIVERY_DELAY_MS", "600000"), ("PORTICO_EVENT_LEASE_SECONDS", "600")];
    let (mut first, base) = crate::support::serve_portico(&database, &held).await;
    let id = create_customer(&base, &token, "Handed Back").await;
    wait_for_claim(&store, "audit_log").await;
    first.signal("TERM");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !first.has_exited() {
        assert!(std::time::Instant::now() < deadline, "SIGTERM did not stop the first instance");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let holders: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, lease_owner FROM event_consumers ORDER BY name")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let log =
        std::fs::read_to_string(database.1.join(format!("portico-{}.log", first.id()))).unwrap_or_default();
    assert!(
        !holders.is_empty() && holders.iter().all(|(_, owner)| owner.is_none()),
        "every lease handed back: {holders:?}\n{log}"
    );
    assert_eq!(audit_entries(&store, &id).await, 0, "the first never delivered");

    // The second delivers well inside the ten minutes the first's lease would have lasted.
    let (mut second, _) =
        crate::support::serve_portico(&database, &[("PORTICO_EVENT_LEASE_SECONDS", "600")]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while audit_entries(&store, &id).await == 0 {
        assert!(std::time::Instant::now() < deadline, "the second instance waited for a lease handed back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(audit_entries(&store, &id).await, 1);
    second.kill();
    store.close().await;
}

/// Waits (bounded) until an instance has claimed the consumer `name` (its lease may have run
/// out since); answers the instance.
async fn wait_for_claim(store: &Store, name: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(owner) = lease_owner(store, name).await {
            return owner;
        }
        assert!(std::time::Instant::now() < deadline, "no instance claimed the {name} consumer");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn lease_owner(store: &Store, name: &str) -> Option<String> {
    sqlx::query_scalar::<_, Option<String>>("SELECT lease_owner FROM event_consumers WHERE name = $1")
        .bind(name)
        .fetch_optional(store.pool())
        .await
        .unwrap()
        .flatten()
}

async fn audit_entries(store: &Store, customer_id: &str) -> usize {
    store.audit_for("customer", customer_id, 10).await.unwrap().len()
}

async fn an_event_committed_before_a_kill_is_delivered_after_the_restart(backend: Backend) {
    let (database, store, token) = crate::support::database_with_admin(backend).await;
    // The first process holds every event back for ten minutes: it dies before delivering.
    let slow = [("PORTICO_EVENT_DELIVERY_DELAY_MS", "600000"), ("PORTICO_EVENT_LEASE_SECONDS", "1")];
    let (mut first, base) = crate::support::serve_portico(&database, &slow).await;
    let id = create_customer(&base, &token, "Killed Before Delivery").await;
    let recorded = store.events_of("customer", &id).await.unwrap();
    assert_eq!(recorded.len(), 1, "the event was committed with the customer");
    // The first process has claimed the audit log's consumer and holds the event back.
    wait_for_claim(&store, "audit_log").await;
    assert_eq!(audit_entries(&store, &id).await, 0, "not delivered yet");

    first.kill();

    let (mut second, _) =
        crate::support::serve_portico(&database, &[("PORTICO_EVENT_LEASE_SECONDS", "1")]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while audit_entries(&store, &id).await == 0 {
        assert!(std::time::Instant::now() < deadline, "the event was never delivered after the restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(audit_entries(&store, &id).await, 1, "delivered once");
    second.kill();
    store.close().await;
}

/// A test consumer that counts each event it is handed, and can be told to fail at first.
struct Counting {
    name: &'static str,
    seen: Arc<Mutex<HashMap<Uuid, u32>>>,
    failures_left: Mutex<u32>,
}

impl Counting {
    fn new(name: &'static str, fail_first: u32) -> Arc<Self> {
        Arc::new(Self { name, seen: Default::default(), failures_left: Mutex::new(fail_first) })
    }

    fn sharing(other: &Counting) -> Arc<Self> {
        Arc::new(Self { name: other.name, seen: other.seen.clone(), failures_left: Mutex::new(0) })
    }
}

impl Consumer for Counting {
    fn name(&self) -> &'static str {
        self.name
    }

    fn scope(&self) -> Scope {
        Scope::Shared(StartFrom::Beginning)
    }

    fn deliver<'a>(&'a self, event: &'a Event) -> Delivery<'a> {
        Box::pin(async move {
            let mut left = self.failures_left.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                anyhow::bail!("the test consumer is down");
            }
            *self.seen.lock().unwrap().entry(event.id).or_default() += 1;
            Ok(())
        })
    }
}

async fn a_failing_consumer_is_retried_and_holds_up_no_other(backend: Backend) {
    let flaky = Counting::new("flaky", 2);
    let app = TestApp::spawn_with_consumers(backend, |_| {}, vec![flaky.clone()]).await;
    let (status, customer) =
        app.post_json("/customers", &app.admin.token, json!({"name": "Flaky", "slug": "flaky-co"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = customer["id"].as_str().unwrap().to_string();

    // The audit log goes on while the flaky consumer waits to retry.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while audit_entries(&app.store, &id).await == 0 {
        assert!(std::time::Instant::now() < deadline, "the audit log waited for a failing consumer");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let failed = loop {
        let states = app.store.consumer_states().await.unwrap();
        match states.into_iter().find(|c| c.name == "flaky" && c.failures >= 1) {
            Some(state) => break state,
            None => {
                assert!(std::time::Instant::now() < deadline, "the flaky consumer never failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    assert!(failed.last_error.as_deref().unwrap_or_default().contains("down"), "{failed:?}");
    assert!(failed.retry_at.is_some(), "it waits before trying again: {failed:?}");

    // After its back-off (1 s, then 2 s) it gets every event, once.
    events_settled(&app.store).await;
    let last = app.store.last_event_seq().await.unwrap();
    let seen = flaky.seen.lock().unwrap().clone();
    assert_eq!(seen.len() as i64, last, "every event delivered");
    assert!(seen.values().all(|&n| n == 1), "each once: {seen:?}");
    let states = app.store.consumer_states().await.unwrap();
    assert_eq!(states.iter().find(|c| c.name == "flaky").unwrap().failures, 0, "recovered");
}

#[tokio::test]
async fn two_instances_deliver_each_event_to_a_consumer_once() {
    let Some(backend) = Backend::postgres() else { return };
    let counter = Counting::new("counter", 0);
    let first = TestApp::spawn_with_consumers(backend, |_| {}, vec![counter.clone()]).await;
    let second = first.another_instance_with(vec![Counting::sharing(&counter)]).await;
    for n in 0..30 {
        let app = if n % 2 == 0 { &first } else { &second };
        let body = json!({"name": format!("Twin {n}"), "slug": format!("twin-{n}")});
        let (status, body) = app.post_json("/customers", &app.admin.token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    events_settled(&first.store).await;
    let last = first.store.last_event_seq().await.unwrap();
    let seen = counter.seen.lock().unwrap().clone();
    assert_eq!(seen.len() as i64, last, "every event reached the consumer");
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n != 1).collect();
    assert!(repeated.is_empty(), "events delivered more than once across instances: {repeated:?}");
    let customers = first.store.count_customers().await.unwrap();
    assert_eq!(customers, 30);
}

async fn an_idle_dispatcher_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, _) = app.post_json("/customers", &app.admin.token, json!({"name": "Quiet Co"})).await;
    assert_eq!(status, StatusCode::CREATED);
    events_settled(&app.store).await;
    let settled = crate::support::snapshot(&app.store, "event_consumers").await;
    // Every consumer looks at the log three more times with nothing new: no claim, no write.
    let rounds = &app.config.events.rounds;
    let consumers = app.store.consumer_states().await.unwrap().len() as u64;
    let target = rounds.load(std::sync::atomic::Ordering::Relaxed) + 3 * consumers;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while rounds.load(std::sync::atomic::Ordering::Relaxed) < target {
        assert!(std::time::Instant::now() < deadline, "the dispatcher stopped looking at the log");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(crate::support::snapshot(&app.store, "event_consumers").await, settled);
    // A new event is delivered all the same.
    let (status, _) = app.post_json("/customers", &app.admin.token, json!({"name": "Loud Co"})).await;
    assert_eq!(status, StatusCode::CREATED);
    events_settled(&app.store).await;
    assert_ne!(crate::support::snapshot(&app.store, "event_consumers").await, settled);
}
