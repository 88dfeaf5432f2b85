//! What portal pages read, kept in memory per instance so that a warm signed-in page asks the
//! database nothing: sessions with their end users, each end user's open tickets, the portals'
//! article lists, the request types each customer is offered.
//!
//! What is kept is never stale: an entry keeps the generations read *before* its database read
//! (the portals' and its own area's for its customer, see [`ReadGenerations`]) and is served only
//! while both are still current. A local commit moves them before it returns; another
//! instance's change moves them when its event arrives (PostgreSQL `NOTIFY`).
//!
//! Each model is bounded (entries at most, least recently used first out) and counts its hits
//! and misses for `/metrics`.

use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use quick_cache::sync::Cache;
use quick_cache::{UnitWeighter, Weighter};
use uuid::Uuid;

use portico_domain::event::ReadArea;
use portico_domain::kb::{ArticleLine, ArticleOrder};
use portico_domain::page::Page;
use portico_domain::request_type::Offered;
use portico_domain::secret::TokenHash;
use portico_domain::session::PortalSession;
use portico_domain::ticket::Ticket;
use portico_store::read_generations::Stamp;
use portico_store::sessions::LivePortalSession;
use portico_store::{PortalGeneration, ReadGenerations};

/// Sessions kept at most: one per signed-in browser.
pub const SESSIONS: usize = 50_000;
/// End users whose open tickets are kept at most.
pub const TICKET_LISTS: usize = 50_000;
/// Article lists kept at most (a few per customer: the landing page's, the knowledge base's).
pub const ARTICLE_LISTS: usize = 20_000;
/// Customers whose offered request types are kept at most.
pub const CATALOGUES: usize = 20_000;
/// Article lists are ordered by views, which are counted without an event: a list is read anew
/// after this long even when nothing else changed.
const ARTICLE_LISTS_MAX_AGE: Duration = Duration::from_secs(60);

/// Bytes of rendered pages kept at most.
pub const PAGE_BYTES: u64 = 32 * 1024 * 1024;
/// How many rendered pages that is expected to hold, to size the cache's table.
const PAGES_EXPECTED: usize = 4_000;
/// Rendered pages show article lists ordered by views: read anew after this long at the latest.
const PAGES_MAX_AGE: Duration = ARTICLE_LISTS_MAX_AGE;

/// An article list: whose, in what order, how long.
pub type ArticleListKey = (Uuid, ArticleOrder, u32);

/// A page as rendered for one session: the end user, the session (its CSRF token, which the
/// page carries), and the page's address as reached (its links start where the portal was
/// reached: under `/p/{slug}` or on a host of its own).
type PageKey = (Uuid, String, String);

/// Every read model of this instance.
pub struct ReadModels {
    pub(crate) sessions: Model<(TokenHash, Uuid), Arc<KeptSession>>,
    pub(crate) open_tickets: Model<(Uuid, u32), Arc<Vec<Ticket>>>,
    pub(crate) article_lines: Model<ArticleListKey, Arc<Page<ArticleLine>>>,
    pub(crate) catalogues: Model<Uuid, Arc<Vec<Offered>>>,
    pages: Model<PageKey, Bytes, PageWeight>,
}

/// A rendered page weighs its bytes (and its key's).
#[derive(Clone)]
struct PageWeight;

impl Weighter<PageKey, Arc<Entry<Bytes>>> for PageWeight {
    fn weight(&self, key: &PageKey, entry: &Arc<Entry<Bytes>>) -> u64 {
        (entry.value.len() + key.1.len() + key.2.len() + 128) as u64
    }
}

/// The generations every entry is checked against.
#[derive(Clone)]
pub(crate) struct Generations {
    portals: PortalGeneration,
    reads: ReadGenerations,
}

/// The generations an entry was read under: the portals' and those of its areas.
#[derive(Clone, Copy)]
struct Stamps {
    portals: u64,
    areas: [Option<Stamp>; ReadArea::ALL.len()],
}

impl Generations {
    fn stamps(&self, areas: &[ReadArea], customer_id: Uuid) -> Stamps {
        let mut stamps = Stamps { portals: self.portals.current(), areas: [None; ReadArea::ALL.len()] };
        for (kept, area) in stamps.areas.iter_mut().zip(areas) {
            *kept = Some(self.reads.stamp(*area, customer_id));
        }
        stamps
    }

    fn are_current(&self, stamps: &Stamps) -> bool {
        self.portals.current() == stamps.portals
            && stamps.areas.iter().flatten().all(|stamp| self.reads.is_current(stamp))
    }
}

impl ReadModels {
    pub fn new(portals: PortalGeneration, reads: ReadGenerations) -> Self {
        let generations = Generations { portals, reads };
        Self {
            sessions: Model::new("portal_sessions", &generations, &[ReadArea::EndUsers], SESSIONS, None),
            open_tickets: Model::new("open_tickets", &generations, &[ReadArea::Tickets], TICKET_LISTS, None),
            article_lines: Model::new(
                "article_lists",
                &generations,
                &[ReadArea::Articles],
                ARTICLE_LISTS,
                Some(ARTICLE_LISTS_MAX_AGE),
            ),
            catalogues: Model::new("catalogues", &generations, &[ReadArea::RequestTypes], CATALOGUES, None),
            pages: Model::weighed(
                "pages",
                &generations,
                &ReadArea::ALL,
                PAGE_BYTES,
                Some(PAGES_MAX_AGE),
                Cache::with_weighter(PAGES_EXPECTED, PAGE_BYTES, PageWeight),
            ),
        }
    }

    /// Each model's name, hits, misses and entries, for `/metrics`.
    pub fn tallies(&self) -> [Tally; 5] {
        [
            self.sessions.tally(),
            self.open_tickets.tally(),
            self.article_lines.tally(),
            self.catalogues.tally(),
            self.pages.tally(),
        ]
    }

    /// The portal page at `address` as rendered for `session`: kept while nothing a portal page
    /// may show changed (the portal, its customer, the end user and their sessions, tickets,
    /// articles, request types), else rendered by `render` — which reads through the use cases,
    /// so what it shows is exactly what they allow the session. `render` gives `None` for an
    /// answer that is not to be kept (an error page), which is then forgotten.
    pub async fn page<E, Render>(
        &self,
        session: &PortalSession,
        address: String,
        render: impl FnOnce() -> Render,
    ) -> Result<Option<Bytes>, E>
    where
        Render: Future<Output = Result<Option<Bytes>, E>>,
    {
        let key = (session.end_user.id, session.csrf_token.clone(), address);
        self.pages.get(key, session.customer_id, |_| true, render).await
    }
}

/// How a read model has done since the start.
#[derive(Debug, Clone, Copy)]
pub struct Tally {
    pub model: &'static str,
    pub hits: u64,
    pub misses: u64,
    pub entries: usize,
    /// What the entries weigh, and what they may weigh at most: entries, or bytes for pages.
    pub weight: u64,
    pub capacity: u64,
}

/// A session as kept: what was read, and when it was last used as far as this instance knows.
#[derive(Debug)]
pub(crate) struct KeptSession {
    pub live: LivePortalSession,
    /// The latest use written to the database (the idle window slides from there).
    pub last_seen_at_ms: AtomicI64,
    /// A write of the last use is under way.
    pub touching: AtomicBool,
}

impl KeptSession {
    pub fn new(live: LivePortalSession) -> Self {
        let last_seen = live.last_seen_at_ms;
        Self { live, last_seen_at_ms: AtomicI64::new(last_seen), touching: AtomicBool::new(false) }
    }

    /// Whether the session may still be used at `now_ms`, idle after `idle_ms`.
    pub fn alive_at(&self, now_ms: i64, idle_ms: i64) -> bool {
        self.live.expires_at_ms > now_ms && self.last_seen_at_ms.load(Ordering::SeqCst) > now_ms - idle_ms
    }
}

/// One read model: entries by key, each with the generations it was read under.
pub(crate) struct Model<K, V, We = UnitWeighter> {
    name: &'static str,
    generations: Generations,
    areas: &'static [ReadArea],
    capacity: u64,
    max_age: Option<Duration>,
    entries: Cache<K, Arc<Entry<V>>, We>,
    hits: AtomicU64,
    misses: AtomicU64,
}

pub(crate) struct Entry<V> {
    value: V,
    stamps: Stamps,
    read_at: Instant,
}

impl<K, V> Model<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone,
{
    fn new(
        name: &'static str,
        generations: &Generations,
        areas: &'static [ReadArea],
        capacity: usize,
        max_age: Option<Duration>,
    ) -> Self {
        Self::weighed(name, generations, areas, capacity as u64, max_age, Cache::new(capacity))
    }
}

impl<K, V, We> Model<K, V, We>
where
    K: Eq + Hash + Clone,
    V: Clone,
    We: Weighter<K, Arc<Entry<V>>> + Clone,
{
    fn weighed(
        name: &'static str,
        generations: &Generations,
        areas: &'static [ReadArea],
        capacity: u64,
        max_age: Option<Duration>,
        entries: Cache<K, Arc<Entry<V>>, We>,
    ) -> Self {
        let (hits, misses) = (AtomicU64::new(0), AtomicU64::new(0));
        Self { name, generations: generations.clone(), areas, capacity, max_age, entries, hits, misses }
    }

    /// The value kept for `key` of `customer_id` while it is current and `usable` says so, else
    /// what `load` reads (kept when it is `Some`, forgotten when `None`).
    pub async fn get<E, Load>(
        &self,
        key: K,
        customer_id: Uuid,
        usable: impl Fn(&V) -> bool,
        load: impl FnOnce() -> Load,
    ) -> Result<Option<V>, E>
    where
        Load: Future<Output = Result<Option<V>, E>>,
    {
        if let Some(value) = self.hit(&key, usable) {
            return Ok(Some(value));
        }
        let (stamps, read_at) = self.read_starts(customer_id);
        let found = load().await?;
        match &found {
            Some(value) => self.keep(key, value.clone(), stamps, read_at),
            None => self.forget(&key),
        }
        Ok(found)
    }

    /// The value kept for `key`, else what `load` reads: for reads that always find something.
    pub async fn get_or_load<E, Load>(
        &self,
        key: K,
        customer_id: Uuid,
        load: impl FnOnce() -> Load,
    ) -> Result<V, E>
    where
        Load: Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.hit(&key, |_| true) {
            return Ok(value);
        }
        let (stamps, read_at) = self.read_starts(customer_id);
        let value = load().await?;
        self.keep(key, value.clone(), stamps, read_at);
        Ok(value)
    }

    fn hit(&self, key: &K, usable: impl Fn(&V) -> bool) -> Option<V> {
        let found = self.entries.get(key).filter(|entry| {
            self.generations.are_current(&entry.stamps)
                && self.max_age.is_none_or(|age| entry.read_at.elapsed() < age)
                && usable(&entry.value)
        });
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found.map(|entry| entry.value.clone())
    }

    /// The generations to keep a read under, taken before it: a change committed during the
    /// read leaves what it read stale at once.
    fn read_starts(&self, customer_id: Uuid) -> (Stamps, Instant) {
        (self.generations.stamps(self.areas, customer_id), Instant::now())
    }

    fn keep(&self, key: K, value: V, stamps: Stamps, read_at: Instant) {
        self.entries.insert(key, Arc::new(Entry { value, stamps, read_at }));
    }

    /// Forgets what is kept for `key` here (its generation moves too, for the other instances).
    pub fn forget(&self, key: &K) {
        self.entries.remove(key);
    }

    fn tally(&self) -> Tally {
        Tally {
            model: self.name,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.entries.len(),
            weight: self.entries.weight(),
            capacity: self.capacity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> (Model<u32, Arc<String>>, Generations) {
        let generations =
            Generations { portals: PortalGeneration::default(), reads: ReadGenerations::default() };
        (Model::new("test", &generations, &[ReadArea::Tickets], 10, None), generations)
    }

    async fn read(model: &Model<u32, Arc<String>>, customer: Uuid, value: &str) -> Arc<String> {
        let value = Arc::new(value.to_string());
        model.get_or_load(1, customer, async || Ok::<_, ()>(value)).await.unwrap()
    }

    #[tokio::test]
    async fn an_entry_is_served_until_its_area_or_the_portals_change() {
        let (model, generations) = model();
        let customer = Uuid::from_u128(3);
        assert_eq!(*read(&model, customer, "first").await, "first");
        assert_eq!(*read(&model, customer, "second").await, "first", "kept");
        generations.reads.bump(ReadArea::Articles, None);
        assert_eq!(*read(&model, customer, "second").await, "first", "another area");
        generations.reads.bump(ReadArea::Tickets, Some(customer));
        assert_eq!(*read(&model, customer, "third").await, "third", "its area");
        generations.portals.bump();
        assert_eq!(*read(&model, customer, "fourth").await, "fourth", "the portals");
        let tally = model.tally();
        assert_eq!((tally.hits, tally.misses, tally.entries), (2, 3, 1));
    }

    #[tokio::test]
    async fn a_change_during_the_read_leaves_what_was_read_stale() {
        let (model, generations) = model();
        let customer = Uuid::from_u128(3);
        let during = generations.clone();
        let read_during_a_change = model
            .get_or_load(1, customer, async || {
                during.reads.bump(ReadArea::Tickets, Some(customer));
                Ok::<_, ()>(Arc::new("before the change".to_string()))
            })
            .await
            .unwrap();
        assert_eq!(*read_during_a_change, "before the change");
        assert_eq!(*read(&model, customer, "after").await, "after");
    }

    #[tokio::test]
    async fn nothing_found_is_not_kept_and_forgets_the_entry() {
        let (model, _) = model();
        let customer = Uuid::from_u128(3);
        read(&model, customer, "kept").await;
        let gone = model.get(1, customer, |_| false, async || Ok::<_, ()>(None)).await.unwrap();
        assert!(gone.is_none());
        assert_eq!(model.tally().entries, 0);
    }
}
