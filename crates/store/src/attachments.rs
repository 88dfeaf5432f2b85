//! Attachment rows: which file belongs to which ticket, and who may see it.

use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms};
use portico_domain::attachment::{Attachment, StoredFile};
use portico_domain::ticket::AuthorKind;

fn attachment(row: &AnyRow) -> StoreResult<Attachment> {
    let kind = row.text("uploader_kind")?;
    Ok(Attachment {
        id: row.uuid("id")?,
        ticket_id: row.uuid("ticket_id")?,
        comment_id: row.opt_uuid("comment_id")?,
        filename: row.text("filename")?,
        size: row.int("size")?,
        content_type: row.text("content_type")?,
        sha256: row.text("sha256")?,
        public: row.flag("public")?,
        has_thumbnail: row.flag("has_thumbnail")?,
        uploader_kind: AuthorKind::parse(&kind)
            .map_err(|_| StoreError::Corrupt(format!("uploader kind {kind}")))?,
        uploader_name: row.text("uploader_name")?,
        created_at: row.time("created_at")?,
    })
}

/// Who uploads a file.
pub struct Uploader<'a> {
    pub kind: AuthorKind,
    pub id: Uuid,
    pub name: &'a str,
}

impl Store {
    /// A ticket's files, oldest first; without internal ones unless asked. Redacted files are gone.
    pub async fn attachments_of(
        &self,
        ticket_id: Uuid,
        include_internal: bool,
    ) -> StoreResult<Vec<Attachment>> {
        let rows = sqlx::query(
            "SELECT * FROM attachments WHERE ticket_id = $1 AND redacted_at IS NULL AND (public = $2 OR $3 = 1) \
             ORDER BY created_at, id",
        )
        .bind(ticket_id.to_string())
        .bind(true)
        .bind(i64::from(include_internal))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attachment).collect()
    }

    pub async fn attachment(&self, id: Uuid) -> StoreResult<Attachment> {
        let row = sqlx::query("SELECT * FROM attachments WHERE id = $1 AND redacted_at IS NULL")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("attachment"))?;
        attachment(&row)
    }

    /// Whether any row that is not redacted refers to this content.
    pub async fn content_in_use(&self, sha256: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT 1 AS found FROM attachments WHERE sha256 = $1 AND redacted_at IS NULL LIMIT 1",
        )
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }
}

async fn attachment_bytes<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    ticket_id: Uuid,
) -> StoreResult<i64> {
    // SUM of a BIGINT is NUMERIC in PostgreSQL: cast back.
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS total FROM attachments \
         WHERE ticket_id = $1 AND redacted_at IS NULL",
    )
    .bind(ticket_id.to_string())
    .fetch_one(executor)
    .await?;
    row.int("total")
}

impl Store {
    /// Bytes of files on the ticket (redacted ones no longer count).
    pub async fn ticket_attachment_bytes(&self, ticket_id: Uuid) -> StoreResult<i64> {
        attachment_bytes(&self.pool, ticket_id).await
    }
}

impl Tx {
    /// [`Store::ticket_attachment_bytes`], inside the transaction that adds files.
    pub async fn ticket_attachment_bytes(&mut self, ticket_id: Uuid) -> StoreResult<i64> {
        attachment_bytes(&mut **self, ticket_id).await
    }

    pub async fn insert_attachment(
        &mut self,
        ticket_id: Uuid,
        comment_id: Option<Uuid>,
        file: &StoredFile,
        public: bool,
        uploader: &Uploader<'_>,
    ) -> StoreResult<Attachment> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO attachments (id, ticket_id, comment_id, filename, size, content_type, sha256, public, \
             has_thumbnail, uploader_kind, uploader_id, uploader_name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id.to_string())
        .bind(ticket_id.to_string())
        .bind(comment_id.map(|id| id.to_string()))
        .bind(&file.filename)
        .bind(file.size)
        .bind(&file.content_type)
        .bind(&file.sha256)
        .bind(public)
        .bind(file.has_thumbnail)
        .bind(uploader.kind.as_str())
        .bind(uploader.id.to_string())
        .bind(uploader.name)
        .bind(now_ms())
        .execute(&mut **self)
        .await?;
        let row = sqlx::query("SELECT * FROM attachments WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut **self)
            .await?;
        attachment(&row)
    }

    /// Marks a file redacted; its content goes at the next housekeeping unless another row uses it.
    pub async fn redact_attachment(&mut self, id: Uuid, by: &str) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE attachments SET redacted_at = $1, redacted_by = $2 WHERE id = $3 AND redacted_at IS NULL",
        )
        .bind(now_ms())
        .bind(by)
        .bind(id.to_string())
        .execute(&mut **self)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::not_found("attachment"));
        }
        Ok(())
    }
}
