//! Articles saved before bodies were rendered at save time, found and given their HTML once.

use uuid::Uuid;

use super::{RowExt, Store, StoreResult};

impl Store {
    /// Up to `limit` articles (id and Markdown) that have no rendered HTML yet.
    pub async fn articles_without_html(&self, limit: i64) -> StoreResult<Vec<(Uuid, String)>> {
        let rows = sqlx::query("SELECT id, body FROM articles WHERE body_html IS NULL ORDER BY id LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok((row.uuid("id")?, row.text("body")?))).collect()
    }

    /// Stores the HTML of an article unless a save rendered it meanwhile.
    pub async fn set_missing_article_html(&self, id: Uuid, html: &str) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query("UPDATE articles SET body_html = $2 WHERE id = $1 AND body_html IS NULL")
            .bind(id.to_string())
            .bind(html)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
