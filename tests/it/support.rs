//! Test fixtures: a real server on a random port with a fresh database, per backend.

use std::path::PathBuf;
use std::sync::Arc;

use portico::app;
use portico::config::{Config, SignInLimits};
use portico::core::Context;
use portico::events::{Consumer, DispatchSettings};
use portico::secret_key::SecretKey;
use portico::store::{Store, StoreOptions};
use portico::web::state::AppState;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::SecretString;
use serde_json::Value;
use sqlx::Connection;
use tokio::sync::oneshot;

/// Runs a test body once on SQLite and once on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(crate::support::Backend::Sqlite).await;
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(backend) = crate::support::Backend::postgres() {
                        super::$name(backend).await;
                    }
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// PostgreSQL when `TEST_DATABASE_URL` is set; else the test fails, unless skipping was
    /// asked for ([`missing`]).
    pub fn postgres() -> Option<Self> {
        if std::env::var("TEST_DATABASE_URL").is_ok() {
            return Some(Self::Postgres);
        }
        missing("PostgreSQL (TEST_DATABASE_URL)");
        None
    }
}

/// A test needs something this machine lacks. A plain `cargo test` that silently passed half
/// the suite would be a trap, so this fails the test and names the way that has everything —
/// unless `PORTICO_ALLOW_SKIPS=1` asks to skip such tests knowingly (never in CI).
pub fn missing(what: &str) {
    let allowed =
        std::env::var("PORTICO_ALLOW_SKIPS").is_ok_and(|v| v == "1") && std::env::var("CI").is_err();
    assert!(
        allowed,
        "{what} is missing. Run the suite with scripts/test, which installs and starts everything \
         it needs; or set PORTICO_ALLOW_SKIPS=1 to skip these tests knowingly."
    );
    eprintln!("SKIPPED (PORTICO_ALLOW_SKIPS=1): {what} is missing");
    // Counted where scripts/test looks, since a skipped test still reports "ok".
    let record = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests");
    let line = format!("{}: {what}\n", std::thread::current().name().unwrap_or("a test"));
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(record) {
        let _ = std::io::Write::write_all(&mut file, line.as_bytes());
    }
}

#[derive(Clone)]
pub struct Member {
    pub email: String,
    pub password: String,
    pub token: String,
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    /// The server's core, for tests that change or read through the use cases directly.
    pub core: Context,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub client: reqwest::Client,
    pub admin: Member,
    pub technician: Member,
    pub config: Arc<Config>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// Everything the process logs (at debug level) while the tests run, so tests can check that no
/// secret is ever written to the logs, by any test's server or any thread.
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

thread_local! {
    /// What this thread logged. Each test runs on its own thread, and `#[tokio::test]`'s runtime
    /// runs the test's server on that thread too: a test looking for a line it caused finds its
    /// own, never one another test wrote.
    static THREAD_LOGS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

struct LogSink;

impl std::io::Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(bytes);
        THREAD_LOGS.with(|logs| logs.borrow_mut().extend_from_slice(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::new(
            "debug,hyper=info,hyper_util=info,h2=info,rustls=info,tower=info,tower_http=debug,selectors=info,html5ever=info",
        );
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(|| LogSink)
            .try_init();
    });
}

/// What has been logged so far, by every test in this process: for "never logged" checks.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

/// What the calling test (its thread, where its server runs) has logged so far: for "it was
/// logged" checks, which another test's lines must not satisfy.
pub fn this_tests_logs() -> String {
    THREAD_LOGS.with(|logs| String::from_utf8_lossy(&logs.borrow()).into_owned())
}

/// The base URL in the line where `portico serve` says it is serving, at the address the system
/// gave it: tests start it with `--addr 127.0.0.1:0`, so no port is picked before it binds.
pub fn served_base(line: &str) -> Option<String> {
    if !line.contains("Portico is serving") {
        return None;
    }
    line.split_whitespace().find_map(|word| word.strip_prefix("addr=")).map(|addr| format!("http://{addr}"))
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portico-test-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A new folder in the temp dir, removed with everything in it when the last clone of this is
/// dropped, also when a test fails.
#[derive(Clone)]
pub struct TempDir(Arc<RemovedOnDrop>);

struct RemovedOnDrop(PathBuf);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

impl TempDir {
    /// `{prefix}-` and 12 random hex digits: short, as Chromium's socket paths inside a profile
    /// must stay under the 108 bytes a Unix socket's path may have.
    pub fn new(prefix: &str) -> Self {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", &unique[..12]));
        std::fs::create_dir_all(&dir).unwrap();
        Self(Arc::new(RemovedOnDrop(dir)))
    }
}

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0.0
    }
}

impl AsRef<std::ffi::OsStr> for TempDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.0.as_os_str()
    }
}

/// A new, empty database for one test.
async fn fresh_database(backend: Backend, data_dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}?mode=rwc", data_dir.join("portico.db").display()),
        Backend::Postgres => {
            sqlx::any::install_default_drivers();
            let admin_url = std::env::var("TEST_DATABASE_URL").unwrap();
            // Named by run (scripts/test sets PORTICO_TEST_RUN and drops the run's databases
            // afterwards, so a long-lived server does not fill its disk).
            let run: String = std::env::var("PORTICO_TEST_RUN")
                .unwrap_or_else(|_| "dev".into())
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(12)
                .collect();
            let name = format!("portico_test_{run}_{}", uuid::Uuid::now_v7().simple());
            let mut connection =
                sqlx::AnyConnection::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut connection)
                .await
                .expect("create a test database");
            connection.close().await.ok();
            let mut url = url::Url::parse(&admin_url).unwrap();
            url.set_path(&name);
            url.to_string()
        }
    }
}

async fn connect(database_url: &str) -> Store {
    Store::connect(database_url, &StoreOptions { max_connections: 5, ..Default::default() })
        .await
        .expect("connect")
}

/// The core a command-line command works through, over `store` (the CLI's own way in).
pub fn command_core(store: &Store, data_dir: &std::path::Path) -> Context {
    let storage = portico::config::StorageArgs { data_dir: data_dir.to_path_buf(), database_url: None };
    portico::cli::command_context(&storage, store.clone()).expect("the command core")
}

/// A fresh, empty database and data directory, for tests that start the binary themselves;
/// the directory goes with the last clone of it.
pub async fn empty_database(backend: Backend) -> (String, TempDir) {
    let dir = TempDir::new("portico-test");
    (fresh_database(backend, &dir).await, dir)
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_with_consumers(backend, adjust, Vec::new()).await
    }

    /// A server that also runs `consumers` of events.
    pub async fn spawn_with_consumers(
        backend: Backend,
        adjust: impl FnOnce(&mut Config),
        consumers: Vec<Arc<dyn Consumer>>,
    ) -> Self {
        capture_logs();
        let data_dir = temp_dir();
        let database_url = fresh_database(backend, &data_dir).await;
        let store = connect(&database_url).await;
        store.migrate().await.expect("migrate");
        let commands = command_core(&store, &data_dir);
        let admin = Self::member(&commands, "admin@msp.example", "Ada Admin", "admin").await;
        let technician = Self::member(&commands, "tech@msp.example", "Tim Tech", "technician").await;
        Self::start(store, database_url, data_dir, admin, technician, adjust, consumers).await
    }

    /// One more server on this one's database, as behind a load balancer.
    pub async fn another_instance(&self) -> Self {
        self.another_instance_with(Vec::new()).await
    }

    /// One more server on this one's database, running `consumers` of events too.
    pub async fn another_instance_with(&self, consumers: Vec<Arc<dyn Consumer>>) -> Self {
        self.another(|_| {}, consumers).await
    }

    /// One more server on this one's database, configured by `adjust`.
    pub async fn another_instance_configured(&self, adjust: impl FnOnce(&mut Config)) -> Self {
        self.another(adjust, Vec::new()).await
    }

    async fn another(&self, adjust: impl FnOnce(&mut Config), consumers: Vec<Arc<dyn Consumer>>) -> Self {
        let store = connect(&self.database_url).await;
        Self::start(
            store,
            self.database_url.clone(),
            temp_dir(),
            self.admin.clone(),
            self.technician.clone(),
            adjust,
            consumers,
        )
        .await
    }

    async fn start(
        store: Store,
        database_url: String,
        data_dir: PathBuf,
        admin: Member,
        technician: Member,
        adjust: impl FnOnce(&mut Config),
        consumers: Vec<Arc<dyn Consumer>>,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = Config {
            addr,
            public_url: url::Url::parse(&format!("http://{addr}")).unwrap(),
            data_dir: data_dir.clone(),
            database_url: SecretString::from(database_url.clone()),
            secret_key: SecretKey::from_material("test key material that is long enough").unwrap(),
            session_idle: std::time::Duration::from_secs(3600),
            session_max: std::time::Duration::from_secs(8 * 3600),
            sign_in_limits: SignInLimits::default(),
            db_max_connections: Some(5),
            portal_session_idle: std::time::Duration::from_secs(3600),
            portal_session_max: std::time::Duration::from_secs(8 * 3600),
            portal_domain: None,
            allow_insecure_idp: true,
            demo_idp_issuer: None,
            console_sso: None,
            console_password_sign_in: true,
            trusted_proxies: Default::default(),
            events: DispatchSettings { poll: std::time::Duration::from_millis(200), ..Default::default() },
            article_views_flush: std::time::Duration::from_secs(5),
            metrics_token: None,
            mail: Default::default(),
            attachments: portico::attachments::settings::AttachmentSettings::local(&data_dir),
        };
        adjust(&mut config);
        let core = Context::with_consumers(config, store.clone(), consumers).expect("the server's core");
        let state = AppState::new(core);
        let config = state.config.clone();
        let core = state.core.clone();
        let (shutdown, signal) = oneshot::channel::<()>();
        let server = tokio::spawn(app::serve(listener, state, async move {
            signal.await.ok();
        }));
        Self {
            base: format!("http://{addr}"),
            store,
            core,
            data_dir,
            database_url,
            client: client(),
            admin,
            technician,
            config,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    async fn member(core: &Context, email: &str, name: &str, role: &str) -> Member {
        let password = "a long test password".to_string();
        portico::cli::create_team_member(core, email, name, role, Some(password.clone())).await.unwrap();
        let (_, token) = portico::cli::create_token(core, email, "tests").await.unwrap();
        Member { email: email.into(), password, token }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// An API request with the given bearer token.
    pub fn api(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client.request(method, self.url(&format!("/api/v1{path}"))).bearer_auth(token)
    }

    pub async fn get_json(&self, path: &str, token: &str) -> (StatusCode, Value) {
        send(self.api(Method::GET, path, token)).await
    }

    pub async fn post_json(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        send(self.api(Method::POST, path, token).json(&body)).await
    }

    pub async fn patch_json(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        send(self.api(Method::PATCH, path, token).json(&body)).await
    }

    /// Changes a customer's portal document as an admin would through the API: read it, change
    /// it, save it over the revision read.
    pub async fn update_portal(&self, customer_id: &str, change: impl FnOnce(&mut Value)) -> Value {
        let (_, mut document) =
            self.get_json(&format!("/customers/{customer_id}/portal"), &self.admin.token).await;
        change(&mut document);
        let revision = document["revision"].to_string();
        let (status, saved) = send(
            self.api(Method::PUT, &format!("/customers/{customer_id}/portal"), &self.admin.token)
                .header("if-match", revision)
                .json(&document),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        saved
    }

    /// A console client (own cookie jar) signed in as `member`.
    pub async fn console(&self, email: &str, password: &str) -> Console {
        let console = Console { base: self.base.clone(), client: client() };
        let response = console.sign_in(email, password).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "sign-in should redirect");
        console
    }

    /// Asks the server to stop: it stops accepting, and finishes what it is serving.
    pub fn begin_shutdown(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.send(()).ok();
        }
    }

    /// Waits until the server has finished every in-flight request and returned.
    pub async fn stopped(&mut self) {
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.send(()).ok();
        }
        std::fs::remove_dir_all(&self.data_dir).ok();
    }
}

pub fn client() -> reqwest::Client {
    client_builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A client builder, once the process's TLS provider is installed (reqwest is built without one
/// of its own, as Portico is).
pub fn client_builder() -> reqwest::ClientBuilder {
    portico::core::tls::install_provider();
    reqwest::Client::builder()
}

/// A plain client: no cookies, redirects followed as reqwest does by default.
pub fn plain_client() -> reqwest::Client {
    client_builder().build().unwrap()
}

pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request");
    json_of(response).await
}

pub async fn json_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// Asserts a problem document that names `field`.
pub fn assert_problem_names(status: StatusCode, body: &Value, expected: StatusCode, field: &str) {
    assert_eq!(status, expected, "unexpected status; body: {body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map_or(Vec::new(), |errors| errors.iter().filter_map(|e| e["field"].as_str()).collect());
    assert!(fields.contains(&field), "expected the problem to name `{field}`, got {body}");
    assert!(body["type"].as_str().is_some_and(|t| t.starts_with("urn:portico:problem:")), "{body}");
    assert_eq!(body["status"], expected.as_u16(), "{body}");
}

/// A browser-like console session: its own cookies, no redirects followed.
pub struct Console {
    pub base: String,
    pub client: reqwest::Client,
}

impl Console {
    pub fn anonymous(base: &str) -> Self {
        Self { base: base.to_string(), client: client() }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap()
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        let page = self.page("/admin/login").await;
        let csrf = hidden_value(&page, "_csrf");
        self.client
            .post(format!("{}/admin/login", self.base))
            .form(&[("_csrf", csrf.as_str()), ("email", email), ("password", password), ("next", "")])
            .send()
            .await
            .unwrap()
    }

    /// Posts a form from the page at `page_path`, with that page's CSRF token.
    pub async fn submit(&self, page_path: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let page = self.page(page_path).await;
        let csrf = hidden_value(&page, "_csrf");
        let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_form(action, &form).await
    }

    pub async fn post_form(&self, action: &str, fields: &[(&str, &str)]) -> Response {
        self.client.post(format!("{}{action}", self.base)).form(fields).send().await.unwrap()
    }
}

/// The value of the first hidden input named `name` in an HTML page.
pub fn hidden_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} field in page")) + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_string()
}

pub fn location(response: &Response) -> String {
    response.headers().get("location").expect("a redirect").to_str().unwrap().to_string()
}

/// Where a redirect goes, without the query (a save's confirmation) or fragment.
pub fn location_path(response: &Response) -> String {
    location(response).split(['?', '#']).next().unwrap().to_string()
}

/// Waits until every shared consumer of events (the audit log among them) has handled every
/// event recorded so far.
pub async fn events_settled(store: &Store) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let last = store.last_event_seq().await.unwrap();
        let states = store.consumer_states().await.unwrap();
        if !states.is_empty() && states.iter().all(|c| c.position >= last) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "events not delivered in time: {states:?}, last {last}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Waits (bounded) until every event has reached its consumers and every mail they queued has
/// left the outbox, sent or failed for good: after it, nothing more will be mailed unasked.
pub async fn mail_settled(store: &Store) {
    events_settled(store).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (pending,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM mail_outbox WHERE state IN ('queued', 'sending')")
                .fetch_one(store.pool())
                .await
                .unwrap();
        if pending == 0 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{pending} mails still waiting to be sent");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The rows of a table, as the store sees them, to prove a refused request changed nothing.
/// Events already recorded are delivered first, so the audit log holds everything done so far.
pub async fn snapshot(store: &Store, table: &str) -> Vec<String> {
    use sqlx::Row;
    events_settled(store).await;
    let sql = format!("SELECT * FROM {table} ORDER BY 1");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(store.pool()).await.unwrap();
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    row.try_get::<Option<String>, _>(i)
                        .map(|v| format!("{v:?}"))
                        .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                        .or_else(|_| row.try_get::<Option<bool>, _>(i).map(|v| format!("{v:?}")))
                        .unwrap_or_else(|_| "?".into())
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// Starts `portico serve` (the binary cargo built) on `database` at a port the system gives it,
/// and returns the process with its base URL once it serves. The caller ends it by its id.
pub fn spawn_portico(
    database: &(String, TempDir),
    env: &[(&str, &str)],
) -> (crate::processes::ServerProcess, String) {
    use std::io::BufRead;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_portico"));
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("PORTICO_DATA_DIR", &database.1)
        .env("DATABASE_URL", &database.0)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = crate::processes::ServerProcess::spawn(command).unwrap();
    let mut lines = std::io::BufReader::new(child.take_stderr().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("the server logs that it is serving").unwrap();
        if let Some(base) = served_base(&line) {
            break base;
        }
    };
    // Keep reading its logs so a full pipe never blocks it, into a file a failing test can show.
    let log = database.1.join(format!("portico-{}.log", child.id()));
    std::thread::spawn(move || {
        let mut file = std::fs::File::create(log).ok();
        for line in lines.map_while(Result::ok) {
            if let Some(file) = &mut file {
                let _ = std::io::Write::write_all(file, format!("{line}\n").as_bytes());
            }
        }
    });
    (child, base)
}

/// A migrated database with an admin (ops@msp.example), for tests that run the binary on it;
/// with a store on it and the admin's API token.
pub async fn database_with_admin(backend: Backend) -> ((String, TempDir), Store, String) {
    let database = empty_database(backend).await;
    let store = portico::store::Store::connect(&database.0, &Default::default()).await.unwrap();
    store.migrate().await.unwrap();
    let commands = command_core(&store, &database.1);
    let password = Some("a long test password".to_string());
    portico::cli::create_team_member(&commands, "ops@msp.example", "Olga Ops", "admin", password)
        .await
        .unwrap();
    let (_, token) = portico::cli::create_token(&commands, "ops@msp.example", "tests").await.unwrap();
    (database, store, token)
}

/// [`spawn_portico`] from async code: started off the test's thread, which it would block until
/// the server says it serves.
pub async fn serve_portico(
    database: &(String, TempDir),
    env: &[(&str, &str)],
) -> (crate::processes::ServerProcess, String) {
    let database = database.clone();
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        spawn_portico(&database, &env)
    })
    .await
    .unwrap()
}
