//! Hearing that another instance committed events.
//!
//! With PostgreSQL any number of instances serve one database. A commit that records events
//! also sends a notification on [`EVENTS_CHANNEL`]; every instance listening wakes its
//! dispatcher, which reads the events (and so, for instance, forgets cached provider metadata).
//! SQLite serves one instance, whose commits wake its dispatcher directly.

use sqlx::postgres::PgListener;

use super::events::EVENTS_CHANNEL;
use super::{Backend, StoreResult};

/// What the listener heard.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    /// Some instance (this one included) committed events.
    EventsWritten,
    /// The connection dropped and was opened again: notifications may have been missed.
    Reconnected,
}

/// A dedicated PostgreSQL connection listening for notifications.
pub struct Invalidations {
    listener: PgListener,
}

impl Invalidations {
    /// Starts listening; `None` for a database that has no other instances to hear from.
    pub async fn listen(database_url: &str) -> StoreResult<Option<Self>> {
        if Backend::from_url(database_url) != Some(Backend::Postgres) {
            return Ok(None);
        }
        let mut listener = PgListener::connect(database_url).await?;
        listener.listen(EVENTS_CHANNEL).await?;
        Ok(Some(Self { listener }))
    }

    /// Waits for the next notification. An error means the database could not be reached
    /// again; calling this again retries.
    pub async fn next(&mut self) -> StoreResult<Heard> {
        Ok(match self.listener.try_recv().await? {
            Some(_) => Heard::EventsWritten,
            None => Heard::Reconnected,
        })
    }
}
