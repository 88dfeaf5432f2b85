//! Status, assignment and urgency, and the events each change records.

use super::*;

/// An end user closes or reopens their own ticket; the team sets any status.
pub async fn change_status(
    cx: &Context,
    actor: &Actor,
    ticket_id: Uuid,
    to: Status,
) -> UseCaseResult<Ticket> {
    let store = cx.store();
    let ticket = ticket_for(cx, actor, ticket_id).await?;
    if actor.is_end_user() && !Status::end_user_may_change(ticket.status, to) {
        return Err(FieldError::new(
            "status",
            format!("cannot change from {} to {}", ticket.status.title(), to.title()),
        )
        .into());
    }
    apply(store, actor, ticket_id, TicketChanges { status: Some(to), ..Default::default() }).await
}

/// Status, urgency, group and assignee, as the team changes them.
pub async fn update_ticket(
    cx: &Context,
    actor: &Actor,
    ticket_id: Uuid,
    changes: TicketChanges,
) -> UseCaseResult<Ticket> {
    let store = cx.store();
    actor.require_team()?;
    apply(store, actor, ticket_id, changes).await
}

async fn apply(
    store: &Store,
    actor: &Actor,
    ticket_id: Uuid,
    changes: TicketChanges,
) -> UseCaseResult<Ticket> {
    let mut tx = store.begin_write().await?;
    let current = tx.ticket_for_update(ticket_id).await?;
    let group = changes.assignment_group_id.unwrap_or(current.assignment_group_id);
    if changes.assignment_group_id.is_some() {
        let owner = tx.group_owner(group).await.map_err(|_| UseCaseError::Conflict {
            field: "assignment_group_id",
            message: "No assignment group has this ID.".into(),
        })?;
        if owner.is_some_and(|owner| owner != current.customer_id) {
            return Err(UseCaseError::Conflict {
                field: "assignment_group_id",
                message: "The assignment group belongs to another customer.".into(),
            });
        }
    }
    let mut members = Vec::new();
    for candidate in [changes.assignee_id.flatten(), current.assignee_id].into_iter().flatten() {
        if tx.is_group_member(group, candidate).await? {
            members.push(candidate);
        }
    }
    let assignee = assignee_after(changes.assignee_id, current.assignee_id, |m| members.contains(&m))
        .map_err(|error| UseCaseError::Conflict { field: "assignee_id", message: error.message })?;
    let state = TicketState {
        status: changes.status.unwrap_or(current.status),
        urgency: changes.urgency.unwrap_or(current.urgency),
        assignment_group_id: group,
        assignee_id: assignee,
    };
    let updated = tx.write_ticket_state(ticket_id, &state).await?;
    for event in change_events(&current, &updated) {
        tx.record(actor, event).await?;
    }
    tx.commit().await?;
    Ok(updated)
}

/// One event per kind of change: status, assignment, urgency.
fn change_events(before: &Ticket, after: &Ticket) -> Vec<NewEvent> {
    let base = |kind, summary: String| {
        NewEvent::new(kind, after.id, summary)
            .for_customer(after.customer_id)
            .with("number", after.number.as_str())
    };
    let mut events = Vec::new();
    if before.status != after.status {
        let summary =
            format!("{}: status {} → {}", after.number, before.status.title(), after.status.title());
        events.push(
            base(EventKind::TicketStatusChanged, summary)
                .with("from", before.status.as_str())
                .with("to", after.status.as_str()),
        );
    }
    if before.assignment_group_id != after.assignment_group_id || before.assignee_id != after.assignee_id {
        let summary = format!("{}: assigned", after.number);
        events.push(
            base(EventKind::TicketAssigned, summary)
                .with("assignment_group_id", after.assignment_group_id.to_string())
                .with("previous_assignment_group_id", before.assignment_group_id.to_string())
                .with("assignee_id", after.assignee_id.map(|id| id.to_string()))
                .with("previous_assignee_id", before.assignee_id.map(|id| id.to_string())),
        );
    }
    if before.urgency != after.urgency {
        let summary =
            format!("{}: urgency {} → {}", after.number, before.urgency.title(), after.urgency.title());
        events.push(
            base(EventKind::TicketUpdated, summary)
                .with("urgency", after.urgency.as_str())
                .with("previous_urgency", before.urgency.as_str()),
        );
    }
    events
}
