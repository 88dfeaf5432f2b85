//! `portico backup`: a consistent copy of the whole database, taken while the server runs.
//!
//! SQLite copies itself with `VACUUM INTO` (one read transaction, so the copy is a snapshot) and
//! the copy is checked before it is kept. PostgreSQL is copied by its own tool, `pg_dump`, in its
//! custom format for `pg_restore`. Either way the copy is written under a temporary name and
//! renamed into place only when complete, and an existing file is never overwritten.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use sqlx::Connection;

use portico_store::{Backend, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists: a backup never overwrites a file; choose a new name")]
    OutputExists(PathBuf),
    #[error("the folder {0} does not exist")]
    NoSuchFolder(PathBuf),
    #[error(
        "`{0}` was not found: PostgreSQL databases are backed up with pg_dump \
         (Debian package postgresql-client), or name it with --pg-dump"
    )]
    PgDumpMissing(String),
    #[error("pg_dump failed: {0}")]
    PgDumpFailed(String),
    #[error("the copy failed its integrity check: {0}")]
    Damaged(String),
    #[error("the database URL cannot be read: {0}")]
    BadUrl(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// What was written.
#[derive(Debug)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    /// How to restore this kind of backup, for the operator.
    pub restore_hint: &'static str,
}

/// Copies the database `store` serves into `output`.
pub async fn back_up(
    store: &Store,
    database_url: &SecretString,
    output: &Path,
    pg_dump: &str,
) -> Result<Backup, BackupError> {
    if output.exists() {
        return Err(BackupError::OutputExists(output.to_path_buf()));
    }
    let folder = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(BackupError::NoSuchFolder(folder));
    }
    let partial = output.with_file_name(format!(
        ".{}.partial-{}",
        output.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        uuid::Uuid::now_v7().simple()
    ));
    let written = match store.backend() {
        Backend::Sqlite => copy_sqlite(store, &partial).await,
        Backend::Postgres => dump_postgres(database_url, &partial, pg_dump).await,
    };
    if let Err(error) = written {
        std::fs::remove_file(&partial).ok();
        return Err(error);
    }
    // A hard link fails if `output` appeared meanwhile, where a rename would replace it.
    let io = |source| BackupError::Io { path: output.to_path_buf(), source };
    let placed = match std::fs::hard_link(&partial, output) {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(BackupError::OutputExists(output.to_path_buf()))
        }
        // A file system without hard links: the existence check above has to do.
        Err(_) => std::fs::rename(&partial, output).map_err(io),
        Ok(()) => Ok(()),
    };
    std::fs::remove_file(&partial).ok();
    placed?;
    let bytes = std::fs::metadata(output).map_err(io)?.len();
    let restore_hint = match store.backend() {
        Backend::Sqlite => {
            "stop Portico, then put the file in place of portico.db (or point DATABASE_URL at it)"
        }
        Backend::Postgres => "pg_restore --clean --if-exists --no-owner --dbname <database URL> <file>",
    };
    Ok(Backup { path: output.to_path_buf(), bytes, restore_hint })
}

async fn copy_sqlite(store: &Store, partial: &Path) -> Result<(), BackupError> {
    let target = partial.to_string_lossy().into_owned();
    // The copy holds password and token hashes: readable by its owner only, from the start.
    create_private(partial)?;
    sqlx::query("VACUUM INTO $1").bind(&target).execute(store.pool()).await.map_err(StoreError::from)?;
    // A bare read-only connection: the store's session setup would write to the copy.
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(partial).read_only(true);
    let mut copy = sqlx::SqliteConnection::connect_with(&options).await.map_err(StoreError::from)?;
    let verdict: Result<String, sqlx::Error> =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut copy).await;
    copy.close().await.ok();
    match verdict.map_err(StoreError::from)? {
        verdict if verdict == "ok" => Ok(()),
        problem => Err(BackupError::Damaged(problem)),
    }
}

async fn dump_postgres(
    database_url: &SecretString,
    partial: &Path,
    pg_dump: &str,
) -> Result<(), BackupError> {
    // The password travels in the environment, not on a command line others can list.
    let mut url = url::Url::parse(database_url.expose_secret())
        .map_err(|error| BackupError::BadUrl(error.to_string()))?;
    let mut password =
        url.password().map(|p| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned());
    let _ = url.set_password(None);
    // A password given as a query parameter travels the same way; options only sqlx knows
    // would make pg_dump refuse the URL.
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(key, value)| match key.as_ref() {
            "password" => {
                password = Some(value.into_owned());
                None
            }
            "statement-cache-capacity" => None,
            _ => Some((key.into_owned(), value.into_owned())),
        })
        .collect();
    url.set_query(None);
    if !kept.is_empty() {
        url.query_pairs_mut().extend_pairs(kept);
    }
    create_private(partial)?;
    let mut command = tokio::process::Command::new(pg_dump);
    command
        .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
        .arg(partial)
        .arg("--dbname")
        .arg(url.as_str())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let finished = match command.output().await {
        Ok(finished) => finished,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackupError::PgDumpMissing(pg_dump.to_string()));
        }
        Err(source) => return Err(BackupError::Io { path: PathBuf::from(pg_dump), source }),
    };
    if finished.status.success() {
        Ok(())
    } else {
        let said = String::from_utf8_lossy(&finished.stderr).trim().to_string();
        Err(BackupError::PgDumpFailed(if said.is_empty() { finished.status.to_string() } else { said }))
    }
}

/// Creates `path` empty with owner-only permissions, so the data never sits in a readable file.
fn create_private(path: &Path) -> Result<(), BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop).map_err(|source| BackupError::Io { path: path.to_path_buf(), source })
}
