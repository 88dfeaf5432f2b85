//! Files on tickets, under the ticket's own rules: whoever may see the ticket sees its public
//! files, the team also its internal ones, and everyone else finds nothing (404). Contents are
//! written to the attachment store before the rows that name them commit.

use crate::context::Context;
use uuid::Uuid;

use super::tickets::ticket_for;
use super::{UseCaseError, UseCaseResult};
use crate::attachments::Attachments;
use crate::attachments::stage::Staged;
use portico_domain::actor::Actor;
use portico_domain::attachment::Attachment;
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::ticket::{AuthorKind, Ticket};
use portico_store::attachments::Uploader;
use portico_store::{Store, Tx};

/// Adds files to a ticket on their own (not with a reply).
pub async fn attach(
    cx: &Context,
    actor: &Actor,
    ticket_id: Uuid,
    files: Vec<Staged>,
    public: bool,
) -> UseCaseResult<Vec<Attachment>> {
    let store = cx.store();
    let attachments = cx.attachments();
    let ticket = ticket_for(cx, actor, ticket_id).await?;
    if files.is_empty() {
        return Err(UseCaseError::field("file", "Choose a file to attach."));
    }
    check_visibility(actor, public)?;
    put_contents(store, attachments, Some(ticket.id), &files).await?;
    let mut tx = store.begin_write().await?;
    let added = record_files(&mut tx, attachments, actor, &ticket, None, &files, public).await?;
    tx.commit().await?;
    Ok(added)
}

/// End users attach only what the requester sees.
pub(super) fn check_visibility(actor: &Actor, public: bool) -> UseCaseResult<()> {
    if actor.is_end_user() && !public {
        return Err(UseCaseError::field(
            "public",
            "End users attach only files that both they and the team see.",
        ));
    }
    Ok(())
}

/// Writes the contents to the attachment store (before any row names them), once they are known
/// to fit the ticket's limit (checked again when the rows are written, against a race).
pub(super) async fn put_contents(
    store: &Store,
    attachments: &Attachments,
    ticket_id: Option<Uuid>,
    files: &[Staged],
) -> UseCaseResult<()> {
    if files.is_empty() {
        return Ok(());
    }
    let existing = match ticket_id {
        Some(id) => store.ticket_attachment_bytes(id).await?,
        None => 0,
    };
    check_ticket_limit(attachments, existing, files)?;
    for file in files {
        attachments.blobs.put(file).await.map_err(|error| UseCaseError::Internal(error.into()))?;
    }
    Ok(())
}

/// Records files on a ticket inside `tx`, within the ticket's size limit, with an event each.
pub(super) async fn record_files(
    tx: &mut Tx,
    attachments: &Attachments,
    actor: &Actor,
    ticket: &Ticket,
    comment_id: Option<Uuid>,
    files: &[Staged],
    public: bool,
) -> UseCaseResult<Vec<Attachment>> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    // Held, so two uploads at once cannot both pass the limit.
    tx.ticket_for_update(ticket.id).await?;
    let existing = tx.ticket_attachment_bytes(ticket.id).await?;
    check_ticket_limit(attachments, existing, files)?;
    let uploader = Uploader {
        kind: if actor.is_end_user() { AuthorKind::EndUser } else { AuthorKind::TeamMember },
        id: actor
            .id
            .ok_or_else(|| UseCaseError::field("uploader", "Files need a person as their uploader."))?,
        name: &actor.name,
    };
    let mut added = Vec::with_capacity(files.len());
    for staged in files {
        let attachment = tx.insert_attachment(ticket.id, comment_id, &staged.file, public, &uploader).await?;
        let event = NewEvent::new(
            EventKind::TicketAttachmentAdded,
            ticket.id,
            format!("attached {} to {}", attachment.filename, ticket.number),
        )
        .for_customer(ticket.customer_id)
        .with("number", ticket.number.as_str())
        .with("attachment_id", attachment.id.to_string())
        .with("filename", attachment.filename.as_str())
        .with("size", attachment.size)
        .with("public", public);
        tx.record(actor, event).await?;
        added.push(attachment);
    }
    Ok(added)
}

fn check_ticket_limit(attachments: &Attachments, existing: i64, files: &[Staged]) -> UseCaseResult<()> {
    let adding: i64 = files.iter().map(|file| file.file.size).sum();
    if (existing + adding) as u64 > attachments.settings.max_ticket_bytes {
        return Err(UseCaseError::TooLarge {
            field: "file",
            message: format!(
                "the ticket's files would exceed the limit of {} per ticket",
                attachments.settings.ticket_limit_text()
            ),
        });
    }
    Ok(())
}

/// The files of a ticket as `actor` may see them.
pub async fn files_of(cx: &Context, actor: &Actor, ticket_id: Uuid) -> UseCaseResult<Vec<Attachment>> {
    let store = cx.store();
    let ticket = ticket_for(cx, actor, ticket_id).await?;
    Ok(store.attachments_of(ticket.id, !actor.is_end_user()).await?)
}

/// One file, when `actor` may see it; anything else is "not found".
pub async fn file_for(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<Attachment> {
    let store = cx.store();
    let attachment = store.attachment(id).await?;
    ticket_for(cx, actor, attachment.ticket_id).await.map_err(|error| match error {
        UseCaseError::NotFound(_) => UseCaseError::NotFound("attachment"),
        other => other,
    })?;
    if actor.is_end_user() && !attachment.public {
        return Err(UseCaseError::NotFound("attachment"));
    }
    Ok(attachment)
}

/// Removes a file from its ticket for good (admins): the row stays, marked, for the record;
/// the content goes at the next housekeeping unless another ticket has the same file.
pub async fn redact(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<Attachment> {
    let store = cx.store();
    actor.require_admin()?;
    let attachment = store.attachment(id).await?;
    let ticket = store.ticket(attachment.ticket_id).await?;
    let mut tx = store.begin_write().await?;
    tx.redact_attachment(id, &actor.name).await?;
    let event = NewEvent::new(
        EventKind::TicketAttachmentRedacted,
        ticket.id,
        format!("redacted {} on {}", attachment.filename, ticket.number),
    )
    .for_customer(ticket.customer_id)
    .with("number", ticket.number.as_str())
    .with("attachment_id", attachment.id.to_string())
    .with("filename", attachment.filename.as_str());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(attachment)
}

/// Removes contents that no row uses, written more than `grace` ago (so an upload whose row is
/// about to commit keeps its content). Returns how many were removed.
pub async fn remove_orphans(cx: &Context, grace: time::Duration) -> UseCaseResult<usize> {
    let store = cx.store();
    let attachments = cx.attachments();
    let cutoff = time::OffsetDateTime::now_utc() - grace;
    let stored = attachments.blobs.stored().await.map_err(|error| UseCaseError::Internal(error.into()))?;
    let mut removed = 0;
    for (sha256, written) in stored {
        if written < cutoff && !store.content_in_use(&sha256).await? {
            attachments.blobs.delete(&sha256).await.map_err(|error| UseCaseError::Internal(error.into()))?;
            removed += 1;
        }
    }
    Ok(removed)
}
