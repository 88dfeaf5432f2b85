//! End users: always read and written within one customer.

use sqlx::any::AnyRow;
use uuid::Uuid;

use super::conditions::Conditions;
use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms, unique_as};
use portico_domain::email::EmailAddress;
use portico_domain::end_user::{CustomerRole, EndUser, EndUserChanges, NewEndUser, RoleSource};
use portico_domain::page::{Cursor, Page, PageRequest};
use portico_domain::text::sort_key;

pub(super) fn end_user(row: &AnyRow) -> StoreResult<EndUser> {
    let role = row.text("role")?;
    let source = row.text("role_source")?;
    Ok(EndUser {
        role: CustomerRole::parse(&role).map_err(|_| StoreError::Corrupt(format!("end user role {role}")))?,
        role_source: RoleSource::parse(&source)
            .ok_or_else(|| StoreError::Corrupt(format!("end user role source {source}")))?,
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

const EMAIL_TAKEN: &str = "Another end user of this customer has this e-mail address.";

impl Store {
    pub async fn end_user(&self, id: Uuid) -> StoreResult<EndUser> {
        let row = sqlx::query("SELECT * FROM end_users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("end user"))?;
        end_user(&row)
    }

    /// The active end users with this address, of every customer.
    pub async fn active_end_users_by_email(&self, email: &EmailAddress) -> StoreResult<Vec<EndUser>> {
        let rows =
            sqlx::query("SELECT * FROM end_users WHERE email = $1 AND active = $2 ORDER BY customer_id")
                .bind(email.as_str())
                .bind(true)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(end_user).collect()
    }

    /// Whether an end user of another customer than `customer_id` has this address.
    pub async fn email_used_elsewhere(&self, customer_id: Uuid, email: &EmailAddress) -> StoreResult<bool> {
        let row =
            sqlx::query("SELECT 1 AS found FROM end_users WHERE email = $1 AND customer_id <> $2 LIMIT 1")
                .bind(email.as_str())
                .bind(customer_id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// The end user of this customer with this address, if any.
    pub async fn end_user_by_email(
        &self,
        customer_id: Uuid,
        email: &EmailAddress,
    ) -> StoreResult<Option<EndUser>> {
        let row = sqlx::query("SELECT * FROM end_users WHERE customer_id = $1 AND email = $2")
            .bind(customer_id.to_string())
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(end_user).transpose()
    }

    /// The names of the end users among `ids`, to label rows that refer to them.
    pub async fn end_user_names(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> StoreResult<std::collections::HashMap<Uuid, String>> {
        self.names_in("end_users", ids).await
    }

    /// The names of the end users among `ids` who belong to `customer_id` (others are left out).
    pub async fn end_user_names_of_customer(
        &self,
        customer_id: Uuid,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> StoreResult<std::collections::HashMap<Uuid, String>> {
        let ids: std::collections::HashSet<String> = ids.into_iter().map(|id| id.to_string()).collect();
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let mut conditions = Conditions::default();
        conditions.any_of("id", ids);
        conditions.text("customer_id = ?", customer_id.to_string());
        let sql = format!("SELECT id, name FROM end_users{}", conditions.clause());
        let rows = conditions.query(sql).fetch_all(&self.pool).await?;
        rows.iter().map(|row| Ok((row.uuid("id")?, row.text("name")?))).collect()
    }

    pub async fn list_end_users(
        &self,
        customer_id: Uuid,
        search: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<EndUser>> {
        let mut conditions = Conditions::default();
        conditions
            .text("customer_id = ?", customer_id.to_string())
            .like_any(&["sort_key", "email"], search)?
            .after_cursor("sort_key, id", page);
        let sql = format!(
            "SELECT * FROM end_users{} ORDER BY sort_key, id LIMIT {}",
            conditions.clause(),
            conditions.next_placeholder()
        );
        let rows = conditions.query(sql).bind(i64::from(page.limit) + 1).fetch_all(&self.pool).await?;
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
}

impl Tx {
    pub async fn insert_end_user(&mut self, customer_id: Uuid, new: &NewEndUser) -> StoreResult<EndUser> {
        let row = sqlx::query(
            "INSERT INTO end_users (id, customer_id, name, sort_key, email, active, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $8, $7, $7) RETURNING *",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(customer_id.to_string())
        .bind(&new.name)
        .bind(sort_key(&new.name))
        .bind(new.email.as_str())
        .bind(new.active)
        .bind(now_ms())
        .bind(new.role.as_str())
        .fetch_one(&mut **self)
        .await
        .map_err(unique_as("email", EMAIL_TAKEN))?;
        end_user(&row)
    }

    pub async fn update_end_user(&mut self, id: Uuid, changes: &EndUserChanges) -> StoreResult<EndUser> {
        let row = sqlx::query(
            "UPDATE end_users SET
               name = COALESCE($2, name),
               sort_key = COALESCE($3, sort_key),
               email = COALESCE($4, email),
               active = COALESCE($5, active),
               role = COALESCE($7, role),
               role_source = CASE WHEN $7 IS NULL THEN role_source ELSE 'team' END,
               updated_at = $6
             WHERE id = $1 RETURNING *",
        )
        .bind(id.to_string())
        .bind(changes.name.as_deref())
        .bind(changes.name.as_deref().map(sort_key))
        .bind(changes.email.as_ref().map(EmailAddress::as_str))
        .bind(changes.active)
        .bind(now_ms())
        .bind(changes.role.map(CustomerRole::as_str))
        .fetch_optional(&mut **self)
        .await
        .map_err(unique_as("email", EMAIL_TAKEN))?
        .ok_or(StoreError::not_found("end user"))?;
        end_user(&row)
    }

    /// The role the identity provider's groups give, at a sign-in.
    pub async fn set_role_from_idp(&mut self, id: Uuid, role: CustomerRole) -> StoreResult<()> {
        sqlx::query("UPDATE end_users SET role = $2, role_source = 'idp', updated_at = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(role.as_str())
            .bind(now_ms())
            .execute(&mut **self)
            .await?;
        Ok(())
    }
}

impl Tx {
    /// Invitations sent for a customer since `since_ms`, counted with the customer held, so a
    /// burst of parallel invitations cannot race past the limit.
    pub async fn recent_invitations(&mut self, customer_id: Uuid, since_ms: i64) -> StoreResult<i64> {
        sqlx::query("UPDATE customers SET id = id WHERE id = $1")
            .bind(customer_id.to_string())
            .execute(&mut **self)
            .await?;
        sqlx::query("SELECT COUNT(*) AS n FROM events WHERE customer_id = $1 AND kind = $2 AND at > $3")
            .bind(customer_id.to_string())
            .bind(portico_domain::event::EventKind::EndUserInvited.as_str())
            .bind(since_ms)
            .fetch_one(&mut **self)
            .await?
            .int("n")
    }
}
