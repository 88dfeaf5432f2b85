//! SSO configurations. Every query names the customer: nothing of one
//! portal is reachable from another. Who may enter is in `identities`, sessions in `portal_sessions`.

use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms, to_ms};
use portico_domain::sso::{SignInFailure, SsoConfig, SsoSettings};

fn sso_config(row: &AnyRow) -> StoreResult<SsoConfig> {
    let settings: SsoSettings = serde_json::from_str(&row.text("settings")?)
        .map_err(|e| StoreError::Corrupt(format!("sso settings: {e}")))?;
    Ok(SsoConfig {
        id: row.uuid("id")?,
        customer_id: row.uuid("customer_id")?,
        settings,
        has_secret: row.opt_text("secret")?.is_some(),
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
        last_failure: match row.opt_time("last_failure_at")? {
            Some(at) => Some(SignInFailure {
                at,
                reference: row.opt_text("last_failure_reference")?.unwrap_or_default(),
                detail: row.opt_text("last_failure_detail")?.unwrap_or_default(),
            }),
            None => None,
        },
    })
}

impl Store {
    pub async fn sso_configs(&self, customer_id: Uuid) -> StoreResult<Vec<SsoConfig>> {
        let rows = sqlx::query("SELECT * FROM sso_configs WHERE customer_id = $1 ORDER BY created_at, id")
            .bind(customer_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(sso_config).collect()
    }

    /// One configuration of this customer's portal; another customer's id is "not found".
    pub async fn sso_config(&self, customer_id: Uuid, id: Uuid) -> StoreResult<SsoConfig> {
        let row = sqlx::query("SELECT * FROM sso_configs WHERE id = $1 AND customer_id = $2")
            .bind(id.to_string())
            .bind(customer_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("SSO configuration"))?;
        sso_config(&row)
    }

    /// The sealed client secret of a configuration.
    pub async fn sso_secret(&self, customer_id: Uuid, id: Uuid) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT secret FROM sso_configs WHERE id = $1 AND customer_id = $2")
            .bind(id.to_string())
            .bind(customer_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("SSO configuration"))?;
        row.opt_text("secret")
    }

    /// Remembers a failed sign-in as the configuration's last one (the earlier one is dropped:
    /// a row per configuration, however many failures).
    pub async fn record_sso_failure(
        &self,
        customer_id: Uuid,
        id: Uuid,
        failure: &SignInFailure,
    ) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query(
            "UPDATE sso_configs SET last_failure_at = $3, last_failure_reference = $4, last_failure_detail = $5
             WHERE id = $1 AND customer_id = $2",
        )
        .bind(id.to_string())
        .bind(customer_id.to_string())
        .bind(to_ms(failure.at))
        .bind(&failure.reference)
        .bind(&failure.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn has_enabled_sso(&self, customer_id: Uuid) -> StoreResult<bool> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM sso_configs WHERE customer_id = $1 AND enabled = $2")
                .bind(customer_id.to_string())
                .bind(true)
                .fetch_one(&self.pool)
                .await?;
        Ok(row.int("n")? > 0)
    }
}

impl Tx {
    /// Whether `id` names, or ever named, an SSO configuration of any customer: a configuration
    /// holding it now, or an event about one (kept after the configuration is removed).
    pub async fn sso_config_id_used(&mut self, id: Uuid) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM sso_configs WHERE id = $1)
                  + (SELECT COUNT(*) FROM events WHERE subject_kind = $2 AND subject_id = $1) AS n",
        )
        .bind(id.to_string())
        .bind(portico_domain::event::SubjectKind::SsoConfig.as_str())
        .fetch_one(&mut **self)
        .await?;
        Ok(row.int("n")? > 0)
    }

    pub async fn insert_sso_config(
        &mut self,
        id: Uuid,
        customer_id: Uuid,
        settings: &SsoSettings,
        sealed_secret: &str,
    ) -> StoreResult<SsoConfig> {
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO sso_configs (id, customer_id, settings, secret, enabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *",
        )
        .bind(id.to_string())
        .bind(customer_id.to_string())
        .bind(super::json_text(settings, "SSO settings")?)
        .bind(sealed_secret)
        .bind(settings.enabled)
        .bind(now)
        .fetch_one(&mut **self)
        .await?;
        sso_config(&row)
    }

    /// The configuration, locked against concurrent changes until this transaction ends.
    pub async fn sso_config_for_update(&mut self, customer_id: Uuid, id: Uuid) -> StoreResult<SsoConfig> {
        let row = sqlx::query(
            "UPDATE sso_configs SET updated_at = updated_at WHERE id = $1 AND customer_id = $2 RETURNING *",
        )
        .bind(id.to_string())
        .bind(customer_id.to_string())
        .fetch_optional(&mut **self)
        .await?
        .ok_or(StoreError::not_found("SSO configuration"))?;
        sso_config(&row)
    }

    /// Saves settings and, when given, a newly sealed secret.
    pub async fn write_sso_config(
        &mut self,
        customer_id: Uuid,
        id: Uuid,
        settings: &SsoSettings,
        sealed_secret: Option<&str>,
    ) -> StoreResult<SsoConfig> {
        let row = sqlx::query(
            "UPDATE sso_configs SET settings = $3, secret = COALESCE($4, secret), enabled = $5, updated_at = $6
             WHERE id = $1 AND customer_id = $2 RETURNING *",
        )
        .bind(id.to_string())
        .bind(customer_id.to_string())
        .bind(super::json_text(settings, "SSO settings")?)
        .bind(sealed_secret)
        .bind(settings.enabled)
        .bind(now_ms())
        .fetch_optional(&mut **self)
        .await?
        .ok_or(StoreError::not_found("SSO configuration"))?;
        sso_config(&row)
    }

    /// Removes a configuration; its identities and portal sessions go with it.
    pub async fn delete_sso_config(&mut self, customer_id: Uuid, id: Uuid) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM sso_configs WHERE id = $1 AND customer_id = $2")
            .bind(id.to_string())
            .bind(customer_id.to_string())
            .execute(&mut **self)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("SSO configuration"));
        }
        Ok(())
    }
}
