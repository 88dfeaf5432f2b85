//! Portals: one per customer, saved whole with optimistic concurrency, every save a revision.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{RowExt, Store, StoreError, StoreResult, now_ms, unique_among};
use crate::domain::actor::Actor;
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::portal::document::PortalSettings;
use crate::domain::slug::Slug;
use crate::logo::Logo;

/// A portal as stored: its settings and the facts about its latest revision.
#[derive(Debug, Clone)]
pub struct StoredPortal {
    pub customer_id: Uuid,
    pub settings: PortalSettings,
    pub logo_id: Option<String>,
    pub revision: i64,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

/// One entry of a portal's history.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PortalRevision {
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub summary: String,
}

const PORTAL_UNIQUE: &[(&str, &str, &str)] = &[
    ("slug", "slug", "is already the address of another portal"),
    ("custom_domain", "custom_domain", "is already the custom domain of another portal"),
];
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

/// What a save changes, apart from the settings themselves.
struct Save<'a> {
    settings: &'a PortalSettings,
    logo_id: Option<&'a str>,
    summary: String,
}

impl Store {
    /// The customer's portal, created with defaults the first time it is asked for.
    pub async fn portal(&self, customer_id: Uuid) -> StoreResult<StoredPortal> {
        if let Some(portal) = self.find_portal(customer_id).await? {
            return Ok(portal);
        }
        let customer = self.customer(customer_id).await?;
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT 1 AS found FROM portals WHERE customer_id = $1")
            .bind(customer_id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            let slug = free_portal_slug(&mut tx, &customer.slug).await?;
            let settings = PortalSettings::new_for(slug);
            let actor = Actor::system();
            let json = serde_json::to_string(&settings).expect("settings serialise");
            sqlx::query(
                "INSERT INTO portals (customer_id, slug, custom_domain, active, default_group_id, logo_id, settings,
                                      revision, updated_at, updated_by, updated_by_id)
                 VALUES ($1, $2, NULL, $3, NULL, NULL, $4, 1, $5, $6, NULL)",
            )
            .bind(customer_id.to_string())
            .bind(settings.slug.as_str())
            .bind(false)
            .bind(&json)
            .bind(now_ms())
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(unique_among(PORTAL_UNIQUE))?;
            record_revision(&mut tx, customer_id, 1, &json, None, "created the portal", &actor).await?;
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        self.find_portal(customer_id).await?.ok_or(StoreError::not_found("portal"))
    }

    async fn find_portal(&self, customer_id: Uuid) -> StoreResult<Option<StoredPortal>> {
        let row = sqlx::query("SELECT * FROM portals WHERE customer_id = $1")
            .bind(customer_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(stored_portal).transpose()
    }

    /// Saves new settings over `expected_revision`, with the logo `logo` names (`None` keeps the
    /// current one, `Some(None)` removes it).
    /// Nothing is stored when someone saved in between ([`StoreError::Stale`]) or a rule that
    /// needs the database is broken.
    pub async fn save_portal(
        &self,
        customer_id: Uuid,
        settings: &PortalSettings,
        logo: Option<Option<&str>>,
        expected_revision: i64,
        actor: &Actor,
    ) -> StoreResult<StoredPortal> {
        let current = self.portal(customer_id).await?;
        let mut changes = settings.describe_changes(&current.settings);
        let logo_id = logo.unwrap_or(current.logo_id.as_deref());
        if logo_id != current.logo_id.as_deref() {
            changes.push(if logo_id.is_some() { "changed the logo" } else { "removed the logo" }.to_string());
        }
        if changes.is_empty() {
            check_revision(expected_revision, current.revision)?;
            return Ok(current);
        }
        let save = Save { settings, logo_id, summary: join(&changes) };
        self.write_portal(customer_id, expected_revision, save, actor).await
    }

    /// Keeps a processed logo (content-addressed: storing it twice is harmless) without
    /// attaching it to any portal yet. Storing it again renews `created_at`, so an upload
    /// waiting in an unsaved drawer is never taken for an unused old one.
    pub async fn put_logo(&self, logo: &Logo) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO logos (id, content_type, data, width, height, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at",
        )
        .bind(&logo.id)
        .bind(Logo::CONTENT_TYPE)
        .bind(logo.png.clone())
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

    /// Replaces (or with `None` removes) the logo as a new revision.
    pub async fn set_portal_logo(
        &self,
        customer_id: Uuid,
        logo: Option<&Logo>,
        expected_revision: Option<i64>,
        actor: &Actor,
    ) -> StoreResult<StoredPortal> {
        let current = self.portal(customer_id).await?;
        let expected = expected_revision.unwrap_or(current.revision);
        if let Some(logo) = logo {
            self.put_logo(logo).await?;
        }
        let summary = match logo {
            Some(logo) => format!("uploaded a logo ({}×{})", logo.width, logo.height),
            None => "removed the logo".to_string(),
        };
        let save = Save { settings: &current.settings, logo_id: logo.map(|l| l.id.as_str()), summary };
        self.write_portal(customer_id, expected, save, actor).await
    }

    /// Makes revision `number` current again, as a new revision.
    pub async fn restore_portal_revision(
        &self,
        customer_id: Uuid,
        number: i64,
        expected_revision: Option<i64>,
        actor: &Actor,
    ) -> StoreResult<StoredPortal> {
        let current = self.portal(customer_id).await?;
        let row = sqlx::query(
            "SELECT settings, logo_id FROM portal_revisions WHERE customer_id = $1 AND revision = $2",
        )
        .bind(customer_id.to_string())
        .bind(number)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::not_found("revision"))?;
        let settings = settings_from(&row.text("settings")?)?;
        let logo_id = row.opt_text("logo_id")?;
        let save = Save {
            settings: &settings,
            logo_id: logo_id.as_deref(),
            summary: format!("restored revision {number}"),
        };
        self.write_portal(customer_id, expected_revision.unwrap_or(current.revision), save, actor).await
    }

    async fn write_portal(
        &self,
        customer_id: Uuid,
        expected_revision: i64,
        save: Save<'_>,
        actor: &Actor,
    ) -> StoreResult<StoredPortal> {
        let settings = save.settings;
        let mut tx = self.begin_write().await?;
        let current = sqlx::query("SELECT revision, slug FROM portals WHERE customer_id = $1")
            .bind(customer_id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::not_found("portal"))?;
        check_revision(expected_revision, current.int("revision")?)?;
        let old_slug = current.text("slug")?;
        check_default_group(&mut tx, customer_id, settings).await?;
        check_slug_not_retired_elsewhere(&mut tx, customer_id, &settings.slug).await?;

        let json = serde_json::to_string(settings).expect("settings serialise");
        let revision = expected_revision + 1;
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE portals SET slug = $3, custom_domain = $4, active = $5, default_group_id = $6, logo_id = $7,
                    settings = $8, revision = $9, updated_at = $10, updated_by = $11, updated_by_id = $12
             WHERE customer_id = $1 AND revision = $2",
        )
        .bind(customer_id.to_string())
        .bind(expected_revision)
        .bind(settings.slug.as_str())
        .bind(settings.custom_domain.as_ref().map(|d| d.as_str().to_string()))
        .bind(settings.active)
        .bind(settings.features.ticketing.default_assignment_group_id.map(|id| id.to_string()))
        .bind(save.logo_id)
        .bind(&json)
        .bind(revision)
        .bind(now)
        .bind(&actor.name)
        .bind(actor.id.map(|id| id.to_string()))
        .execute(&mut *tx)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::conflict("logo", "the uploaded logo is no longer available; upload it again")
            }
            _ => unique_among(PORTAL_UNIQUE)(error),
        })?;
        if done.rows_affected() == 0 {
            let current = self.portal(customer_id).await?.revision;
            return Err(StoreError::Stale { expected: expected_revision, current });
        }
        if old_slug != settings.slug.as_str() {
            retire_slug(&mut tx, customer_id, &old_slug, &settings.slug).await?;
        }
        record_revision(&mut tx, customer_id, revision, &json, save.logo_id, &save.summary, actor).await?;
        let event = NewEvent::new(
            EventKind::PortalSaved,
            customer_id,
            format!("revision {revision}: {}", save.summary),
        )
        .for_customer(customer_id)
        .with("revision", revision)
        .with("slug", settings.slug.as_str())
        .with("previous_slug", old_slug.as_str());
        tx.record(actor, event).await?;
        tx.commit().await?;
        self.portal(customer_id).await
    }

    pub async fn portal_revisions(&self, customer_id: Uuid) -> StoreResult<Vec<PortalRevision>> {
        self.portal(customer_id).await?;
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

fn check_revision(expected: i64, current: i64) -> StoreResult<()> {
    if expected == current { Ok(()) } else { Err(StoreError::Stale { expected, current }) }
}

fn join(changes: &[String]) -> String {
    let mut summary = changes.join("; ");
    if let Some(first) = summary.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    summary
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
            StoreError::conflict(GROUP_FIELD, format!("no assignment group has the id {group_id}"))
        })?;
    match row.opt_uuid("customer_id")? {
        Some(owner) if owner != customer_id => Err(StoreError::conflict(
            GROUP_FIELD,
            "belongs to another customer; choose a global group or one of this customer's",
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
        Some(row) if row.uuid("customer_id")? != customer_id => Err(StoreError::conflict(
            "slug",
            "is an earlier address of another portal, which still redirects from it",
        )),
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

/// The first of `base`, `base-2`… that no portal uses now or used before.
async fn free_portal_slug(connection: &mut AnyConnection, base: &Slug) -> StoreResult<Slug> {
    for n in 1..=1000 {
        let candidate = base.with_suffix(n);
        let taken = sqlx::query(
            "SELECT 1 AS taken FROM portals WHERE slug = $1 UNION ALL SELECT 1 AS taken FROM portal_old_slugs WHERE slug = $1",
        )
        .bind(candidate.as_str())
        .fetch_optional(&mut *connection)
        .await?
        .is_some();
        if !taken {
            return Ok(candidate);
        }
    }
    Err(StoreError::conflict("slug", "no free portal address could be made from the customer's slug"))
}
