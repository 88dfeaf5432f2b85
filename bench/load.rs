//! Load benchmark: Portico's own server (the binary cargo built, as its own process) serving a
//! generated MSP, loaded by `wrk` (its own process), with nginx serving each page's very bytes
//! as the ceiling in the same run. Every answer, under wrk, nginx and the latency driver alike,
//! must be a 2xx carrying its page's own marker (an element only the real page has; for a
//! search, one that appears only with a hit); any other answer is a failure.
//!
//! Throughput is wrk's (a closed loop: as fast as answers come). Latency targets are measured
//! by `open_loop.rs` at a constant rate, a share (`--open-loop-share`, 70%) of what wrk reached
//! for the same scenario in the same run, each request timed from when it was due, so a stall
//! counts against every request it held up; the row is a MISS too when the server did not keep
//! up with that rate (achieved more than 5% short of offered).
//!
//! Every target is printed with PASS or MISS, then the run exits:
//! 0 when every check held and (under `cargo bench`) every target passed;
//! 1 when a check failed (a request failed or was answered wrongly, tickets were lost or
//!   numbered twice): the figures mean nothing;
//! 2 when wrk or nginx is missing;
//! 3 (under `cargo bench` only) when every check held but a target is MISS.
//! The smoke run (`cargo test`) never asserts a target: its figures mean nothing.
//!
//!     cargo bench --bench load                       # 1,000 customers, on SQLite
//!     cargo bench --bench load -- --scale large      # and 10,000 customers, compared
//!     BENCH_DATABASE_URL=postgres://user@host/postgres cargo bench --bench load   # PostgreSQL
//!
//! `bench/run` runs it on both databases (running the binary itself, so the exit codes above
//! reach it; cargo turns every failure into 101); results and the machine go in
//! BENCHMARKS.md. Under `cargo test` it runs at a tiny size, so it cannot rot unnoticed.

// A benchmark is a test harness: a failed step should stop the run at the line that failed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod generate;
mod open_loop;
mod report;
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
use open_loop::Latency;
use tools::{Measured, Request, ServerSettings};
use vocabulary::{Dice, Searches, Vocabulary};

/// The path of a portal page a scenario asks for (after `/p/{slug}`), e.g. `/kb`.
type PagePath<'a> = Box<dyn Fn(&mut Dice) -> String + 'a>;

/// Exit codes (see the top of this file).
const EXIT_FAILED: i32 = 1;
const EXIT_MISSING_TOOLS: i32 = 2;
const EXIT_MISS: i32 = 3;

/// What each scenario's answers must carry to count: an element only that page has. nginx
/// serves the page's own bytes, so the same marker holds there.
const HEALTHZ: &str = "ok";
const LANDING: &str = r#"<h1 class="visually-hidden">"#;
const MY_TICKETS: &str = "<h1>My tickets</h1>";
const ARTICLE: &str = r#"<div class="article-body">"#;
const KNOWLEDGE_BASE: &str = "<h1>Knowledge base</h1>";
/// The new-ticket form (the portals have no request types to choose from first).
const NEW_TICKET: &str = "<h1>Submit a ticket</h1>";
/// The heading of the search page's article results: there only when an article matched.
const SEARCH_HIT: &str = r#"<h2 id="articles-title">"#;
/// A customer in the API's list: there only when the search found one.
const CUSTOMER_FOUND: &str = r#""name":"Customer "#;
/// A created ticket's number in the API's answer.
const TICKET_CREATED: &str = r#""number":"T-"#;

/// The scenarios with a latency target, measured again at a constant rate.
const LANDING_PAGE: &str = "portal landing page";
const SEARCH: &str = "portal search (help-desk queries)";
const WORST_SEARCH: &str = "portal search (worst case: the commonest word)";
const TICKET_CREATION: &str = "API ticket creation (durable writes)";

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
    /// The share of wrk's throughput for a scenario at which its latency is measured (open
    /// loop, constant rate).
    #[arg(long, default_value_t = 0.7)]
    open_loop_share: f64,
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
    /// Latency at a constant rate, for the scenarios with a latency target.
    latency: Option<Latency>,
    /// nginx's, for the same bytes at the same rate: the floor of the driver and the machine.
    nginx_latency: Option<Latency>,
    /// Why the sample of answers checked before the load failed, if it did.
    precheck: Option<String>,
}

impl Scenario {
    fn new(name: &'static str, connections: usize, measured: Measured) -> Self {
        Self { name, connections, measured, nginx: None, latency: None, nginx_latency: None, precheck: None }
    }

    /// Whether a request failed or was answered wrongly anywhere in the scenario, or a run of
    /// it had no answer that passed.
    fn failed(&self) -> bool {
        self.measured.failed()
            || self.nginx.as_ref().is_some_and(Measured::failed)
            || self.latency.as_ref().is_some_and(Latency::failed)
            || self.nginx_latency.as_ref().is_some_and(Latency::failed)
            || self.precheck.is_some()
    }
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

    /// Whether a check failed: then the figures mean nothing.
    fn failed(&self) -> bool {
        self.rows.iter().any(Scenario::failed) || self.writes.as_ref().is_some_and(|w| !w.holds())
    }
}

/// Tickets created against the answers that said so, counted once the server has stopped (so
/// nothing is in flight any more).
struct WriteCheck {
    answered: u64,
    /// Requests whose answer was not counted but which may have committed: those wrk had in
    /// flight when it stopped, and the driver's timeouts.
    unanswered: u64,
    created: i64,
    duplicates: i64,
    gaps: i64,
}

impl WriteCheck {
    /// Every answered ticket exists; at most the unanswered requests were created without
    /// their answer being counted.
    fn holds(&self) -> bool {
        self.created >= self.answered as i64
            && self.created - self.answered as i64 <= self.unanswered as i64
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
        std::process::exit(EXIT_MISSING_TOOLS);
    }
    let vocabulary = Arc::new(Vocabulary::help_desk());
    let mut outcomes: Vec<Outcome> = Vec::new();
    let (mut failed, mut missed) = (false, false);
    for shape in args.shapes() {
        let outcome = run(&args, shape, vocabulary.clone(), connections, writers, seconds).await;
        failed |= outcome.failed();
        missed |=
            report::report(&outcome, outcomes.first(), connections, writers, seconds, args.open_loop_share);
        outcomes.push(outcome);
    }
    if failed {
        eprintln!(
            "Some requests failed or were answered wrongly, or tickets were lost or numbered twice: the numbers above mean nothing."
        );
        std::process::exit(EXIT_FAILED);
    }
    if missed && args.bench {
        eprintln!("Every check held, but at least one target is MISS (see the tables above).");
        std::process::exit(EXIT_MISS);
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
    let settings = ServerSettings { binary: &binary, database_url: &database_url, data_dir: &data_dir };

    // Generate through a first server, then restart: the second start is on the full data set.
    let started = Instant::now();
    let server = tools::start_server(&settings).await;
    portico::core::tls::install_provider();
    // Redirects are answers to check, not to follow.
    let client = Client::builder()
        .pool_max_idle_per_host(64)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let api = Arc::new(Api { base: server.base.clone(), token: token.clone(), client: client.clone() });
    let msp = generate::msp(api, &store, &shape, vocabulary.clone()).await;
    let generation = started.elapsed();
    for (part, took) in &msp.timings {
        println!("generated {part} in {:.1} s", took.as_secs_f64());
    }
    server.process.stop();
    let server = tools::start_server(&settings).await;
    let (base, start_up) = (server.base.clone(), server.start_up);

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
    let server_id = server.process.id();
    let run_wrk = |name: &str, requests: &[Request], marker: &str, connections: usize| {
        let profile = args.perf.as_ref().map(|folder| tools::Profile::start(folder, name, server_id));
        let measured = tools::wrk(&work, &base, requests, marker, connections, seconds);
        drop(profile);
        measured
    };
    // The latency of a scenario at a constant share of the rate wrk reached for it.
    let latency = |requests: Vec<Request>, marker: &'static str, measured: &Measured, connections: usize| {
        let rate = measured.per_second() * args.open_loop_share;
        let base = base.clone();
        async move {
            // Nothing passed under wrk: that failure is counted already.
            if rate <= 0.0 {
                return None;
            }
            Some(open_loop::run(&base, Arc::new(requests), marker, rate, connections, seconds).await)
        }
    };

    rows.push(Scenario::new(
        "healthz (HTTP stack alone)",
        connections,
        run_wrk("healthz", &[Request::get("/healthz".into(), vec![])], HEALTHZ, connections),
    ));

    let articles = msp.articles.clone();
    let page_scenarios: [(&'static str, &'static str, PagePath); 5] = [
        (LANDING_PAGE, LANDING, Box::new(|_| "/".into())),
        ("portal my tickets", MY_TICKETS, Box::new(|_| "/tickets".into())),
        (
            "portal article page",
            ARTICLE,
            Box::new(move |dice| format!("/kb/{}", articles[dice.below(articles.len())])),
        ),
        ("portal knowledge base", KNOWLEDGE_BASE, Box::new(|_| "/kb".into())),
        ("portal new-ticket form", NEW_TICKET, Box::new(|_| "/tickets/new".into())),
    ];
    for (name, marker, path) in page_scenarios.iter().filter(|(name, ..)| args.wants(name)) {
        let requests = pages(path.as_ref(), &mut dice);
        let precheck = check(&client, &base, &requests, marker).await;
        // No page to give nginx when the check failed; wrk still runs, and counts the wrong answers.
        let nginx = match &precheck {
            Ok(page) => Some(tools::start_nginx(&data_dir.join("nginx"), page).await),
            Err(_) => None,
        };
        let ceiling = nginx.as_ref().map(|(_, nginx_base)| {
            let any_path = [Request::get("/".into(), vec![])];
            tools::wrk(&work, nginx_base, &any_path, marker, connections, seconds)
        });
        let mut row = Scenario::new(name, connections, run_wrk(name, &requests, marker, connections));
        row.nginx = ceiling;
        row.precheck = precheck.err();
        if *name == LANDING_PAGE {
            row.latency = latency(requests, marker, &row.measured, connections).await;
            // The floor: nginx serving the same bytes at the same rate shows what the driver and
            // the machine add to every latency.
            if let (Some(portico), Some((_, nginx_base))) = (&row.latency, &nginx) {
                let any_path = Arc::new(vec![Request::get("/".into(), vec![])]);
                row.nginx_latency = Some(
                    open_loop::run(nginx_base, any_path, marker, portico.offered, connections, seconds).await,
                );
            }
        }
        if let Some((process, _)) = nginx {
            process.stop();
        }
        rows.push(row);
    }

    let searches_made = Searches::new(&vocabulary, &msp.article_topics);
    let searches: [(&'static str, PagePath); 2] = [
        (SEARCH, Box::new(|dice| format!("/search?q={}", searches_made.query(dice)))),
        (WORST_SEARCH, Box::new(|_| format!("/search?q={}", vocabulary.worst_query()))),
    ];
    for (name, path) in searches.iter().filter(|(name, _)| args.wants(name)) {
        let requests = pages(path.as_ref(), &mut dice);
        let precheck = check(&client, &base, &requests, SEARCH_HIT).await;
        let mut row = Scenario::new(name, writers, run_wrk(name, &requests, SEARCH_HIT, writers));
        row.precheck = precheck.err();
        row.latency = latency(requests, SEARCH_HIT, &row.measured, writers).await;
        rows.push(row);
    }

    let bearer = vec![("Authorization".to_string(), format!("Bearer {token}"))];
    if args.wants("API customer search") {
        // Names run from `Customer 00000`; without its last two digits a name matches up to
        // 100 customers, so every search finds some (a full page of 50 at the standard size).
        let requests: Vec<Request> = (0..10)
            .map(|n| {
                let name = format!("Customer {:05}", n * shape.customers / 10);
                let q = name[..name.len() - 2].replace(' ', "+");
                Request::get(format!("/api/v1/customers?q={q}&limit=50"), bearer.clone())
            })
            .collect();
        let precheck = check(&client, &base, &requests, CUSTOMER_FOUND).await;
        let name = "API customer search";
        let mut row = Scenario::new(name, writers, run_wrk(name, &requests, CUSTOMER_FOUND, writers));
        row.precheck = precheck.err();
        rows.push(row);
    }

    let mut tickets = None;
    if args.wants(TICKET_CREATION) {
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
        let mut row = Scenario::new(
            TICKET_CREATION,
            writers,
            run_wrk(TICKET_CREATION, &requests, TICKET_CREATED, writers),
        );
        row.latency = latency(requests, TICKET_CREATED, &row.measured, writers).await;
        let answered = row.measured.succeeded + row.latency.as_ref().map_or(0, |l| l.succeeded);
        let unanswered = writers as u64 + row.latency.as_ref().map_or(0, |l| l.errors);
        tickets = Some((before, answered, unanswered));
        rows.push(row);
    }

    let peak_rss_mib = server.process.peak_memory_mib();
    // Portico's graceful stop finishes the requests in flight: once it has ended, every ticket
    // that will ever be written has been, and the count is final.
    server.process.stop();
    let writes = match tickets {
        Some((before, answered, unanswered)) => Some(write_check(&store, before, answered, unanswered).await),
        None => None,
    };
    let durability = durability(&store).await;
    store.close().await;
    if args.keep_data {
        println!("\nThe data is kept: {}", portico::store::redact(&database_url));
    } else {
        generate::drop_database(&database_url).await;
        std::fs::remove_dir_all(&data_dir).ok();
    }
    Outcome { shape, rows, start_up, peak_rss_mib, generation, durability, writes }
}

/// Sends a sample of a scenario's requests once and insists on a 2xx carrying the marker, to
/// say early and plainly what is wrong (wrk and the latency driver check every answer too).
/// Returns the first body: the bytes nginx serves as the ceiling.
async fn check(client: &Client, base: &str, requests: &[Request], marker: &str) -> Result<Vec<u8>, String> {
    let mut first = None;
    for request in requests.iter().take(20) {
        let mut sent = client.get(format!("{base}{}", request.path));
        for (name, value) in &request.headers {
            sent = sent.header(name, value);
        }
        let response = sent.send().await.map_err(|error| format!("GET {}: {error}", request.path))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|error| format!("GET {}: {error}", request.path))?;
        if !status.is_success() || !String::from_utf8_lossy(&body).contains(marker) {
            let sample = tools::sample(&body);
            return Err(format!("GET {}: {status} without {marker:?}: {sample}", request.path));
        }
        first.get_or_insert(body.to_vec());
    }
    first.ok_or_else(|| "no request to check".to_string())
}

async fn ticket_count(store: &Store) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM tickets").fetch_one(store.pool()).await.unwrap().get(0)
}

async fn write_check(store: &Store, before: i64, answered: u64, unanswered: u64) -> WriteCheck {
    let row = sqlx::query("SELECT COUNT(*), COUNT(DISTINCT number), MIN(number), MAX(number) FROM tickets")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let (count, distinct, min, max): (i64, i64, i64, i64) = (row.get(0), row.get(1), row.get(2), row.get(3));
    WriteCheck {
        answered,
        unanswered,
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

fn backend_name() -> &'static str {
    if std::env::var("BENCH_DATABASE_URL").is_ok() { "postgres" } else { "sqlite" }
}
