//! Sign-in states that came back from an IdP, remembered until they expire so that each is used
//! once. Only answers carrying a state Portico sealed are recorded: anonymous requests with
//! made-up states write nothing.

use super::{Store, StoreResult, now_ms, to_ms};
use portico_domain::secret::TokenHash;

impl Store {
    /// Marks the state spent; `false` when it already was (a replay).
    pub async fn spend_login_state(
        &self,
        state_hash: &TokenHash,
        expires_at: time::OffsetDateTime,
    ) -> StoreResult<bool> {
        let _permit = self.write_permit().await?;
        let done = sqlx::query(
            "INSERT INTO spent_login_states (state_hash, expires_at) VALUES ($1, $2) ON CONFLICT (state_hash) DO NOTHING",
        )
        .bind(state_hash.as_str())
        .bind(to_ms(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets spent states once they could no longer be accepted anyway.
    pub async fn prune_spent_login_states(&self) -> StoreResult<u64> {
        let _permit = self.write_permit().await?;
        let done = sqlx::query("DELETE FROM spent_login_states WHERE expires_at <= $1")
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
