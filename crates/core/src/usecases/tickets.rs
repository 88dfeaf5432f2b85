//! Tickets: submitting, the conversation, status and assignment, from every side.
//!
//! End users act only on tickets of their own customer within their scope
//! ([`TicketScope`]: what they asked for or follow; a manager, every ticket of the customer);
//! what they may not see is "not found", never "forbidden", so ticket ids leak nothing. The
//! team works every ticket.

use crate::context::Context;
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
use portico_domain::request_type::{Answer, RawAnswers, answer, answers_text, offered_to};
use portico_domain::ticket::{
    AuthorKind, Comment, ContactSource, Status, Ticket, TicketDraft, TicketScope, assignee_after,
    comment_body,
};
use portico_domain::timeline;
use portico_domain::validation::FieldError;
use portico_store::mail::InboundRecord;
use portico_store::tickets::{Author, Submission, TicketChanges, TicketFilter, TicketState};
use portico_store::{Store, StoreError, Tx};

/// End users may submit this many tickets in ten minutes.
pub const SUBMISSIONS_PER_TEN_MINUTES: i64 = 10;
const SUBMISSION_WINDOW_SECS: u64 = 600;

/// A new ticket as a front door received it.
#[derive(Debug, Clone)]
pub struct TicketRequest {
    pub draft: TicketDraft,
    pub customer_id: Uuid,
    pub requester_id: Uuid,
    /// `None`: the customer's portal's default group.
    pub assignment_group_id: Option<Uuid>,
    pub source: ContactSource,
    /// The form's one-time token: the same form submitted twice makes one ticket.
    pub submission_key: Option<String>,
    /// Filed through a request type, with the answers to its form.
    pub typed: Option<TypedRequest>,
}

/// A request type chosen from the catalogue and the answers to its form, as typed.
#[derive(Debug, Clone)]
pub struct TypedRequest {
    pub request_type_id: Uuid,
    pub answers: RawAnswers,
}

/// The ticket, and whether this request created it (`false`: the form had been submitted).
#[derive(Debug)]
pub struct Submitted {
    pub ticket: Ticket,
    pub created: bool,
}

pub async fn submit_ticket(cx: &Context, actor: &Actor, request: TicketRequest) -> UseCaseResult<Submitted> {
    submit(cx, actor, request, None).await
}

/// A new ticket with files, in one transaction.
pub async fn submit_ticket_with_files(
    cx: &Context,
    actor: &Actor,
    request: TicketRequest,
    files: Files<'_>,
) -> UseCaseResult<Submitted> {
    submit(cx, actor, request, Some(files)).await
}

async fn submit(
    cx: &Context,
    actor: &Actor,
    request: TicketRequest,
    files: Option<Files<'_>>,
) -> UseCaseResult<Submitted> {
    let store = cx.store();
    match actor.as_end_user() {
        Some((user_id, customer_id)) => {
            if user_id != request.requester_id || customer_id != request.customer_id {
                return Err(UseCaseError::NotFound("end user"));
            }
        }
        None => actor.require_team()?,
    }
    let typed = match &request.typed {
        Some(typed) => Some(typed_ticket(store, &request, typed).await?),
        None => None,
    };
    // In the portal, the plain form exists only where the portal offers it.
    if actor.is_end_user()
        && typed.is_none()
        && request.source == ContactSource::Portal
        && !super::request_types::plain_form_offered(cx, actor, request.customer_id).await?
    {
        return Err(UseCaseError::NotFound("ticket form"));
    }
    let new = match &typed {
        Some(typed) => typed.new.clone(),
        None => request.draft.clone().into_new()?,
    };
    // The key is the requester's own: another user's form token can never find their ticket.
    let key = request
        .submission_key
        .as_deref()
        .filter(|key| !key.is_empty())
        .map(|key| portico_domain::secret::hash_token(&format!("{}:{key}", request.requester_id)));
    if let Some(key) = &key
        && let Some(existing) = store.ticket_by_submission(key).await?
    {
        return Ok(Submitted { ticket: existing, created: false });
    }
    let group = match typed.as_ref().and_then(|typed| typed.assignment_group_id) {
        // The type's (or the customer's own) group, unless the team chose one.
        Some(group) if request.assignment_group_id.is_none() || actor.is_end_user() => {
            check_requester(store, &request).await?;
            open_ticketing(store, actor, request.customer_id).await?;
            group
        }
        _ => receiving_group(store, actor, &request).await?,
    };
    let submission = Submission {
        customer_id: request.customer_id,
        requester_id: request.requester_id,
        assignment_group_id: group,
        source: request.source,
        submission_key: key.as_ref(),
        request_type: typed.as_ref().map(|typed| (typed.request_type_id, typed.answers.as_slice())),
    };
    if let Some(files) = &files {
        attachments::put_contents(store, files.attachments, None, &files.staged).await?;
    }
    let mut tx = store.begin_write().await?;
    if actor.is_end_user() {
        check_submission_limit(&mut tx, request.requester_id).await?;
    }
    let ticket = match tx.insert_ticket(&new, &submission).await {
        Ok(ticket) => ticket,
        Err(StoreError::Conflict { field: "submission_key", .. }) => {
            // The same form, submitted twice at once: the other request made the ticket.
            tx.rollback().await?;
            let existing = match &key {
                Some(key) => store.ticket_by_submission(key).await?,
                None => None,
            };
            return Ok(Submitted {
                ticket: existing.ok_or(UseCaseError::NotFound("ticket"))?,
                created: false,
            });
        }
        Err(other) => return Err(other.into()),
    };
    let event = NewEvent::new(EventKind::TicketCreated, ticket.id, format!("submitted {}", ticket.number))
        .for_customer(ticket.customer_id)
        .with("number", ticket.number.as_str())
        .with("requester_id", ticket.requester_id.to_string())
        .with("assignment_group_id", ticket.assignment_group_id.to_string())
        .with("contact_source", ticket.contact_source.as_str());
    tx.record(actor, event).await?;
    if let Some(files) = &files {
        attachments::record_files(&mut tx, files.attachments, actor, &ticket, None, &files.staged, true)
            .await?;
    }
    tx.commit().await?;
    Ok(Submitted { ticket, created: true })
}

/// A ticket filed through a request type: what it says, and where it goes.
struct Typed {
    request_type_id: Uuid,
    new: portico_domain::ticket::NewTicket,
    answers: Vec<Answer>,
    assignment_group_id: Option<Uuid>,
}

/// Only a type offered to the customer is accepted (not another customer's, not one it hides),
/// and only answers its form asks for.
async fn typed_ticket(store: &Store, request: &TicketRequest, typed: &TypedRequest) -> UseCaseResult<Typed> {
    let not_offered = || {
        UseCaseError::field("request_type_id", "No request type with this ID is offered to this customer.")
    };
    let found = match store.request_type(typed.request_type_id).await {
        Ok(found) => found,
        Err(StoreError::NotFound { .. }) => return Err(not_offered()),
        Err(other) => return Err(other.into()),
    };
    let own = store.request_type_overrides(request.customer_id).await?.remove(&found.id);
    let offered = offered_to(request.customer_id, found, own).ok_or_else(not_offered)?;
    let settings = &offered.request_type.settings;
    let answers = answer(&settings.fields, &typed.answers)?;
    // What the requester adds in their own words goes after the answers.
    let mut description = answers_text(&answers);
    if let Some(words) = request.draft.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(words);
    }
    let urgency = match request.draft.urgency.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(raw) => portico_domain::ticket::Urgency::parse(raw)?,
        None => settings.default_urgency,
    };
    let short_description = match request.draft.short_description.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => portico_domain::text::bounded(
            "short_description",
            text,
            1,
            portico_domain::ticket::SHORT_DESCRIPTION_MAX,
            false,
        )?,
        _ => settings.name.clone(),
    };
    let new = portico_domain::ticket::NewTicket {
        kind: settings.ticket_type,
        short_description,
        description: portico_domain::text::bounded(
            "description",
            &description,
            0,
            portico_domain::ticket::DESCRIPTION_MAX,
            true,
        )?,
        urgency,
    };
    Ok(Typed {
        request_type_id: offered.request_type.id,
        new,
        answers,
        assignment_group_id: offered.assignment_group_id,
    })
}

/// The requester must be an active end user of the customer, and the customer not archived:
/// an archived customer's people open nothing, by any path.
async fn check_requester(store: &Store, request: &TicketRequest) -> UseCaseResult<()> {
    let customer = store
        .customer(request.customer_id)
        .await
        .map_err(|_| UseCaseError::field("customer_id", "No customer has this customer ID."))?;
    if customer.archived {
        return Err(UseCaseError::field("customer_id", "The customer is archived; restore it first."));
    }
    let requester = store.end_user(request.requester_id).await.ok();
    if !requester.is_some_and(|user| user.customer_id == request.customer_id && user.active) {
        return Err(UseCaseError::field(
            "requester_id",
            "The requester must be an active end user of the customer.",
        ));
    }
    Ok(())
}

/// The customer's portal's ticketing settings; end users file tickets only while it is on.
async fn open_ticketing(
    store: &Store,
    actor: &Actor,
    customer_id: Uuid,
) -> UseCaseResult<portico_domain::portal::document::Ticketing> {
    let ticketing = store.portal(customer_id).await?.settings.features.ticketing;
    if actor.is_end_user() && !ticketing.enabled {
        return Err(UseCaseError::NotFound("ticketing feature"));
    }
    Ok(ticketing)
}

/// The requester must be an end user of the customer, and the group one that serves it: the
/// one asked for (team only), else the portal's default group.
async fn receiving_group(store: &Store, actor: &Actor, request: &TicketRequest) -> UseCaseResult<Uuid> {
    check_requester(store, request).await?;
    if let Some(group) = request.assignment_group_id.filter(|_| !actor.is_end_user()) {
        let found = store
            .group(group)
            .await
            .map_err(|_| UseCaseError::field("assignment_group_id", "No assignment group has this ID."))?;
        if !found.serves(request.customer_id) {
            return Err(UseCaseError::field(
                "assignment_group_id",
                "The assignment group belongs to another customer.",
            ));
        }
        return Ok(group);
    }
    let ticketing = open_ticketing(store, actor, request.customer_id).await?;
    ticketing.default_assignment_group_id.ok_or_else(|| {
        UseCaseError::field(
            "assignment_group_id",
            "An assignment group is required: the customer's portal has no default group.",
        )
    })
}

/// Counted inside the transaction that adds the ticket, with the end user held, so a burst of
/// parallel submissions cannot race past the limit.
async fn check_submission_limit(tx: &mut Tx, requester_id: Uuid) -> UseCaseResult<()> {
    tx.hold_end_user(requester_id).await?;
    let since = OffsetDateTime::now_utc() - time::Duration::seconds(SUBMISSION_WINDOW_SECS as i64);
    let recent = tx.recent_submissions(requester_id, portico_store::to_ms(since)).await?;
    if recent >= SUBMISSIONS_PER_TEN_MINUTES {
        return Err(UseCaseError::RateLimited { retry_after_secs: SUBMISSION_WINDOW_SECS });
    }
    Ok(())
}

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
    Ok(cx.store().list_tickets(&filter, &PageRequest::first(limit)).await?.items)
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

/// The conversation as `actor` sees it: end users never see internal notes.
pub async fn conversation(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<(Ticket, Vec<Comment>)> {
    let store = cx.store();
    let ticket = ticket_for(cx, actor, id).await?;
    let comments = store.comments(id, !actor.is_end_user()).await?;
    Ok((ticket, comments))
}

/// A ticket with its history as `actor` reads it ([`timeline::timeline`]).
pub struct TicketTimeline {
    pub ticket: Ticket,
    pub entries: Vec<timeline::Entry>,
    /// The ticket's own files, not of a message in `entries`.
    pub files: Vec<portico_domain::attachment::Attachment>,
}

/// The conversation, the files and the status changes of a ticket, as `actor` may see them.
pub async fn timeline(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<TicketTimeline> {
    let store = cx.store();
    let (ticket, comments) = conversation(cx, actor, id).await?;
    let files = store.attachments_of(ticket.id, !actor.is_end_user()).await?;
    let changes = store
        .events_of(EventKind::TicketStatusChanged.subject_kind().as_str(), &id.to_string())
        .await?
        .into_iter()
        .filter(|event| event.kind == EventKind::TicketStatusChanged.as_str())
        .filter_map(|event| {
            let status = |key: &str| Status::parse(event.payload.get(key)?.as_str()?).ok();
            Some(timeline::StatusChange {
                at: event.at,
                from: status("from")?,
                to: status("to")?,
                by_reader: actor.id.is_some() && event.actor.id == actor.id,
                by: event.actor.name,
            })
        })
        .collect();
    let (entries, files) = timeline::timeline(actor.id, comments, files, changes);
    Ok(TicketTimeline { ticket, entries, files })
}

fn public_of(visibility: Visibility) -> bool {
    visibility == Visibility::Public
}

/// A public reply (the requester sees it) or an internal note (team only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Internal,
}

pub async fn comment(
    cx: &Context,
    actor: &Actor,
    ticket_id: Uuid,
    body: &str,
    visibility: Visibility,
) -> UseCaseResult<Comment> {
    let added = add_comment(cx, actor, ticket_id, body, visibility, None, None).await?;
    // Only a mail receipt can find the comment added before; without one, a comment is added.
    added.ok_or_else(|| UseCaseError::Internal(anyhow::anyhow!("the comment was not added")))
}

/// Files that come with a reply or a new ticket: staged, to be stored with it.
pub struct Files<'a> {
    pub attachments: &'a Attachments,
    pub staged: Vec<Staged>,
}

/// A reply or note with files, in one transaction.
pub async fn comment_with_files(
    cx: &Context,
    actor: &Actor,
    ticket_id: Uuid,
    body: &str,
    visibility: Visibility,
    files: Files<'_>,
) -> UseCaseResult<Comment> {
    let added = add_comment(cx, actor, ticket_id, body, visibility, None, Some(files)).await?;
    // Only a mail receipt can find the comment added before; without one, a comment is added.
    added.ok_or_else(|| UseCaseError::Internal(anyhow::anyhow!("the comment was not added")))
}

/// The incoming message a reply came in, remembered in the reply's own transaction so that a
/// message delivered twice adds one reply.
pub struct MailReceipt<'a> {
    pub message_id: &'a str,
    pub sender: &'a str,
}

/// A public reply that came by e-mail; `None` when this message was handled before.
pub async fn reply_by_mail(
    cx: &Context,
    actor: &Actor,
    ticket_id: Uuid,
    body: &str,
    receipt: MailReceipt<'_>,
    files: Option<Files<'_>>,
) -> UseCaseResult<Option<Comment>> {
    add_comment(cx, actor, ticket_id, body, Visibility::Public, Some(receipt), files).await
}

async fn add_comment(
    cx: &Context,
    actor: &Actor,
    ticket_id: Uuid,
    body: &str,
    visibility: Visibility,
    receipt: Option<MailReceipt<'_>>,
    files: Option<Files<'_>>,
) -> UseCaseResult<Option<Comment>> {
    let store = cx.store();
    let ticket = ticket_for(cx, actor, ticket_id).await?;
    if actor.is_end_user() && visibility == Visibility::Internal {
        return Err(UseCaseError::field("public", "End users write public replies only."));
    }
    let body = comment_body(body)?;
    if let Some(files) = &files {
        attachments::check_visibility(actor, public_of(visibility))?;
        attachments::put_contents(store, files.attachments, Some(ticket.id), &files.staged).await?;
    }
    let author = Author {
        kind: if actor.is_end_user() { AuthorKind::EndUser } else { AuthorKind::TeamMember },
        id: actor
            .id
            .ok_or_else(|| UseCaseError::field("author", "Comments need a person as their author."))?,
        name: &actor.name,
    };
    let public = visibility == Visibility::Public;
    let mut tx = store.begin_write().await?;
    if let Some(receipt) = &receipt {
        let record =
            InboundRecord { outcome: "comment_added".into(), ticket_id: Some(ticket.id), reason: None };
        if !tx.record_inbound(receipt.message_id, Some(receipt.sender), &record).await? {
            tx.rollback().await?;
            return Ok(None);
        }
    }
    let comment = tx.insert_comment(ticket.id, &author, &body, public).await?;
    if let Some(files) = &files {
        attachments::record_files(
            &mut tx,
            files.attachments,
            actor,
            &ticket,
            Some(comment.id),
            &files.staged,
            public,
        )
        .await?;
    }
    let (kind, verb) =
        if public { (EventKind::TicketReplied, "replied to") } else { (EventKind::TicketNoted, "noted on") };
    let mut event = NewEvent::new(kind, ticket.id, format!("{verb} {}", ticket.number))
        .for_customer(ticket.customer_id)
        .with("number", ticket.number.as_str())
        .with("comment_id", comment.id.to_string())
        .with("author_kind", author.kind.as_str())
        .with("public", public);
    if receipt.is_some() {
        event = event.with("via", "email");
    }
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(Some(comment))
}

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
