//! End users as admins manage them: added to a customer, renamed, deactivated and reactivated.
//! (Signing in through SSO, and the accounts it makes, belong to the SSO use cases.)

use crate::context::Context;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use portico_domain::actor::Actor;
use portico_domain::end_user::{EndUser, EndUserDraft};
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::page::{Page, PageRequest};
use std::collections::HashMap;

/// Adds an end user to a customer that is not archived.
pub async fn create_end_user(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    draft: EndUserDraft,
) -> UseCaseResult<EndUser> {
    let store = cx.store();
    actor.require_admin()?;
    let new = draft.into_new()?;
    let mut tx = store.begin_write().await?;
    let customer = tx.customer(customer_id).await?;
    if customer.archived {
        return Err(UseCaseError::Conflict {
            field: "customer_id",
            message: "The customer is archived; restore it first.".into(),
        });
    }
    let created = tx.insert_end_user(customer_id, &new).await?;
    let summary = format!("created end user {} for {}", created.email, customer.name);
    let event = NewEvent::new(EventKind::EndUserCreated, created.id, summary)
        .for_customer(customer_id)
        .with("active", created.active);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(created)
}

/// Changes the name, e-mail or standing the draft carries.
pub async fn update_end_user(
    cx: &Context,
    actor: &Actor,
    id: Uuid,
    draft: EndUserDraft,
) -> UseCaseResult<EndUser> {
    let store = cx.store();
    actor.require_admin()?;
    let changes = draft.into_changes()?;
    if changes.is_empty() {
        return Ok(store.end_user(id).await?);
    }
    let mut tx = store.begin_write().await?;
    let updated = tx.update_end_user(id, &changes).await?;
    if !updated.active {
        // Deactivation ends every session at once; reactivating later revives none of them.
        tx.end_portal_sessions_of(id).await?;
    }
    let event = NewEvent::new(EventKind::EndUserUpdated, id, changes.summary())
        .for_customer(updated.customer_id)
        .with("fields", changes.changed_fields())
        .with("active", updated.active);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(updated)
}

/// One end user. The team, or the end user's own organisation.
pub async fn end_user(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<EndUser> {
    let user = cx.store().end_user(id).await?;
    if actor.customer_id != Some(user.customer_id) {
        actor.require_team()?;
    }
    Ok(user)
}

/// A page of a customer's end users, optionally those matching `search`. The team only.
pub async fn list_end_users(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    search: Option<&str>,
    page: &PageRequest,
) -> UseCaseResult<Page<EndUser>> {
    actor.require_team()?;
    let store = cx.store();
    store.customer(customer_id).await?;
    Ok(store.list_end_users(customer_id, search, page).await?)
}

/// The names of these end users, by id: the team's, or within the actor's own organisation.
pub async fn end_user_names(
    cx: &Context,
    actor: &Actor,
    ids: impl IntoIterator<Item = Uuid>,
) -> UseCaseResult<HashMap<Uuid, String>> {
    match actor.customer_id {
        Some(customer_id) => Ok(cx.store().end_user_names_of_customer(customer_id, ids).await?),
        None => {
            actor.require_team()?;
            Ok(cx.store().end_user_names(ids).await?)
        }
    }
}

/// How many end users a customer has, and how many of them are active. The team only.
pub async fn count_end_users(cx: &Context, actor: &Actor, customer_id: Uuid) -> UseCaseResult<(i64, i64)> {
    actor.require_team()?;
    Ok(cx.store().count_end_users(customer_id).await?)
}
