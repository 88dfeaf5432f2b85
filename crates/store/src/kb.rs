//! Knowledge base articles, their visibility per customer, and full-text search.

use std::collections::HashMap;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::conditions::{Conditions, Keyed};
use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms};
use portico_domain::actor::Actor;
use portico_domain::kb::{Article, ArticleContent, RenderedBody};
pub use portico_domain::kb::{ArticleLine, ArticleOrder, Found, search_words};
use portico_domain::page::{Cursor, Page, PageRequest};

/// SQLite: an article's FTS5 row, through the rowid stored with the article (FTS5 cannot index
/// `article_id`: a lookup by it reads the whole search index).
const DELETE_SEARCH_ROW: &str =
    "DELETE FROM articles_fts WHERE rowid = (SELECT search_rowid FROM articles WHERE id = $1)";

/// Never `SELECT *`: PostgreSQL's tsvector column is not for reading.
const COLUMNS: &str =
    "id, title, body, body_html, published, all_customers, views, created_at, updated_at, updated_by";

fn article(row: &AnyRow, customer_ids: Vec<Uuid>) -> StoreResult<Article> {
    Ok(Article {
        id: row.uuid("id")?,
        title: row.text("title")?,
        body: row.text("body")?,
        published: row.flag("published")?,
        all_customers: row.flag("all_customers")?,
        customer_ids,
        views: row.int("views")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
        updated_by: row.text("updated_by")?,
        body_html: row.opt_text("body_html")?,
    })
}

impl Store {
    /// Articles from their rows, with the customers of each read in one query.
    async fn with_customers(&self, rows: &[AnyRow]) -> StoreResult<Vec<Article>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = rows.iter().map(|row| row.text("id")).collect::<StoreResult<_>>()?;
        let mut conditions = Conditions::default();
        conditions.any_of("article_id", ids);
        let sql = format!(
            "SELECT article_id, customer_id FROM article_customers{} ORDER BY customer_id",
            conditions.clause()
        );
        let mut customers: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for row in conditions.query(sql).fetch_all(&self.pool).await? {
            customers.entry(row.uuid("article_id")?).or_default().push(row.uuid("customer_id")?);
        }
        rows.iter()
            .map(|row| {
                let id = row.uuid("id")?;
                article(row, customers.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    async fn article_customers(&self, id: Uuid) -> StoreResult<Vec<Uuid>> {
        let rows = sqlx::query(
            "SELECT customer_id FROM article_customers WHERE article_id = $1 ORDER BY customer_id",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| r.uuid("customer_id")).collect()
    }

    pub async fn article(&self, id: Uuid) -> StoreResult<Article> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM articles WHERE id = $1")))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("article"))?;
        article(&row, self.article_customers(id).await?)
    }

    /// A published article visible in this customer's portal, or "not found".
    pub async fn article_for_customer(&self, id: Uuid, customer_id: Uuid) -> StoreResult<Article> {
        let found = self.article(id).await?;
        if found.published && (found.all_customers || found.customer_ids.contains(&customer_id)) {
            Ok(found)
        } else {
            Err(StoreError::not_found("article"))
        }
    }

    /// Counts a view in memory: reading an article never writes. The count reaches
    /// `articles.views` with the next [`Store::flush_article_views`].
    pub fn count_article_view(&self, id: Uuid) {
        self.views.count(id);
    }

    /// Adds the views counted so far to the articles, in one transaction; answers how many
    /// articles changed. When the write fails, or the flush is dropped midway, the counts stay
    /// for the next flush.
    pub async fn flush_article_views(&self) -> StoreResult<usize> {
        let taken = self.views.take_until_written();
        if taken.counts().is_empty() {
            return Ok(0);
        }
        self.add_article_views(taken.counts()).await?;
        Ok(taken.written())
    }

    /// Views counted in this process and not yet written, over all articles.
    pub fn pending_article_views(&self) -> i64 {
        self.views.pending()
    }

    async fn add_article_views(&self, counts: &[(Uuid, i64)]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (id, views) in counts {
            // An article deleted meanwhile matches no row: its views go with it.
            sqlx::query("UPDATE articles SET views = views + $2 WHERE id = $1")
                .bind(id.to_string())
                .bind(*views)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// Articles, newest change first (or most read first). With `visible_to`, only the
    /// published ones that customer's portal shows.
    pub async fn list_articles(
        &self,
        visible_to: Option<Uuid>,
        order: ArticleOrder,
        page: &PageRequest,
    ) -> StoreResult<Page<Article>> {
        let rows = self.article_rows(COLUMNS, visible_to, order, page).await?;
        let articles = self.with_customers(&rows).await?;
        Ok(page.page_from(articles, |a| list_cursor(order, a.id, a.views, a.updated_at)))
    }

    /// The lines of the articles a customer's portal shows, in this order: one light query,
    /// without bodies or the customers an article is shared with.
    pub async fn list_article_lines(
        &self,
        customer_id: Uuid,
        order: ArticleOrder,
        page: &PageRequest,
    ) -> StoreResult<Page<ArticleLine>> {
        let rows = self.article_rows("id, title, views, updated_at", Some(customer_id), order, page).await?;
        let lines = rows
            .iter()
            .map(|row| {
                Ok(ArticleLine {
                    id: row.uuid("id")?,
                    title: row.text("title")?,
                    views: row.int("views")?,
                    updated_at: row.time("updated_at")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(page.page_from(lines, |a| list_cursor(order, a.id, a.views, a.updated_at)))
    }

    /// One page of articles in a list order (plus one, to know whether more follow).
    async fn article_rows(
        &self,
        columns: &str,
        visible_to: Option<Uuid>,
        order: ArticleOrder,
        page: &PageRequest,
    ) -> StoreResult<Vec<AnyRow>> {
        let sort = match order {
            ArticleOrder::Recent => "updated_at",
            ArticleOrder::Popular => "views",
        };
        let mut conditions = Conditions::default();
        if let Some(customer_id) = visible_to {
            conditions.fixed("a.published = TRUE").text(
                "(a.all_customers = TRUE OR EXISTS
                   (SELECT 1 FROM article_customers ac WHERE ac.article_id = a.id AND ac.customer_id = ?))",
                customer_id.to_string(),
            );
        }
        if let Some(cursor) = &page.after {
            let key = vec![Keyed::Int(cursor.sort_key.parse().unwrap_or(0)), Keyed::Text(cursor.id.clone())];
            conditions.before(&format!("a.{sort}, a.id"), key);
        }
        let sql = format!(
            "SELECT {columns} FROM articles a{} ORDER BY a.{sort} DESC, a.id DESC LIMIT {}",
            conditions.clause(),
            conditions.next_placeholder()
        );
        Ok(conditions.query(sql).bind(i64::from(page.limit) + 1).fetch_all(&self.pool).await?)
    }

    /// Published articles visible to the customer that contain every word (as a prefix),
    /// best match first: at most `limit`, ranked in the database among the newest `candidates`
    /// matches (see [`SEARCH_CANDIDATES`]), with snippets cut for those only.
    pub async fn search_articles(
        &self,
        customer_id: Uuid,
        query: &str,
        limit: i64,
        candidates: i64,
    ) -> StoreResult<Vec<Found>> {
        let words = search_words(query);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(self.backend.article_search())
            .bind(self.backend.search_expression(&words))
            .bind(customer_id.to_string())
            .bind(limit)
            .bind(candidates.max(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Found { id: row.uuid("id")?, title: row.text("title")?, snippet: row.text("snippet")? })
            })
            .collect()
    }
}

/// Matches ranked at most per search: the newest ones the customer may see. A word in nearly
/// every article ranks this many instead of all of them (bounded time); any search with fewer
/// matches, which is every search but the commonest words alone, ranks them all.
pub const SEARCH_CANDIDATES: i64 = 1_000;

/// Where the next page of a list starts: after this article, in this order.
fn list_cursor(order: ArticleOrder, id: Uuid, views: i64, updated_at: time::OffsetDateTime) -> Cursor {
    Cursor {
        sort_key: match order {
            ArticleOrder::Recent => ((updated_at.unix_timestamp_nanos() / 1_000_000) as i64).to_string(),
            ArticleOrder::Popular => views.to_string(),
        },
        id: id.to_string(),
    }
}

impl Tx {
    /// Stores a new article with its rendered body; the customers it names must exist.
    pub async fn insert_article(
        &mut self,
        content: &ArticleContent,
        rendered: &RenderedBody,
        actor: &Actor,
    ) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        check_customers(self, &content.customer_ids).await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO articles (id, title, body, published, all_customers, views, created_at, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, 0, $6, $6, $7)",
        )
        .bind(id.to_string())
        .bind(&content.title)
        .bind(&content.body)
        .bind(content.published)
        .bind(content.all_customers)
        .bind(now)
        .bind(&actor.name)
        .execute(&mut **self)
        .await?;
        self.write_visibility_and_index(id, content, rendered).await?;
        Ok(id)
    }

    pub async fn write_article(
        &mut self,
        id: Uuid,
        content: &ArticleContent,
        rendered: &RenderedBody,
        actor: &Actor,
    ) -> StoreResult<()> {
        check_customers(self, &content.customer_ids).await?;
        let done = sqlx::query("UPDATE articles SET title = $2, body = $3, published = $4, all_customers = $5, updated_at = $6, updated_by = $7 WHERE id = $1")
            .bind(id.to_string())
            .bind(&content.title)
            .bind(&content.body)
            .bind(content.published)
            .bind(content.all_customers)
            .bind(now_ms())
            .bind(&actor.name)
            .execute(&mut **self)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("article"));
        }
        self.write_visibility_and_index(id, content, rendered).await
    }

    pub async fn delete_article(&mut self, id: Uuid) -> StoreResult<()> {
        // The search row first: it is found through the article's row.
        if !self.backend.indexes_articles_itself() {
            sqlx::query(DELETE_SEARCH_ROW).bind(id.to_string()).execute(&mut **self).await?;
        }
        let done = sqlx::query("DELETE FROM articles WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut **self)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("article"));
        }
        Ok(())
    }

    /// Everything derived from an article's content: its rendered HTML, who sees it, its plain
    /// text (for snippets and PostgreSQL's index) and, on SQLite, its FTS5 row.
    async fn write_visibility_and_index(
        &mut self,
        id: Uuid,
        content: &ArticleContent,
        rendered: &RenderedBody,
    ) -> StoreResult<()> {
        let backend = self.backend;
        let tx: &mut AnyConnection = self;
        let plain = &rendered.text;
        sqlx::query("UPDATE articles SET body_text = $2, body_html = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(plain)
            .bind(&rendered.html)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM article_customers WHERE article_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        for customer in &content.customer_ids {
            sqlx::query("INSERT INTO article_customers (article_id, customer_id) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(customer.to_string())
                .execute(&mut *tx)
                .await?;
        }
        if !backend.indexes_articles_itself() {
            sqlx::query(DELETE_SEARCH_ROW).bind(id.to_string()).execute(&mut *tx).await?;
            // A new article takes the next search rowid (writers are one at a time on SQLite).
            sqlx::query(
                "UPDATE articles SET search_rowid = (SELECT COALESCE(MAX(search_rowid), 0) + 1 FROM articles)
                 WHERE id = $1 AND search_rowid IS NULL",
            )
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO articles_fts (rowid, article_id, title, body)
                 SELECT search_rowid, id, $2, $3 FROM articles WHERE id = $1",
            )
            .bind(id.to_string())
            .bind(&content.title)
            .bind(plain)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }
}

async fn check_customers(tx: &mut AnyConnection, customer_ids: &[Uuid]) -> StoreResult<()> {
    for customer in customer_ids {
        let exists = sqlx::query("SELECT 1 AS found FROM customers WHERE id = $1")
            .bind(customer.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::conflict(
                "customer_ids",
                format!("Customers: no customer has the ID {customer}."),
            ));
        }
    }
    Ok(())
}
