//! The consumer of events that turns what happened to tickets into mail in the outbox.
//!
//! Who hears of what is decided by [`portico_domain::notification`]; this loads the people and
//! the portal's look, composes each mail and queues it. The Message-ID is derived from the
//! event and the recipient, so handling an event again (after a restart, say) queues nothing new.

use std::sync::Arc;

use anyhow::Context;
use tokio::sync::Notify;
use uuid::Uuid;

use super::compose::{Brand, Composer, Invitation, Letter};
use crate::events::{Consumer, Delivery, Scope};
use portico_domain::actor::ActorKind;
use portico_domain::event::{Event, EventKind};
use portico_domain::notification::{Happening, Involved, Notice, Person, notices};
use portico_domain::portal::address::{PortalAddress, PortalAddressing};
use portico_domain::ticket::{AuthorKind, Status};
use portico_store::events::StartFrom;
use portico_store::mail::QueuedMail;
use portico_store::{Store, StoreError};

pub struct Notifier {
    store: Store,
    /// Where portals and the console are reached, for the links in the mail.
    addressing: PortalAddressing,
    composer: Composer,
    /// Wakes the sender when mail was queued.
    queued: Arc<Notify>,
}

impl Notifier {
    /// Where end users reach the portal.
    fn portal(&self, settings: &portico_domain::portal::document::PortalSettings) -> PortalAddress {
        self.addressing.address(&settings.slug, settings.custom_domain.as_ref())
    }

    pub fn new(store: Store, addressing: PortalAddressing, composer: Composer, queued: Arc<Notify>) -> Self {
        Self { store, addressing, composer, queued }
    }

    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        if event.event_kind() == Some(EventKind::EndUserInvited) {
            return self.invite(event).await;
        }
        let Some(happening) = happening_of(event) else { return Ok(()) };
        let ticket_id: Uuid = event.subject_id.parse().context("ticket event without a ticket id")?;
        let ticket = match self.store.ticket(ticket_id).await {
            Ok(ticket) => ticket,
            Err(StoreError::NotFound { .. }) => return Ok(()),
            Err(other) => return Err(other.into()),
        };
        let involved = Involved {
            requester: ticket.requester_id,
            followers: self.store.follower_ids(ticket.id).await?,
            assignee: ticket.assignee_id,
            group_members: self.store.active_group_members(ticket.assignment_group_id).await?,
        };
        let actor = match (event.actor.id, event.actor.kind.as_str()) {
            (Some(id), kind) if kind == ActorKind::EndUser.as_str() => Some(Person::EndUser(id)),
            (Some(id), _) if !event.actor.is(ActorKind::System) => Some(Person::TeamMember(id)),
            _ => None,
        };
        let to_send = notices(happening, &involved, actor);
        if to_send.is_empty() {
            return Ok(());
        }
        let comment = match event.payload.get("comment_id").and_then(|id| id.as_str()) {
            Some(id) => Some(self.store.comment(id.parse().context("comment id")?).await?),
            None => None,
        };
        let (brand, portal) = self.brand(ticket.customer_id).await?;
        let requester = self.store.end_user(ticket.requester_id).await?;
        let mut queued_any = false;
        for (person, notice) in to_send {
            let Some((name, address)) = self.contact(person).await? else { continue };
            // Each recipient's own token: a reply through it is theirs and no one else's.
            let token = self.store.recipient_mail_token(ticket.id, &address).await?;
            let link = if notice.to_requester() {
                self.portal(&portal.settings).page(&crate::paths::portal::ticket(ticket.id))
            } else {
                self.addressing.console_url(&crate::paths::ticket(ticket.id))
            };
            let letter = Letter {
                notice,
                ticket: &ticket,
                brand: &brand,
                requester_name: &requester.name,
                comment: comment.as_ref(),
                link,
            };
            let composed = self.composer.compose(&letter, (&name, &address), &token, event.id)?;
            let mail = QueuedMail {
                message_id: composed.message_id,
                event_id: event.id,
                ticket_id: Some(ticket.id),
                recipient: address,
                subject: composed.subject,
                message: composed.bytes,
            };
            if self.store.queue_mail(&mail).await? {
                queued_any = true;
                metrics::counter!("portico_mail_queued_total", "notice" => notice_name(notice)).increment(1);
            }
        }
        if queued_any {
            self.queued.notify_one();
        }
        Ok(())
    }

    /// How the customer's portal looks, for its mail, and the portal.
    async fn brand(
        &self,
        customer_id: Uuid,
    ) -> anyhow::Result<(Brand, portico_store::portals::StoredPortal)> {
        let customer = self.store.customer(customer_id).await?;
        let portal = self.store.portal(customer_id).await?;
        let brand = Brand {
            name: customer.name.clone(),
            logo_url: portal
                .logo_id
                .as_deref()
                .map(|id| self.addressing.console_url(&crate::render::assets::logo(id))),
            theme: portal.settings.design.theme(),
        };
        Ok((brand, portal))
    }

    /// Tells an invited colleague where their portal is.
    async fn invite(&self, event: &Event) -> anyhow::Result<()> {
        let id: Uuid = event.subject_id.parse().context("invitation without an end user id")?;
        let Some((name, address)) = self.contact(Person::EndUser(id)).await? else { return Ok(()) };
        let invitee = self.store.end_user(id).await?;
        let (brand, portal) = self.brand(invitee.customer_id).await?;
        let invitation = Invitation {
            brand: &brand,
            invitee_name: &name,
            inviter_name: &event.actor.name,
            link: self.portal(&portal.settings).url(),
        };
        let composed = self.composer.compose_invitation(&invitation, (&name, &address), event.id)?;
        let mail = QueuedMail {
            message_id: composed.message_id,
            event_id: event.id,
            ticket_id: None,
            recipient: address,
            subject: composed.subject,
            message: composed.bytes,
        };
        if self.store.queue_mail(&mail).await? {
            metrics::counter!("portico_mail_queued_total", "notice" => "invitation").increment(1);
            self.queued.notify_one();
        }
        Ok(())
    }

    /// The name and address of a person who may receive mail now (active), or `None`.
    async fn contact(&self, person: Person) -> anyhow::Result<Option<(String, String)>> {
        let found = match person {
            Person::EndUser(id) => self.store.end_user(id).await.map(|u| (u.active, u.name, u.email)),
            Person::TeamMember(id) => self.store.team_member(id).await.map(|m| (m.active, m.name, m.email)),
        };
        match found {
            Ok((true, name, email)) => Ok(Some((name, email.to_string()))),
            Ok(_) | Err(StoreError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }
}

fn notice_name(notice: Notice) -> &'static str {
    match notice {
        Notice::Acknowledgement => "acknowledgement",
        Notice::NewTicket => "new_ticket",
        Notice::TeamReplied => "team_replied",
        Notice::RequesterReplied => "requester_replied",
        Notice::Finished(_) => "finished",
    }
}

/// What a ticket event means for mail; `None` for events mail ignores.
fn happening_of(event: &Event) -> Option<Happening> {
    let text = |key: &str| event.payload.get(key).and_then(|value| value.as_str());
    Some(match event.event_kind()? {
        EventKind::TicketCreated => Happening::Created,
        EventKind::TicketReplied => {
            Happening::PublicReply { by: AuthorKind::parse(text("author_kind")?).ok()? }
        }
        EventKind::TicketNoted => Happening::InternalNote,
        EventKind::TicketStatusChanged => Happening::StatusChanged { to: Status::parse(text("to")?).ok()? },
        _ => return None,
    })
}

impl Consumer for Notifier {
    fn name(&self) -> &'static str {
        "mail_notifications"
    }

    fn scope(&self) -> Scope {
        // Mail is about what happens from now on: configuring SMTP must not mail the past.
        Scope::Shared(StartFrom::Now)
    }

    fn deliver<'a>(&'a self, event: &'a Event) -> Delivery<'a> {
        Box::pin(self.handle(event))
    }
}
