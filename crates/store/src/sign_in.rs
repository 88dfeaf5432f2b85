//! Failed console sign-ins, counted in the database so every instance sees the same limit.

use super::dialect::Backend;
use super::{RowExt, Store, StoreResult, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentFailures {
    pub for_email: i64,
    pub from_ip: i64,
    /// When the oldest counted failure leaves the window (ms), for `Retry-After`.
    pub oldest_at: Option<i64>,
}

/// The outcome of asking for a password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted already as a failure (row `id`) until the check succeeds and releases it.
    Reserved(i64),
    Limited(RecentFailures),
}

impl Store {
    /// Counts the recent attempts and, under the limits, records this one, in one write
    /// transaction: checking and recording apart let a burst all pass the check before any was
    /// recorded (the password check between them is slow on purpose).
    pub async fn reserve_sign_in_attempt(
        &self,
        email: &str,
        client_ip: &str,
        window_ms: i64,
        per_account: i64,
        per_address: i64,
    ) -> StoreResult<Attempt> {
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            // Serialises reservations (SQLite's BEGIN IMMEDIATE already does); readers go on.
            sqlx::query("LOCK TABLE sign_in_failures IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
        }
        let recent = recent_failures(&mut tx, email, client_ip, window_ms).await?;
        if recent.for_email >= per_account || recent.from_ip >= per_address {
            tx.rollback().await?;
            return Ok(Attempt::Limited(recent));
        }
        let row = sqlx::query(
            "INSERT INTO sign_in_failures (email, client_ip, failed_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(email)
        .bind(client_ip)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let id = row.int("id")?;
        tx.commit().await?;
        Ok(Attempt::Reserved(id))
    }

    /// A reserved attempt whose check succeeded no longer counts.
    pub async fn release_sign_in_attempt(&self, id: i64) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// A successful sign-in forgives the account's earlier failures.
    pub async fn clear_sign_in_failures(&self, email: &str) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE email = $1").bind(email).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn prune_sign_in_failures(&self, window_ms: i64) -> StoreResult<u64> {
        let _permit = self.write_permit().await?;
        let done = sqlx::query("DELETE FROM sign_in_failures WHERE failed_at <= $1")
            .bind(now_ms() - window_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

async fn recent_failures(
    connection: &mut sqlx::AnyConnection,
    email: &str,
    client_ip: &str,
    window_ms: i64,
) -> StoreResult<RecentFailures> {
    let since = now_ms() - window_ms;
    let row = sqlx::query(
        "SELECT
           (SELECT COUNT(*) FROM sign_in_failures WHERE email = $1 AND failed_at > $3) AS for_email,
           (SELECT COUNT(*) FROM sign_in_failures WHERE client_ip = $2 AND failed_at > $3) AS from_ip,
           (SELECT MIN(failed_at) FROM sign_in_failures WHERE (email = $1 OR client_ip = $2) AND failed_at > $3) AS oldest_at",
    )
    .bind(email)
    .bind(client_ip)
    .bind(since)
    .fetch_one(&mut *connection)
    .await?;
    Ok(RecentFailures {
        for_email: row.int("for_email")?,
        from_ip: row.int("from_ip")?,
        oldest_at: sqlx::Row::try_get(&row, "oldest_at")?,
    })
}
