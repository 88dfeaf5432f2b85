//! Load benchmark: Portico's own server (the binary cargo built, as its own process) serving a
//! generated MSP, loaded by `wrk` (its own process), with nginx serving each page's very bytes
//! as the ceiling in the same run. Every target of the performance issue is printed with PASS
//! or MISS; nothing here fails on a MISS (targets are not tests), but a run with failed
//! requests, or tickets lost or numbered twice, exits non-zero.
//!
//!     cargo bench --bench load                       # 1,000 customers, on SQLite
//!     cargo bench --bench load -- --scale large      # and 10,000 customers, compared
//!     BENCH_DATABASE_URL=postgres://user@host/postgres cargo bench --bench load   # PostgreSQL
//!
//! `bench/run` runs it on both databases; results and the machine go in BENCHMARKS.md. Under
//! `cargo test` it runs at a tiny size, so it cannot rot unnoticed.

// A benchmark is a test harness: a failed step should stop the run at the line that failed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod generate;
mod tools;
mod vocabulary;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use portico::store::{Store, StoreOptions};
use reqwest::Client;
use serde_json::json;
use sqlx::Row as _;

use generate::{Api, Shape};
use tools::{Measured, Request, ServerSettings};
use vocabulary::{Dice, Vocabulary};

/// The path of a portal page a scenario asks for (after `/p/{slug}`), e.g. `/kb`.
type PagePath<'a> = Box<dyn Fn(&mut Dice) -> String + 'a>;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scale {
    /// 1,000 customers, 10,000 end users, 100,000 tickets, 20,000 articles.
    Standard,
    /// The standard run, then 10,000 customers, 100,000 end users, 1,000,000 tickets and
    /// 20,000 articles, compared with it.
    Large,
}

#[derive(Parser)]
struct Args {
    #[arg(long, value_enum, default_value = "standard")]
    scale: Scale,
    /// Seconds each scenario runs.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Connections for the page scenarios (and for nginx).
    #[arg(long, default_value_t = 256)]
    connections: usize,
    /// Connections for searches, API calls and ticket creation.
    #[arg(long, default_value_t = 16)]
    writers: usize,
    /// Instead of the scale's number of customers (the large run keeps its own).
    #[arg(long)]
    customers: Option<usize>,
    /// Instead of the scale's number of articles.
    #[arg(long)]
    articles: Option<usize>,
    /// Run only the scenarios whose name contains this.
    #[arg(long)]
    only: Option<String>,
    /// Record a CPU profile of the server with `perf record` during each scenario, into this
    /// folder (one `<scenario>.data` each; `perf report -i` reads them).
    #[arg(long)]
    perf: Option<PathBuf>,
    /// Keep the generated data and print where it is, to inspect it.
    #[arg(long)]
    keep_data: bool,
    /// Passed by `cargo bench`. Without it (`cargo test` runs this too) a tiny smoke run checks
    /// that every scenario still works.
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

    fn shapes(&self) -> Vec<Shape> {
        if !self.bench {
            return vec![Shape {
                customers: 3,
                end_users_per_customer: 2,
                tickets_per_customer: 3,
                articles: 5,
                sessions: 3,
            }];
        }
        let standard = Shape {
            customers: self.customers.unwrap_or(1_000),
            end_users_per_customer: 10,
            tickets_per_customer: 100,
            articles: self.articles.unwrap_or(20_000),
            sessions: 1_000,
        };
        match self.scale {
            Scale::Standard => vec![standard],
            Scale::Large => {
                vec![standard, Shape { customers: 10 * standard.customers, sessions: 5_000, ..standard }]
            }
        }
    }
}

/// One scenario's result, beside nginx's for the same bytes when it is a page.
struct Scenario {
    name: &'static str,
    connections: usize,
    measured: Measured,
    nginx: Option<Measured>,
}

/// What one data set measured.
struct Outcome {
    shape: Shape,
    rows: Vec<Scenario>,
    start_up: Duration,
    peak_rss_mib: f64,
    generation: Duration,
    durability: String,
    writes: Option<WriteCheck>,
}

impl Outcome {
    fn row(&self, name: &str) -> Option<&Scenario> {
        self.rows.iter().find(|r| r.name == name)
    }
}

/// Tickets created against 2xx answers, after the write scenario.
struct WriteCheck {
    answered: u64,
    created: i64,
    duplicates: i64,
    gaps: i64,
}

impl WriteCheck {
    /// Every answered ticket exists; at most the requests still in flight when wrk stopped were
    /// created without their answer being counted.
    fn holds(&self, in_flight: usize) -> bool {
        self.created >= self.answered as i64
            && self.created - self.answered as i64 <= in_flight as i64
            && self.duplicates == 0
            && self.gaps == 0
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let (connections, writers, seconds) =
        if args.bench { (args.connections, args.writers, args.seconds) } else { (4, 2, 1.0) };
    let missing = tools::missing_tools();
    if !missing.is_empty() {
        eprintln!(
            "The load benchmark needs wrk and nginx, and these are missing: install Debian's {} (scripts/test and bench/run do so when run as root).",
            missing.join(", ")
        );
        std::process::exit(2);
    }
    let vocabulary = Arc::new(Vocabulary::help_desk());
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut failed = false;
    for shape in args.shapes() {
        let outcome = run(&args, shape, vocabulary.clone(), connections, writers, seconds).await;
        failed |= outcome.rows.iter().any(|r| r.measured.failures() > 0)
            || outcome.writes.as_ref().is_some_and(|w| !w.holds(writers));
        report(&outcome, outcomes.first(), connections, writers, seconds);
        outcomes.push(outcome);
    }
    if failed {
        eprintln!(
            "Some requests failed, or tickets were lost or numbered twice: the numbers above mean nothing."
        );
        std::process::exit(1);
    }
}

async fn run(
    args: &Args,
    shape: Shape,
    vocabulary: Arc<Vocabulary>,
    connections: usize,
    writers: usize,
    seconds: f64,
) -> Outcome {
    let data_dir = std::env::temp_dir().join(format!("portico-bench-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let database_url = generate::fresh_database(&data_dir).await;
    let options = StoreOptions { max_connections: 4, ..Default::default() };
    let store = Store::connect(&database_url, &options).await.expect("database");
    store.migrate().await.expect("migrations");
    let storage = portico::config::StorageArgs { data_dir: data_dir.clone(), database_url: None };
    let commands = portico::cli::command_context(&storage, store.clone()).expect("the command core");
    portico::cli::create_team_member(&commands, "bench@msp.example", "Bench", "admin", None)
        .await
        .expect("an admin");
    let (_, token) = portico::cli::create_token(&commands, "bench@msp.example", "bench").await.unwrap();
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_portico"));
    let port = tools::free_port();
    let settings = ServerSettings { binary: &binary, database_url: &database_url, data_dir: &data_dir, port };
    let base = format!("http://127.0.0.1:{port}");

    // Generate through a first server, then restart: the second start is on the full data set.
    let started = Instant::now();
    let (server, _) = tools::start_server(&settings).await;
    portico::core::tls::install_provider();
    let client = Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let api = Arc::new(Api { base: base.clone(), token: token.clone(), client: client.clone() });
    let msp = generate::msp(api, &store, &shape, vocabulary.clone()).await;
    let generation = started.elapsed();
    for (part, took) in &msp.timings {
        println!("generated {part} in {:.1} s", took.as_secs_f64());
    }
    server.stop();
    let (server, start_up) = tools::start_server(&settings).await;

    let mut dice = Dice::new(3);
    let user = |dice: &mut Dice| &msp.users[dice.below(msp.users.len())];
    let cookie = |user: &generate::PortalUser| vec![("Cookie".to_string(), user.cookie.clone())];
    let pages = |path: &dyn Fn(&mut Dice) -> String, dice: &mut Dice| -> Vec<Request> {
        (0..2_000)
            .map(|_| {
                let user = user(dice);
                Request::get(format!("/p/{}{}", user.slug, path(dice)), cookie(user))
            })
            .collect()
    };
    let work = data_dir.join("wrk");
    let mut rows = Vec::new();
    let server_id = server.id();
    let run_wrk = |name: &str, requests: &[Request], connections: usize, count: bool| {
        let profile = args.perf.as_ref().map(|folder| tools::Profile::start(folder, name, server_id));
        let measured = tools::wrk(&work, &base, requests, connections, seconds, count);
        drop(profile);
        measured
    };

    rows.push(Scenario {
        name: "healthz (HTTP stack alone)",
        connections,
        measured: run_wrk("healthz", &[Request::get("/healthz".into(), vec![])], connections, false),
        nginx: None,
    });

    let articles = msp.articles.clone();
    let page_scenarios: [(&'static str, PagePath); 4] = [
        ("portal landing page", Box::new(|_| "/".into())),
        ("portal my tickets", Box::new(|_| "/tickets".into())),
        (
            "portal article page",
            Box::new(move |dice| format!("/kb/{}", articles[dice.below(articles.len())])),
        ),
        ("portal knowledge base", Box::new(|_| "/kb".into())),
    ];
    for (name, path) in page_scenarios.iter().filter(|(name, _)| args.wants(name)) {
        let requests = pages(path.as_ref(), &mut dice);
        let page = check(&client, &base, &requests).await;
        let nginx_port = tools::free_port();
        let nginx = tools::start_nginx(&data_dir.join("nginx"), &page, nginx_port);
        let ceiling = tools::wrk(
            &work,
            &format!("http://127.0.0.1:{nginx_port}"),
            &[Request::get("/".into(), vec![])],
            connections,
            seconds,
            false,
        );
        nginx.stop();
        rows.push(Scenario {
            name,
            connections,
            measured: run_wrk(name, &requests, connections, false),
            nginx: Some(ceiling),
        });
    }

    let searches: [(&'static str, PagePath); 2] = [
        (
            "portal search (help-desk queries)",
            Box::new(|dice| format!("/search?q={}", vocabulary.query(dice))),
        ),
        (
            "portal search (worst case: the commonest word)",
            Box::new(|_| format!("/search?q={}", vocabulary.worst_query())),
        ),
    ];
    for (name, path) in searches.iter().filter(|(name, _)| args.wants(name)) {
        let requests = pages(path.as_ref(), &mut dice);
        check(&client, &base, &requests).await;
        rows.push(Scenario {
            name,
            connections: writers,
            measured: run_wrk(name, &requests, writers, false),
            nginx: None,
        });
    }

    let bearer = vec![("Authorization".to_string(), format!("Bearer {token}"))];
    if args.wants("API customer search") {
        let requests: Vec<Request> = (0..10)
            .map(|n| Request::get(format!("/api/v1/customers?q=Customer+0{n}&limit=50"), bearer.clone()))
            .collect();
        check(&client, &base, &requests).await;
        rows.push(Scenario {
            name: "API customer search",
            connections: writers,
            measured: run_wrk("API customer search", &requests, writers, false),
            nginx: None,
        });
    }

    let mut writes = None;
    if args.wants("API ticket creation") {
        let mut headers = bearer.clone();
        headers.push(("Content-Type".to_string(), "application/json".to_string()));
        let requests: Vec<Request> = (0..2_000)
            .map(|_| {
                let (customer_id, requester_id) = &msp.requesters[dice.below(msp.requesters.len())];
                let body = json!({"customer_id": customer_id, "requester_id": requester_id, "type": "service_request",
                    "short_description": "New laptop", "description": "For a new starter"});
                Request { method: "POST", path: "/api/v1/tickets".into(), headers: headers.clone(), body: Some(body.to_string()) }
            })
            .collect();
        let before = ticket_count(&store).await;
        let measured = run_wrk("API ticket creation", &requests, writers, true);
        // Requests still in flight when wrk stopped may commit a moment later.
        tokio::time::sleep(Duration::from_millis(500)).await;
        writes = Some(write_check(&store, before, measured.succeeded.unwrap_or(0)).await);
        rows.push(Scenario {
            name: "API ticket creation (durable writes)",
            connections: writers,
            measured,
            nginx: None,
        });
    }

    let peak_rss_mib = server.peak_memory_mib();
    let durability = durability(&store).await;
    server.stop();
    store.close().await;
    if args.keep_data {
        println!("\nThe data is kept: {}", portico::store::redact(&database_url));
    } else {
        generate::drop_database(&database_url).await;
        std::fs::remove_dir_all(&data_dir).ok();
    }
    Outcome { shape, rows, start_up, peak_rss_mib, generation, durability, writes }
}

/// Sends a sample of a scenario's requests once and insists on 200 with a body: a redirect to
/// sign in, or an error page, must never pass for a fast answer. Returns the first body.
async fn check(client: &Client, base: &str, requests: &[Request]) -> Vec<u8> {
    let mut first = None;
    for request in requests.iter().take(20) {
        let mut sent = client.get(format!("{base}{}", request.path));
        for (name, value) in &request.headers {
            sent = sent.header(name, value);
        }
        let response = sent.send().await.expect("the server answers");
        let status = response.status();
        let body = response.bytes().await.unwrap();
        assert_eq!(status, 200, "GET {}: {}", request.path, String::from_utf8_lossy(&body));
        first.get_or_insert(body.to_vec());
    }
    first.unwrap_or_default()
}

async fn ticket_count(store: &Store) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM tickets").fetch_one(store.pool()).await.unwrap().get(0)
}

async fn write_check(store: &Store, before: i64, answered: u64) -> WriteCheck {
    let row = sqlx::query("SELECT COUNT(*), COUNT(DISTINCT number), MIN(number), MAX(number) FROM tickets")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let (count, distinct, min, max): (i64, i64, i64, i64) = (row.get(0), row.get(1), row.get(2), row.get(3));
    WriteCheck {
        answered,
        created: count - before,
        duplicates: count - distinct,
        gaps: (max - min + 1) - count,
    }
}

/// How durable commits are, which decides what writes cost: part of every result.
async fn durability(store: &Store) -> String {
    let setting = |sql: &'static str| async move {
        let row = sqlx::query(sql).fetch_one(store.pool()).await.expect("a setting");
        row.try_get::<String, _>(0)
            .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))
            .unwrap_or_default()
    };
    match store.backend() {
        // This store's connections are set up as the server's are.
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

fn report(outcome: &Outcome, standard: Option<&Outcome>, connections: usize, writers: usize, seconds: f64) {
    let shape = &outcome.shape;
    println!(
        "\n### {}: {} customers, {} end users, {} tickets, {} articles; {seconds} s per scenario\n",
        backend_name(),
        shape.customers,
        shape.customers * shape.end_users_per_customer,
        shape.customers * shape.tickets_per_customer,
        shape.articles,
    );
    println!("Durability: {}.", outcome.durability);
    println!(
        "Generated in {:.0} s. Start-up to ready on this data: {:.0} ms. Peak RSS of the server: {:.0} MiB.\n",
        outcome.generation.as_secs_f64(),
        outcome.start_up.as_secs_f64() * 1000.0,
        outcome.peak_rss_mib
    );
    println!(
        "| Scenario | Connections | Requests/s | nginx, same bytes | vs nginx | p50 ms | p95 ms | p99 ms | Failures |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &outcome.rows {
        let m = &row.measured;
        let (nginx, share) = match &row.nginx {
            Some(n) => (format!("{:.0}", n.per_second()), format!("{:.2}×", m.per_second() / n.per_second())),
            None => (String::new(), String::new()),
        };
        println!(
            "| {} | {} | {:.0} | {nginx} | {share} | {:.1} | {:.1} | {:.1} | {} of {} |",
            row.name,
            row.connections,
            m.per_second(),
            m.p50_ms,
            m.p95_ms,
            m.p99_ms,
            m.failures(),
            m.requests
        );
    }
    println!("\n| Target | Measured | Result |\n|---|---|---|");
    let verdict = |pass: bool| if pass { "PASS" } else { "MISS" };
    let share = |name: &str| {
        outcome.row(name).and_then(|r| Some(r.measured.per_second() / r.nginx.as_ref()?.per_second()))
    };
    for (name, target) in [
        ("portal landing page", 0.5),
        ("portal my tickets", 0.3),
        ("portal article page", 0.3),
        ("portal knowledge base", 0.3),
    ] {
        if let Some(share) = share(name) {
            println!("| {name}: ≥ {target}× nginx | {share:.2}× | {} |", verdict(share >= target));
        }
    }
    if let Some(row) = outcome.row("portal landing page") {
        let p99 = row.measured.p99_ms;
        println!(
            "| portal landing page: p99 < 20 ms at {connections} connections | {p99:.1} ms | {} |",
            verdict(p99 < 20.0)
        );
    }
    if let Some(row) = outcome.row("portal search (help-desk queries)") {
        let p95 = row.measured.p95_ms;
        println!("| search: p95 < 20 ms ({writers} connections) | {p95:.1} ms | {} |", verdict(p95 < 20.0));
    }
    if let Some(row) = outcome.row("API ticket creation (durable writes)") {
        let floor = if backend_name() == "sqlite" { 2000.0 } else { 1000.0 };
        let rate = row.measured.per_second();
        println!("| ticket creation: ≥ {floor:.0}/s | {rate:.0}/s | {} |", verdict(rate >= floor));
        let p99 = row.measured.p99_ms;
        println!(
            "| ticket creation: p99 < 50 ms at {writers} writers | {p99:.1} ms | {} |",
            verdict(p99 < 50.0)
        );
    }
    if let Some(w) = &outcome.writes {
        println!(
            "| tickets: none lost, none numbered twice | {} answered 2xx, {} rows created, {} duplicate numbers, {} gaps | {} |",
            w.answered,
            w.created,
            w.duplicates,
            w.gaps,
            verdict(w.holds(writers))
        );
    }
    println!(
        "| peak RSS < 150 MB under load | {:.0} MiB | {} |",
        outcome.peak_rss_mib,
        verdict(outcome.peak_rss_mib < 150.0)
    );
    let start_ms = outcome.start_up.as_secs_f64() * 1000.0;
    println!("| start-up to ready < 1 s | {start_ms:.0} ms | {} |", verdict(start_ms < 1000.0));
    if let Some(standard) = standard {
        let generation_minutes = outcome.generation.as_secs_f64() / 60.0;
        println!(
            "| data set generated in minutes | {generation_minutes:.1} min | {} |",
            verdict(generation_minutes < 30.0)
        );
        for (name, higher_is_better) in
            [("portal landing page", true), ("portal search (help-desk queries)", false)]
        {
            let (Some(large), Some(small)) = (outcome.row(name), standard.row(name)) else { continue };
            let (now, before, unit) = if higher_is_better {
                (large.measured.per_second(), small.measured.per_second(), "requests/s")
            } else {
                (large.measured.p95_ms, small.measured.p95_ms, "ms p95")
            };
            let change = (now - before) / before;
            let flat = if higher_is_better { change >= -0.10 } else { change <= 0.10 };
            println!(
                "| {name} at {} customers within 10% of {} | {now:.1} against {before:.1} {unit} ({:+.0}%) | {} |",
                outcome.shape.customers,
                standard.shape.customers,
                change * 100.0,
                verdict(flat)
            );
        }
    }
}

fn backend_name() -> &'static str {
    if std::env::var("BENCH_DATABASE_URL").is_ok() { "postgres" } else { "sqlite" }
}
