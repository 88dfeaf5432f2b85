//! Tickets: submitting, the conversation, status and assignment, from every side.
//!
//! End users act only on tickets of their own customer within their scope
//! ([`TicketScope`]: what they asked for or follow; a manager, every ticket of the customer);
//! what they may not see is "not found", never "forbidden", so ticket ids leak nothing. The
//! team works every ticket.
//!
//! `submit` files tickets, `followers` shares them, `conversation` adds replies and notes,
//! `changes` moves status and assignment; this module holds who may see what, and the reads.

mod changes;
mod conversation;
mod followers;
mod submit;

use crate::context::Context;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult, attachments};
use crate::attachments::Attachments;
use crate::attachments::stage::Staged;
use portico_domain::actor::{Actor, Refused};
use portico_domain::email::EmailAddress;
use portico_domain::end_user::{CustomerRole, EndUser};
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::outbox::OutboxEntry;
use portico_domain::page::{Page, PageRequest};
use portico_domain::request_type::{Answer, RawAnswers, answer, answers_text};
use portico_domain::ticket::{
    AuthorKind, Comment, ContactSource, Status, Ticket, TicketDraft, TicketScope, assignee_after,
    comment_body,
};
use portico_domain::timeline;
use portico_domain::validation::FieldError;
use portico_store::mail::InboundRecord;
use portico_store::tickets::{Author, Submission, TicketChanges, TicketFilter, TicketState};
use portico_store::{Store, StoreError, Tx};

pub use changes::{change_status, update_ticket};
pub use conversation::{
    Files, MailReceipt, TicketTimeline, Visibility, comment, comment_with_files, conversation, reply_by_mail,
    timeline,
};
pub use followers::{add_follower, add_follower_by_email, followers_of, remove_follower};
pub use submit::{
    FormOutcome, SUBMISSIONS_PER_TEN_MINUTES, Submitted, TicketRequest, TypedRequest, submit_from_portal,
    submit_request_form, submit_ticket, submit_ticket_with_files,
};

/// The tickets an end user may see, or `None` for the team (every ticket).
pub fn scope_of(actor: &Actor) -> Option<TicketScope> {
    let (user_id, _) = actor.as_end_user()?;
    Some(TicketScope::of(user_id, actor.customer_role.unwrap_or_default()))
}

/// The end user's tickets (within their scope: their own, or their company's for a manager)
/// whose words match, best first, at most `limit`.
pub async fn search_portal_tickets(
    cx: &Context,
    actor: &Actor,
    words: &[String],
    limit: usize,
) -> UseCaseResult<Vec<Ticket>> {
    let (_, customer_id) = actor.as_end_user().ok_or(UseCaseError::NotFound("end user"))?;
    let scope = scope_of(actor).ok_or(UseCaseError::NotFound("end user"))?;
    Ok(cx.store().search_tickets(customer_id, scope, words, limit).await?)
}

/// A ticket as `actor` may see it: an end user only one of their customer within their scope.
pub async fn ticket_for(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<Ticket> {
    let store = cx.store();
    match actor.as_end_user() {
        Some((_, customer_id)) => {
            let ticket = store.ticket_of_customer(id, customer_id).await?;
            let scope = scope_of(actor).ok_or(UseCaseError::NotFound("end user"))?;
            let followers = match scope {
                TicketScope::Company => Vec::new(),
                TicketScope::Involving(_) => store.follower_ids(id).await?,
            };
            if scope.covers(ticket.requester_id, &followers) {
                Ok(ticket)
            } else {
                Err(UseCaseError::NotFound("ticket"))
            }
        }
        None => {
            actor.require_team()?;
            Ok(store.ticket(id).await?)
        }
    }
}

/// The end user's tickets: those they asked for or follow.
pub async fn my_tickets(cx: &Context, actor: &Actor, page: &PageRequest) -> UseCaseResult<Page<Ticket>> {
    let store = cx.store();
    let (user_id, customer_id) = actor.as_end_user().ok_or(UseCaseError::NotFound("end user"))?;
    let filter =
        TicketFilter { customer_id: Some(customer_id), involving: Some(user_id), ..Default::default() };
    Ok(store.list_tickets(&filter, page).await?)
}

/// The end user's open tickets (theirs and those they follow), newest first, at most `limit`.
pub async fn my_open_tickets(cx: &Context, actor: &Actor, limit: u32) -> UseCaseResult<Vec<Ticket>> {
    let (user_id, customer_id) = actor.as_end_user().ok_or(UseCaseError::NotFound("end user"))?;
    let filter = TicketFilter {
        customer_id: Some(customer_id),
        involving: Some(user_id),
        open_only: true,
        ..Default::default()
    };
    let tickets = cx
        .read_models()
        .open_tickets
        .get_or_load((user_id, limit), customer_id, async || {
            let found = cx.store().list_tickets(&filter, &PageRequest::first(limit)).await?;
            Ok::<_, UseCaseError>(Arc::new(found.items))
        })
        .await?;
    Ok(tickets.as_ref().clone())
}

/// What a manager narrows their company's tickets to.
#[derive(Debug, Clone, Default)]
pub struct CompanyFilter {
    pub status: Option<Status>,
    /// Part of the requester's name or e-mail address.
    pub requester: Option<String>,
    /// Words of the ticket, or its number.
    pub search: Option<String>,
}

/// Every ticket of the manager's customer, narrowed by `filter`.
pub async fn company_tickets(
    cx: &Context,
    actor: &Actor,
    filter: CompanyFilter,
    page: &PageRequest,
) -> UseCaseResult<Page<Ticket>> {
    let store = cx.store();
    let (_, customer_id) = actor.require_manager()?;
    let filter = TicketFilter {
        customer_id: Some(customer_id),
        status: filter.status,
        requester_matching: filter.requester,
        search: filter.search,
        ..Default::default()
    };
    Ok(store.list_tickets(&filter, page).await?)
}

/// One ticket, for the team.
pub async fn ticket(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<Ticket> {
    actor.require_team()?;
    Ok(cx.store().ticket(id).await?)
}

/// A page of tickets as the filter picks them, for the team.
pub async fn list_tickets(
    cx: &Context,
    actor: &Actor,
    filter: &TicketFilter,
    page: &PageRequest,
) -> UseCaseResult<Page<Ticket>> {
    actor.require_team()?;
    Ok(cx.store().list_tickets(filter, page).await?)
}

/// Every comment of a ticket, internal notes included, for the team.
pub async fn comments(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<Vec<Comment>> {
    actor.require_team()?;
    let store = cx.store();
    store.ticket(id).await?;
    Ok(store.comments(id, true).await?)
}

/// The mail sent about a ticket and where each message is, for the team.
pub async fn mail_of_ticket(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<Vec<OutboxEntry>> {
    actor.require_team()?;
    Ok(cx.store().mail_of_ticket(id).await?)
}
