//! End users' portal sessions: valid only at the portal that opened them.

use time::OffsetDateTime;
use uuid::Uuid;

use super::end_users::end_user;
use super::{RowExt, Store, StoreResult, Tx, now_ms, to_ms};
use crate::auth::secret::TokenHash;
use crate::domain::end_user::EndUser;

/// A session to open after a successful sign-in.
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

#[derive(Debug, Clone)]
pub struct PortalSession {
    pub customer_id: Uuid,
    pub sso_config_id: Uuid,
    pub csrf_token: String,
    /// Sealed id_token, the hint for the IdP's logout.
    pub id_token: Option<String>,
    pub end_user: EndUser,
}

impl PortalSession {
    /// The signed-in end user, as the actor of what they do in their portal.
    pub fn actor(&self) -> crate::domain::actor::Actor {
        crate::domain::actor::Actor::end_user(&self.end_user)
    }
}

impl Store {
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
    /// user (the end user's columns as they are, the session's under `session_` names).
    pub async fn portal_session(
        &self,
        token_hash: &TokenHash,
        customer_id: Uuid,
        idle_ms: i64,
    ) -> StoreResult<Option<PortalSession>> {
        let now = now_ms();
        let row = sqlx::query(
            "SELECT u.*, s.sso_config_id AS session_sso_config_id, s.csrf_token AS session_csrf_token,
                    s.id_token AS session_id_token, s.last_seen_at AS session_last_seen_at
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
        if now - row.int("session_last_seen_at")? > 60_000 {
            // Off the request path: the page need not wait for a write. Losing a touch (the
            // process stops first) only makes the session's idle time count from the one
            // before, at most a minute earlier.
            let (store, token_hash) = (self.clone(), token_hash.as_str().to_string());
            tokio::spawn(async move {
                if let Err(error) = store.touch_portal_session(&token_hash, now).await {
                    tracing::warn!(%error, "could not note a portal session's last use");
                }
            });
        }
        Ok(Some(PortalSession {
            customer_id,
            sso_config_id: row.uuid("session_sso_config_id")?,
            csrf_token: row.text("session_csrf_token")?,
            id_token: row.opt_text("session_id_token")?,
            end_user,
        }))
    }

    async fn touch_portal_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query("UPDATE portal_sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_portal_session(&self, token_hash: &TokenHash) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1")
            .bind(token_hash.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_stale_portal_sessions(&self, idle_ms: i64) -> StoreResult<u64> {
        let now = now_ms();
        let _permit = self.write_permit().await?;
        let done = sqlx::query("DELETE FROM portal_sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now)
            .bind(now - idle_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

impl Tx {
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
