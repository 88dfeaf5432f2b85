//! The audit log: who changed what, written in the same transaction as the change.

use serde::Serialize;
use sqlx::AnyConnection;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{RowExt, Store, StoreResult, now_ms};
use crate::domain::actor::Actor;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub target_kind: String,
    pub target_id: String,
    pub action: String,
    pub summary: String,
}

/// What was changed: the kind of object, its id, the action and a human summary.
pub struct AuditEvent<'a> {
    pub target_kind: &'static str,
    pub target_id: &'a str,
    pub action: &'static str,
    pub summary: &'a str,
}

pub(crate) async fn record(
    connection: &mut AnyConnection,
    actor: &Actor,
    event: AuditEvent<'_>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_kind, actor_id, actor_name, target_kind, target_id, action, summary)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(now_ms())
    .bind(actor.kind.as_str())
    .bind(actor.id.map(|id| id.to_string()))
    .bind(&actor.name)
    .bind(event.target_kind)
    .bind(event.target_id)
    .bind(event.action)
    .bind(event.summary)
    .execute(connection)
    .await?;
    Ok(())
}

impl Store {
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
