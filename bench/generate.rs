//! The data generator: an MSP with many customers, each with an active portal (SSO, ticketing,
//! knowledge base), end users and tickets, plus shared articles.
//!
//! What an MSP's provisioning would do goes through the JSON API of the running server:
//! articles, customers, their SSO configurations and portals, and their end users (one CSV
//! import per customer). Only what would take hours that way is written to the database in
//! bulk, in multi-row statements: tickets (a million at the large scale, as years of history),
//! and portal sessions, which stand in for sign-ins through an identity provider.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use portico::domain::secret::{hash_token, random_token};
use portico::store::Store;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Row};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::vocabulary::{Dice, Topics, Vocabulary};

/// How big an MSP to make.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub customers: usize,
    pub end_users_per_customer: usize,
    pub tickets_per_customer: usize,
    pub articles: usize,
    /// Signed-in end users the page scenarios pick from.
    pub sessions: usize,
}

/// A signed-in end user at one portal.
#[derive(Clone)]
pub struct PortalUser {
    pub slug: String,
    pub cookie: String,
}

pub struct Msp {
    pub users: Vec<PortalUser>,
    /// (customer, end user) pairs, for tickets through the API.
    pub requesters: Vec<(String, String)>,
    /// Articles every portal shows.
    pub articles: Vec<String>,
    /// The topics of each article made, for searches that find something.
    pub article_topics: Vec<Topics>,
    /// How long each part took.
    pub timings: Vec<(&'static str, Duration)>,
}

pub struct Api {
    pub base: String,
    pub token: String,
    pub client: Client,
}

impl Api {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> Value {
        let mut request = self
            .client
            .request(method.clone(), format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(revision) = if_match {
            request = request.header("if-match", revision);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }
}

/// Runs `job` for 0..count, `parallel` at a time.
async fn in_parallel<F, Fut>(count: usize, parallel: usize, job: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let gate = Arc::new(Semaphore::new(parallel));
    let job = Arc::new(job);
    let mut jobs = tokio::task::JoinSet::new();
    for index in 0..count {
        let permit = gate.clone().acquire_owned().await.unwrap();
        let job = job.clone();
        jobs.spawn(async move {
            job(index).await;
            drop(permit);
        });
        while let Some(done) = jobs.try_join_next() {
            done.expect("a generator job panicked");
        }
    }
    while let Some(done) = jobs.join_next().await {
        done.expect("a generator job panicked");
    }
}

pub async fn msp(api: Arc<Api>, store: &Store, shape: &Shape, vocabulary: Arc<Vocabulary>) -> Msp {
    let mut timings = Vec::new();
    let group =
        api.call(Method::POST, "/assignment-groups", Some(json!({"name": "Service Desk"})), None).await;
    let group_id = group["id"].as_str().unwrap().to_string();

    let started = Instant::now();
    let (a, v) = (api.clone(), vocabulary.clone());
    in_parallel(shape.articles, 8, move |index| {
        let (api, vocabulary) = (a.clone(), v.clone());
        async move {
            let mut dice = Dice::new(index as u64 + 1);
            let (title, body) = vocabulary.article(&mut dice);
            let article = json!({"title": title, "body": body, "published": true, "all_customers": true});
            api.call(Method::POST, "/kb/articles", Some(article), None).await;
        }
    })
    .await;
    timings.push(("articles (API)", started.elapsed()));

    let started = Instant::now();
    let (a, g) = (api.clone(), group_id.clone());
    let end_users = shape.end_users_per_customer;
    in_parallel(shape.customers, 16, move |index| {
        let (api, group_id) = (a.clone(), g.clone());
        async move { customer(&api, index, &group_id, end_users).await }
    })
    .await;
    timings.push(("customers, SSO, portals, end users (API)", started.elapsed()));

    let started = Instant::now();
    let end_users = rows(store, "SELECT id, customer_id FROM end_users ORDER BY customer_id, id").await;
    let mut by_customer: HashMap<String, Vec<String>> = HashMap::new();
    for (id, customer) in &end_users {
        by_customer.entry(customer.clone()).or_default().push(id.clone());
    }
    let mut customers: Vec<&String> = by_customer.keys().collect();
    customers.sort();
    tickets(store, &customers, &by_customer, &group_id, shape.tickets_per_customer, &vocabulary).await;
    timings.push(("tickets (bulk SQL)", started.elapsed()));

    let started = Instant::now();
    let users = sessions(store, shape.sessions).await;
    analyse(store).await;
    timings.push(("sessions (bulk SQL), statistics", started.elapsed()));

    let articles = rows(store, "SELECT id, id FROM articles ORDER BY id").await.into_iter().map(|(id, _)| id);
    let requesters = end_users.into_iter().map(|(user, customer)| (customer, user)).collect();
    // The seeds the articles were made with tell their topics again.
    let article_topics = (0..shape.articles)
        .map(|index| vocabulary.article_topics(&mut Dice::new(index as u64 + 1)))
        .collect();
    Msp { users, requesters, articles: articles.collect(), article_topics, timings }
}

async fn customer(api: &Api, index: usize, group_id: &str, end_users: usize) {
    let customer = api
        .call(Method::POST, "/customers", Some(json!({"name": format!("Customer {index:05}")})), None)
        .await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    let sso = json!({"label": "Sign in", "provider": "oidc", "client_id": "portico",
        "client_secret": "bench", "discovery_url": format!("https://idp{index}.example/.well-known/openid-configuration")});
    api.call(Method::POST, &format!("/customers/{customer_id}/portal/sso-configs"), Some(sso), None).await;

    let path = format!("/customers/{customer_id}/portal");
    let mut document = api.call(Method::GET, &path, None, None).await;
    document["active"] = json!(true);
    document["features"]["ticketing"] = json!({"enabled": true, "default_assignment_group_id": group_id});
    document["features"]["knowledge_base"] = json!({"enabled": true});
    let revision = document["revision"].to_string();
    api.call(Method::PUT, &path, Some(document), Some(&revision)).await;

    let mut csv = String::from("name,email,role\n");
    for user in 0..end_users {
        let role = if user == 0 { "manager" } else { "member" };
        csv.push_str(&format!("User {user} of {index},user{user}@c{index}.example,{role}\n"));
    }
    let response = api
        .client
        .post(format!("{}/api/v1/customers/{customer_id}/end-users/import?dry_run=false", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("the server answers");
    assert!(
        response.status().is_success(),
        "import: {} {}",
        response.status(),
        response.text().await.unwrap()
    );
}

/// Pairs of text columns of a query's rows.
async fn rows(store: &Store, sql: &'static str) -> Vec<(String, String)> {
    sqlx::query(sql)
        .fetch_all(store.pool())
        .await
        .expect(sql)
        .iter()
        .map(|row| (row.get::<String, _>(0), row.get::<String, _>(1)))
        .collect()
}

/// Rows as SQL literals: generated text, single quotes doubled.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Writes `values` (one parenthesised row each) into `table` in statements of `per_statement`
/// rows, each transaction holding `per_transaction` rows.
async fn insert_rows(store: &Store, table_and_columns: &str, values: &[String]) {
    const PER_STATEMENT: usize = 500;
    const PER_TRANSACTION: usize = 50_000;
    for transaction_rows in values.chunks(PER_TRANSACTION) {
        let mut tx = store.pool().begin().await.expect("a transaction");
        for rows in transaction_rows.chunks(PER_STATEMENT) {
            let sql = format!("INSERT INTO {table_and_columns} VALUES {}", rows.join(","));
            sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await.expect(table_and_columns);
        }
        tx.commit().await.expect("commit");
    }
}

/// Tickets over the last year, most of them closed as real history is, numbered from 1.
async fn tickets(
    store: &Store,
    customers: &[&String],
    end_users: &HashMap<String, Vec<String>>,
    group_id: &str,
    per_customer: usize,
    vocabulary: &Vocabulary,
) {
    const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let mut dice = Dice::new(42);
    let mut number: i64 = 0;
    let columns = "tickets (id, number, customer_id, requester_id, kind, short_description, description, urgency, \
                   status, assignment_group_id, contact_source, created_at, updated_at)";
    // A customer at a time, so memory holds one batch, not a million rows.
    let mut batch = Vec::new();
    for customer in customers {
        let users = &end_users[*customer];
        for _ in 0..per_customer {
            number += 1;
            let created = now - (dice.unit() * YEAR_MS as f64) as i64;
            let status = match dice.below(20) {
                0 => "new",
                1 => "in_progress",
                2 => "on_hold",
                3 => "resolved",
                _ => "closed",
            };
            batch.push(format!(
                "('{}',{number},'{customer}','{}','{}',{},{},'{}','{status}','{group_id}','portal',{created},{})",
                Uuid::now_v7(),
                users[dice.below(users.len())],
                if dice.below(3) == 0 { "service_request" } else { "incident" },
                literal(&vocabulary.sentence(&mut dice, 6)),
                literal(&vocabulary.sentence(&mut dice, 30)),
                ["low", "medium", "high"][dice.below(3)],
                created + dice.below(5 * 24 * 3600 * 1000) as i64,
            ));
        }
        if batch.len() >= 50_000 {
            insert_rows(store, columns, &batch).await;
            batch.clear();
        }
    }
    insert_rows(store, columns, &batch).await;
    sqlx::query("UPDATE ticket_numbers SET last_value = $1")
        .bind(number)
        .execute(store.pool())
        .await
        .expect("the ticket number");
}

/// A portal session for the first end user (a manager) of `count` customers, spread over all
/// of them.
async fn sessions(store: &Store, count: usize) -> Vec<PortalUser> {
    let portals = sqlx::query(
        "SELECT p.customer_id, p.slug, s.id AS sso_config_id,
                (SELECT u.id FROM end_users u WHERE u.customer_id = p.customer_id ORDER BY u.email LIMIT 1) AS end_user_id
         FROM portals p JOIN sso_configs s ON s.customer_id = p.customer_id
         ORDER BY p.slug",
    )
    .fetch_all(store.pool())
    .await
    .expect("portals");
    let step = (portals.len() / count.max(1)).max(1);
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let expires = now + 8 * 3600 * 1000;
    let mut users = Vec::new();
    let mut values = Vec::new();
    for portal in portals.iter().step_by(step).take(count) {
        let token = random_token("bench");
        values.push(format!(
            "({},'{}','{}','{}',{},NULL,{now},{now},{expires})",
            literal(hash_token(&token).as_str()),
            portal.get::<String, _>("customer_id"),
            portal.get::<String, _>("end_user_id"),
            portal.get::<String, _>("sso_config_id"),
            literal(&random_token("csrf")),
        ));
        users.push(PortalUser { slug: portal.get("slug"), cookie: format!("portico_portal={token}") });
    }
    insert_rows(
        store,
        "portal_sessions (token_hash, customer_id, end_user_id, sso_config_id, csrf_token, id_token, created_at, last_seen_at, expires_at)",
        &values,
    )
    .await;
    users
}

/// Table statistics, as a database that has been in use has them: PostgreSQL's autovacuum
/// gathers them by itself, so the run must not measure the minutes before it does. Portico
/// never runs ANALYZE on SQLite, so neither does the benchmark.
async fn analyse(store: &Store) {
    if store.backend() == portico::store::Backend::Postgres {
        sqlx::raw_sql("ANALYZE").execute(store.pool()).await.expect("ANALYZE");
    }
}

/// A new database for one run: a file beside the data, or a fresh database on the PostgreSQL
/// server `BENCH_DATABASE_URL` names.
pub async fn fresh_database(data_dir: &std::path::Path) -> String {
    let Ok(admin_url) = std::env::var("BENCH_DATABASE_URL") else {
        return format!("sqlite://{}?mode=rwc", data_dir.join("portico.db").display());
    };
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!("portico_bench_{}", Uuid::now_v7().simple());
    let mut connection =
        sqlx::AnyConnection::connect(&admin_url).await.expect("connect to BENCH_DATABASE_URL");
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut connection)
        .await
        .expect("create the benchmark database");
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&name);
    url.to_string()
}

/// Drops a database [`fresh_database`] made on PostgreSQL; the SQLite file goes with its folder.
pub async fn drop_database(database_url: &str) {
    let Ok(admin_url) = std::env::var("BENCH_DATABASE_URL") else { return };
    use sqlx::Connection;
    let name = url::Url::parse(database_url).unwrap().path().trim_start_matches('/').to_string();
    let mut connection =
        sqlx::AnyConnection::connect(&admin_url).await.expect("connect to BENCH_DATABASE_URL");
    sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&mut connection)
        .await
        .expect("drop the benchmark database");
}
