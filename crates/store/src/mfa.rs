//! The console's second step: members' sealed TOTP secrets, their hashed recovery codes, and
//! whether the MSP requires two-step sign-in.

use std::collections::HashSet;

use uuid::Uuid;

use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms};
use portico_domain::mfa::MfaState;
use portico_domain::secret::TokenHash;

/// A member's authenticator secret as stored (still sealed).
#[derive(Clone)]
pub struct TotpRecord {
    pub secret_sealed: String,
    pub state: MfaState,
    pub last_used_step: Option<u64>,
}

impl std::fmt::Debug for TotpRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpRecord").field("state", &self.state).finish_non_exhaustive()
    }
}

/// Steps are counts of 30 s since 1970: far inside an `i64` for any real clock.
fn step_to_db(step: u64) -> StoreResult<i64> {
    i64::try_from(step).map_err(|_| StoreError::Corrupt(format!("TOTP step {step}")))
}

fn record(row: &sqlx::any::AnyRow) -> StoreResult<TotpRecord> {
    let enabled: Option<i64> = sqlx::Row::try_get(row, "enabled_at")?;
    let last: Option<i64> = sqlx::Row::try_get(row, "last_used_step")?;
    Ok(TotpRecord {
        secret_sealed: row.text("secret_sealed")?,
        state: if enabled.is_some() { MfaState::On } else { MfaState::Enrolling },
        last_used_step: last.map(|step| u64::try_from(step).unwrap_or(0)),
    })
}

impl Store {
    pub async fn totp_record(&self, member_id: Uuid) -> StoreResult<Option<TotpRecord>> {
        let row = sqlx::query("SELECT * FROM team_member_totp WHERE team_member_id = $1")
            .bind(member_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    pub async fn mfa_state(&self, member_id: Uuid) -> StoreResult<MfaState> {
        Ok(self.totp_record(member_id).await?.map_or(MfaState::Off, |r| r.state))
    }

    /// Unused recovery codes of a member.
    pub async fn recovery_codes_left(&self, member_id: Uuid) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE team_member_id = $1 AND used_at IS NULL")
            .bind(member_id.to_string())
            .fetch_one(&self.pool)
            .await?
            .int("n")
    }

    /// Whether signing in asks this member for a second step: an app that is on, or a passkey.
    pub async fn second_step_due(&self, member_id: Uuid) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM team_member_totp t WHERE t.team_member_id = $1 AND t.enabled_at IS NOT NULL)
                  + (SELECT COUNT(*) FROM console_passkeys p WHERE p.team_member_id = $1) AS n",
        )
        .bind(member_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.int("n")? > 0)
    }

    /// The members among all whose second step is on, an app or a passkey (for the team list).
    pub async fn members_with_mfa(&self) -> StoreResult<HashSet<Uuid>> {
        let rows = sqlx::query(
            "SELECT team_member_id FROM team_member_totp WHERE enabled_at IS NOT NULL \
             UNION SELECT team_member_id FROM console_passkeys",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| row.uuid("team_member_id")).collect()
    }

    pub async fn console_mfa_required(&self) -> StoreResult<bool> {
        let row = sqlx::query("SELECT mfa_required FROM console_settings WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map_or(Ok(false), |row| row.flag("mfa_required"))
    }
}

impl Tx {
    pub async fn totp_record(&mut self, member_id: Uuid) -> StoreResult<Option<TotpRecord>> {
        let row = sqlx::query("SELECT * FROM team_member_totp WHERE team_member_id = $1")
            .bind(member_id.to_string())
            .fetch_optional(&mut **self)
            .await?;
        row.as_ref().map(record).transpose()
    }

    pub async fn recovery_codes_left(&mut self, member_id: Uuid) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE team_member_id = $1 AND used_at IS NULL")
            .bind(member_id.to_string())
            .fetch_one(&mut **self)
            .await?
            .int("n")
    }

    /// Keeps a new secret waiting for its first code, replacing one that was never confirmed.
    pub async fn put_enrolling_totp(&mut self, member_id: Uuid, secret_sealed: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO team_member_totp (team_member_id, secret_sealed, enabled_at, last_used_step, created_at)
             VALUES ($1, $2, NULL, NULL, $3)
             ON CONFLICT (team_member_id) DO UPDATE SET secret_sealed = excluded.secret_sealed,
               enabled_at = NULL, last_used_step = NULL, created_at = excluded.created_at",
        )
        .bind(member_id.to_string())
        .bind(secret_sealed)
        .bind(now_ms())
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    /// Switches a waiting secret on, spending the step of the code that confirmed it; `false`
    /// when there was none waiting.
    pub async fn enable_totp(&mut self, member_id: Uuid, step: u64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE team_member_totp SET enabled_at = $1, last_used_step = $2
             WHERE team_member_id = $3 AND enabled_at IS NULL",
        )
        .bind(now_ms())
        .bind(step_to_db(step)?)
        .bind(member_id.to_string())
        .execute(&mut **self)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records `step` as used, only if it is later than the last one used: `false` means the
    /// code was used already (also by a request racing this one: the condition is in the write).
    pub async fn spend_totp_step(&mut self, member_id: Uuid, step: u64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE team_member_totp SET last_used_step = $1
             WHERE team_member_id = $2 AND enabled_at IS NOT NULL
               AND (last_used_step IS NULL OR last_used_step < $1)",
        )
        .bind(step_to_db(step)?)
        .bind(member_id.to_string())
        .execute(&mut **self)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces every recovery code of a member with these.
    pub async fn replace_recovery_codes(&mut self, member_id: Uuid, hashes: &[TokenHash]) -> StoreResult<()> {
        sqlx::query("DELETE FROM recovery_codes WHERE team_member_id = $1")
            .bind(member_id.to_string())
            .execute(&mut **self)
            .await?;
        let now = now_ms();
        for hash in hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (id, team_member_id, code_hash, used_at, created_at)
                 VALUES ($1, $2, $3, NULL, $4)",
            )
            .bind(Uuid::now_v7().to_string())
            .bind(member_id.to_string())
            .bind(hash.as_str())
            .bind(now)
            .execute(&mut **self)
            .await?;
        }
        Ok(())
    }

    /// Marks an unused code as used; `false` when it is not one of the member's unused codes.
    pub async fn spend_recovery_code(&mut self, member_id: Uuid, hash: &TokenHash) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1
             WHERE team_member_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now_ms())
        .bind(member_id.to_string())
        .bind(hash.as_str())
        .execute(&mut **self)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes a member's secret and recovery codes; `false` when there was no secret.
    pub async fn remove_mfa(&mut self, member_id: Uuid) -> StoreResult<bool> {
        sqlx::query("DELETE FROM recovery_codes WHERE team_member_id = $1")
            .bind(member_id.to_string())
            .execute(&mut **self)
            .await?;
        let done = sqlx::query("DELETE FROM team_member_totp WHERE team_member_id = $1")
            .bind(member_id.to_string())
            .execute(&mut **self)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn console_mfa_required(&mut self) -> StoreResult<bool> {
        let row = sqlx::query("SELECT mfa_required FROM console_settings WHERE id = 1")
            .fetch_optional(&mut **self)
            .await?;
        row.map_or(Ok(false), |row| row.flag("mfa_required"))
    }

    pub async fn set_console_mfa_required(&mut self, required: bool) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO console_settings (id, mfa_required, updated_at) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET mfa_required = excluded.mfa_required, updated_at = excluded.updated_at",
        )
        .bind(required)
        .bind(now_ms())
        .execute(&mut **self)
        .await?;
        Ok(())
    }
}
