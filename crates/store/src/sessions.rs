//! Server-side sessions, both kinds: a team member's in the console and an end user's in their
//! portal (valid only at the portal that opened it). The cookie carries a random token; only its
//! hash is stored. Each kind opens and reads its own way; their lifetimes are kept alike: an
//! absolute expiry, an idle window slid at most once a minute, and one way to end and sweep them.

use time::OffsetDateTime;
use uuid::Uuid;

use super::end_users::end_user;
use super::{RowExt, Store, StoreResult, Tx, now_ms, to_ms};
use portico_domain::secret::TokenHash;
pub use portico_domain::session::{ConsoleSession, PortalSession};
use portico_domain::team::TeamMember;

/// The two kinds of session, each in its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Console,
    Portal,
}

impl SessionKind {
    fn table(self) -> &'static str {
        match self {
            Self::Console => "console_sessions",
            Self::Portal => "portal_sessions",
        }
    }
}

/// Sliding the idle window costs a write; doing it once a minute is plenty.
pub const TOUCH_EVERY_MS: i64 = 60_000;

/// A portal session as read, with the times that bound its life.
#[derive(Debug, Clone)]
pub struct LivePortalSession {
    pub session: PortalSession,
    pub expires_at_ms: i64,
    pub last_seen_at_ms: i64,
}

/// A portal session to open after a successful sign-in.
pub struct NewPortalSession<'a> {
    pub token_hash: &'a TokenHash,
    pub customer_id: Uuid,
    pub end_user_id: Uuid,
    pub sso_config_id: Uuid,
    pub csrf_token: &'a str,
    /// The id_token, sealed: the hint for the IdP's logout.
    pub sealed_id_token: Option<&'a str>,
    pub expires_at: OffsetDateTime,
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
        if now - row.int("last_seen_at")? > TOUCH_EVERY_MS {
            self.touch_session(SessionKind::Console, token_hash.as_str(), now).await?;
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

    pub async fn create_portal_session(&self, session: &NewPortalSession<'_>) -> StoreResult<()> {
        let now = now_ms();
        let _permit = self.write_permit().await?;
        sqlx::query(
            "INSERT INTO portal_sessions (token_hash, customer_id, end_user_id, sso_config_id, csrf_token, id_token,
                                          created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
        )
        .bind(session.token_hash.as_str())
        .bind(session.customer_id.to_string())
        .bind(session.end_user_id.to_string())
        .bind(session.sso_config_id.to_string())
        .bind(session.csrf_token)
        .bind(session.sealed_id_token)
        .bind(now)
        .bind(to_ms(session.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session for `token_hash` at this customer's portal: not expired, not idle too
    /// long, its end user still active, the configuration it came through still enabled. A
    /// session of another portal is simply not found. One query reads the session and its end
    /// user (the end user's columns as they are, the session's under `session_` names). Reading
    /// does not slide the idle window: [`Store::touch_portal_session`] does, when the caller
    /// decides it is due.
    pub async fn portal_session(
        &self,
        token_hash: &TokenHash,
        customer_id: Uuid,
        idle_ms: i64,
    ) -> StoreResult<Option<LivePortalSession>> {
        let now = now_ms();
        let row = sqlx::query(
            "SELECT u.*, s.sso_config_id AS session_sso_config_id, s.csrf_token AS session_csrf_token,
                    s.id_token AS session_id_token, s.last_seen_at AS session_last_seen_at,
                    s.expires_at AS session_expires_at
             FROM portal_sessions s JOIN end_users u ON u.id = s.end_user_id
               JOIN sso_configs c ON c.id = s.sso_config_id
             WHERE s.token_hash = $1 AND s.customer_id = $2 AND u.customer_id = $2 AND c.enabled = $5
               AND s.expires_at > $3 AND s.last_seen_at > $4",
        )
        .bind(token_hash.as_str())
        .bind(customer_id.to_string())
        .bind(now)
        .bind(now - idle_ms)
        .bind(true)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let end_user = end_user(&row)?;
        if !end_user.active {
            return Ok(None);
        }
        Ok(Some(LivePortalSession {
            last_seen_at_ms: row.int("session_last_seen_at")?,
            expires_at_ms: row.int("session_expires_at")?,
            session: PortalSession {
                customer_id,
                sso_config_id: row.uuid("session_sso_config_id")?,
                csrf_token: row.text("session_csrf_token")?,
                id_token: row.opt_text("session_id_token")?,
                end_user,
            },
        }))
    }

    /// Slides portal sessions' idle windows, each to when it was last used, in one transaction:
    /// one commit (one disk flush) for every session in use, however many.
    pub async fn touch_portal_sessions(&self, touches: &[(TokenHash, i64)]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (token_hash, last_used_ms) in touches {
            sqlx::query(
                "UPDATE portal_sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1",
            )
            .bind(last_used_ms)
            .bind(token_hash.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    async fn touch_session(&self, kind: SessionKind, token_hash: &str, now: i64) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET last_seen_at = $1 WHERE token_hash = $2",
            kind.table()
        )))
        .bind(now)
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends the session of this kind whose token hashes to `token_hash` (signing out).
    pub async fn delete_session(&self, kind: SessionKind, token_hash: &TokenHash) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {} WHERE token_hash = $1", kind.table())))
            .bind(token_hash.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes sessions of this kind past their absolute expiry or idle too long; returns how many.
    pub async fn delete_stale_sessions(&self, kind: SessionKind, idle_ms: i64) -> StoreResult<u64> {
        let _permit = self.write_permit().await?;
        let now = now_ms();
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {} WHERE expires_at <= $1 OR last_seen_at <= $2",
            kind.table()
        )))
        .bind(now)
        .bind(now - idle_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

impl Tx {
    /// Ends the portal session whose token hashes to `token_hash` (signing out).
    pub async fn end_portal_session(&mut self, token_hash: &TokenHash) -> StoreResult<()> {
        sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1")
            .bind(token_hash.as_str())
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    /// Ends every portal session of an end user (deactivated).
    pub async fn end_portal_sessions_of(&mut self, end_user_id: Uuid) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM portal_sessions WHERE end_user_id = $1")
            .bind(end_user_id.to_string())
            .execute(&mut **self)
            .await?;
        Ok(done.rows_affected())
    }

    /// Ends every portal session opened through a configuration (it was disabled).
    pub async fn end_sessions_of_sso_config(&mut self, id: Uuid) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM portal_sessions WHERE sso_config_id = $1")
            .bind(id.to_string())
            .execute(&mut **self)
            .await?;
        Ok(done.rows_affected())
    }
}
