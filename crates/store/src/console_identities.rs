//! The identities at the MSP's own provider that team members sign in to the console with.

use uuid::Uuid;

use super::{RowExt, Store, StoreResult, Tx, now_ms};

impl Store {
    /// The team member an identity is linked to.
    pub async fn console_identity_member(&self, issuer: &str, subject: &str) -> StoreResult<Option<Uuid>> {
        let row =
            sqlx::query("SELECT team_member_id FROM console_identities WHERE issuer = $1 AND subject = $2")
                .bind(issuer)
                .bind(subject)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(|row| row.uuid("team_member_id")).transpose()
    }

    /// Whether the member signs in through some identity of `issuer` already.
    pub async fn has_console_identity(&self, team_member_id: Uuid, issuer: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT 1 AS found FROM console_identities WHERE team_member_id = $1 AND issuer = $2 LIMIT 1",
        )
        .bind(team_member_id.to_string())
        .bind(issuer)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    pub async fn console_identity_seen(&self, issuer: &str, subject: &str) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query("UPDATE console_identities SET last_seen_at = $1 WHERE issuer = $2 AND subject = $3")
            .bind(now_ms())
            .bind(issuer)
            .bind(subject)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Tx {
    /// Links an identity to a member; `false` when the identity, or another identity of the same
    /// provider for this member, was linked meanwhile.
    pub async fn link_console_identity(
        &mut self,
        team_member_id: Uuid,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<bool> {
        let now = now_ms();
        let result = sqlx::query(
            "INSERT INTO console_identities (issuer, subject, team_member_id, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT DO NOTHING",
        )
        .bind(issuer)
        .bind(subject)
        .bind(team_member_id.to_string())
        .bind(now)
        .execute(&mut **self)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
