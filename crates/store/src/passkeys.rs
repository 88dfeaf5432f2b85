//! Team members' console passkeys.

use uuid::Uuid;

use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms};
pub use portico_domain::mfa::StoredPasskey;

fn passkey(row: &sqlx::any::AnyRow) -> StoreResult<StoredPasskey> {
    Ok(StoredPasskey {
        id: row.uuid("id")?,
        team_member_id: row.uuid("team_member_id")?,
        name: row.text("name")?,
        credential: row.text("credential")?,
        created_at: row.time("created_at")?,
        last_used_at: row.opt_time("last_used_at")?,
    })
}

impl Store {
    pub async fn passkeys_of(&self, team_member_id: Uuid) -> StoreResult<Vec<StoredPasskey>> {
        let rows =
            sqlx::query("SELECT * FROM console_passkeys WHERE team_member_id = $1 ORDER BY created_at, id")
                .bind(team_member_id.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(passkey).collect()
    }

    /// Keeps the credential's new counter and backup state after a sign-in with it.
    pub async fn passkey_used(&self, id: Uuid, credential: &str) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query("UPDATE console_passkeys SET credential = $1, last_used_at = $2 WHERE id = $3")
            .bind(credential)
            .bind(now_ms())
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Tx {
    pub async fn insert_passkey(
        &mut self,
        team_member_id: Uuid,
        name: &str,
        credential_id: &str,
        credential: &str,
    ) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO console_passkeys (id, team_member_id, name, credential_id, credential, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(team_member_id.to_string())
        .bind(name)
        .bind(credential_id)
        .bind(credential)
        .bind(now_ms())
        .execute(&mut **self)
        .await
        .map_err(super::unique_as("passkey", "This passkey is registered already."))?;
        Ok(id)
    }

    /// Removes one of the member's passkeys; not found when it is not theirs.
    pub async fn delete_passkey(&mut self, team_member_id: Uuid, id: Uuid) -> StoreResult<String> {
        let row =
            sqlx::query("DELETE FROM console_passkeys WHERE id = $1 AND team_member_id = $2 RETURNING name")
                .bind(id.to_string())
                .bind(team_member_id.to_string())
                .fetch_optional(&mut **self)
                .await?
                .ok_or(StoreError::not_found("passkey"))?;
        row.text("name")
    }

    /// Removes every passkey of a member (an admin's MFA reset).
    pub async fn delete_passkeys_of(&mut self, team_member_id: Uuid) -> StoreResult<u64> {
        let result = sqlx::query("DELETE FROM console_passkeys WHERE team_member_id = $1")
            .bind(team_member_id.to_string())
            .execute(&mut **self)
            .await?;
        Ok(result.rows_affected())
    }
}
