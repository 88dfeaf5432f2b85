//! The console's home page: what is open, whose it is, what waits longest, and what needs an
//! operator's eye (portals nobody can sign in to, mail that could not be delivered).

use super::UseCaseResult;
use crate::context::Context;
use crate::mail::mailbox::PollReport;
use portico_domain::actor::Actor;
use portico_domain::dashboard::{Tally, Waiting};
use portico_domain::outbox::OutboxEntry;

/// Everything the home page counts, each list at most `listed` long.
#[derive(Debug, Clone)]
pub struct Home {
    pub open_tickets: i64,
    pub unassigned: i64,
    pub by_group: Vec<Tally>,
    pub by_customer: Vec<Tally>,
    pub waiting: Vec<Waiting>,
    pub without_sign_in: Vec<Tally>,
    pub undelivered: Vec<OutboxEntry>,
    /// How this instance's last look at the mailbox went, when one is polled.
    pub last_poll: Option<PollReport>,
}

/// The home page's figures. The team only.
pub async fn home(cx: &Context, actor: &Actor, listed: i64, undelivered_shown: i64) -> UseCaseResult<Home> {
    actor.require_team()?;
    let store = cx.store();
    let (open_tickets, unassigned) = store.open_ticket_counts().await?;
    Ok(Home {
        open_tickets,
        unassigned,
        by_group: store.open_tickets_by_group(listed).await?,
        by_customer: store.open_tickets_by_customer(listed).await?,
        waiting: store.longest_waiting(listed).await?,
        without_sign_in: store.active_portals_without_sign_in(listed).await?,
        undelivered: store.undelivered_mail(undelivered_shown).await?,
        last_poll: cx.last_mailbox_poll().latest(),
    })
}
