//! End users as admins manage them: added to a customer, renamed, deactivated and reactivated.
//! (Signing in through SSO, and the accounts it makes, belong to the SSO use cases.)

use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use crate::domain::actor::Actor;
use crate::domain::end_user::{EndUser, EndUserDraft};
use crate::domain::event::{EventKind, NewEvent};
use crate::store::Store;

/// Adds an end user to a customer that is not archived.
pub async fn create_end_user(
    store: &Store,
    actor: &Actor,
    customer_id: Uuid,
    draft: EndUserDraft,
) -> UseCaseResult<EndUser> {
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
    store: &Store,
    actor: &Actor,
    id: Uuid,
    draft: EndUserDraft,
) -> UseCaseResult<EndUser> {
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
