//! The conversation of a ticket: replies and internal notes, from the console, the portal and
//! mail, with their files, and the timeline that shows it.

use super::*;

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
