//! The data generator: an MSP with many customers, each with an active portal (SSO, ticketing,
//! knowledge base), end users and tickets, plus shared articles. Everything goes through the
//! JSON API, as an MSP's own provisioning would, except portal sessions, which stand in for
//! sign-ins through an identity provider.

use std::sync::Arc;

use portico::auth::secret::{hash_token, random_token};
use portico::store::Store;
use portico::store::portal_sessions::NewPortalSession;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::measure::Dice;

/// How big an MSP to make.
pub struct Shape {
    pub customers: usize,
    pub end_users_per_customer: usize,
    pub tickets_per_customer: usize,
    pub articles: usize,
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
}

/// Words for titles, bodies and searches: common enough that searches find something.
pub const WORDS: &[&str] = &[
    "vpn",
    "printer",
    "password",
    "laptop",
    "email",
    "outlook",
    "teams",
    "wifi",
    "monitor",
    "backup",
    "license",
    "onboarding",
    "phone",
    "account",
    "access",
    "install",
    "update",
    "network",
    "drive",
    "share",
];

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

fn sentence(dice: &mut Dice, words: usize) -> String {
    (0..words).map(|_| WORDS[dice.below(WORDS.len())]).collect::<Vec<_>>().join(" ")
}

pub async fn msp(api: Arc<Api>, store: &Store, shape: &Shape) -> Msp {
    let group =
        api.call(Method::POST, "/assignment-groups", Some(json!({"name": "Service Desk"})), None).await;
    let group_id = group["id"].as_str().unwrap().to_string();

    let mut dice = Dice::new(7);
    for _ in 0..shape.articles {
        let title = format!("How to fix {}", sentence(&mut dice, 3));
        let body = format!("# Steps\n\n{}.\n\n{}.", sentence(&mut dice, 40), sentence(&mut dice, 60));
        let article = json!({"title": title, "body": body, "published": true, "all_customers": true});
        api.call(Method::POST, "/kb/articles", Some(article), None).await;
    }

    // Customers in parallel, a few at a time, as a provisioning script would.
    let gate = Arc::new(Semaphore::new(8));
    let mut jobs = tokio::task::JoinSet::new();
    for index in 0..shape.customers {
        let (api, gate, group_id) = (api.clone(), gate.clone(), group_id.clone());
        let (end_users, tickets) = (shape.end_users_per_customer, shape.tickets_per_customer);
        jobs.spawn(async move {
            let _turn = gate.acquire_owned().await.unwrap();
            customer(&api, index, &group_id, end_users, tickets).await
        });
    }
    let mut users = Vec::new();
    let mut requesters = Vec::new();
    while let Some(made) = jobs.join_next().await {
        let made = made.expect("a generator job panicked");
        let token = random_token("bench");
        let session = NewPortalSession {
            token_hash: &hash_token(&token),
            customer_id: made.customer_id.parse().unwrap(),
            end_user_id: made.end_users[0].parse().unwrap(),
            sso_config_id: made.sso_id.parse().unwrap(),
            csrf_token: &random_token("csrf"),
            sealed_id_token: None,
            expires_at: time::OffsetDateTime::now_utc() + time::Duration::hours(8),
        };
        store.create_portal_session(&session).await.expect("a portal session");
        users.push(PortalUser { slug: made.slug, cookie: format!("portico_portal={token}") });
        requesters.extend(made.end_users.into_iter().map(|user| (made.customer_id.clone(), user)));
    }
    Msp { users, requesters }
}

struct Made {
    customer_id: String,
    slug: String,
    sso_id: String,
    end_users: Vec<String>,
}

async fn customer(api: &Api, index: usize, group_id: &str, end_users: usize, tickets: usize) -> Made {
    let mut dice = Dice::new(index as u64 + 100);
    let customer = api
        .call(Method::POST, "/customers", Some(json!({"name": format!("Customer {index:05}")})), None)
        .await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    let mut users = Vec::new();
    for user in 0..end_users {
        let body = json!({"name": format!("User {user} of {index}"), "email": format!("user{user}@c{index}.example")});
        let made =
            api.call(Method::POST, &format!("/customers/{customer_id}/end-users"), Some(body), None).await;
        users.push(made["id"].as_str().unwrap().to_string());
    }
    let sso = json!({"label": "Sign in", "provider": "oidc", "client_id": "portico",
        "client_secret": "bench", "discovery_url": format!("https://idp{index}.example/.well-known/openid-configuration")});
    let sso = api
        .call(Method::POST, &format!("/customers/{customer_id}/portal/sso-configs"), Some(sso), None)
        .await;

    let path = format!("/customers/{customer_id}/portal");
    let mut document = api.call(Method::GET, &path, None, None).await;
    document["active"] = json!(true);
    document["features"]["ticketing"] = json!({"enabled": true, "default_assignment_group_id": group_id});
    document["features"]["knowledge_base"] = json!({"enabled": true});
    let revision = document["revision"].to_string();
    let document = api.call(Method::PUT, &path, Some(document), Some(&revision)).await;

    for _ in 0..tickets {
        let requester = &users[dice.below(users.len())];
        let ticket = json!({"customer_id": customer_id, "requester_id": requester, "type": "incident",
            "short_description": sentence(&mut dice, 5), "description": sentence(&mut dice, 30)});
        api.call(Method::POST, "/tickets", Some(ticket), None).await;
    }
    Made {
        customer_id,
        slug: document["slug"].as_str().unwrap().to_string(),
        sso_id: sso["id"].as_str().unwrap().to_string(),
        end_users: users,
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
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
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
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&mut connection)
        .await
        .expect("drop the benchmark database");
}
