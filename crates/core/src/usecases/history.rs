//! What happened, read back: the audit log of an object, a customer's events of one kind, and
//! the event log for the API's followers.

use uuid::Uuid;

use super::UseCaseResult;
use crate::context::Context;
use portico_domain::actor::Actor;
use portico_domain::audit::AuditEntry;
use portico_domain::event::{Event, EventKind};
use portico_domain::page::EventCursor;

/// The latest audit entries about one object. The team only.
pub async fn audit_for(
    cx: &Context,
    actor: &Actor,
    target_kind: &str,
    target_id: &str,
    limit: i64,
) -> UseCaseResult<Vec<AuditEntry>> {
    actor.require_team()?;
    Ok(cx.store().audit_for(target_kind, target_id, limit).await?)
}

/// A customer's latest events of one kind. The team only.
pub async fn customer_events(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    kind: EventKind,
    limit: i64,
) -> UseCaseResult<Vec<Event>> {
    actor.require_team()?;
    Ok(cx.store().customer_events(customer_id, kind, limit).await?)
}

/// The events after `cursor`, oldest first. The team only.
pub async fn events_after(
    cx: &Context,
    actor: &Actor,
    cursor: EventCursor,
    limit: i64,
) -> UseCaseResult<Vec<Event>> {
    actor.require_team()?;
    Ok(cx.store().events_after(cursor, limit).await?)
}

/// Whether the database answers, for the readiness check (anyone may ask).
pub async fn database_answers(cx: &Context) -> bool {
    cx.store().ping().await
}
