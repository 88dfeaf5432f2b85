//! What a bulk import of end users reads and writes: the customer's end users by address in
//! one query, and new end users in multi-row inserts, inside the import's one transaction.

use std::collections::HashMap;

use uuid::Uuid;

use super::{RowExt, StoreError, StoreResult, Tx, now_ms, unique_as};
use portico_domain::email::EmailAddress;
use portico_domain::end_user::{CustomerRole, NewEndUser};
use portico_domain::import::Existing;
use portico_domain::text::sort_key;

/// Rows per INSERT: 5 values each, well under both databases' limits on bound values.
const INSERT_BATCH: usize = 1000;

impl Tx {
    /// Every end user of the customer, by e-mail address.
    pub async fn end_users_by_email(
        &mut self,
        customer_id: Uuid,
    ) -> StoreResult<HashMap<EmailAddress, Existing>> {
        let rows = sqlx::query("SELECT id, name, email, role FROM end_users WHERE customer_id = $1")
            .bind(customer_id.to_string())
            .fetch_all(&mut **self)
            .await?;
        rows.iter()
            .map(|row| {
                let role = row.text("role")?;
                let existing = Existing {
                    id: row.uuid("id")?,
                    name: row.text("name")?,
                    role: CustomerRole::parse(&role)
                        .map_err(|_| StoreError::Corrupt(format!("end user role {role}")))?,
                };
                Ok((EmailAddress::from_trusted(row.text("email")?), existing))
            })
            .collect()
    }

    /// Adds end users to the customer, many per statement.
    pub async fn insert_end_users(&mut self, customer_id: Uuid, users: &[NewEndUser]) -> StoreResult<()> {
        let now = now_ms();
        for batch in users.chunks(INSERT_BATCH) {
            // $1 customer, $2 time, $3 active; then five values per row.
            let values: Vec<String> = (0..batch.len())
                .map(|i| {
                    let n = 4 + i * 5;
                    format!("(${n}, $1, ${}, ${}, ${}, $3, ${}, 'team', $2, $2)", n + 1, n + 2, n + 3, n + 4)
                })
                .collect();
            let sql = format!(
                "INSERT INTO end_users (id, customer_id, name, sort_key, email, active, role, role_source, created_at, updated_at) VALUES {}",
                values.join(", ")
            );
            let mut query =
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer_id.to_string()).bind(now).bind(true);
            for user in batch {
                query = query
                    .bind(Uuid::now_v7().to_string())
                    .bind(user.name.clone())
                    .bind(sort_key(&user.name))
                    .bind(user.email.as_str().to_string())
                    .bind(user.role.as_str());
            }
            query.execute(&mut **self).await.map_err(unique_as(
                "email",
                "another end user of this customer has one of these e-mail addresses; check the file again",
            ))?;
        }
        Ok(())
    }
}
