//! Telling the other instances to drop what they cached.
//!
//! With PostgreSQL any number of instances serve one database, and each keeps some things in
//! memory (identity-provider metadata, for one). A change made through one instance is announced
//! on a PostgreSQL channel, and every instance listening forgets its copy. SQLite serves one
//! instance, so there is nobody to tell.

use sqlx::postgres::PgListener;

use super::{Backend, Store, StoreResult};

/// The PostgreSQL channel Portico's instances announce changes on.
pub const CHANNEL: &str = "portico_invalidate";

impl Store {
    /// Announces that what is cached under `key` is out of date. Delivered to every listening
    /// instance, this one included, once the announcement is committed.
    pub async fn announce_invalidation(&self, key: &str) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            // Wrapped in a count: the `Any` driver cannot decode `pg_notify`'s `void` result.
            sqlx::query("SELECT count(*) FROM (SELECT pg_notify($1, $2)) AS sent")
                .bind(CHANNEL)
                .bind(key)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}

/// What the listener heard.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    /// Another instance (or this one) announced that `key` is out of date.
    Invalidated(String),
    /// The connection dropped and was opened again: announcements may have been missed, so
    /// everything cached should be treated as out of date.
    Reconnected,
}

/// A dedicated PostgreSQL connection listening for announcements.
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
        listener.listen(CHANNEL).await?;
        Ok(Some(Self { listener }))
    }

    /// Waits for the next announcement. An error means the database could not be reached
    /// again; calling this again retries.
    pub async fn next(&mut self) -> StoreResult<Heard> {
        Ok(match self.listener.try_recv().await? {
            Some(notification) => Heard::Invalidated(notification.payload().to_string()),
            None => Heard::Reconnected,
        })
    }
}
