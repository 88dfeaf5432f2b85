//! The event log and each consumer's progress through it.
//!
//! Events are written inside the transaction of the change they describe ([`Tx::record`]).
//! Their position comes from a one-row counter updated in that same transaction: the row stays
//! locked until the commit, so positions are handed out in the order of commits, and a consumer
//! that has read up to position N can never later find an event below N appear.

use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Backend, RowExt, Store, StoreError, StoreResult, Tx, now_ms};
use portico_domain::actor::Actor;
use portico_domain::event::{Event, EventActor, EventKind, NewEvent};
use portico_domain::page::EventCursor;

/// The PostgreSQL channel on which a commit with events wakes every instance's dispatcher.
pub const EVENTS_CHANNEL: &str = "portico_events";

fn event(row: &AnyRow) -> StoreResult<Event> {
    let payload = row.text("payload")?;
    Ok(Event {
        seq: row.int("seq")?,
        id: row.uuid("id")?,
        at: row.time("at")?,
        kind: row.text("kind")?,
        actor: EventActor {
            kind: row.text("actor_kind")?,
            id: row.opt_uuid("actor_id")?,
            name: row.text("actor_name")?,
        },
        customer_id: row.opt_uuid("customer_id")?,
        subject_kind: row.text("subject_kind")?,
        subject_id: row.text("subject_id")?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("event payload: {e}")))?,
    })
}

impl Tx {
    /// Records that `actor` made the change `event` describes; it is stored only if this
    /// transaction commits, and consumers hear of it after the commit.
    pub async fn record(&mut self, actor: &Actor, event: NewEvent) -> StoreResult<Uuid> {
        let seq =
            sqlx::query("UPDATE event_sequence SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq")
                .fetch_one(&mut **self)
                .await?
                .int("last_seq")?;
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO events (seq, id, at, kind, actor_kind, actor_id, actor_name, customer_id, subject_kind, subject_id, payload)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(seq)
        .bind(id.to_string())
        .bind(now_ms())
        .bind(event.kind.as_str())
        .bind(actor.kind.as_str())
        .bind(actor.id.map(|id| id.to_string()))
        .bind(&actor.name)
        .bind(event.customer_id.map(|id| id.to_string()))
        .bind(event.kind.subject_kind().as_str())
        .bind(&event.subject_id)
        .bind(event.payload().to_string())
        .execute(&mut **self)
        .await?;
        if self.backend == Backend::Postgres && !self.wrote_events {
            // Delivered to every listening instance when (and only if) this transaction commits.
            sqlx::query("SELECT count(*) FROM (SELECT pg_notify($1, '')) AS sent")
                .bind(EVENTS_CHANNEL)
                .execute(&mut **self)
                .await?;
        }
        self.wrote_events = true;
        if event.kind.may_change_portals() {
            self.changes_portals = true;
        }
        if !event.kind.read_areas().is_empty() {
            self.read_changes.push((event.kind, event.customer_id));
        }
        Ok(id)
    }
}

/// Where a new consumer starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartFrom {
    /// Every event ever recorded (the audit log).
    Beginning,
    /// Only events recorded from now on (mail must not be sent for history).
    Now,
}

/// A consumer's progress, as operators see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsumerState {
    pub name: String,
    pub position: i64,
    pub failures: i64,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retry_at: Option<OffsetDateTime>,
}

impl Store {
    /// Events after `cursor`, oldest first; at most `limit`.
    pub async fn events_after(&self, cursor: EventCursor, limit: i64) -> StoreResult<Vec<Event>> {
        let rows = sqlx::query("SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(cursor.0)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event).collect()
    }

    /// Events about one subject, oldest first.
    pub async fn events_of(&self, subject_kind: &str, subject_id: &str) -> StoreResult<Vec<Event>> {
        let rows =
            sqlx::query("SELECT * FROM events WHERE subject_kind = $1 AND subject_id = $2 ORDER BY seq")
                .bind(subject_kind)
                .bind(subject_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(event).collect()
    }

    /// The newest events of one kind about a customer, newest first.
    pub async fn customer_events(
        &self,
        customer_id: Uuid,
        kind: EventKind,
        limit: i64,
    ) -> StoreResult<Vec<Event>> {
        let rows = sqlx::query(
            "SELECT * FROM events WHERE customer_id = $1 AND kind = $2 ORDER BY seq DESC LIMIT $3",
        )
        .bind(customer_id.to_string())
        .bind(kind.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event).collect()
    }

    /// The position of the newest event (0 before the first).
    pub async fn last_event_seq(&self) -> StoreResult<i64> {
        sqlx::query("SELECT last_seq FROM event_sequence WHERE id = 1")
            .fetch_one(&self.pool)
            .await?
            .int("last_seq")
    }

    /// Makes `name` known, starting where `start` says; a consumer already known keeps its place.
    pub async fn register_consumer(&self, name: &str, start: StartFrom) -> StoreResult<()> {
        let position = match start {
            StartFrom::Beginning => 0,
            StartFrom::Now => self.last_event_seq().await?,
        };
        let _permit = self.write_permit().await?;
        sqlx::query(
            "INSERT INTO event_consumers (name, position, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(position)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes (or renews) the right to deliver to `name` until `lease_until`, unless another
    /// instance holds it or the consumer is waiting to retry. Answers the consumer's position.
    pub async fn claim_consumer(&self, name: &str, owner: &str, lease_ms: i64) -> StoreResult<Option<i64>> {
        let _permit = self.write_permit().await?;
        let now = now_ms();
        let row = sqlx::query(
            "UPDATE event_consumers SET lease_owner = $2, lease_until = $3
             WHERE name = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < $4) AND retry_at <= $4
             RETURNING position",
        )
        .bind(name)
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| row.int("position")).transpose()
    }

    /// Moves `name` past `seq`, if `owner` still holds its lease; `false` when it no longer does
    /// (another instance took over and will deliver from the stored position).
    pub async fn advance_consumer(&self, name: &str, owner: &str, seq: i64) -> StoreResult<bool> {
        let _permit = self.write_permit().await?;
        let done = sqlx::query(
            "UPDATE event_consumers SET position = $3, failures = 0, last_error = NULL, updated_at = $4
             WHERE name = $1 AND lease_owner = $2 AND position < $3",
        )
        .bind(name)
        .bind(owner)
        .bind(seq)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Notes a failed delivery: the consumer stays where it is, gives up its lease, and is not
    /// tried again before `retry_at(failures in a row)`. Answers the failures in a row.
    pub async fn consumer_failed(
        &self,
        name: &str,
        owner: &str,
        error: &str,
        retry_at: impl FnOnce(i64) -> i64,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query(
            "UPDATE event_consumers SET failures = failures + 1, last_error = $3, lease_owner = NULL, lease_until = 0,
                    updated_at = $4
             WHERE name = $1 AND lease_owner = $2 RETURNING failures",
        )
        .bind(name)
        .bind(owner)
        .bind(error)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(0);
        };
        let failures = row.int("failures")?;
        sqlx::query("UPDATE event_consumers SET retry_at = $2 WHERE name = $1")
            .bind(name)
            .bind(retry_at(failures))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(failures)
    }

    /// Gives up the lease, so another instance may deliver at once (on shutdown).
    pub async fn release_consumer(&self, name: &str, owner: &str) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query("UPDATE event_consumers SET lease_owner = NULL, lease_until = 0 WHERE name = $1 AND lease_owner = $2")
            .bind(name)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn consumer_states(&self) -> StoreResult<Vec<ConsumerState>> {
        let rows = sqlx::query("SELECT * FROM event_consumers ORDER BY name").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let retry_at = row.int("retry_at")?;
                Ok(ConsumerState {
                    name: row.text("name")?,
                    position: row.int("position")?,
                    failures: row.int("failures")?,
                    last_error: row.opt_text("last_error")?,
                    retry_at: if retry_at > now_ms() { Some(super::from_ms(retry_at)?) } else { None },
                })
            })
            .collect()
    }
}
