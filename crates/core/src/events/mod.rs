//! Following the event log: a dispatcher in each instance hands new events to consumers, at
//! least once and in the order they were recorded, and remembers how far each consumer got.
//!
//! Two kinds of consumer exist. A *shared* consumer (the audit log, e-mail) must see each event
//! once across all instances: its position is stored in the database, and a lease there lets
//! one instance at a time deliver to it. An *each-instance* consumer (forgetting cached data)
//! must run in every instance: its position lives in memory and starts at the newest event,
//! since a new process has nothing cached yet.
//!
//! A consumer that fails is retried with a growing delay and holds up only itself. Each
//! consumer must make a repeated delivery harmless (an event id as key, a Message-ID), since a
//! crash between its effect and the recorded position repeats the event.

pub mod audit;
pub mod caches;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::task::JoinSet;
use uuid::Uuid;

use portico_domain::event::Event;
use portico_domain::page::EventCursor;
use portico_store::events::StartFrom;
use portico_store::{Store, StoreResult, now_ms};

pub type Delivery<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

/// Where a consumer's position lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Once across every instance, position in the database.
    Shared(StartFrom),
    /// In every instance, from the newest event at start.
    EachInstance,
}

pub trait Consumer: Send + Sync + 'static {
    /// A stable name: the key of the stored position.
    fn name(&self) -> &'static str;
    fn scope(&self) -> Scope;
    /// Acts on one event; an error leaves the consumer at this event, to be retried.
    fn deliver<'a>(&'a self, event: &'a Event) -> Delivery<'a>;
    /// An each-instance consumer is told when it has taken the newest event as its start:
    /// whatever it kept from before may predate events it will never be given.
    fn started(&self) {}
}

/// How the dispatcher paces itself.
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// How often to look for events when nothing woke the dispatcher (a fallback: commits here
    /// and, on PostgreSQL, in other instances wake it at once).
    pub poll: Duration,
    /// How long a shared consumer stays with one instance without renewal; after a crash,
    /// another instance takes over when it runs out.
    pub lease: Duration,
    /// Deliver an event only once it is this old. Zero in production; tests use it to stop
    /// a process between the commit of an event and its delivery.
    pub delivery_delay: Duration,
    /// Events read per round.
    pub batch: i64,
    /// Rounds the consumers of this instance have run (each a look at the log, whether or not
    /// it found anything): how a test knows time has passed for the dispatcher without guessing.
    pub rounds: Arc<AtomicU64>,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(10),
            delivery_delay: Duration::ZERO,
            batch: 100,
            rounds: Arc::default(),
        }
    }
}

/// The longest wait between retries of a failing consumer.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The wait before retry number `failures` (1, 2, 4 … seconds, at most five minutes).
pub fn backoff(failures: i64) -> Duration {
    let exponent = failures.clamp(1, 20) as u32 - 1;
    Duration::from_secs(1u64 << exponent).min(MAX_BACKOFF)
}

/// The running dispatcher: one task per consumer, stopped when this is dropped or shut down.
pub struct Dispatcher {
    tasks: JoinSet<()>,
    store: Store,
    owner: String,
    shared: Vec<&'static str>,
    stop: tokio::sync::watch::Sender<bool>,
}

/// How long a stopping dispatcher lets its consumers finish the round in hand.
const ROUND_GRACE: Duration = Duration::from_secs(10);

impl Dispatcher {
    pub fn start(store: Store, consumers: Vec<Arc<dyn Consumer>>, settings: DispatchSettings) -> Self {
        let owner = format!("instance-{}", Uuid::now_v7());
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let mut tasks = JoinSet::new();
        let mut shared = Vec::new();
        for consumer in consumers {
            if matches!(consumer.scope(), Scope::Shared(_)) {
                shared.push(consumer.name());
            }
            let run = Run {
                store: store.clone(),
                consumer,
                owner: owner.clone(),
                settings: settings.clone(),
                stopping: stopping.clone(),
            };
            tasks.spawn(run.follow());
        }
        Self { tasks, store, owner, shared, stop }
    }

    /// Stops delivering and hands the shared consumers' leases back, so another instance can
    /// go on at once instead of waiting for them to run out.
    ///
    /// Each consumer finishes the round in hand first: a claim aborted mid-query could still
    /// reach the database after the hand-back and take the lease again for its full length.
    pub async fn shut_down(mut self) {
        let _ = self.stop.send(true);
        let finished =
            tokio::time::timeout(ROUND_GRACE, async { while self.tasks.join_next().await.is_some() {} })
                .await;
        if finished.is_err() {
            tracing::warn!(
                "an event consumer did not finish its round in time; its lease runs out by itself"
            );
            self.tasks.abort_all();
            while self.tasks.join_next().await.is_some() {}
        }
        for name in &self.shared {
            if let Err(error) = self.store.release_consumer(name, &self.owner).await {
                tracing::warn!(consumer = name, %error, "could not hand back an event consumer's lease");
            }
        }
    }
}

struct Run {
    store: Store,
    consumer: Arc<dyn Consumer>,
    owner: String,
    settings: DispatchSettings,
    stopping: tokio::sync::watch::Receiver<bool>,
}

impl Run {
    async fn follow(mut self) {
        let mut woken = self.store.watch_events();
        let mut local_position = None;
        let mut shared = SharedProgress::default();
        loop {
            if *self.stopping.borrow() {
                return;
            }
            let round = match self.consumer.scope() {
                Scope::Shared(start) => self.deliver_shared(start, &mut shared).await,
                Scope::EachInstance => self.deliver_local(&mut local_position).await,
            };
            self.settings.rounds.fetch_add(1, Ordering::Relaxed);
            let pause = match round {
                Ok(Round::More) => continue,
                Ok(Round::Wait(pause)) => pause,
                Err(error) => {
                    tracing::warn!(consumer = self.consumer.name(), %error, "could not read the event log");
                    self.settings.poll
                }
            };
            tokio::select! {
                _ = woken.changed() => {},
                _ = tokio::time::sleep(pause) => {},
                _ = self.stopping.changed() => return,
            }
        }
    }

    /// A delivery round of a shared consumer, under its lease.
    async fn deliver_shared(&self, start: StartFrom, progress: &mut SharedProgress) -> StoreResult<Round> {
        let name = self.consumer.name();
        if !progress.registered {
            self.store.register_consumer(name, start).await?;
            progress.registered = true;
        }
        // Caught up and nothing new since: no claim, so an idle instance writes nothing.
        if let Some(seen) = progress.caught_up_to
            && self.store.last_event_seq().await? <= seen
        {
            return Ok(Round::Wait(self.settings.poll));
        }
        progress.caught_up_to = None;
        let lease_ms = self.settings.lease.as_millis() as i64;
        let Some(position) = self.store.claim_consumer(name, &self.owner, lease_ms).await? else {
            // Another instance delivers, or the consumer waits to retry.
            return Ok(Round::Wait(self.settings.poll));
        };
        let events = self.store.events_after(EventCursor(position), self.settings.batch).await?;
        for event in &events {
            if let Some(wait) = self.too_young(event) {
                return Ok(Round::Wait(wait));
            }
            match self.consumer.deliver(event).await {
                Ok(()) => {
                    metrics::counter!("portico_events_delivered_total", "consumer" => name).increment(1);
                    if !self.store.advance_consumer(name, &self.owner, event.seq).await? {
                        return Ok(Round::Wait(self.settings.poll));
                    }
                }
                Err(error) => {
                    let text = format!("{error:#}");
                    let failures = self
                        .store
                        .consumer_failed(name, &self.owner, &text, |failures| {
                            now_ms() + backoff(failures).as_millis() as i64
                        })
                        .await?;
                    let wait = backoff(failures);
                    metrics::counter!("portico_event_delivery_failures_total", "consumer" => name)
                        .increment(1);
                    tracing::warn!(consumer = name, seq = event.seq, kind = %event.kind, failures, error = format!("{error:#}"),
                        retry_in_secs = wait.as_secs(), "an event consumer failed; it will retry");
                    return Ok(Round::Wait(wait));
                }
            }
        }
        if (events.len() as i64) < self.settings.batch {
            progress.caught_up_to = Some(events.last().map_or(position, |event| event.seq));
            return Ok(Round::Wait(self.settings.poll));
        }
        Ok(Round::More)
    }

    /// A delivery round of a consumer of this instance only.
    async fn deliver_local(&self, position: &mut Option<i64>) -> StoreResult<Round> {
        let from = match *position {
            Some(seq) => seq,
            None => {
                let start = *position.insert(self.store.last_event_seq().await?);
                self.consumer.started();
                start
            }
        };
        let events = self.store.events_after(EventCursor(from), self.settings.batch).await?;
        for event in &events {
            if let Err(error) = self.consumer.deliver(event).await {
                tracing::warn!(
                    consumer = self.consumer.name(),
                    seq = event.seq,
                    error = format!("{error:#}"),
                    "an event consumer failed; it will retry"
                );
                return Ok(Round::Wait(self.settings.poll));
            }
            *position = Some(event.seq);
        }
        Ok(if events.len() as i64 == self.settings.batch {
            Round::More
        } else {
            Round::Wait(self.settings.poll)
        })
    }

    fn too_young(&self, event: &Event) -> Option<Duration> {
        if self.settings.delivery_delay.is_zero() {
            return None;
        }
        let age = time::OffsetDateTime::now_utc() - event.at;
        let delay = time::Duration::try_from(self.settings.delivery_delay).unwrap_or(time::Duration::MAX);
        (age < delay).then(|| Duration::try_from(delay - age).unwrap_or_default())
    }
}

/// What a shared consumer's task remembers between rounds.
#[derive(Default)]
struct SharedProgress {
    registered: bool,
    /// The position this instance delivered up to when it last found nothing more.
    caught_up_to: Option<i64>,
}

enum Round {
    More,
    Wait(Duration),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_after_each_failure_up_to_five_minutes() {
        let waits: Vec<u64> = [1, 2, 3, 4, 10, 40].iter().map(|&n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 300, 300]);
        assert_eq!(backoff(0), Duration::from_secs(1));
    }
}
