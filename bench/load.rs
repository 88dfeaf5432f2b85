//! Load benchmark: a real Portico server (release build, in this process) serving a generated
//! MSP, and concurrent clients measuring what end users and integrations do most. Every
//! scenario is compared with `/healthz` measured in the same run, so a slower machine moves
//! the baseline with the numbers.
//!
//!     cargo bench --bench load -- --customers 1000 --seconds 10 --concurrency 16
//!     BENCH_DATABASE_URL=postgres://user@host/postgres cargo bench --bench load   # PostgreSQL
//!
//! `bench/run` runs it on both databases; results and the machine go in BENCHMARKS.md.

mod generate;
mod measure;

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use portico::app;
use portico::config::{Config, ServeArgs};
use portico::store::{Store, StoreOptions};
use portico::web::state::AppState;
use reqwest::{Client, Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::json;

use generate::{Api, Shape, WORDS};
use measure::Stats;

/// The page of a portal a scenario asks for, e.g. `/kb`.
type PagePath = fn(&mut measure::Dice) -> String;

#[derive(Parser)]
struct Args {
    /// Customers to generate, each with an active portal.
    #[arg(long, default_value_t = 1000)]
    customers: usize,
    #[arg(long, default_value_t = 5)]
    end_users_per_customer: usize,
    #[arg(long, default_value_t = 20)]
    tickets_per_customer: usize,
    #[arg(long, default_value_t = 500)]
    articles: usize,
    /// Seconds each scenario runs (after a half-second warm-up).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Run only the scenarios whose name contains this (the baseline always runs).
    #[arg(long)]
    only: Option<String>,
    /// Keep the generated database (SQLite: its folder) and print where it is, to inspect it.
    #[arg(long)]
    keep_data: bool,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Passed by `cargo bench`. Without it (`cargo test` runs this too) a tiny smoke run checks
    /// that every scenario still works, so the benchmark cannot rot unnoticed.
    #[arg(long, hide = true)]
    bench: bool,
    /// Test-name filters and options `cargo test` may pass on; ignored.
    #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
    filters: Vec<String>,
}

impl Args {
    fn wants(&self, scenario: &str) -> bool {
        self.only.as_deref().is_none_or(|only| scenario.contains(only))
    }

    fn smoke_sized(mut self) -> Self {
        if !self.bench {
            (self.customers, self.end_users_per_customer, self.tickets_per_customer) = (3, 2, 2);
            (self.articles, self.seconds, self.concurrency) = (3, 0.2, 2);
        }
        self
    }
}

/// The server's own settings, parsed the way `portico serve` parses them.
#[derive(Parser)]
struct Serve {
    #[command(flatten)]
    args: ServeArgs,
}

#[tokio::main]
async fn main() {
    let args = Args::parse().smoke_sized();
    let data_dir = std::env::temp_dir().join(format!("portico-bench-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let database_url = generate::fresh_database(&data_dir).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = Serve::parse_from([
        "portico",
        "--addr",
        &addr.to_string(),
        "--data-dir",
        &data_dir.display().to_string(),
        "--database-url",
        &database_url,
        "--secret-key",
        "benchmark key material that is long enough",
        "--db-max-connections",
        "16",
    ]);
    let config = Config::from_args(&serve.args).expect("settings");
    let options = StoreOptions { max_connections: config.db_max_connections, ..Default::default() };
    let store = Store::connect(config.database_url.expose_secret(), &options).await.expect("database");
    store.migrate().await.expect("migrations");
    let backend = store.backend().name();
    let durability = durability(&store).await;
    portico::cli::create_team_member(&store, "bench@msp.example", "Bench", "admin", None)
        .await
        .expect("an admin");
    let (_, token) = portico::cli::create_token(&store, "bench@msp.example", "bench").await.unwrap();
    tokio::spawn(app::serve(
        listener,
        AppState::new(config, store.clone()).expect("the server's state"),
        std::future::pending(),
    ));

    let base = format!("http://{addr}");
    let client = Client::builder().pool_max_idle_per_host(args.concurrency * 2).build().unwrap();
    let api = Arc::new(Api { base: base.clone(), token, client: client.clone() });
    let shape = Shape {
        customers: args.customers,
        end_users_per_customer: args.end_users_per_customer,
        tickets_per_customer: args.tickets_per_customer,
        articles: args.articles,
    };
    let started = Instant::now();
    let msp = Arc::new(generate::msp(api.clone(), &store, &shape).await);
    let generated = started.elapsed();

    let duration = Duration::from_secs_f64(args.seconds);
    let concurrency = args.concurrency;
    let (get_client, get_base) = (client.clone(), base.clone());
    let get = move |path: String, cookie: Option<String>| {
        let (client, base) = (get_client.clone(), get_base.clone());
        async move {
            let mut request = client.get(format!("{base}{path}"));
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            match request.send().await {
                Ok(response) => response.status() == StatusCode::OK && response.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    };
    let get = Arc::new(get);
    let mut results: Vec<Stats> = Vec::new();

    let g = get.clone();
    results.push(
        measure::run("healthz (baseline)", concurrency, duration, move |_, _| g("/healthz".into(), None))
            .await,
    );

    // Portal pages as a signed-in end user of a random portal sees them; search asks for two
    // random words of the generator's vocabulary.
    let scenarios: [(&'static str, PagePath); 4] = [
        ("portal landing page", |_| "/".into()),
        ("portal search", |dice| {
            format!("/search?q={}+{}", WORDS[dice.below(WORDS.len())], WORDS[dice.below(WORDS.len())])
        }),
        ("portal my tickets", |_| "/tickets".into()),
        ("portal knowledge base", |_| "/kb".into()),
    ];
    for (name, page) in scenarios.into_iter().filter(|(name, _)| args.wants(name)) {
        let (g, m) = (get.clone(), msp.clone());
        results.push(
            measure::run(name, concurrency, duration, move |_, dice| {
                let user = &m.users[dice.below(m.users.len())];
                g(format!("/p/{}{}", user.slug, page(dice)), Some(user.cookie.clone()))
            })
            .await,
        );
    }

    let (client_for_list, base_for_list, token) = (client.clone(), base.clone(), api.token.clone());
    if args.wants("API customer search") {
        results.push(
            measure::run("API customer search", concurrency, duration, move |_, dice| {
                let request = client_for_list
                    .get(format!("{base_for_list}/api/v1/customers?q=Customer+0{}&limit=50", dice.below(10)))
                    .bearer_auth(&token);
                async move { matches!(request.send().await, Ok(r) if r.status() == StatusCode::OK) }
            })
            .await,
        );
    }

    let (m, api_for_tickets) = (msp.clone(), api.clone());
    if args.wants("API ticket creation (writes)") {
        results.push(
        measure::run("API ticket creation (writes)", concurrency, duration, move |_, dice| {
            let (customer_id, requester_id) = m.requesters[dice.below(m.requesters.len())].clone();
            let request = api_for_tickets
                .client
                .request(Method::POST, format!("{}/api/v1/tickets", api_for_tickets.base))
                .bearer_auth(&api_for_tickets.token)
                .json(&json!({"customer_id": customer_id, "requester_id": requester_id, "type": "service_request",
                    "short_description": "New laptop", "description": "For a new starter"}));
            async move { matches!(request.send().await, Ok(r) if r.status() == StatusCode::CREATED) }
        })
        .await,
        );
    }

    report(backend, &durability, &args, generated, &results);
    store.close().await;
    if args.keep_data {
        println!("\nThe data is kept: {}", portico::store::redact(&database_url));
    } else {
        generate::drop_database(&database_url).await;
        std::fs::remove_dir_all(&data_dir).ok();
    }
    let failed: Vec<&str> = results.iter().filter(|r| r.failures > 0).map(|r| r.name).collect();
    if !failed.is_empty() {
        eprintln!("These scenarios had failures, so their numbers mean nothing: {failed:?}");
        std::process::exit(1);
    }
}

/// How durable commits are, which decides what writes cost: part of every result.
async fn durability(store: &Store) -> String {
    let setting = |sql: &'static str| async move {
        let row = sqlx::query(sql).fetch_one(store.pool()).await.expect("a setting");
        sqlx::Row::try_get::<String, _>(&row, 0)
            .or_else(|_| sqlx::Row::try_get::<i64, _>(&row, 0).map(|n| n.to_string()))
            .unwrap_or_default()
    };
    match store.backend() {
        portico::store::Backend::Sqlite => {
            let level = match setting("PRAGMA synchronous").await.as_str() {
                "1" => "NORMAL",
                "2" => "FULL",
                "0" => "OFF",
                other => other,
            }
            .to_string();
            format!("WAL, synchronous={level}")
        }
        portico::store::Backend::Postgres => format!(
            "fsync={}, synchronous_commit={}",
            setting("SHOW fsync").await,
            setting("SHOW synchronous_commit").await
        ),
    }
}

fn report(backend: &str, durability: &str, args: &Args, generated: Duration, results: &[Stats]) {
    let tickets = args.customers * args.tickets_per_customer;
    println!(
        "\n### {backend}: {} customers, {} end users, {tickets} tickets, {} articles; {} clients, {} s per scenario\n",
        args.customers,
        args.customers * args.end_users_per_customer,
        args.articles,
        args.concurrency,
        args.seconds
    );
    println!("Durability: {durability}. Generated through the API in {:.1} s.\n", generated.as_secs_f64());
    println!("| Scenario | Requests/s | vs baseline | p50 ms | p95 ms | p99 ms | Failures |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let baseline = results.first().map(Stats::per_second).unwrap_or(1.0);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for stats in results {
        println!(
            "| {} | {:.0} | {:.0}% | {:.1} | {:.1} | {:.1} | {} of {} |",
            stats.name,
            stats.per_second(),
            100.0 * stats.per_second() / baseline,
            ms(stats.percentile(50.0)),
            ms(stats.percentile(95.0)),
            ms(stats.percentile(99.0)),
            stats.failures,
            stats.requests
        );
    }
}
