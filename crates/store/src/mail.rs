//! Mail kept in the database: the outbox of messages to send, the per-ticket reply tokens, and
//! the record of incoming messages already handled.

use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms};
pub use portico_domain::outbox::{DeliveryState, OutboxEntry};

/// A message to queue: composed, addressed, ready to send as it is.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub message_id: String,
    pub event_id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub recipient: String,
    pub subject: String,
    pub message: Vec<u8>,
}

/// A message claimed for sending.
#[derive(Debug, Clone)]
pub struct ClaimedMail {
    pub id: Uuid,
    pub recipient: String,
    pub message: Vec<u8>,
    pub attempts: i64,
}

fn outbox_entry(row: &AnyRow) -> StoreResult<OutboxEntry> {
    Ok(OutboxEntry {
        id: row.uuid("id")?,
        message_id: row.text("message_id")?,
        ticket_id: row.opt_uuid("ticket_id")?,
        recipient: row.text("recipient")?,
        subject: row.text("subject")?,
        state: {
            let state = row.text("state")?;
            DeliveryState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("mail state {state}")))?
        },
        attempts: row.int("attempts")?,
        last_error: row.opt_text("last_error")?,
        created_at: row.time("created_at")?,
        sent_at: row.opt_time("sent_at")?,
    })
}

const ENTRY_COLUMNS: &str =
    "id, message_id, ticket_id, recipient, subject, state, attempts, last_error, created_at, sent_at";

/// What became of an incoming message, remembered by its Message-ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundRecord {
    pub outcome: String,
    pub ticket_id: Option<Uuid>,
    pub reason: Option<String>,
}

impl Store {
    /// Queues a message unless one with its Message-ID is queued already; `true` when queued now.
    pub async fn queue_mail(&self, mail: &QueuedMail) -> StoreResult<bool> {
        let _permit = self.write_permit().await?;
        let now = now_ms();
        let result = sqlx::query(
            "INSERT INTO mail_outbox (id, message_id, event_id, ticket_id, recipient, subject, message, state, \
             next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9) \
             ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(&mail.message_id)
        .bind(mail.event_id.to_string())
        .bind(mail.ticket_id.map(|id| id.to_string()))
        .bind(&mail.recipient)
        .bind(&mail.subject)
        .bind(mail.message.clone())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Claims up to `limit` messages that are due: queued ones whose time has come, and ones an
    /// instance began to send but never finished (its lease ran out: it stopped mid-send).
    pub async fn claim_due_mail(&self, limit: i64, lease_ms: i64) -> StoreResult<Vec<ClaimedMail>> {
        let _permit = self.write_permit().await?;
        let now = now_ms();
        let claim = Uuid::now_v7().to_string();
        // The state test is repeated outside the subquery: PostgreSQL re-checks it on rows another
        // instance claimed meanwhile, so no message is claimed twice.
        let due =
            "((state = 'queued' AND next_attempt_at <= $3) OR (state = 'sending' AND lease_until < $3))";
        let sql = format!(
            "UPDATE mail_outbox SET state = 'sending', claim = $1, lease_until = $2 \
             WHERE id IN (SELECT id FROM mail_outbox WHERE {due} ORDER BY created_at LIMIT $4) AND {due}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&claim)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .execute(&self.pool)
            .await?;
        let rows = sqlx::query(
            "SELECT id, recipient, message, attempts FROM mail_outbox WHERE claim = $1 AND state = 'sending' \
             ORDER BY created_at",
        )
        .bind(&claim)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ClaimedMail {
                    id: row.uuid("id")?,
                    recipient: row.text("recipient")?,
                    message: sqlx::Row::try_get(row, "message")?,
                    attempts: row.int("attempts")?,
                })
            })
            .collect()
    }

    pub async fn mail_sent(&self, id: Uuid) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        let now = now_ms();
        sqlx::query(
            "UPDATE mail_outbox SET state = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL, \
             claim = NULL WHERE id = $2",
        )
        .bind(now)
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: queued again for `retry_at`, or failed for good when `None`.
    pub async fn mail_attempt_failed(&self, id: Uuid, error: &str, retry_at: Option<i64>) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        let state = if retry_at.is_some() { DeliveryState::Queued } else { DeliveryState::Failed };
        sqlx::query(
            "UPDATE mail_outbox SET state = $1, attempts = attempts + 1, last_error = $2, next_attempt_at = $3, \
             claim = NULL WHERE id = $4",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(retry_at.unwrap_or(0))
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Hands back messages claimed but not tried, for whoever sends next.
    pub async fn release_mail(&self, ids: &[Uuid]) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        for id in ids {
            sqlx::query(
                "UPDATE mail_outbox SET state = 'queued', claim = NULL, lease_until = 0 WHERE id = $1 AND state = 'sending'",
            )
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Queues a failed message again, at once.
    pub async fn retry_mail(&self, id: Uuid) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        let result = sqlx::query(
            "UPDATE mail_outbox SET state = 'queued', next_attempt_at = $1 WHERE id = $2 AND state = 'failed'",
        )
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::not_found("failed message"));
        }
        Ok(())
    }

    /// The mail about one ticket, newest first.
    pub async fn mail_of_ticket(&self, ticket_id: Uuid) -> StoreResult<Vec<OutboxEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM mail_outbox WHERE ticket_id = $1 ORDER BY created_at DESC, id DESC"
        );
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ticket_id.to_string()).fetch_all(&self.pool).await?;
        rows.iter().map(outbox_entry).collect()
    }

    /// Messages that could not be delivered (given up, or still retrying after an error), newest first.
    pub async fn undelivered_mail(&self, limit: i64) -> StoreResult<Vec<OutboxEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM mail_outbox WHERE state = 'failed' \
             OR (state = 'queued' AND last_error IS NOT NULL) ORDER BY created_at DESC, id DESC LIMIT $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(outbox_entry).collect()
    }

    /// The reply token of one recipient of mail about one ticket, made on first use. `address`
    /// is the address the mail goes to, ASCII-lower-cased.
    pub async fn recipient_mail_token(&self, ticket_id: Uuid, address: &str) -> StoreResult<String> {
        let address = address.to_ascii_lowercase();
        if let Some(token) = self.existing_mail_token(ticket_id, &address).await? {
            return Ok(token);
        }
        let _permit = self.write_permit().await?;
        sqlx::query(
            "INSERT INTO mail_reply_tokens (token, ticket_id, address, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (ticket_id, address) DO NOTHING",
        )
        .bind(portico_domain::secret::reply_token())
        .bind(ticket_id.to_string())
        .bind(&address)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        self.existing_mail_token(ticket_id, &address).await?.ok_or(StoreError::not_found("ticket"))
    }

    async fn existing_mail_token(&self, ticket_id: Uuid, address: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT token FROM mail_reply_tokens WHERE ticket_id = $1 AND address = $2")
            .bind(ticket_id.to_string())
            .bind(address)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|row| row.text("token")).transpose()
    }

    /// The ticket and the recipient address a per-recipient reply token was made for.
    pub async fn mail_token_recipient(&self, token: &str) -> StoreResult<Option<(Uuid, String)>> {
        let row = sqlx::query("SELECT ticket_id, address FROM mail_reply_tokens WHERE token = $1")
            .bind(token)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|row| Ok((row.uuid("ticket_id")?, row.text("address")?))).transpose()
    }

    /// The ticket a ticket-wide reply token of earlier releases belongs to. Every recipient got
    /// that same token, so it finds the ticket but proves no one's identity.
    pub async fn ticket_by_mail_token(&self, token: &str) -> StoreResult<Option<Uuid>> {
        let row = sqlx::query("SELECT id FROM tickets WHERE mail_token = $1")
            .bind(token)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|row| row.uuid("id")).transpose()
    }

    /// The ticket a message we sent was about, by its Message-ID.
    pub async fn ticket_of_sent_mail(&self, message_id: &str) -> StoreResult<Option<Uuid>> {
        let row = sqlx::query("SELECT ticket_id FROM mail_outbox WHERE message_id = $1")
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(|row| row.opt_uuid("ticket_id")).transpose()?.flatten())
    }

    /// What became of an incoming message handled before.
    pub async fn inbound_record(&self, message_id: &str) -> StoreResult<Option<InboundRecord>> {
        let row = sqlx::query("SELECT outcome, ticket_id, reason FROM inbound_mail WHERE message_id = $1")
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref()
            .map(|row| {
                Ok(InboundRecord {
                    outcome: row.text("outcome")?,
                    ticket_id: row.opt_uuid("ticket_id")?,
                    reason: row.opt_text("reason")?,
                })
            })
            .transpose()
    }

    /// Remembers what became of an incoming message; `false` when it was remembered already.
    pub async fn record_inbound(
        &self,
        message_id: &str,
        sender: Option<&str>,
        record: &InboundRecord,
    ) -> StoreResult<bool> {
        let _permit = self.write_permit().await?;
        insert_inbound(&self.pool, message_id, sender, record).await
    }
}

impl Tx {
    /// [`Store::record_inbound`], inside the transaction that acts on the message, so the action
    /// and the memory of it commit together.
    pub async fn record_inbound(
        &mut self,
        message_id: &str,
        sender: Option<&str>,
        record: &InboundRecord,
    ) -> StoreResult<bool> {
        insert_inbound(&mut **self, message_id, sender, record).await
    }
}

async fn insert_inbound<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    message_id: &str,
    sender: Option<&str>,
    record: &InboundRecord,
) -> StoreResult<bool> {
    let result = sqlx::query(
        "INSERT INTO inbound_mail (message_id, outcome, ticket_id, reason, sender, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(&record.outcome)
    .bind(record.ticket_id.map(|id| id.to_string()))
    .bind(record.reason.as_deref())
    .bind(sender)
    .bind(now_ms())
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}
