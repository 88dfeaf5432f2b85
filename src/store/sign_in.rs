//! Failed console sign-ins, counted in the database so every instance sees the same limit.

use super::{RowExt, Store, StoreResult, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentFailures {
    pub for_email: i64,
    pub from_ip: i64,
    /// When the oldest counted failure leaves the window (ms), for `Retry-After`.
    pub oldest_at: Option<i64>,
}

impl Store {
    pub async fn record_sign_in_failure(&self, email: &str, client_ip: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO sign_in_failures (email, client_ip, failed_at) VALUES ($1, $2, $3)")
            .bind(email)
            .bind(client_ip)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn recent_sign_in_failures(
        &self,
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
        .fetch_one(&self.pool)
        .await?;
        Ok(RecentFailures {
            for_email: row.int("for_email")?,
            from_ip: row.int("from_ip")?,
            oldest_at: sqlx::Row::try_get(&row, "oldest_at")?,
        })
    }

    /// A successful sign-in forgives the account's earlier failures.
    pub async fn clear_sign_in_failures(&self, email: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE email = $1").bind(email).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn prune_sign_in_failures(&self, window_ms: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sign_in_failures WHERE failed_at <= $1")
            .bind(now_ms() - window_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
