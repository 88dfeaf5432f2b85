//! Portals: one per customer, saved whole with optimistic concurrency, every save a revision.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use std::collections::HashSet;

use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms, unique_among};
use portico_domain::actor::Actor;
use portico_domain::portal::document::PortalSettings;
pub use portico_domain::portal::stored::{PortalRevision, StoredPortal};
use portico_domain::slug::Slug;
use portico_domain::validation::FieldError;

const PORTAL_UNIQUE: &[(&str, &str, &str)] = &[
    ("slug", "slug", "Slug is already the address of another portal."),
    ("custom_domain", "custom_domain", "Custom domain is already the custom domain of another portal."),
];
const RETIRED_SLUG: &str = "Slug is an earlier address of another portal, which still redirects from it.";
const GROUP_FIELD: &str = "features.ticketing.default_assignment_group_id";

fn settings_from(json: &str) -> StoreResult<PortalSettings> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("portal settings: {e}")))
}

fn stored_portal(row: &AnyRow) -> StoreResult<StoredPortal> {
    Ok(StoredPortal {
        customer_id: row.uuid("customer_id")?,
        settings: settings_from(&row.text("settings")?)?,
        logo_id: row.opt_text("logo_id")?,
        revision: row.int("revision")?,
        updated_at: row.time("updated_at")?,
        updated_by: row.text("updated_by")?,
    })
}

/// What a save writes: the settings, the logo, and the revision's summary.
pub struct Save<'a> {
    pub settings: &'a PortalSettings,
    pub logo_id: Option<&'a str>,
    pub summary: String,
}

impl Store {
    /// The customer's portal; a customer who never saved one has the default document at
    /// revision 1, which is stored only with the first save (reading never writes).
    pub async fn portal(&self, customer_id: Uuid) -> StoreResult<StoredPortal> {
        if let Some(portal) = self.find_portal(customer_id).await? {
            return Ok(portal);
        }
        let customer = self.customer(customer_id).await?;
        let mut connection = self.pool.acquire().await?;
        let slug = free_portal_slug(&mut connection, &customer.slug).await?;
        Ok(StoredPortal {
            customer_id,
            settings: PortalSettings::new_for(slug),
            logo_id: None,
            revision: 1,
            updated_at: customer.created_at,
            updated_by: Actor::system().name,
        })
    }

    async fn find_portal(&self, customer_id: Uuid) -> StoreResult<Option<StoredPortal>> {
        let row = sqlx::query("SELECT * FROM portals WHERE customer_id = $1")
            .bind(customer_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(stored_portal).transpose()
    }

    /// A stored revision's settings and logo.
    pub async fn portal_revision(
        &self,
        customer_id: Uuid,
        number: i64,
    ) -> StoreResult<(PortalSettings, Option<String>)> {
        let row = sqlx::query(
            "SELECT settings, logo_id FROM portal_revisions WHERE customer_id = $1 AND revision = $2",
        )
        .bind(customer_id.to_string())
        .bind(number)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::not_found("revision"))?;
        Ok((settings_from(&row.text("settings")?)?, row.opt_text("logo_id")?))
    }

    /// Keeps a processed logo (content-addressed: storing it twice is harmless) without
    /// attaching it to any portal yet. Storing it again renews `created_at`, so an upload
    /// waiting in an unsaved drawer is never taken for an unused old one.
    pub async fn put_logo(&self, logo: &StoredLogo<'_>) -> StoreResult<()> {
        let _permit = self.write_permit().await?;
        sqlx::query(
            "INSERT INTO logos (id, content_type, data, width, height, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at",
        )
        .bind(logo.id)
        .bind(logo.content_type)
        .bind(logo.data.to_vec())
        .bind(i64::from(logo.width))
        .bind(i64::from(logo.height))
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes logos that no portal and no revision uses and that were uploaded before
    /// `uploaded_before_ms` (uploads in unsaved drawers are younger). Returns how many went.
    pub async fn prune_unused_logos(&self, uploaded_before_ms: i64) -> StoreResult<u64> {
        let _permit = self.write_permit().await?;
        let done = sqlx::query(
            "DELETE FROM logos WHERE created_at < $1
               AND NOT EXISTS (SELECT 1 FROM portals p WHERE p.logo_id = logos.id)
               AND NOT EXISTS (SELECT 1 FROM portal_revisions r WHERE r.logo_id = logos.id)",
        )
        .bind(uploaded_before_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn portal_revisions(&self, customer_id: Uuid) -> StoreResult<Vec<PortalRevision>> {
        self.customer(customer_id).await?;
        let rows = sqlx::query(
            "SELECT revision, at, actor_name, summary FROM portal_revisions WHERE customer_id = $1 ORDER BY revision DESC",
        )
        .bind(customer_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PortalRevision {
                    revision: row.int("revision")?,
                    at: row.time("at")?,
                    actor: row.text("actor_name")?,
                    summary: row.text("summary")?,
                })
            })
            .collect()
    }

    /// The addresses in `settings` that belong to another portal: its slug (the current slug
    /// of another portal, or an earlier one that still redirects there) or its custom domain.
    /// A save checks the same under its lock; this lets a form say so before it is saved.
    pub async fn portal_address_conflicts(
        &self,
        customer_id: Uuid,
        settings: &PortalSettings,
    ) -> StoreResult<Vec<FieldError>> {
        let owner = |sql: &'static str, value: String| async move {
            let row = sqlx::query(sql).bind(value).fetch_optional(&self.pool).await?;
            row.map(|row| row.uuid("customer_id")).transpose()
        };
        let elsewhere = |found: Option<Uuid>| found.is_some_and(|id| id != customer_id);
        let mut conflicts = Vec::new();
        let slug = settings.slug.as_str().to_string();
        if elsewhere(owner("SELECT customer_id FROM portals WHERE slug = $1", slug.clone()).await?) {
            conflicts.push(FieldError::new("slug", PORTAL_UNIQUE[0].2));
        } else if elsewhere(owner("SELECT customer_id FROM portal_old_slugs WHERE slug = $1", slug).await?) {
            conflicts.push(FieldError::new("slug", RETIRED_SLUG));
        }
        if let Some(domain) = &settings.custom_domain
            && elsewhere(
                owner("SELECT customer_id FROM portals WHERE custom_domain = $1", domain.to_string()).await?,
            )
        {
            conflicts.push(FieldError::new("custom_domain", PORTAL_UNIQUE[1].2));
        }
        Ok(conflicts)
    }

    /// The portal a slug names now.
    pub async fn portal_by_slug(&self, slug: &str) -> StoreResult<Option<StoredPortal>> {
        let row = sqlx::query("SELECT * FROM portals WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(stored_portal).transpose()
    }

    /// The current slug of the portal that once used `slug`, for redirects.
    pub async fn slug_replacing(&self, slug: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query(
            "SELECT p.slug FROM portal_old_slugs o JOIN portals p ON p.customer_id = o.customer_id WHERE o.slug = $1",
        )
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.text("slug")).transpose()
    }

    /// The slug of the portal answering on a custom domain.
    pub async fn slug_for_domain(&self, host: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT slug FROM portals WHERE custom_domain = $1")
            .bind(host)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.text("slug")).transpose()
    }

    /// A stored logo's PNG bytes.
    pub async fn logo(&self, id: &str) -> StoreResult<Vec<u8>> {
        let row = sqlx::query("SELECT data FROM logos WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("logo"))?;
        Ok(sqlx::Row::try_get(&row, "data")?)
    }
}

/// Tickets from the portal go to its default group: it must exist and be global or this customer's.
async fn check_default_group(
    connection: &mut AnyConnection,
    customer_id: Uuid,
    settings: &PortalSettings,
) -> StoreResult<()> {
    let Some(group_id) = settings.features.ticketing.default_assignment_group_id else {
        return Ok(());
    };
    let row = sqlx::query("SELECT customer_id FROM assignment_groups WHERE id = $1")
        .bind(group_id.to_string())
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| {
            StoreError::conflict(
                GROUP_FIELD,
                format!("Default assignment group: no assignment group has the ID {group_id}."),
            )
        })?;
    match row.opt_uuid("customer_id")? {
        Some(owner) if owner != customer_id => Err(StoreError::conflict(
            GROUP_FIELD,
            "The default assignment group belongs to another customer: choose a global group or one of this customer's.",
        )),
        _ => Ok(()),
    }
}

/// An old slug keeps redirecting to its portal, so no other portal may take it.
async fn check_slug_not_retired_elsewhere(
    connection: &mut AnyConnection,
    customer_id: Uuid,
    slug: &Slug,
) -> StoreResult<()> {
    let owner = sqlx::query("SELECT customer_id FROM portal_old_slugs WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(&mut *connection)
        .await?;
    match owner {
        Some(row) if row.uuid("customer_id")? != customer_id => {
            Err(StoreError::conflict("slug", RETIRED_SLUG))
        }
        _ => Ok(()),
    }
}

async fn retire_slug(
    connection: &mut AnyConnection,
    customer_id: Uuid,
    old: &str,
    new: &Slug,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM portal_old_slugs WHERE slug = $1 AND customer_id = $2")
        .bind(new.as_str())
        .bind(customer_id.to_string())
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO portal_old_slugs (slug, customer_id, retired_at) VALUES ($1, $2, $3)
         ON CONFLICT (slug) DO UPDATE SET customer_id = excluded.customer_id, retired_at = excluded.retired_at",
    )
    .bind(old)
    .bind(customer_id.to_string())
    .bind(now_ms())
    .execute(&mut *connection)
    .await?;
    Ok(())
}

async fn record_revision(
    connection: &mut AnyConnection,
    customer_id: Uuid,
    revision: i64,
    settings_json: &str,
    logo_id: Option<&str>,
    summary: &str,
    actor: &Actor,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO portal_revisions (customer_id, revision, settings, logo_id, summary, actor_name, actor_id, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(customer_id.to_string())
    .bind(revision)
    .bind(settings_json)
    .bind(logo_id)
    .bind(summary)
    .bind(&actor.name)
    .bind(actor.id.map(|id| id.to_string()))
    .bind(now_ms())
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// The first of `base`, `base-2`… that no portal uses now or used before, looked up a hundred
/// candidates per query (one query in practice).
async fn free_portal_slug(connection: &mut AnyConnection, base: &Slug) -> StoreResult<Slug> {
    const BATCH: u32 = 100;
    for batch in 0..10 {
        let candidates: Vec<Slug> =
            (batch * BATCH + 1..=(batch + 1) * BATCH).map(|n| base.with_suffix(n)).collect();
        let placeholders: Vec<String> = (1..=candidates.len()).map(|n| format!("${n}")).collect();
        let list = placeholders.join(", ");
        let sql = format!(
            "SELECT slug FROM portals WHERE slug IN ({list}) UNION SELECT slug FROM portal_old_slugs WHERE slug IN ({list})"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for candidate in &candidates {
            query = query.bind(candidate.as_str().to_string());
        }
        let taken: HashSet<String> = query
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| row.text("slug"))
            .collect::<StoreResult<_>>()?;
        if let Some(free) = candidates.into_iter().find(|c| !taken.contains(c.as_str())) {
            return Ok(free);
        }
    }
    Err(StoreError::conflict("slug", "No free portal address could be made from the customer's slug."))
}

/// A logo ready to be kept: already decoded, checked and re-encoded by the logo pipeline.
pub struct StoredLogo<'a> {
    pub id: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
    pub width: u32,
    pub height: u32,
}

impl Tx {
    /// The portal's current revision and slug, locked until this transaction ends. A customer
    /// who never saved a portal gets the default document stored now, as revision 1.
    pub async fn portal_for_update(&mut self, customer_id: Uuid) -> StoreResult<StoredPortal> {
        let locked = sqlx::query("UPDATE portals SET revision = revision WHERE customer_id = $1 RETURNING *")
            .bind(customer_id.to_string())
            .fetch_optional(&mut **self)
            .await?;
        if let Some(row) = locked {
            return stored_portal(&row);
        }
        let base = sqlx::query("SELECT slug FROM customers WHERE id = $1")
            .bind(customer_id.to_string())
            .fetch_optional(&mut **self)
            .await?
            .ok_or(StoreError::not_found("customer"))?
            .text("slug")?;
        let base = Slug::parse("slug", &base)
            .map_err(|e| StoreError::Corrupt(format!("customer slug: {}", e.message)))?;
        let slug = free_portal_slug(self, &base).await?;
        let settings = PortalSettings::new_for(slug);
        let actor = Actor::system();
        let json = super::json_text(&settings, "portal settings")?;
        let row = sqlx::query(
            "INSERT INTO portals (customer_id, slug, custom_domain, active, default_group_id, logo_id, settings,
                                  revision, updated_at, updated_by, updated_by_id)
             VALUES ($1, $2, NULL, $3, NULL, NULL, $4, 1, $5, $6, NULL) RETURNING *",
        )
        .bind(customer_id.to_string())
        .bind(settings.slug.as_str())
        .bind(false)
        .bind(&json)
        .bind(now_ms())
        .bind(&actor.name)
        .fetch_one(&mut **self)
        .await
        .map_err(unique_among(PORTAL_UNIQUE))?;
        record_revision(self, customer_id, 1, &json, None, "created the portal", &actor).await?;
        // A save that changes nothing commits this without an event: the new address must
        // still stop being an unknown portal at once.
        self.portals_change();
        stored_portal(&row)
    }

    /// Writes `save` as the revision after `current` (read with [`Tx::portal_for_update`]).
    /// Rules that need the database (the default group, retired slugs, unique addresses, the
    /// logo still existing) are checked here and named by field.
    pub async fn write_portal(
        &mut self,
        current: &StoredPortal,
        save: &Save<'_>,
        actor: &Actor,
    ) -> StoredPortalResult {
        let customer_id = current.customer_id;
        let settings = save.settings;
        check_default_group(self, customer_id, settings).await?;
        check_slug_not_retired_elsewhere(self, customer_id, &settings.slug).await?;
        let json = super::json_text(settings, "portal settings")?;
        let revision = current.revision + 1;
        let row = sqlx::query(
            "UPDATE portals SET slug = $3, custom_domain = $4, active = $5, default_group_id = $6, logo_id = $7,
                    settings = $8, revision = $9, updated_at = $10, updated_by = $11, updated_by_id = $12
             WHERE customer_id = $1 AND revision = $2 RETURNING *",
        )
        .bind(customer_id.to_string())
        .bind(current.revision)
        .bind(settings.slug.as_str())
        .bind(settings.custom_domain.as_ref().map(|d| d.as_str().to_string()))
        .bind(settings.active)
        .bind(settings.features.ticketing.default_assignment_group_id.map(|id| id.to_string()))
        .bind(save.logo_id)
        .bind(&json)
        .bind(revision)
        .bind(now_ms())
        .bind(&actor.name)
        .bind(actor.id.map(|id| id.to_string()))
        .fetch_one(&mut **self)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::conflict("logo", "The uploaded logo is no longer available: upload it again.")
            }
            _ => unique_among(PORTAL_UNIQUE)(error),
        })?;
        if current.settings.slug != settings.slug {
            retire_slug(self, customer_id, current.settings.slug.as_str(), &settings.slug).await?;
        }
        record_revision(self, customer_id, revision, &json, save.logo_id, &save.summary, actor).await?;
        stored_portal(&row)
    }
}

type StoredPortalResult = StoreResult<StoredPortal>;
