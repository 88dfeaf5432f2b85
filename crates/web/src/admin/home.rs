//! The console's home: what needs attention now, and whether mail is working.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::layout::Nav;
use super::page_error::PageResult;
use super::session::ConsoleUser;
use crate::state::AppState;
use portico_core::usecases::dashboard;
use portico_domain::dashboard::{Tally, Waiting};
use portico_domain::outbox::OutboxEntry;
use portico_domain::ticket::display_number;

const TIME_OF_DAY: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[hour]:[minute]:[second] UTC");

/// Rows of each list on the home page.
const LISTED: i64 = 8;

/// Undelivered messages listed on the home page.
const UNDELIVERED_SHOWN: i64 = 20;

#[derive(Template, WebTemplate)]
#[template(path = "admin/home.html")]
pub struct HomePage {
    nav: Nav,
    open_tickets: i64,
    unassigned: i64,
    by_group: Vec<Tally>,
    by_customer: Vec<Tally>,
    waiting: Vec<Waiting>,
    without_sign_in: Vec<Tally>,
    mail_from: Option<String>,
    reply_address: Option<String>,
    polled_mailbox: bool,
    /// How this instance last read the mailbox: when (UTC), and what came of it.
    last_poll: Option<(String, Result<usize, String>)>,
    undelivered: Vec<OutboxEntry>,
}

impl HomePage {
    fn number(&self, waiting: &Waiting) -> String {
        display_number(waiting.number)
    }

    /// How long a ticket has waited since its last change, in the largest whole unit.
    fn waited(&self, waiting: &Waiting) -> String {
        let waited = time::OffsetDateTime::now_utc() - waiting.updated_at;
        match (waited.whole_days(), waited.whole_hours(), waited.whole_minutes()) {
            (days, _, _) if days >= 2 => format!("{days} days"),
            (1, _, _) => "1 day".to_string(),
            (_, hours, _) if hours >= 2 => format!("{hours} hours"),
            (_, 1, _) => "1 hour".to_string(),
            (_, _, minutes) if minutes >= 2 => format!("{minutes} minutes"),
            _ => "a minute".to_string(),
        }
    }

    fn undelivered_summary(&self) -> String {
        match self.undelivered.len() {
            1 => "1 mail could not be delivered".to_string(),
            n if n as i64 >= UNDELIVERED_SHOWN => format!("At least {n} mails could not be delivered"),
            n => format!("{n} mails could not be delivered"),
        }
    }
}

pub async fn show(State(state): State<AppState>, user: ConsoleUser) -> PageResult<HomePage> {
    let home = dashboard::home(&state.core, &user.actor(), LISTED, UNDELIVERED_SHOWN).await?;
    let mail = &state.config.mail;
    let last_poll = home.last_poll.clone();
    let last_poll =
        last_poll.map(|report| (report.at.format(TIME_OF_DAY).unwrap_or_default(), report.outcome));
    Ok(HomePage {
        nav: user.nav("home"),
        open_tickets: home.open_tickets,
        unassigned: home.unassigned,
        by_group: home.by_group,
        by_customer: home.by_customer,
        waiting: home.waiting,
        without_sign_in: home.without_sign_in,
        mail_from: mail.outgoing.as_ref().map(|outgoing| outgoing.from.to_string()),
        reply_address: mail.inbound_address.as_ref().map(std::string::ToString::to_string),
        polled_mailbox: mail.imap.is_some(),
        last_poll,
        undelivered: home.undelivered,
    })
}
