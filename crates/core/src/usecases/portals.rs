//! Portals: saving the document, the logo, and restoring revisions. Every save is a revision
//! and a `portal.saved` event, made over the revision the caller read (optimistic concurrency).

use crate::context::Context;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use crate::logo::Logo;
use portico_domain::actor::Actor;
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::portal::document::PortalSettings;
use portico_domain::portal::layout::ButtonTarget;
use portico_domain::validation::ValidationErrors;
use portico_store::Tx;
use portico_store::portals::{PortalRevision, Save, StoredLogo, StoredPortal};

/// What changes with the settings: the logo is kept (`None`), replaced or removed.
pub type LogoChange<'a> = Option<Option<&'a str>>;

/// Saves new settings over `expected_revision`. Nothing changes (and no revision is made) when
/// the settings and logo are those already saved; a stale revision is refused either way.
pub async fn save_portal(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    settings: &PortalSettings,
    logo: LogoChange<'_>,
    expected_revision: i64,
) -> UseCaseResult<StoredPortal> {
    let store = cx.store();
    actor.require_admin()?;
    check_request_buttons(cx, actor, customer_id, settings).await?;
    let mut tx = store.begin_write().await?;
    let current = tx.portal_for_update(customer_id).await?;
    check_revision(expected_revision, current.revision)?;
    let mut changes = settings.describe_changes(&current.settings);
    let logo_id = logo.unwrap_or(current.logo_id.as_deref());
    if logo_id != current.logo_id.as_deref() {
        changes.push(if logo_id.is_some() { "changed the logo" } else { "removed the logo" }.to_string());
    }
    if changes.is_empty() {
        tx.commit().await?;
        return Ok(current);
    }
    let save = Save { settings, logo_id, summary: sentence(&changes) };
    write(tx, actor, &current, &save).await
}

/// A button may open only a request type offered to the customer (not another customer's, not
/// one it hides).
async fn check_request_buttons(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    settings: &PortalSettings,
) -> UseCaseResult<()> {
    let wanted: Vec<(usize, Uuid)> = settings
        .layout
        .buttons
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b.target {
            ButtonTarget::RequestType(id) => Some((i, id)),
            _ => None,
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let offered: Vec<Uuid> = super::request_types::catalogue(cx, actor, customer_id)
        .await?
        .into_iter()
        .map(|o| o.request_type.id)
        .collect();
    let mut errors = ValidationErrors::new();
    for (index, id) in wanted {
        if !offered.contains(&id) {
            errors.push(portico_domain::validation::FieldError::new(
                format!("layout.buttons[{index}].target"),
                format!("Button {} opens a request type that is not offered to this customer.", index + 1),
            ));
        }
    }
    Ok(errors.into_result()?)
}

/// Whether another portal has one of the addresses in `settings` (slug or custom domain): the
/// drawer asks at Next, so a taken slug is found before Save.
pub async fn address_conflicts(
    cx: &Context,
    customer_id: Uuid,
    settings: &PortalSettings,
) -> UseCaseResult<ValidationErrors> {
    let store = cx.store();
    let mut errors = ValidationErrors::new();
    for conflict in store.portal_address_conflicts(customer_id, settings).await? {
        errors.push(conflict);
    }
    Ok(errors)
}

/// Makes revision `number` current again, as a new revision.
pub async fn restore_revision(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    number: i64,
    expected_revision: Option<i64>,
) -> UseCaseResult<StoredPortal> {
    let store = cx.store();
    actor.require_admin()?;
    let (settings, logo_id) = store.portal_revision(customer_id, number).await?;
    let mut tx = store.begin_write().await?;
    let current = tx.portal_for_update(customer_id).await?;
    check_revision(expected_revision.unwrap_or(current.revision), current.revision)?;
    let save = Save {
        settings: &settings,
        logo_id: logo_id.as_deref(),
        summary: format!("restored revision {number}"),
    };
    write(tx, actor, &current, &save).await
}

/// Replaces (or with `None` removes) the logo, as a new revision.
pub async fn set_logo(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    logo: Option<&Logo>,
    expected_revision: Option<i64>,
) -> UseCaseResult<StoredPortal> {
    let store = cx.store();
    actor.require_admin()?;
    if let Some(logo) = logo {
        store.put_logo(&stored(logo)).await?;
    }
    let mut tx = store.begin_write().await?;
    let current = tx.portal_for_update(customer_id).await?;
    check_revision(expected_revision.unwrap_or(current.revision), current.revision)?;
    let summary = match logo {
        Some(logo) => format!("uploaded a logo ({}×{})", logo.width, logo.height),
        None => "removed the logo".to_string(),
    };
    let save = Save { settings: &current.settings, logo_id: logo.map(|l| l.id.as_str()), summary };
    write(tx, actor, &current, &save).await
}

/// Keeps an uploaded logo for a portal's unsaved edits: it is stored (content-addressed), and
/// becomes the portal's only with the save that names it.
pub async fn keep_logo_upload(cx: &Context, actor: &Actor, logo: &Logo) -> UseCaseResult<()> {
    let store = cx.store();
    actor.require_admin()?;
    Ok(store.put_logo(&stored(logo)).await?)
}

fn stored(logo: &Logo) -> StoredLogo<'_> {
    StoredLogo {
        id: &logo.id,
        content_type: Logo::CONTENT_TYPE,
        data: &logo.png,
        width: logo.width,
        height: logo.height,
    }
}

async fn write(
    mut tx: Tx,
    actor: &Actor,
    current: &StoredPortal,
    save: &Save<'_>,
) -> UseCaseResult<StoredPortal> {
    let saved = tx.write_portal(current, save, actor).await?;
    let event = NewEvent::new(
        EventKind::PortalSaved,
        saved.customer_id,
        format!("revision {}: {}", saved.revision, save.summary),
    )
    .for_customer(saved.customer_id)
    .with("revision", saved.revision)
    .with("slug", saved.settings.slug.as_str())
    .with("previous_slug", current.settings.slug.as_str())
    .with("active", saved.settings.active);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(saved)
}

fn check_revision(expected: i64, current: i64) -> UseCaseResult<()> {
    if expected == current { Ok(()) } else { Err(UseCaseError::Stale { expected, current }) }
}

/// The changes as one sentence for the revision list: "Changed the name; removed the logo".
fn sentence(changes: &[String]) -> String {
    let mut summary = changes.join("; ");
    if let Some(first) = summary.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    summary
}

/// A customer's portal as saved. The team, or the customer's own people for their portal.
pub async fn portal(cx: &Context, actor: &Actor, customer_id: Uuid) -> UseCaseResult<StoredPortal> {
    if actor.customer_id != Some(customer_id) {
        actor.require_team()?;
    }
    Ok(cx.store().portal(customer_id).await?)
}

/// A portal's history, newest first. The team only.
pub async fn portal_revisions(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
) -> UseCaseResult<Vec<PortalRevision>> {
    actor.require_team()?;
    Ok(cx.store().portal_revisions(customer_id).await?)
}

/// A stored logo's bytes. Logos are public: every portal page shows its own.
pub async fn logo(cx: &Context, id: &str) -> UseCaseResult<Vec<u8>> {
    Ok(cx.store().logo(id).await?)
}
