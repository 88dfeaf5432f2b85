//! What the console's home page counts: where open tickets wait, and portals that cannot be
//! signed in to.

use super::{RowExt, Store, StoreResult};
pub use portico_domain::dashboard::{Tally, Waiting};

const OPEN: &str = "t.status NOT IN ('resolved', 'closed')";

impl Store {
    pub async fn open_tickets_by_group(&self, limit: i64) -> StoreResult<Vec<Tally>> {
        self.tally("assignment_groups", "assignment_group_id", limit).await
    }

    pub async fn open_tickets_by_customer(&self, limit: i64) -> StoreResult<Vec<Tally>> {
        self.tally("customers", "customer_id", limit).await
    }

    /// `table` and `column` are always ours, never input.
    async fn tally(&self, table: &'static str, column: &'static str, limit: i64) -> StoreResult<Vec<Tally>> {
        let sql = format!(
            "SELECT o.id AS id, o.name AS name, COUNT(*) AS open FROM tickets t JOIN {table} o ON o.id = t.{column} \
             WHERE {OPEN} GROUP BY o.id, o.name ORDER BY open DESC, o.name LIMIT $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok(Tally { id: row.uuid("id")?, name: row.text("name")?, open: row.int("open")? }))
            .collect()
    }

    pub async fn longest_waiting(&self, limit: i64) -> StoreResult<Vec<Waiting>> {
        let sql = format!(
            "SELECT t.id AS id, t.number AS number, t.short_description AS short_description, c.name AS customer, \
             t.updated_at AS updated_at FROM tickets t JOIN customers c ON c.id = t.customer_id \
             WHERE {OPEN} ORDER BY t.updated_at, t.id LIMIT $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(Waiting {
                    id: row.uuid("id")?,
                    number: row.int("number")?,
                    short_description: row.text("short_description")?,
                    customer: row.text("customer")?,
                    updated_at: row.time("updated_at")?,
                })
            })
            .collect()
    }

    /// Customers whose portal is active but has no enabled single sign-on: nobody can get in.
    pub async fn active_portals_without_sign_in(&self, limit: i64) -> StoreResult<Vec<Tally>> {
        let rows = sqlx::query(
            "SELECT c.id AS id, c.name AS name, 0 AS open FROM portals p JOIN customers c ON c.id = p.customer_id \
             WHERE p.active = $1 AND c.archived_at IS NULL AND NOT EXISTS \
             (SELECT 1 FROM sso_configs s WHERE s.customer_id = p.customer_id AND s.enabled = $1) \
             ORDER BY c.name LIMIT $2",
        )
        .bind(true)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(Tally { id: row.uuid("id")?, name: row.text("name")?, open: row.int("open")? }))
            .collect()
    }
}
