//! The colleagues a ticket is shared with: end users of the ticket's customer who follow it.

use uuid::Uuid;

use super::end_users::end_user;
use super::{RowExt, Store, StoreResult, Tx, now_ms};
use portico_domain::end_user::EndUser;

impl Store {
    /// The ticket's followers, by name.
    pub async fn followers(&self, ticket_id: Uuid) -> StoreResult<Vec<EndUser>> {
        let rows = sqlx::query(
            "SELECT u.* FROM ticket_followers f JOIN end_users u ON u.id = f.end_user_id
             WHERE f.ticket_id = $1 ORDER BY u.sort_key, u.id",
        )
        .bind(ticket_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(end_user).collect()
    }

    pub async fn follower_ids(&self, ticket_id: Uuid) -> StoreResult<Vec<Uuid>> {
        let rows =
            sqlx::query("SELECT end_user_id FROM ticket_followers WHERE ticket_id = $1 ORDER BY end_user_id")
                .bind(ticket_id.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|row| row.uuid("end_user_id")).collect()
    }
}

impl Tx {
    /// Adds a follower; `false` when they already follow the ticket.
    pub async fn add_follower(&mut self, ticket_id: Uuid, end_user_id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO ticket_followers (ticket_id, end_user_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (ticket_id, end_user_id) DO NOTHING",
        )
        .bind(ticket_id.to_string())
        .bind(end_user_id.to_string())
        .bind(now_ms())
        .execute(&mut **self)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes a follower; `false` when they did not follow the ticket.
    pub async fn remove_follower(&mut self, ticket_id: Uuid, end_user_id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM ticket_followers WHERE ticket_id = $1 AND end_user_id = $2")
            .bind(ticket_id.to_string())
            .bind(end_user_id.to_string())
            .execute(&mut **self)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
