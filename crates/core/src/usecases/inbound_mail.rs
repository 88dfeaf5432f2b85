//! Mail that comes in (by IMAP or by the HTTP endpoint): a reply becomes a public reply on its
//! ticket, a new message from a known end user becomes a ticket, anything else is refused with
//! a reason — never appended to a ticket or put in a customer's queue by guesswork.
//!
//! A `From` header proves nothing: anyone can write any address there. A reply lands on a ticket
//! only when its sender is **proven** and may reply to it (an end user who may see the ticket, or
//! a team member). Proof is one of two things:
//! - the reply address carries the sender's own reply token: the token made for the address a
//!   notification went to, and the message comes from that same address;
//! - the receiving mail server, named by `PORTICO_MAIL_TRUSTED_AUTHSERV_ID`, says DMARC passed
//!   for the sender's domain (then a `[T-000123]` subject tag, a Message-ID we sent or an older
//!   ticket-wide token may find the ticket).
//!
//! Anything else that looks like a reply is refused with its reason, never added to a ticket.

use uuid::Uuid;

use super::tickets::{self, Files, MailReceipt, Submitted, TicketRequest};
use super::{UseCaseError, UseCaseResult};
use crate::attachments::Attachments;
use crate::attachments::stage::Staged;
use crate::context::Context;
use crate::mail::authentication_results;
use crate::mail::inbound::{self, Incoming};
use crate::mail::quotes::fit;
use crate::mail::settings::MailSettings;
use portico_domain::actor::{Actor, ActorKind};
use portico_domain::attachment::FILES_PER_MESSAGE_MAX;
use portico_domain::email::EmailAddress;
use portico_domain::end_user::EndUser;
use portico_domain::ticket::{
    COMMENT_MAX, ContactSource, DESCRIPTION_MAX, SHORT_DESCRIPTION_MAX, Ticket, TicketDraft,
};
use portico_store::StoreError;
use portico_store::mail::InboundRecord;

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    CommentAdded,
    TicketCreated,
    /// Sent by a machine: not answered, not an error.
    Ignored,
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CommentAdded => "comment_added",
            Self::TicketCreated => "ticket_created",
            Self::Ignored => "ignored",
            Self::Rejected => "rejected",
        }
    }

    fn parse(raw: &str) -> Self {
        match raw {
            "comment_added" => Self::CommentAdded,
            "ticket_created" => Self::TicketCreated,
            "ignored" => Self::Ignored,
            _ => Self::Rejected,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub outcome: Outcome,
    pub ticket_id: Option<Uuid>,
    pub reason: Option<String>,
    /// The message had been handled before; this is what became of it then.
    pub repeated: bool,
}

impl Received {
    fn rejected(reason: impl Into<String>) -> Self {
        Self { outcome: Outcome::Rejected, ticket_id: None, reason: Some(reason.into()), repeated: false }
    }
}

/// Handles one raw message. `actor` is who hands it over: an admin (the HTTP endpoint) or
/// Portico itself (the mailbox it polls).
pub async fn receive(cx: &Context, actor: &Actor, raw: &[u8]) -> UseCaseResult<Received> {
    let store = cx.store();
    let settings = &cx.config().mail;
    let attachments = cx.attachments();
    if actor.kind != ActorKind::System {
        actor.require_admin()?;
    }
    if raw.len() > settings.max_inbound_bytes {
        return Ok(Received::rejected(format!(
            "the message is larger than the limit of {}",
            settings.inbound_limit_text()
        )));
    }
    let incoming = match inbound::read_apart(std::sync::Arc::from(raw)).await {
        Ok(incoming) => incoming,
        Err(unreadable) => return Ok(Received::rejected(unreadable.to_string())),
    };
    if let Some(before) = store.inbound_record(&incoming.message_id).await? {
        return Ok(Received {
            outcome: Outcome::parse(&before.outcome),
            ticket_id: before.ticket_id,
            reason: before.reason,
            repeated: true,
        });
    }
    let received = match decide(cx, settings, attachments, &incoming).await {
        Ok(received) => received,
        // Whatever the message itself is wrong about ends it as refused, with the reason, so it
        // is neither lost nor tried forever; only a failure of Portico's own (the database
        // away) leaves it to be tried again.
        Err(error) => match refusal_of(&error) {
            Some(reason) => remember(cx, &incoming, Received::rejected(reason)).await?,
            None => return Err(error),
        },
    };
    if received.outcome == Outcome::Rejected {
        tracing::warn!(message_id = %incoming.message_id, sender = incoming.sender.as_deref().unwrap_or("(none)"),
            reason = received.reason.as_deref().unwrap_or_default(), "refused an incoming mail");
    }
    Ok(received)
}

async fn decide(
    cx: &Context,
    settings: &MailSettings,
    attachments: &Attachments,
    incoming: &Incoming,
) -> UseCaseResult<Received> {
    if let Some(reason) = &incoming.automated {
        let received = Received {
            outcome: Outcome::Ignored,
            ticket_id: None,
            reason: Some(format!("not answered: {reason}")),
            repeated: false,
        };
        return remember(cx, incoming, received).await;
    }
    let Some(sender) = incoming.sender.as_deref() else {
        return remember(cx, incoming, Received::rejected("the message names no sender")).await;
    };
    let Ok(sender_address) = EmailAddress::parse("from", sender) else {
        return remember(cx, incoming, Received::rejected("the sender's address is not valid")).await;
    };
    if incoming.files.len() > FILES_PER_MESSAGE_MAX {
        let reason = format!("the message carries more than {FILES_PER_MESSAGE_MAX} files");
        return remember(cx, incoming, Received::rejected(reason)).await;
    }
    match find_ticket(cx, settings, incoming).await? {
        Found::UnknownToken => {
            remember(cx, incoming, Received::rejected("the reply address names no ticket")).await
        }
        Found::Ticket(ticket, proof) => match proven_sender(settings, incoming, &sender_address, &proof) {
            Ok(()) => reply(cx, attachments, incoming, &sender_address, &ticket).await,
            Err(reason) => remember(cx, incoming, Received::rejected(reason)).await,
        },
        Found::Nothing => new_ticket(cx, attachments, incoming, &sender_address).await,
    }
}

/// The reason a use-case error gives to refuse the message for good, or `None` for a failure of
/// Portico's own that a later try may not meet.
fn refusal_of(error: &UseCaseError) -> Option<String> {
    match error {
        UseCaseError::Invalid(errors) => {
            let reasons =
                errors.errors().iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>();
            Some(format!("the message is not valid: {}", reasons.join("; ")))
        }
        UseCaseError::Internal(_) => None,
        other => Some(format!("the message could not be taken: {other}")),
    }
}

enum Found {
    Ticket(Box<Ticket>, Proof),
    /// A reply address with a token that belongs to no ticket.
    UnknownToken,
    Nothing,
}

/// What, besides the `From` header, says who wrote a reply.
enum Proof {
    /// The reply address holds the token made for mail to this address.
    RecipientToken { address: String },
    /// Only what anyone could write: a subject tag, thread headers, a ticket-wide token.
    Nothing,
}

/// The ticket a message answers: the token in the address it was sent to, else a Message-ID of
/// ours it answers, else the number in its subject.
async fn find_ticket(cx: &Context, settings: &MailSettings, incoming: &Incoming) -> UseCaseResult<Found> {
    let store = cx.store();
    if let Some(token) = incoming.recipients.iter().find_map(|address| reply_token(settings, address)) {
        if let Some((ticket_id, address)) = store.mail_token_recipient(&token).await? {
            let ticket = Box::new(store.ticket(ticket_id).await?);
            return Ok(Found::Ticket(ticket, Proof::RecipientToken { address }));
        }
        return Ok(match store.ticket_by_mail_token(&token).await? {
            Some(id) => Found::Ticket(Box::new(store.ticket(id).await?), Proof::Nothing),
            None => Found::UnknownToken,
        });
    }
    for message_id in &incoming.answers {
        if let Some(id) = store.ticket_of_sent_mail(message_id).await? {
            return Ok(Found::Ticket(Box::new(store.ticket(id).await?), Proof::Nothing));
        }
    }
    if let Some(number) = subject_number(&incoming.subject)
        && let Some(ticket) = store.ticket_by_number(number).await?
    {
        return Ok(Found::Ticket(Box::new(ticket), Proof::Nothing));
    }
    Ok(Found::Nothing)
}

/// Whether the sender is who the `From` header says, by their own token or by the trusted
/// server's DMARC verdict; else the reason the reply is refused.
fn proven_sender(
    settings: &MailSettings,
    incoming: &Incoming,
    sender: &EmailAddress,
    proof: &Proof,
) -> Result<(), String> {
    match proof {
        Proof::RecipientToken { address } if address.eq_ignore_ascii_case(sender.as_str()) => Ok(()),
        Proof::RecipientToken { .. } => {
            Err(format!("the reply address was made for another recipient, not for {sender}"))
        }
        Proof::Nothing => {
            let vouched = settings.trusted_authserv_id.as_deref().is_some_and(|trusted| {
                authentication_results::dmarc_passes(
                    &incoming.authentication_results,
                    trusted,
                    sender.domain(),
                )
            });
            if vouched {
                Ok(())
            } else {
                Err(format!(
                    "the reply is not proven to come from {sender}: it does not answer through their own \
                     reply address, and the receiving server reports no DMARC pass for {}",
                    sender.domain()
                ))
            }
        }
    }
}

/// The token of a tagged reply address (`help+t-TOKEN@msp.example`): on the inbound address's
/// domain and local part when one is configured.
fn reply_token(settings: &MailSettings, address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    let (base, tag) = local.split_once('+')?;
    if let Some(inbound) = &settings.inbound_address {
        let (inbound_local, inbound_domain) = inbound.as_str().rsplit_once('@')?;
        if !base.eq_ignore_ascii_case(inbound_local) || !domain.eq_ignore_ascii_case(inbound_domain) {
            return None;
        }
    }
    let token = tag.strip_prefix("t-")?.to_ascii_lowercase();
    (!token.is_empty() && token.len() <= 64 && token.chars().all(|c| c.is_ascii_alphanumeric()))
        .then_some(token)
}

/// `123` from a subject holding `[T-000123]`.
fn subject_number(subject: &str) -> Option<i64> {
    let start = subject.find("[T-")? + 3;
    let rest = &subject[start..];
    let end = rest.find(']')?;
    let digits = &rest[..end];
    (!digits.is_empty() && digits.len() <= 12 && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// A reply from someone allowed to reply to `ticket`, as that person; anyone else is refused.
async fn reply(
    cx: &Context,
    attachments: &Attachments,
    incoming: &Incoming,
    sender: &EmailAddress,
    ticket: &Ticket,
) -> UseCaseResult<Received> {
    let Some(actor) = replier(cx, sender, ticket).await? else {
        let reason = format!("{sender} may not reply to {}", ticket.number);
        return remember(cx, incoming, Received::rejected(reason)).await;
    };
    let body = fit(&incoming.text, COMMENT_MAX, true);
    if body.is_empty() {
        return remember(
            cx,
            incoming,
            Received::rejected("the reply has no new text above the quoted message"),
        )
        .await;
    }
    let receipt = MailReceipt { message_id: &incoming.message_id, sender: sender.as_str() };
    let files = Files { attachments, staged: stage_files(attachments, incoming).await };
    match tickets::reply_by_mail(cx, &actor, ticket.id, &body, receipt, Some(files)).await {
        Ok(Some(_)) => Ok(Received {
            outcome: Outcome::CommentAdded,
            ticket_id: Some(ticket.id),
            reason: None,
            repeated: false,
        }),
        // Delivered twice at once: the other delivery added the reply.
        Ok(None) => Ok(Received {
            outcome: Outcome::CommentAdded,
            ticket_id: Some(ticket.id),
            reason: None,
            repeated: true,
        }),
        Err(UseCaseError::NotFound(_)) => {
            let reason = format!("{sender} may not reply to {}", ticket.number);
            remember(cx, incoming, Received::rejected(reason)).await
        }
        Err(UseCaseError::Invalid(errors)) => {
            let reason =
                errors.errors().iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>();
            remember(
                cx,
                incoming,
                Received::rejected(format!("the reply is not valid: {}", reason.join("; "))),
            )
            .await
        }
        Err(other) => Err(other),
    }
}

/// Who the sender is, when they may reply to the ticket: an active team member, or an active end
/// user of the ticket's customer (not archived) who may see it.
async fn replier(cx: &Context, sender: &EmailAddress, ticket: &Ticket) -> UseCaseResult<Option<Actor>> {
    let store = cx.store();
    if store.customer(ticket.customer_id).await?.archived {
        return Ok(None);
    }
    match store.team_member_by_email(sender).await {
        Ok(member) if member.active => {
            return Ok(Some(Actor::team_member(member.id, &member.name, member.role)));
        }
        Ok(_) | Err(StoreError::NotFound { .. }) => {}
        Err(other) => return Err(other.into()),
    }
    let users = store.active_end_users_by_email(sender).await?;
    for user in users.into_iter().filter(|user| user.customer_id == ticket.customer_id) {
        let actor = Actor::end_user(&user);
        match tickets::ticket_for(cx, &actor, ticket.id).await {
            Ok(_) => return Ok(Some(actor)),
            Err(UseCaseError::NotFound(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(None)
}

/// A new ticket from an active end user known by this address in exactly one customer.
async fn new_ticket(
    cx: &Context,
    attachments: &Attachments,
    incoming: &Incoming,
    sender: &EmailAddress,
) -> UseCaseResult<Received> {
    let store = cx.store();
    let users: Vec<EndUser> = store.active_end_users_by_email(sender).await?;
    let user = match users.as_slice() {
        [user] => user,
        [] => {
            let reason = format!("{sender} is not an active end user of any customer");
            return remember(cx, incoming, Received::rejected(reason)).await;
        }
        _ => {
            let reason = format!("{sender} is an end user of several customers; they must use a portal");
            return remember(cx, incoming, Received::rejected(reason)).await;
        }
    };
    let summary = strip_reply_prefixes(&incoming.subject);
    let summary = if summary.is_empty() {
        incoming.text.lines().find(|line| !line.trim().is_empty()).unwrap_or_default().to_string()
    } else {
        summary
    };
    let summary = fit(&summary, SHORT_DESCRIPTION_MAX, false);
    if summary.is_empty() {
        return remember(cx, incoming, Received::rejected("the message has neither a subject nor any text"))
            .await;
    }
    let actor = Actor::end_user(user);
    let request = TicketRequest {
        draft: TicketDraft {
            kind: Some("incident".into()),
            short_description: Some(summary),
            description: Some(fit(&incoming.text, DESCRIPTION_MAX, true)),
            urgency: None,
        },
        customer_id: user.customer_id,
        requester_id: user.id,
        assignment_group_id: None,
        source: ContactSource::Email,
        // The Message-ID makes a message delivered twice one ticket.
        submission_key: Some(format!("mail:{}", incoming.message_id)),
        typed: None,
    };
    let files = Files { attachments, staged: stage_files(attachments, incoming).await };
    let received = match tickets::submit_ticket_with_files(cx, &actor, request, files).await {
        Ok(Submitted { ticket, .. }) => Received {
            outcome: Outcome::TicketCreated,
            ticket_id: Some(ticket.id),
            reason: None,
            repeated: false,
        },
        Err(UseCaseError::NotFound(_)) => Received::rejected("the customer's portal does not take tickets"),
        Err(UseCaseError::RateLimited { .. }) => {
            Received::rejected(format!("{sender} submitted too many tickets in the last ten minutes"))
        }
        Err(UseCaseError::Invalid(errors)) => {
            let reasons =
                errors.errors().iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>();
            Received::rejected(format!("the message does not make a valid ticket: {}", reasons.join("; ")))
        }
        Err(other) => return Err(other),
    };
    remember(cx, incoming, received).await
}

/// The message's files, staged for the ticket; one over the size limit is left out (and logged)
/// rather than costing the message its text.
async fn stage_files(attachments: &Attachments, incoming: &Incoming) -> Vec<Staged> {
    let mut staged = Vec::new();
    for (name, bytes) in &incoming.files {
        match attachments.stager.stage_bytes(name, bytes::Bytes::from(bytes.clone())).await {
            Ok(file) => staged.push(file),
            Err(error) => tracing::warn!(message_id = %incoming.message_id, file = name, %error,
                "left a file of an incoming mail out"),
        }
    }
    staged
}

fn strip_reply_prefixes(subject: &str) -> String {
    let mut rest = subject.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        let Some(prefix) =
            ["re:", "fw:", "fwd:", "aw:", "wg:", "sv:", "antw:"].iter().find(|p| lower.starts_with(*p))
        else {
            return rest.to_string();
        };
        rest = rest[prefix.len()..].trim_start();
    }
}

/// Remembers what became of the message, so a second delivery gets the same answer.
async fn remember(cx: &Context, incoming: &Incoming, received: Received) -> UseCaseResult<Received> {
    let store = cx.store();
    let record = InboundRecord {
        outcome: received.outcome.as_str().to_string(),
        ticket_id: received.ticket_id,
        reason: received.reason.clone(),
    };
    store.record_inbound(&incoming.message_id, incoming.sender.as_deref(), &record).await?;
    Ok(received)
}

#[cfg(test)]
mod tests;
