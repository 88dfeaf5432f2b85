//! Assignment groups: the response teams tickets are routed to. Settings: admins only. The
//! built-in Everyone group follows the team and is never changed by hand.

use crate::context::Context;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use portico_domain::actor::Actor;
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::group::GroupFilter;
use portico_domain::group::{
    AssignmentGroup, BuiltinGroup, GroupDraft, UnknownPerson, check_editable, check_people,
};
use portico_domain::page::{Page, PageRequest};
use portico_domain::validation::label;
use portico_store::{StoreError, Tx};

impl From<BuiltinGroup> for UseCaseError {
    fn from(refused: BuiltinGroup) -> Self {
        Self::Conflict { field: "id", message: refused.to_string() }
    }
}

impl From<UnknownPerson> for UseCaseError {
    fn from(unknown: UnknownPerson) -> Self {
        Self::Conflict {
            field: unknown.field,
            message: format!("{}: no team member has the ID {}.", label(unknown.field), unknown.id),
        }
    }
}

/// Adds a global group, or one of a customer that is not archived.
pub async fn create_group(cx: &Context, actor: &Actor, draft: GroupDraft) -> UseCaseResult<AssignmentGroup> {
    let store = cx.store();
    actor.require_admin()?;
    let new = draft.into_new()?;
    let mut tx = store.begin_write().await?;
    if let Some(customer_id) = new.customer_id {
        let customer = match tx.customer(customer_id).await {
            Err(StoreError::NotFound { .. }) => return Err(conflict("customer_id", "no such customer")),
            found => found?,
        };
        if customer.archived {
            return Err(conflict("customer_id", "the customer is archived"));
        }
    }
    check_team(&mut tx, new.manager_id, &new.member_ids).await?;
    let id = tx.insert_group(&new).await?;
    let group = tx.group(id).await?;
    let scope = if group.is_global() { "global" } else { "customer" };
    let summary = format!("created {scope} group {} with {} members", group.name, group.member_ids.len());
    let event = scoped(NewEvent::new(EventKind::GroupCreated, id, summary), &group)
        .with("manager_id", group.manager_id.map(|id| id.to_string()))
        .with("member_ids", ids(&group.member_ids));
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(group)
}

/// Changes the name, manager or members the draft carries; the scope stays as it was made.
pub async fn update_group(
    cx: &Context,
    actor: &Actor,
    id: Uuid,
    draft: GroupDraft,
) -> UseCaseResult<AssignmentGroup> {
    let store = cx.store();
    actor.require_admin()?;
    check_editable(id)?;
    let mut tx = store.begin_write().await?;
    let current = tx.group(id).await?;
    let changes = draft.into_changes(current.customer_id)?;
    check_team(&mut tx, changes.manager_id.flatten(), changes.member_ids.as_deref().unwrap_or_default())
        .await?;
    tx.update_group(id, &changes).await?;
    let group = tx.group(id).await?;
    let event = scoped(NewEvent::new(EventKind::GroupUpdated, id, changes.summary()), &group)
        .with("fields", changes.changed_fields())
        .with("manager_id", group.manager_id.map(|id| id.to_string()))
        .with("member_ids", ids(&group.member_ids));
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(group)
}

/// Deletes a group no portal routes tickets to.
pub async fn delete_group(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<()> {
    let store = cx.store();
    actor.require_admin()?;
    check_editable(id)?;
    let mut tx = store.begin_write().await?;
    let group = tx.group(id).await?;
    tx.delete_group(id).await?;
    let event =
        scoped(NewEvent::new(EventKind::GroupDeleted, id, format!("deleted group {}", group.name)), &group)
            .with("name", group.name.as_str());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Managers and members must be team members; the error names the field that is wrong.
async fn check_team(tx: &mut Tx, manager_id: Option<Uuid>, member_ids: &[Uuid]) -> UseCaseResult<()> {
    let people: Vec<Uuid> = manager_id.into_iter().chain(member_ids.iter().copied()).collect();
    let known = tx.known_team_members(&people).await?;
    Ok(check_people(manager_id, member_ids, |id| known.contains(&id))?)
}

/// The event, about the customer whose group it is (none for a global group).
fn scoped(event: NewEvent, group: &AssignmentGroup) -> NewEvent {
    let event = event.with("customer_id", group.customer_id.map(|id| id.to_string()));
    match group.customer_id {
        Some(customer_id) => event.for_customer(customer_id),
        None => event,
    }
}

fn ids(ids: &[Uuid]) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}

fn conflict(field: &'static str, message: &str) -> UseCaseError {
    UseCaseError::Conflict { field, message: message.into() }
}

/// One assignment group. The team only.
pub async fn group(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<AssignmentGroup> {
    actor.require_team()?;
    Ok(cx.store().group(id).await?)
}

/// A page of groups as the filter picks them. The team only.
pub async fn list_groups(
    cx: &Context,
    actor: &Actor,
    filter: &GroupFilter,
    page: &PageRequest,
) -> UseCaseResult<Page<AssignmentGroup>> {
    actor.require_team()?;
    Ok(cx.store().list_groups(filter, page).await?)
}

/// The groups a team member belongs to. The team only.
pub async fn groups_of_member(cx: &Context, actor: &Actor, member_id: Uuid) -> UseCaseResult<Vec<Uuid>> {
    actor.require_team()?;
    Ok(cx.store().groups_of(member_id).await?)
}
