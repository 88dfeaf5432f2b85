//! Customers.

use sqlx::any::AnyRow;
use uuid::Uuid;

use std::collections::{HashMap, HashSet};

use super::conditions::Conditions;
use super::{RowExt, Store, StoreError, StoreResult, Tx, clear_or_set, now_ms, unique_as};
pub use portico_domain::customer::CustomerFilter;
use portico_domain::customer::{Customer, CustomerChanges, NewCustomer};
use portico_domain::email::EmailAddress;
use portico_domain::page::{Cursor, Page, PageRequest};
use portico_domain::slug::Slug;
use portico_domain::text::sort_key;

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
        email_domains: row
            .text("email_domains")?
            .split(',')
            .filter(|domain| !domain.is_empty())
            .map(str::to_string)
            .collect(),
        archived: archived_at.is_some(),
        archived_at,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

const SLUG_TAKEN: &str = "Slug is already used by another customer.";

impl Store {
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
        let mut conditions = Conditions::default();
        conditions.like_any(&["sort_key", "slug"], filter.search.as_deref())?;
        if !filter.include_archived {
            conditions.fixed("archived_at IS NULL");
        }
        conditions.after_cursor("sort_key, id", page);
        let sql = format!(
            "SELECT * FROM customers{} ORDER BY sort_key, id LIMIT {}",
            conditions.clause(),
            conditions.next_placeholder()
        );
        let rows = conditions.query(sql).bind(i64::from(page.limit) + 1).fetch_all(&self.pool).await?;
        let customers = rows.iter().map(customer).collect::<StoreResult<Vec<_>>>()?;
        Ok(page.page_from(customers, |c| Cursor { sort_key: sort_key(&c.name), id: c.id.to_string() }))
    }

    /// The names of the customers among `ids`, to label rows that refer to them.
    pub async fn customer_names(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> StoreResult<HashMap<Uuid, String>> {
        self.names_in("customers", ids).await
    }

    pub async fn count_customers(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM customers").fetch_one(&self.pool).await?;
        row.int("n")
    }
}

impl Tx {
    /// The customer as this transaction sees it.
    pub async fn customer(&mut self, id: Uuid) -> StoreResult<Customer> {
        let row = sqlx::query("SELECT * FROM customers WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut **self)
            .await?
            .ok_or(StoreError::not_found("customer"))?;
        customer(&row)
    }

    /// Every customer slug that is `base` or `base-` followed by anything: what a numbered
    /// variant of `base` could collide with, in one query.
    pub async fn customer_slugs_like(&mut self, base: &Slug) -> StoreResult<HashSet<String>> {
        // Slugs hold only a-z, 0-9 and '-': nothing in them is a LIKE wildcard.
        let rows = sqlx::query("SELECT slug FROM customers WHERE slug = $1 OR slug LIKE $2")
            .bind(base.as_str())
            .bind(format!("{base}-%"))
            .fetch_all(&mut **self)
            .await?;
        rows.iter().map(|row| row.text("slug")).collect()
    }

    pub async fn insert_customer(&mut self, new: &NewCustomer, slug: &Slug) -> StoreResult<Customer> {
        let row = sqlx::query(
            "INSERT INTO customers (id, name, sort_key, slug, contact_email, phone, website, notes, email_domains, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $9, $9) RETURNING *",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(&new.name)
        .bind(sort_key(&new.name))
        .bind(slug.as_str())
        .bind(new.contact_email.as_ref().map(EmailAddress::as_str))
        .bind(new.phone.as_deref())
        .bind(new.website.as_deref())
        .bind(&new.notes)
        .bind(now_ms())
        .bind(new.email_domains.join(","))
        .fetch_one(&mut **self)
        .await
        .map_err(unique_as("slug", SLUG_TAKEN))?;
        customer(&row)
    }

    /// Writes the fields `changes` names; archiving keeps the first archiving time.
    pub async fn update_customer(&mut self, id: Uuid, changes: &CustomerChanges) -> StoreResult<Customer> {
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
               email_domains = COALESCE($14, email_domains),
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
        .bind(now_ms())
        .bind(changes.email_domains.as_ref().map(|domains| domains.join(",")))
        .fetch_optional(&mut **self)
        .await
        .map_err(unique_as("slug", SLUG_TAKEN))?
        .ok_or(StoreError::not_found("customer"))?;
        customer(&row)
    }
}
