//! Sharing a ticket with colleagues of the requester, and who may.

use super::*;

/// Shares a ticket with the colleague who has this e-mail address (see [`add_follower`]).
pub async fn add_follower_by_email(
    cx: &Context,
    actor: &Actor,
    ticket_id: Uuid,
    email: &str,
) -> UseCaseResult<EndUser> {
    let store = cx.store();
    let ticket = ticket_for(cx, actor, ticket_id).await?;
    let email = EmailAddress::parse("email", email)?;
    let colleague = store.end_user_by_email(ticket.customer_id, &email).await?.filter(|user| user.active);
    let colleague = colleague.ok_or_else(|| {
        UseCaseError::field("email", "The address belongs to no active colleague of your organisation.")
    })?;
    add_follower(cx, actor, ticket_id, colleague.id).await
}

/// The ticket's followers, to whoever may see the ticket.
pub async fn followers_of(cx: &Context, actor: &Actor, ticket_id: Uuid) -> UseCaseResult<Vec<EndUser>> {
    let store = cx.store();
    ticket_for(cx, actor, ticket_id).await?;
    Ok(store.followers(ticket_id).await?)
}

/// Shares a ticket with a colleague of its customer: the team, the requester or a manager may.
/// Adding someone who already follows it (or asked for it) changes nothing.
pub async fn add_follower(
    cx: &Context,
    actor: &Actor,
    ticket_id: Uuid,
    end_user_id: Uuid,
) -> UseCaseResult<EndUser> {
    let store = cx.store();
    let ticket = ticket_for(cx, actor, ticket_id).await?;
    may_share(actor, &ticket)?;
    let colleague = store
        .end_user(end_user_id)
        .await
        .ok()
        .filter(|user| user.customer_id == ticket.customer_id && user.active)
        .ok_or_else(|| {
            UseCaseError::field(
                "end_user_id",
                "The follower must be an active end user of the ticket's customer.",
            )
        })?;
    if colleague.id == ticket.requester_id {
        return Ok(colleague);
    }
    let mut tx = store.begin_write().await?;
    if tx.add_follower(ticket.id, colleague.id).await? {
        let event = NewEvent::new(
            EventKind::TicketFollowerAdded,
            ticket.id,
            format!("shared {} with {}", ticket.number, colleague.name),
        )
        .for_customer(ticket.customer_id)
        .with("number", ticket.number.as_str())
        .with("end_user_id", colleague.id.to_string());
        tx.record(actor, event).await?;
    }
    tx.commit().await?;
    Ok(colleague)
}

/// Stops sharing a ticket with someone: whoever may share it, or the follower themselves.
pub async fn remove_follower(
    cx: &Context,
    actor: &Actor,
    ticket_id: Uuid,
    end_user_id: Uuid,
) -> UseCaseResult<()> {
    let store = cx.store();
    let ticket = ticket_for(cx, actor, ticket_id).await?;
    if actor.as_end_user().map(|(me, _)| me) != Some(end_user_id) {
        may_share(actor, &ticket)?;
    }
    // Read before the transaction: while it is open only `tx` may touch the database (on
    // SQLite it holds the one write permit; a second connection would only add to the wait).
    let name = store.end_user(end_user_id).await.map(|user| user.name).unwrap_or_default();
    let mut tx = store.begin_write().await?;
    if !tx.remove_follower(ticket.id, end_user_id).await? {
        return Err(UseCaseError::NotFound("follower"));
    }
    let event = NewEvent::new(
        EventKind::TicketFollowerRemoved,
        ticket.id,
        format!("stopped sharing {} with {name}", ticket.number),
    )
    .for_customer(ticket.customer_id)
    .with("number", ticket.number.as_str())
    .with("end_user_id", end_user_id.to_string());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Who may share a ticket they can see: the team, its requester and the customer's managers.
fn may_share(actor: &Actor, ticket: &Ticket) -> UseCaseResult<()> {
    match actor.as_end_user() {
        Some((me, _)) if me == ticket.requester_id => Ok(()),
        Some(_) if actor.customer_role == Some(CustomerRole::Manager) => Ok(()),
        Some(_) => Err(Refused::NotSharer.into()),
        None => Ok(actor.require_team()?),
    }
}
