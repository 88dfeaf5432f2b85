//! The console's home: what needs attention now, and whether mail is working.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::layout::Nav;
use super::page_error::PageResult;
use super::session::ConsoleUser;
use crate::store::mail::OutboxEntry;
use crate::web::state::AppState;

const TIME_OF_DAY: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[hour]:[minute]:[second] UTC");

/// Undelivered messages listed on the home page.
const UNDELIVERED_SHOWN: i64 = 20;

#[derive(Template, WebTemplate)]
#[template(path = "admin/home.html")]
pub struct HomePage {
    nav: Nav,
    open_tickets: i64,
    unassigned: i64,
    mail_from: Option<String>,
    reply_address: Option<String>,
    polled_mailbox: bool,
    /// How this instance last read the mailbox: when (UTC), and what came of it.
    last_poll: Option<(String, Result<usize, String>)>,
    undelivered: Vec<OutboxEntry>,
}

impl HomePage {
    fn undelivered_summary(&self) -> String {
        match self.undelivered.len() {
            1 => "1 mail could not be delivered".to_string(),
            n if n as i64 >= UNDELIVERED_SHOWN => format!("At least {n} mails could not be delivered"),
            n => format!("{n} mails could not be delivered"),
        }
    }
}

pub async fn show(State(state): State<AppState>, user: ConsoleUser) -> PageResult<HomePage> {
    let (open_tickets, unassigned) = state.store.open_ticket_counts().await?;
    let mail = &state.config.mail;
    let last_poll = state.last_mailbox_poll.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let last_poll =
        last_poll.map(|report| (report.at.format(TIME_OF_DAY).unwrap_or_default(), report.outcome));
    Ok(HomePage {
        nav: user.nav("home"),
        open_tickets,
        unassigned,
        mail_from: mail.outgoing.as_ref().map(|outgoing| outgoing.from.to_string()),
        reply_address: mail.inbound_address.as_ref().map(|address| address.to_string()),
        polled_mailbox: mail.imap.is_some(),
        last_poll,
        undelivered: state.store.undelivered_mail(UNDELIVERED_SHOWN).await?,
    })
}
