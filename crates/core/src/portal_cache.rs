//! Portals as resolved from their address, remembered between requests, so that a portal page
//! does not read the portal, its customer and its sign-in readiness again each time.
//!
//! What is remembered is never stale: an entry keeps the [`PortalGeneration`] read *before* its
//! database reads and is served only while that generation is still the current one. Every
//! change to what resolves a portal bumps the generation (right after a local commit; within a
//! moment for another instance's, through the event log), which forgets every entry at once —
//! changes are rare, reads are hot.
//!
//! The cache is bounded: at most [`CAPACITY`] entries, of which at most [`MAX_MISSES`] say an
//! address is unknown, so requests for made-up addresses cannot fill memory or push out the
//! portals that exist.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use portico_domain::customer::Customer;
use portico_domain::portal::stored::StoredPortal;
use portico_store::PortalGeneration;

/// Entries kept at most, all kinds together.
pub const CAPACITY: usize = 20_000;
/// Entries for unknown addresses kept at most.
pub const MAX_MISSES: usize = 2_000;

/// A portal as its address resolves it, before anything about the request is known.
#[derive(Debug)]
pub struct ResolvedPortal {
    pub portal: Arc<StoredPortal>,
    pub customer: Arc<Customer>,
    /// Whether an enabled SSO configuration exists: the portal can take sign-ins.
    pub sign_in_ready: bool,
}

/// What a slug in a portal address names.
#[derive(Debug, Clone)]
pub enum SlugLookup {
    /// The portal whose slug it is now.
    Portal(Arc<ResolvedPortal>),
    /// An earlier slug of a portal: the portal's slug now, to redirect to.
    Moved(String),
    /// No portal, now or before.
    Unknown,
}

impl SlugLookup {
    fn is_miss(&self) -> bool {
        matches!(self, Self::Unknown)
    }
}

/// The remembered resolutions of this instance, shared by every request.
pub struct PortalCache {
    generation: PortalGeneration,
    capacity: usize,
    max_misses: usize,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    /// The generation every entry was read under.
    generation: u64,
    slugs: HashMap<String, SlugLookup>,
    /// Custom domains and the slug of the portal answering there (`None`: no portal).
    domains: HashMap<String, Option<String>>,
    misses: usize,
}

impl Entries {
    fn len(&self) -> usize {
        self.slugs.len() + self.domains.len()
    }

    fn clear(&mut self) {
        self.slugs.clear();
        self.domains.clear();
        self.misses = 0;
    }

    fn forget_misses(&mut self) {
        self.slugs.retain(|_, found| !found.is_miss());
        self.domains.retain(|_, found| found.is_some());
        self.misses = 0;
    }
}

impl PortalCache {
    pub fn new(generation: PortalGeneration) -> Self {
        Self::bounded(generation, CAPACITY, MAX_MISSES)
    }

    /// A cache of at most `capacity` entries, `max_misses` of them for unknown addresses.
    pub fn bounded(generation: PortalGeneration, capacity: usize, max_misses: usize) -> Self {
        Self { generation, capacity, max_misses, entries: Mutex::default() }
    }

    /// What `slug` names, remembered or else read with `load`.
    pub async fn slug<E, Load>(&self, slug: &str, load: impl FnOnce() -> Load) -> Result<SlugLookup, E>
    where
        Load: Future<Output = Result<SlugLookup, E>>,
    {
        if let Some(found) = self.current().slugs.get(slug) {
            return Ok(found.clone());
        }
        let read_at = self.generation.current();
        let found = load().await?;
        let mut entries = self.current();
        if !entries.slugs.contains_key(slug) && self.admit(&mut entries, read_at, found.is_miss()) {
            entries.slugs.insert(slug.to_string(), found.clone());
        }
        Ok(found)
    }

    /// The slug of the portal answering on the custom domain `host`, remembered or else read
    /// with `load`.
    pub async fn domain<E, Load>(&self, host: &str, load: impl FnOnce() -> Load) -> Result<Option<String>, E>
    where
        Load: Future<Output = Result<Option<String>, E>>,
    {
        if let Some(found) = self.current().domains.get(host) {
            return Ok(found.clone());
        }
        let read_at = self.generation.current();
        let found = load().await?;
        let mut entries = self.current();
        if !entries.domains.contains_key(host) && self.admit(&mut entries, read_at, found.is_none()) {
            entries.domains.insert(host.to_string(), found.clone());
        }
        Ok(found)
    }

    /// How many entries are kept now.
    pub fn len(&self) -> usize {
        self.current().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries, emptied first when the generation moved on since they were read.
    fn current(&self) -> MutexGuard<'_, Entries> {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = self.generation.current();
        if entries.generation != now {
            entries.clear();
            entries.generation = now;
        }
        entries
    }

    /// Whether one more entry, read under generation `read_at`, may be kept; makes room for it.
    fn admit(&self, entries: &mut Entries, read_at: u64, miss: bool) -> bool {
        if entries.generation != read_at {
            // Something changed while it was read: it may already be stale.
            return false;
        }
        if miss && entries.misses >= self.max_misses {
            entries.forget_misses();
        }
        if entries.len() >= self.capacity {
            entries.clear();
        }
        if miss {
            entries.misses += 1;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;
    use portico_domain::portal::document::PortalSettings;
    use portico_domain::slug::Slug;

    fn resolved(name: &str) -> SlugLookup {
        let customer = Customer {
            id: uuid::Uuid::now_v7(),
            name: name.into(),
            slug: Slug::from_trusted(name.to_lowercase()),
            contact_email: None,
            phone: None,
            website: None,
            notes: String::new(),
            email_domains: Vec::new(),
            archived: false,
            archived_at: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let portal = StoredPortal {
            customer_id: customer.id,
            settings: PortalSettings::new_for(customer.slug.clone()),
            logo_id: None,
            revision: 1,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_by: "test".into(),
        };
        SlugLookup::Portal(Arc::new(ResolvedPortal {
            portal: Arc::new(portal),
            customer: Arc::new(customer),
            sign_in_ready: true,
        }))
    }

    fn name_of(found: &SlugLookup) -> String {
        match found {
            SlugLookup::Portal(resolved) => resolved.customer.name.clone(),
            SlugLookup::Moved(slug) => format!("moved to {slug}"),
            SlugLookup::Unknown => "unknown".into(),
        }
    }

    /// Looks `slug` up, answering `value` when the cache asks the database; counts the asks.
    async fn look_up(cache: &PortalCache, slug: &str, value: &str, loads: &mut u32) -> String {
        let found = cache
            .slug(slug, || async move {
                *loads += 1;
                Ok::<_, Infallible>(resolved(value))
            })
            .await
            .unwrap();
        name_of(&found)
    }

    #[tokio::test]
    async fn a_remembered_portal_is_served_until_the_generation_changes() {
        let generation = PortalGeneration::default();
        let cache = PortalCache::new(generation.clone());
        let mut loads = 0;
        assert_eq!(look_up(&cache, "acme", "Acme", &mut loads).await, "Acme");
        assert_eq!(look_up(&cache, "acme", "Renamed", &mut loads).await, "Acme");
        assert_eq!(loads, 1, "the second request is served from memory");
        generation.bump();
        assert_eq!(look_up(&cache, "acme", "Renamed", &mut loads).await, "Renamed");
        assert_eq!(loads, 2);
    }

    #[tokio::test]
    async fn what_was_read_before_a_change_is_never_served_after_it() {
        let generation = PortalGeneration::default();
        let cache = PortalCache::new(generation.clone());
        // The database is read, then a change commits (the generation moves on) before the
        // answer is stored: the answer may predate the change, so it is not kept.
        let found = cache
            .slug("acme", || async {
                generation.bump();
                Ok::<_, Infallible>(resolved("Before the change"))
            })
            .await
            .unwrap();
        assert_eq!(name_of(&found), "Before the change", "the request itself gets what it read");
        assert!(cache.is_empty());
        let mut loads = 0;
        assert_eq!(look_up(&cache, "acme", "After the change", &mut loads).await, "After the change");
        assert_eq!(loads, 1);
    }

    #[tokio::test]
    async fn domains_follow_the_same_rule() {
        let generation = PortalGeneration::default();
        let cache = PortalCache::new(generation.clone());
        let read = |slug: &'static str| move || async move { Ok::<_, Infallible>(Some(slug.to_string())) };
        assert_eq!(cache.domain("help.acme.example", read("acme")).await.unwrap().as_deref(), Some("acme"));
        assert_eq!(cache.domain("help.acme.example", read("other")).await.unwrap().as_deref(), Some("acme"));
        generation.bump();
        assert_eq!(cache.domain("help.acme.example", read("other")).await.unwrap().as_deref(), Some("other"));
    }

    #[tokio::test]
    async fn failed_reads_are_not_remembered() {
        let cache = PortalCache::new(PortalGeneration::default());
        let failed = cache.slug("acme", || async { Err::<SlugLookup, _>("database down") }).await;
        assert!(failed.is_err());
        assert!(cache.is_empty());
    }

    #[tokio::test]
    async fn the_cache_never_holds_more_than_its_capacity() {
        let cache = PortalCache::bounded(PortalGeneration::default(), 10, 4);
        let mut loads = 0;
        for n in 0..25 {
            look_up(&cache, &format!("portal-{n}"), "Acme", &mut loads).await;
            assert!(cache.len() <= 10, "{} entries", cache.len());
        }
        assert_eq!(loads, 25);
        assert!(!cache.is_empty());
    }

    #[tokio::test]
    async fn unknown_addresses_cannot_push_out_the_portals_that_exist() {
        let cache = PortalCache::bounded(PortalGeneration::default(), 10, 3);
        let mut loads = 0;
        for n in 0..5 {
            look_up(&cache, &format!("portal-{n}"), "Acme", &mut loads).await;
        }
        for n in 0..100 {
            let found = cache
                .slug(&format!("made-up-{n}"), || async { Ok::<_, Infallible>(SlugLookup::Unknown) })
                .await
                .unwrap();
            assert!(found.is_miss());
            let unknown_domain =
                cache.domain(&format!("made-up-{n}.example"), || async { Ok::<_, Infallible>(None) }).await;
            assert_eq!(unknown_domain, Ok(None));
            assert!(cache.len() <= 5 + 3, "{} entries", cache.len());
        }
        for n in 0..5 {
            look_up(&cache, &format!("portal-{n}"), "Acme", &mut loads).await;
        }
        assert_eq!(loads, 5, "the portals stayed remembered");
    }
}
