//! Customers.

use sqlx::any::AnyRow;
use uuid::Uuid;

use super::team::after;
use super::{RowExt, Store, StoreError, StoreResult, clear_or_set, now_ms, unique_as};
use crate::domain::actor::Actor;
use crate::domain::customer::{Customer, CustomerChanges, NewCustomer};
use crate::domain::email::EmailAddress;
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::page::{Cursor, Page, PageRequest, like_pattern};
use crate::domain::slug::Slug;
use crate::domain::text::sort_key;

fn customer(row: &AnyRow) -> StoreResult<Customer> {
    let archived_at = row.opt_time("archived_at")?;
    Ok(Customer {
        id: row.uuid("id")?,
        name: row.text("name")?,
        slug: Slug::from_trusted(row.text("slug")?),
        contact_email: row.opt_text("contact_email")?.map(EmailAddress::from_trusted),
        phone: row.opt_text("phone")?,
        website: row.opt_text("website")?,
        notes: row.text("notes")?,
        archived: archived_at.is_some(),
        archived_at,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

const SLUG_TAKEN: &str = "is already used by another customer";

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub search: Option<String>,
    pub include_archived: bool,
}

impl Store {
    pub async fn create_customer(&self, new: &NewCustomer, actor: &Actor) -> StoreResult<Customer> {
        let mut tx = self.begin_write().await?;
        let slug = match &new.slug {
            Some(slug) => slug.clone(),
            None => free_slug(&mut tx, &Slug::from_name(&new.name)).await?,
        };
        let id = Uuid::now_v7();
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO customers (id, name, sort_key, slug, contact_email, phone, website, notes, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING *",
        )
        .bind(id.to_string())
        .bind(&new.name)
        .bind(sort_key(&new.name))
        .bind(slug.as_str())
        .bind(new.contact_email.as_ref().map(EmailAddress::as_str))
        .bind(new.phone.as_deref())
        .bind(new.website.as_deref())
        .bind(&new.notes)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_as("slug", SLUG_TAKEN))?;
        let created = customer(&row)?;
        let summary = format!("created customer {}", created.name);
        tx.record(
            actor,
            NewEvent::new(EventKind::CustomerCreated, created.id, summary).for_customer(created.id),
        )
        .await?;
        // Every customer has its (inactive) portal from the start, at its default address.
        tx.portal_for_update(created.id).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn customer(&self, id: Uuid) -> StoreResult<Customer> {
        let row = sqlx::query("SELECT * FROM customers WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("customer"))?;
        customer(&row)
    }

    pub async fn list_customers(
        &self,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Customer>> {
        let (after_key, after_id) = after(page);
        let rows = sqlx::query(
            "SELECT * FROM customers
             WHERE ($1 IS NULL OR sort_key LIKE $1 ESCAPE '\\' OR slug LIKE $1 ESCAPE '\\')
               AND ($2 OR archived_at IS NULL)
               AND ($3 IS NULL OR (sort_key, id) > ($3, $4))
             ORDER BY sort_key, id LIMIT $5",
        )
        .bind(filter.search.as_deref().filter(|s| !s.trim().is_empty()).map(like_pattern))
        .bind(filter.include_archived)
        .bind(after_key)
        .bind(after_id)
        .bind(i64::from(page.limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let customers = rows.iter().map(customer).collect::<StoreResult<Vec<_>>>()?;
        Ok(page.page_from(customers, |c| Cursor { sort_key: sort_key(&c.name), id: c.id.to_string() }))
    }

    pub async fn update_customer(
        &self,
        id: Uuid,
        changes: &CustomerChanges,
        actor: &Actor,
    ) -> StoreResult<Customer> {
        if changes.is_empty() {
            return self.customer(id).await;
        }
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        let (set_email, email) =
            clear_or_set(changes.contact_email.as_ref().map(|e| e.as_ref().map(EmailAddress::as_str)));
        let (set_phone, phone) = clear_or_set(changes.phone.as_ref().map(Option::as_deref));
        let (set_website, website) = clear_or_set(changes.website.as_ref().map(Option::as_deref));
        let row = sqlx::query(
            "UPDATE customers SET
               name = COALESCE($2, name),
               sort_key = COALESCE($3, sort_key),
               slug = COALESCE($4, slug),
               contact_email = CASE WHEN $5 THEN $6 ELSE contact_email END,
               phone = CASE WHEN $7 THEN $8 ELSE phone END,
               website = CASE WHEN $9 THEN $10 ELSE website END,
               notes = COALESCE($11, notes),
               archived_at = CASE WHEN $12 IS NULL THEN archived_at WHEN $12 THEN COALESCE(archived_at, $13) ELSE NULL END,
               updated_at = $13
             WHERE id = $1 RETURNING *",
        )
        .bind(id.to_string())
        .bind(changes.name.as_deref())
        .bind(changes.name.as_deref().map(sort_key))
        .bind(changes.slug.as_ref().map(Slug::as_str))
        .bind(set_email)
        .bind(email)
        .bind(set_phone)
        .bind(phone)
        .bind(set_website)
        .bind(website)
        .bind(changes.notes.as_deref())
        .bind(changes.archived)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unique_as("slug", SLUG_TAKEN))?
        .ok_or(StoreError::not_found("customer"))?;
        let updated = customer(&row)?;
        let summary = changes.summary();
        let kind = match changes.archived {
            Some(true) => EventKind::CustomerArchived,
            Some(false) => EventKind::CustomerRestored,
            None => EventKind::CustomerUpdated,
        };
        tx.record(actor, NewEvent::new(kind, id, summary).for_customer(id)).await?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn count_customers(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM customers").fetch_one(&self.pool).await?;
        row.int("n")
    }
}

/// The first of `base`, `base-2`, `base-3`… no customer uses yet.
async fn free_slug(connection: &mut sqlx::AnyConnection, base: &Slug) -> StoreResult<Slug> {
    for n in 1..=1000 {
        let candidate = base.with_suffix(n);
        let taken = sqlx::query("SELECT 1 AS taken FROM customers WHERE slug = $1")
            .bind(candidate.as_str())
            .fetch_optional(&mut *connection)
            .await?
            .is_some();
        if !taken {
            return Ok(candidate);
        }
    }
    Err(StoreError::conflict("slug", "no free slug could be made from the name; choose one"))
}
