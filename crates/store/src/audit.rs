//! The audit log: who changed what, written from the events each change records.

use uuid::Uuid;

use super::{RowExt, Store, StoreResult, to_ms};
pub use portico_domain::audit::AuditEntry;
use portico_domain::event::Event;

impl Store {
    /// Writes the audit entry for `event`, unless it is already there (a repeated delivery):
    /// `false` then.
    pub async fn write_audit_entry(&self, event: &Event, action: &str) -> StoreResult<bool> {
        let _permit = self.write_permit().await?;
        let done = sqlx::query(
            "INSERT INTO audit_log (id, at, actor_kind, actor_id, actor_name, target_kind, target_id, action, summary, event_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(to_ms(event.at))
        .bind(&event.actor.kind)
        .bind(event.actor.id.map(|id| id.to_string()))
        .bind(&event.actor.name)
        .bind(&event.subject_kind)
        .bind(&event.subject_id)
        .bind(action)
        .bind(event.summary())
        .bind(event.id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The newest entries about one object, newest first.
    pub async fn audit_for(
        &self,
        target_kind: &str,
        target_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT * FROM audit_log WHERE target_kind = $1 AND target_id = $2 ORDER BY at DESC, id DESC LIMIT $3",
        )
        .bind(target_kind)
        .bind(target_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: row.uuid("id")?,
                    at: row.time("at")?,
                    actor_kind: row.text("actor_kind")?,
                    actor_id: row.opt_uuid("actor_id")?,
                    actor_name: row.text("actor_name")?,
                    target_kind: row.text("target_kind")?,
                    target_id: row.text("target_id")?,
                    action: row.text("action")?,
                    summary: row.text("summary")?,
                })
            })
            .collect()
    }
}
