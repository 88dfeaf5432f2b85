//! End users: always read and written within one customer.

use sqlx::any::AnyRow;
use uuid::Uuid;

use super::team::after;
use super::{RowExt, Store, StoreError, StoreResult, now_ms, unique_as};
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::end_user::{EndUser, EndUserChanges, NewEndUser};
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::page::{Cursor, Page, PageRequest, like_pattern};
use crate::domain::text::sort_key;

fn end_user(row: &AnyRow) -> StoreResult<EndUser> {
    Ok(EndUser {
        id: row.uuid("id")?,
        customer_id: row.uuid("customer_id")?,
        name: row.text("name")?,
        email: EmailAddress::from_trusted(row.text("email")?),
        active: row.flag("active")?,
        first_sign_in_at: row.opt_time("first_sign_in_at")?,
        last_sign_in_at: row.opt_time("last_sign_in_at")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

const EMAIL_TAKEN: &str = "another end user of this customer has this e-mail address";

impl Store {
    pub async fn create_end_user(
        &self,
        customer_id: Uuid,
        new: &NewEndUser,
        actor: &Actor,
    ) -> StoreResult<EndUser> {
        let customer = self.customer(customer_id).await?;
        if customer.archived {
            return Err(StoreError::conflict("customer_id", "the customer is archived; restore it first"));
        }
        let mut tx = self.begin_write().await?;
        let id = Uuid::now_v7();
        let row = sqlx::query(
            "INSERT INTO end_users (id, customer_id, name, sort_key, email, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *",
        )
        .bind(id.to_string())
        .bind(customer_id.to_string())
        .bind(&new.name)
        .bind(sort_key(&new.name))
        .bind(new.email.as_str())
        .bind(new.active)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_as("email", EMAIL_TAKEN))?;
        let created = end_user(&row)?;
        let summary = format!("created end user {} for {}", created.email, customer.name);
        let event = NewEvent::new(EventKind::EndUserCreated, id, summary).for_customer(created.customer_id);
        tx.record(actor, event).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn end_user(&self, id: Uuid) -> StoreResult<EndUser> {
        let row = sqlx::query("SELECT * FROM end_users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("end user"))?;
        end_user(&row)
    }

    pub async fn list_end_users(
        &self,
        customer_id: Uuid,
        search: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<EndUser>> {
        let (after_key, after_id) = after(page);
        let rows = sqlx::query(
            "SELECT * FROM end_users
             WHERE customer_id = $1
               AND ($2 IS NULL OR sort_key LIKE $2 ESCAPE '\\' OR email LIKE $2 ESCAPE '\\')
               AND ($3 IS NULL OR (sort_key, id) > ($3, $4))
             ORDER BY sort_key, id LIMIT $5",
        )
        .bind(customer_id.to_string())
        .bind(search.filter(|s| !s.trim().is_empty()).map(like_pattern))
        .bind(after_key)
        .bind(after_id)
        .bind(i64::from(page.limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let users = rows.iter().map(end_user).collect::<StoreResult<Vec<_>>>()?;
        Ok(page.page_from(users, |u| Cursor { sort_key: sort_key(&u.name), id: u.id.to_string() }))
    }

    pub async fn count_end_users(&self, customer_id: Uuid) -> StoreResult<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN active = $2 THEN 1 ELSE 0 END), 0) AS active
             FROM end_users WHERE customer_id = $1",
        )
        .bind(customer_id.to_string())
        .bind(true)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.int("total")?, row.int("active")?))
    }

    pub async fn update_end_user(
        &self,
        id: Uuid,
        changes: &EndUserChanges,
        actor: &Actor,
    ) -> StoreResult<EndUser> {
        if *changes == EndUserChanges::default() {
            return self.end_user(id).await;
        }
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE end_users SET
               name = COALESCE($2, name),
               sort_key = COALESCE($3, sort_key),
               email = COALESCE($4, email),
               active = COALESCE($5, active),
               updated_at = $6
             WHERE id = $1 RETURNING *",
        )
        .bind(id.to_string())
        .bind(changes.name.as_deref())
        .bind(changes.name.as_deref().map(sort_key))
        .bind(changes.email.as_ref().map(EmailAddress::as_str))
        .bind(changes.active)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await
        .map_err(unique_as("email", EMAIL_TAKEN))?
        .ok_or(StoreError::not_found("end user"))?;
        let updated = end_user(&row)?;
        let summary = changes.summary();
        let event = NewEvent::new(EventKind::EndUserUpdated, id, summary).for_customer(updated.customer_id);
        tx.record(actor, event).await?;
        tx.commit().await?;
        Ok(updated)
    }
}
