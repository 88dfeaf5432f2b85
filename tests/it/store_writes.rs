//! Writes on SQLite queue for the process's one write permit instead of polling for the
//! database lock in SQLite's busy handler.

use crate::support::{Backend, TestApp};

/// 32 write transactions and 32 single-statement writes at once all succeed with SQLite's busy
/// handler switched off: no writer ever found the database locked by another, so none waited
/// in the handler's sleeps. The counter they share (the one ticket numbers come from) ends
/// with no gap and no duplicate.
#[tokio::test]
async fn concurrent_writes_on_sqlite_queue_for_their_turn_and_all_commit() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    without_busy_handler(&app).await;

    let transactions: Vec<_> = (0..32)
        .map(|_| {
            let store = app.store.clone();
            tokio::spawn(async move {
                let mut tx = store.begin_write().await?;
                let row = sqlx::query(
                    "UPDATE ticket_numbers SET last_value = last_value + 1 WHERE id = 1 RETURNING last_value",
                )
                .fetch_one(&mut *tx)
                .await?;
                // Hold the lock across a turn of the scheduler, so the others surely queue.
                tokio::task::yield_now().await;
                tx.commit().await?;
                Ok::<i64, portico::store::StoreError>(sqlx::Row::get(&row, "last_value"))
            })
        })
        .collect();
    let statements: Vec<_> = (0..32)
        .map(|n| {
            let store = app.store.clone();
            tokio::spawn(async move { store.clear_sign_in_failures(&format!("user{n}@example.com")).await })
        })
        .collect();

    let mut numbers = Vec::new();
    for transaction in transactions {
        numbers.push(transaction.await.unwrap().expect("every write transaction commits"));
    }
    for statement in statements {
        statement.await.unwrap().expect("every single-statement write succeeds");
    }
    numbers.sort();
    assert_eq!(numbers, (1..=32).collect::<Vec<i64>>(), "no gap, no duplicate");
}

/// Sets `busy_timeout = 0` on every pooled connection: a writer that meets the lock fails at once.
async fn without_busy_handler(app: &TestApp) {
    let mut held = Vec::new();
    for _ in 0..app.store.pool().options().get_max_connections() {
        let mut connection = app.store.pool().acquire().await.unwrap();
        sqlx::query("PRAGMA busy_timeout = 0").execute(&mut *connection).await.unwrap();
        held.push(connection);
    }
}

/// Every SQLite connection acknowledges a commit only once it is on disk (WAL with
/// `synchronous = FULL`), as the README's durability paragraph says.
#[tokio::test]
async fn sqlite_commits_are_on_disk_before_they_are_acknowledged() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Several connections at once, so more than the first one of the pool is asked.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut connection = app.store.pool().acquire().await.unwrap();
        let (mode,): (String,) =
            sqlx::query_as("PRAGMA journal_mode").fetch_one(&mut *connection).await.unwrap();
        let (level,): (i64,) =
            sqlx::query_as("PRAGMA synchronous").fetch_one(&mut *connection).await.unwrap();
        assert_eq!((mode.as_str(), level), ("wal", 2), "WAL, and FULL (2) on every connection");
        held.push(connection);
    }
}
