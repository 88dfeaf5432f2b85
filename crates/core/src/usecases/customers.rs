//! Customers: adding them, changing their details, archiving and restoring them. Settings:
//! admins only.

use crate::context::Context;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use portico_domain::actor::Actor;
use std::collections::HashMap;

use portico_domain::customer::{Customer, CustomerChanges, CustomerDraft, CustomerFilter};
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::page::{Page, PageRequest};
use portico_domain::slug::Slug;
use portico_store::Store;

/// Adds a customer; without a slug, the first free one made from the name.
pub async fn create_customer(cx: &Context, actor: &Actor, draft: CustomerDraft) -> UseCaseResult<Customer> {
    let store = cx.store();
    actor.require_admin()?;
    let new = draft.into_new()?;
    let mut tx = store.begin_write().await?;
    let slug = match &new.slug {
        Some(slug) => slug.clone(),
        None => {
            let base = Slug::from_name(&new.name);
            let taken = tx.customer_slugs_like(&base).await?;
            base.first_free(|candidate| taken.contains(candidate)).ok_or_else(|| UseCaseError::Conflict {
                field: "slug",
                message: "No free slug could be made from the name: choose one.".into(),
            })?
        }
    };
    let created = tx.insert_customer(&new, &slug).await?;
    let event =
        NewEvent::new(EventKind::CustomerCreated, created.id, format!("created customer {}", created.name))
            .for_customer(created.id)
            .with("slug", created.slug.as_str());
    tx.record(actor, event).await?;
    // Every customer has its (inactive) portal from the start, at its default address.
    tx.portal_for_update(created.id).await?;
    tx.commit().await?;
    Ok(created)
}

/// Changes the fields the draft carries (`archived` archives or restores).
pub async fn update_customer(
    cx: &Context,
    actor: &Actor,
    id: Uuid,
    draft: CustomerDraft,
) -> UseCaseResult<Customer> {
    let store = cx.store();
    actor.require_admin()?;
    let changes = draft.into_changes()?;
    apply(store, actor, id, changes).await
}

/// Archives (`true`: hidden from lists, data kept) or restores (`false`) a customer.
pub async fn set_archived(cx: &Context, actor: &Actor, id: Uuid, archived: bool) -> UseCaseResult<Customer> {
    let store = cx.store();
    actor.require_admin()?;
    apply(store, actor, id, CustomerChanges { archived: Some(archived), ..Default::default() }).await
}

async fn apply(store: &Store, actor: &Actor, id: Uuid, changes: CustomerChanges) -> UseCaseResult<Customer> {
    if changes.is_empty() {
        return Ok(store.customer(id).await?);
    }
    let mut tx = store.begin_write().await?;
    let updated = tx.update_customer(id, &changes).await?;
    let kind = match changes.archived {
        Some(true) => EventKind::CustomerArchived,
        Some(false) => EventKind::CustomerRestored,
        None => EventKind::CustomerUpdated,
    };
    let event = NewEvent::new(kind, id, changes.summary())
        .for_customer(id)
        .with("fields", changes.changed_fields())
        .with("archived", updated.archived);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(updated)
}

/// One customer, archived or not. The team only.
pub async fn customer(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<Customer> {
    actor.require_team()?;
    Ok(cx.store().customer(id).await?)
}

/// A page of customers as the filter picks them. The team only.
pub async fn list_customers(
    cx: &Context,
    actor: &Actor,
    filter: &CustomerFilter,
    page: &PageRequest,
) -> UseCaseResult<Page<Customer>> {
    actor.require_team()?;
    Ok(cx.store().list_customers(filter, page).await?)
}

/// The names of these customers, by id (unknown ids are left out). The team only.
pub async fn customer_names(
    cx: &Context,
    actor: &Actor,
    ids: impl IntoIterator<Item = Uuid>,
) -> UseCaseResult<HashMap<Uuid, String>> {
    actor.require_team()?;
    Ok(cx.store().customer_names(ids).await?)
}
