//! API tokens, stored only as hashes.

use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms};
pub use portico_domain::api_token::ApiTokenInfo;
use portico_domain::secret::TokenHash;
use portico_domain::team::TeamMember;

fn token_info(row: &AnyRow) -> StoreResult<ApiTokenInfo> {
    Ok(ApiTokenInfo {
        id: row.uuid("id")?,
        team_member_id: row.uuid("team_member_id")?,
        label: row.text("label")?,
        created_at: row.time("created_at")?,
        last_used_at: row.opt_time("last_used_at")?,
        last_used_ip: row.opt_text("last_used_ip")?,
        revoked_at: row.opt_time("revoked_at")?,
    })
}

/// Recording every use would turn each API read into a write; once a minute is enough.
const LAST_USED_GRANULARITY_MS: i64 = 60_000;

impl Store {
    /// The active team member a live token belongs to. The use is recorded with the client's
    /// address, at most once a minute per token.
    pub async fn authenticate_api_token(
        &self,
        token_hash: &TokenHash,
        client_ip: Option<&str>,
    ) -> StoreResult<Option<TeamMember>> {
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.last_used_at, m.id AS member_id FROM api_tokens t
             JOIN team_members m ON m.id = t.team_member_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND m.active = $2",
        )
        .bind(token_hash.as_str())
        .bind(true)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = now_ms();
        let last_used: Option<i64> = sqlx::Row::try_get(&row, "last_used_at")?;
        if last_used.is_none_or(|at| now - at > LAST_USED_GRANULARITY_MS) {
            let _permit = self.write_permit().await?;
            sqlx::query("UPDATE api_tokens SET last_used_at = $1, last_used_ip = $2 WHERE id = $3")
                .bind(now)
                .bind(client_ip)
                .bind(row.text("token_id")?)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(self.team_member(row.uuid("member_id")?).await?))
    }

    pub async fn api_tokens_of(&self, member_id: Uuid) -> StoreResult<Vec<ApiTokenInfo>> {
        let rows = sqlx::query("SELECT * FROM api_tokens WHERE team_member_id = $1 ORDER BY created_at, id")
            .bind(member_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(token_info).collect()
    }

    pub async fn api_token_by_hash(&self, token_hash: &TokenHash) -> StoreResult<ApiTokenInfo> {
        let row = sqlx::query("SELECT * FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("API token"))?;
        token_info(&row)
    }
}

impl Tx {
    pub async fn insert_api_token(
        &mut self,
        member_id: Uuid,
        label: &str,
        token_hash: &TokenHash,
    ) -> StoreResult<ApiTokenInfo> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (id, team_member_id, label, token_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(member_id.to_string())
        .bind(label)
        .bind(token_hash.as_str())
        .bind(now_ms())
        .fetch_one(&mut **self)
        .await?;
        token_info(&row)
    }

    /// Revokes by token id; revoking twice keeps the first time.
    pub async fn revoke_api_token(&mut self, id: Uuid) -> StoreResult<ApiTokenInfo> {
        let row = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING *",
        )
        .bind(now_ms())
        .bind(id.to_string())
        .fetch_optional(&mut **self)
        .await?
        .ok_or(StoreError::not_found("API token"))?;
        token_info(&row)
    }
}
