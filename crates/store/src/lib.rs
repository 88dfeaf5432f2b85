//! Persistence: one implementation over sqlx's `Any` driver serving SQLite and PostgreSQL.
//!
//! Every query is written once in SQL both databases accept (`$n` placeholders, `RETURNING`,
//! row-value comparisons). What truly differs lives in [`dialect`].

pub mod article_html;
pub mod attachments;
pub mod audit;
mod conditions;
pub mod console_identities;
pub mod customers;
pub mod dashboard;
pub mod dialect;
pub mod end_users;
pub mod events;
pub mod followers;
pub mod groups;
pub mod identities;
pub mod import;
pub mod kb;
pub mod mail;
pub mod mfa;
pub mod notify;
pub mod passkeys;
pub mod portal_generation;
pub mod portals;
pub mod read_generations;
pub mod request_types;
pub mod sessions;
pub mod sign_in;
pub mod spent_states;
pub mod sso;
pub mod team;
pub mod tickets;
pub mod tokens;
pub mod view_tally;

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Executor, Row};
use time::OffsetDateTime;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use uuid::Uuid;

pub use dialect::Backend;
pub use portal_generation::PortalGeneration;
pub use read_generations::ReadGenerations;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// A uniqueness or reference rule of the data was broken by the input.
    #[error("{field}: {message}")]
    Conflict { field: &'static str, message: String },
    /// The object changed since the caller read it (optimistic concurrency).
    #[error("changed since revision {expected}: the current revision is {current}")]
    Stale { expected: i64, current: i64 },
    /// A filter the store will not run as asked (a search term past its bound).
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// SQLite only: other writes of this process held the database for longer than a writer
    /// waits (as long as SQLite's busy timeout, which this queue stands in front of).
    #[error("waited {0:?} for other writes to finish")]
    WriteQueueTimedOut(Duration),
}

impl StoreError {
    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    pub(crate) fn conflict(field: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict { field, message: message.into() }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { max_connections: 10, acquire_timeout: Duration::from_secs(10) }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Bumped after every commit that recorded events (here, or in another instance as heard
    /// through PostgreSQL), so dispatchers wake without polling.
    events_written: Arc<watch::Sender<u64>>,
    /// SQLite only: the one permit to write, so this process's writers queue in order instead
    /// of polling for the database lock in SQLite's busy handler (which sleeps up to 100 ms
    /// between tries). See [`Store::write_permit`].
    writers: Option<Arc<Semaphore>>,
    /// Article views not yet written (see [`view_tally`]).
    views: Arc<view_tally::ViewTally>,
    /// Bumped whenever what resolves a portal may have changed.
    portals: PortalGeneration,
    /// Bumped whenever what portal pages read from memory may have changed.
    reads: ReadGenerations,
}

/// How long a writer waits for its turn on SQLite: as long as the busy timeout it replaces
/// (`PRAGMA busy_timeout` in [`Backend::session_setup`]).
const WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// The right to write on SQLite, held until the write is over; nothing on PostgreSQL.
pub(crate) type WritePermit = Option<OwnedSemaphorePermit>;

/// A write transaction. Reads and writes go through it as through a connection; events recorded
/// with [`Tx::record`] are stored with the change, and dispatchers are woken once it commits.
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    wrote_events: bool,
    events_written: Arc<watch::Sender<u64>>,
    /// Whether this transaction wrote something a resolved portal holds.
    changes_portals: bool,
    portals: PortalGeneration,
    /// The events recorded, by kind and customer, whose read models committing makes stale.
    read_changes: Vec<(portico_domain::event::EventKind, Option<Uuid>)>,
    reads: ReadGenerations,
    /// Released after the transaction: declared last, so a dropped `Tx` queues its rollback
    /// before the next writer may begin.
    _permit: WritePermit,
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        let committed = self.inner.commit().await;
        // Before anyone hears that the commit is done, so the very next request reads anew.
        // Also after an error: the commit may have happened all the same.
        if self.changes_portals {
            self.portals.bump();
        }
        for (kind, customer_id) in &self.read_changes {
            self.reads.bump_for(Some(*kind), *customer_id);
        }
        committed?;
        if self.wrote_events {
            self.events_written.send_modify(|count| *count += 1);
        }
        Ok(())
    }

    /// Notes a write to what resolves a portal that no recorded event announces (the portal a
    /// customer gets when it is first read for update), so committing forgets resolved portals.
    pub(crate) fn portals_change(&mut self) {
        self.changes_portals = true;
    }

    pub async fn rollback(self) -> StoreResult<()> {
        Ok(self.inner.rollback().await?)
    }
}

impl Store {
    /// Opens the database named by `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str, options: &StoreOptions) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| StoreError::UnsupportedUrl(redact(url)))?;
        let connect_options: AnyConnectOptions = url.parse()?;
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(backend.tests_connections_before_use())
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    for statement in backend.session_setup() {
                        connection.execute(*statement).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect_options)
            .await?;
        let writers = (backend == Backend::Sqlite).then(|| Arc::new(Semaphore::new(1)));
        Ok(Self {
            pool,
            backend,
            events_written: Arc::new(watch::channel(0).0),
            writers,
            views: Default::default(),
            portals: PortalGeneration::default(),
            reads: ReadGenerations::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Brings the schema up to date; safe to run at every start and from several processes.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../../migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("../../migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// A transaction that will write: SQLite takes its write lock up front, so two writers
    /// wait for each other instead of failing on a lock upgrade.
    ///
    /// On SQLite the writer first takes this process's write permit (FIFO), then a connection,
    /// and holds the permit until the transaction ends: while it is open, the task must not
    /// call a [`Store`] method that writes (it would wait for its own permit), only `Tx` methods.
    pub async fn begin_write(&self) -> StoreResult<Tx> {
        let permit = self.write_permit().await?;
        Ok(Tx {
            inner: self.pool.begin_with(self.backend.begin_write()).await?,
            backend: self.backend,
            wrote_events: false,
            events_written: self.events_written.clone(),
            changes_portals: false,
            portals: self.portals.clone(),
            read_changes: Vec::new(),
            reads: self.reads.clone(),
            _permit: permit,
        })
    }

    /// The generation of what resolves portals, for a cache of resolved portals to check.
    pub fn portal_generation(&self) -> PortalGeneration {
        self.portals.clone()
    }

    /// The generations of what portal pages read, for their read models to check.
    pub fn read_generations(&self) -> ReadGenerations {
        self.reads.clone()
    }

    /// The turn to write, for a transaction or for a single statement straight on the pool.
    ///
    /// SQLite has one writer at a time. Without a queue of our own, writers that find the lock
    /// taken retry in SQLite's busy handler, which sleeps 1, 2, 5, 10 … 100 ms between tries:
    /// under load most of a write's latency is that sleep. With one permit, the writers of this
    /// process wait in line and each starts as soon as the one before it ends. Single-statement
    /// writes on the pool take it too (they are short), so they neither sleep behind a
    /// transaction nor make one sleep. Another process on the same file (the CLI) still meets
    /// the busy handler, as before. PostgreSQL locks rows, not the database: no permit there.
    ///
    /// The wait is bounded like the busy timeout was, so a mistake (a task waiting for the
    /// permit it holds) fails that request instead of hanging every writer.
    pub(crate) async fn write_permit(&self) -> StoreResult<WritePermit> {
        let Some(writers) = &self.writers else { return Ok(None) };
        match tokio::time::timeout(WRITE_QUEUE_TIMEOUT, writers.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            Ok(Err(_closed)) => unreachable!("the write queue is never closed"),
            Err(_elapsed) => Err(StoreError::WriteQueueTimedOut(WRITE_QUEUE_TIMEOUT)),
        }
    }

    /// Wakes whoever waits for new events: after a local commit, or when another instance
    /// announced one.
    pub fn events_were_written(&self) {
        self.events_written.send_modify(|count| *count += 1);
    }

    /// A receiver that changes whenever events may have been written.
    pub fn watch_events(&self) -> watch::Receiver<u64> {
        self.events_written.subscribe()
    }

    /// The `name` of the rows of `table` among `ids`, read in one query. `table` is always one of
    /// ours, never input.
    pub(crate) async fn names_in(
        &self,
        table: &'static str,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> StoreResult<std::collections::HashMap<Uuid, String>> {
        let ids: std::collections::HashSet<String> = ids.into_iter().map(|id| id.to_string()).collect();
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let mut conditions = conditions::Conditions::default();
        conditions.any_of("id", ids);
        let sql = format!("SELECT id, name FROM {table}{}", conditions.clause());
        let rows = conditions.query(sql).fetch_all(&self.pool).await?;
        rows.iter().map(|row| Ok((row.uuid("id")?, row.text("name")?))).collect()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Hides the password of a database URL before it reaches a log or an error.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// `value` as the JSON text a column keeps. Portico's own types always serialise; were one ever
/// not to, the write fails naming what, instead of the server stopping.
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(value: &T, what: &str) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{what} cannot be written: {e}")))
}

pub fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}

pub fn to_ms(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn from_ms(ms: i64) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {ms}: {e}")))
}

/// Typed reads of the portable column encodings (UUID text, millisecond timestamps, flags).
pub(crate) trait RowExt {
    fn text(&self, column: &str) -> StoreResult<String>;
    fn opt_text(&self, column: &str) -> StoreResult<Option<String>>;
    fn uuid(&self, column: &str) -> StoreResult<Uuid>;
    fn opt_uuid(&self, column: &str) -> StoreResult<Option<Uuid>>;
    fn int(&self, column: &str) -> StoreResult<i64>;
    fn time(&self, column: &str) -> StoreResult<OffsetDateTime>;
    fn opt_time(&self, column: &str) -> StoreResult<Option<OffsetDateTime>>;
    fn flag(&self, column: &str) -> StoreResult<bool>;
}

fn parse_uuid(column: &str, raw: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(raw).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

impl RowExt for AnyRow {
    fn text(&self, column: &str) -> StoreResult<String> {
        Ok(self.try_get(column)?)
    }

    fn opt_text(&self, column: &str) -> StoreResult<Option<String>> {
        Ok(self.try_get(column)?)
    }

    fn uuid(&self, column: &str) -> StoreResult<Uuid> {
        parse_uuid(column, &self.text(column)?)
    }

    fn opt_uuid(&self, column: &str) -> StoreResult<Option<Uuid>> {
        self.opt_text(column)?.map(|raw| parse_uuid(column, &raw)).transpose()
    }

    fn int(&self, column: &str) -> StoreResult<i64> {
        Ok(self.try_get(column)?)
    }

    fn time(&self, column: &str) -> StoreResult<OffsetDateTime> {
        from_ms(self.int(column)?)
    }

    fn opt_time(&self, column: &str) -> StoreResult<Option<OffsetDateTime>> {
        self.try_get::<Option<i64>, _>(column)?.map(from_ms).transpose()
    }

    /// PostgreSQL answers flags as booleans, SQLite as 0/1 integers.
    fn flag(&self, column: &str) -> StoreResult<bool> {
        match self.try_get::<bool, _>(column) {
            Ok(value) => Ok(value),
            Err(_) => Ok(self.try_get::<i64, _>(column)? != 0),
        }
    }
}

/// Maps a violation of one of several unique indexes to a conflict on the field that index guards;
/// each case is (column, field, message). Other errors pass.
pub(crate) fn unique_among(
    cases: &'static [(&'static str, &'static str, &'static str)],
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |error| {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
        {
            // PostgreSQL names the index (`portals_slug_key`); SQLite names the column (`portals.slug`).
            let names = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
            for (column, field, message) in cases {
                if names.contains(&format!("_{column}_key")) || names.contains(&format!(".{column}")) {
                    return StoreError::conflict(field, *message);
                }
            }
        }
        StoreError::Database(error)
    }
}

/// Maps a unique-index violation of the statement to a conflict on `field`; other errors pass.
pub(crate) fn unique_as(field: &'static str, message: &str) -> impl FnOnce(sqlx::Error) -> StoreError {
    let message = message.to_string();
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::conflict(field, message),
        _ => StoreError::Database(error),
    }
}

/// `(whether to write, the value)` for a nullable column: `None` leaves it alone,
/// `Some(None)` clears it, `Some(Some(v))` sets it.
pub(crate) fn clear_or_set<T>(change: Option<Option<T>>) -> (bool, Option<T>) {
    match change {
        Some(value) => (true, value),
        None => (false, None),
    }
}
