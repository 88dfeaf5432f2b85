//! Request types, who may use them, and each customer's own tailoring of them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms};
use portico_domain::request_type::{Field, Override, RequestType, RequestTypeSettings};
use portico_domain::text::sort_key;
use portico_domain::ticket::{TicketType, Urgency};

/// The part of a type kept as one JSON document.
#[derive(Serialize, Deserialize)]
struct Stored {
    description: String,
    icon: String,
    category: String,
    default_urgency: String,
    ticket_type: String,
    fields: Vec<Field>,
}

fn request_type(row: &AnyRow, customer_ids: Vec<Uuid>) -> StoreResult<RequestType> {
    let corrupt = |what: String| StoreError::Corrupt(format!("request type {what}"));
    let stored: Stored =
        serde_json::from_str(&row.text("settings")?).map_err(|e| corrupt(format!("settings: {e}")))?;
    Ok(RequestType {
        id: row.uuid("id")?,
        settings: RequestTypeSettings {
            name: row.text("name")?,
            description: stored.description,
            icon: stored.icon,
            category: stored.category,
            assignment_group_id: row.opt_uuid("assignment_group_id")?,
            default_urgency: Urgency::parse(&stored.default_urgency)
                .map_err(|_| corrupt(format!("urgency {}", stored.default_urgency)))?,
            ticket_type: TicketType::parse(&stored.ticket_type)
                .map_err(|_| corrupt(format!("ticket type {}", stored.ticket_type)))?,
            fields: stored.fields,
            customer_ids,
        },
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

fn stored(settings: &RequestTypeSettings) -> StoreResult<String> {
    super::json_text(
        &Stored {
            description: settings.description.clone(),
            icon: settings.icon.clone(),
            category: settings.category.clone(),
            default_urgency: settings.default_urgency.as_str().to_string(),
            ticket_type: settings.ticket_type.as_str().to_string(),
            fields: settings.fields.clone(),
        },
        "request type settings",
    )
}

impl Store {
    /// Every request type, by name.
    pub async fn request_types(&self) -> StoreResult<Vec<RequestType>> {
        let rows =
            sqlx::query("SELECT * FROM request_types ORDER BY sort_key, id").fetch_all(&self.pool).await?;
        let mut chosen: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for row in sqlx::query("SELECT * FROM request_type_customers ORDER BY customer_id")
            .fetch_all(&self.pool)
            .await?
        {
            chosen.entry(row.uuid("request_type_id")?).or_default().push(row.uuid("customer_id")?);
        }
        rows.iter()
            .map(|row| {
                let id = row.uuid("id")?;
                request_type(row, chosen.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    pub async fn request_type(&self, id: Uuid) -> StoreResult<RequestType> {
        let row = sqlx::query("SELECT * FROM request_types WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("request type"))?;
        let customers = sqlx::query(
            "SELECT customer_id FROM request_type_customers WHERE request_type_id = $1 ORDER BY customer_id",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let ids = customers.iter().map(|r| r.uuid("customer_id")).collect::<StoreResult<_>>()?;
        request_type(&row, ids)
    }

    /// A customer's tailoring of the types, by type.
    pub async fn request_type_overrides(&self, customer_id: Uuid) -> StoreResult<HashMap<Uuid, Override>> {
        let rows = sqlx::query("SELECT * FROM request_type_overrides WHERE customer_id = $1")
            .bind(customer_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.uuid("request_type_id")?,
                    Override {
                        hidden: row.flag("hidden")?,
                        assignment_group_id: row.opt_uuid("assignment_group_id")?,
                    },
                ))
            })
            .collect()
    }
}

impl Tx {
    pub async fn insert_request_type(&mut self, id: Uuid, settings: &RequestTypeSettings) -> StoreResult<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO request_types (id, name, sort_key, settings, assignment_group_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id.to_string())
        .bind(&settings.name)
        .bind(sort_key(&settings.name))
        .bind(stored(settings)?)
        .bind(settings.assignment_group_id.map(|g| g.to_string()))
        .bind(now)
        .execute(&mut **self)
        .await?;
        self.write_request_type_customers(id, &settings.customer_ids).await
    }

    /// Writes a type's settings; `false` when there is no such type.
    pub async fn update_request_type(
        &mut self,
        id: Uuid,
        settings: &RequestTypeSettings,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE request_types SET name = $2, sort_key = $3, settings = $4, assignment_group_id = $5, updated_at = $6
             WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(&settings.name)
        .bind(sort_key(&settings.name))
        .bind(stored(settings)?)
        .bind(settings.assignment_group_id.map(|g| g.to_string()))
        .bind(now_ms())
        .execute(&mut **self)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM request_type_customers WHERE request_type_id = $1")
            .bind(id.to_string())
            .execute(&mut **self)
            .await?;
        self.write_request_type_customers(id, &settings.customer_ids).await?;
        Ok(true)
    }

    async fn write_request_type_customers(&mut self, id: Uuid, customer_ids: &[Uuid]) -> StoreResult<()> {
        for customer_id in customer_ids {
            sqlx::query("INSERT INTO request_type_customers (request_type_id, customer_id) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(customer_id.to_string())
                .execute(&mut **self)
                .await?;
        }
        Ok(())
    }

    /// Removes a type; tickets filed through it keep their answers. `false`: no such type.
    pub async fn delete_request_type(&mut self, id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM request_types WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut **self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets a customer's tailoring of a type; the default (shown, the type's own group) removes it.
    pub async fn set_request_type_override(
        &mut self,
        request_type_id: Uuid,
        customer_id: Uuid,
        own: Override,
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM request_type_overrides WHERE request_type_id = $1 AND customer_id = $2")
            .bind(request_type_id.to_string())
            .bind(customer_id.to_string())
            .execute(&mut **self)
            .await?;
        if own != Override::default() {
            sqlx::query(
                "INSERT INTO request_type_overrides (request_type_id, customer_id, hidden, assignment_group_id, updated_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(request_type_id.to_string())
            .bind(customer_id.to_string())
            .bind(own.hidden)
            .bind(own.assignment_group_id.map(|g| g.to_string()))
            .bind(now_ms())
            .execute(&mut **self)
            .await?;
        }
        Ok(())
    }
}
