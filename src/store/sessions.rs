//! Server-side console sessions. The cookie carries a random token; only its hash is stored.

use time::OffsetDateTime;

use super::{RowExt, Store, StoreResult, now_ms, to_ms};
use crate::auth::secret::TokenHash;
use crate::domain::team::TeamMember;

#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub csrf_token: String,
    /// When the member signed in (with every step) to make this session.
    pub signed_in_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub member: TeamMember,
    /// Whether the member's second step is on, and whether the MSP requires it: read with the
    /// session, so a change takes effect on the next request.
    pub mfa_on: bool,
    pub mfa_required: bool,
}

impl Store {
    pub async fn create_console_session(
        &self,
        token_hash: &TokenHash,
        member: &TeamMember,
        csrf_token: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO console_sessions (token_hash, team_member_id, csrf_token, created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(token_hash.as_str())
        .bind(member.id.to_string())
        .bind(csrf_token)
        .bind(now)
        .bind(to_ms(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session for `token_hash`: not past its absolute expiry nor idle for longer
    /// than `idle_ms`, and its team member still active. Touches `last_seen_at` now and then.
    pub async fn console_session(
        &self,
        token_hash: &TokenHash,
        idle_ms: i64,
    ) -> StoreResult<Option<ConsoleSession>> {
        let now = now_ms();
        let row = sqlx::query(
            "SELECT s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, s.team_member_id,
               (SELECT COUNT(*) FROM team_member_totp t
                 WHERE t.team_member_id = s.team_member_id AND t.enabled_at IS NOT NULL)
               + (SELECT COUNT(*) FROM console_passkeys p WHERE p.team_member_id = s.team_member_id) AS mfa_on,
               COALESCE((SELECT c.mfa_required FROM console_settings c WHERE c.id = 1), FALSE) AS mfa_required
             FROM console_sessions s
             JOIN team_members m ON m.id = s.team_member_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND m.active = $4",
        )
        .bind(token_hash.as_str())
        .bind(now)
        .bind(now - idle_ms)
        .bind(true)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let last_seen = row.int("last_seen_at")?;
        // Sliding the idle window costs a write; doing it once a minute is plenty.
        if now - last_seen > 60_000 {
            let _permit = self.write_permit().await?;
            sqlx::query("UPDATE console_sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash.as_str())
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(ConsoleSession {
            csrf_token: row.text("csrf_token")?,
            signed_in_at: row.time("created_at")?,
            last_seen_at: row.time("last_seen_at")?,
            expires_at: row.time("expires_at")?,
            member: self.team_member(row.uuid("team_member_id")?).await?,
            mfa_on: row.int("mfa_on")? > 0,
            mfa_required: row.flag("mfa_required")?,
        }))
    }

    pub async fn delete_console_session(&self, token_hash: &TokenHash) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query("DELETE FROM console_sessions WHERE token_hash = $1")
            .bind(token_hash.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes sessions past their absolute expiry or idle too long; returns how many.
    pub async fn delete_stale_console_sessions(&self, idle_ms: i64) -> StoreResult<u64> {
        let _permit = self.write_permit().await?;
        let now = now_ms();
        let done = sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now)
            .bind(now - idle_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
