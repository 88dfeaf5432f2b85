//! The generations of what portal pages read from memory (sessions, ticket lists, article lists,
//! request types): per [`ReadArea`], a counter for everything and one per customer, bumped
//! whenever something of that area may have changed, so that what was read under an older
//! generation is known to be stale.
//!
//! Customers share a fixed number of counters (a customer's is picked by its id): the memory
//! stays bounded however many customers there are, and a change for one customer makes the
//! others that share its counter read anew once — a miss, never a stale page.
//!
//! Bumped like [`super::PortalGeneration`]: right after a local commit that recorded such an
//! event ([`super::Tx::commit`]), and when such an event of another instance arrives.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use portico_domain::event::{EventKind, ReadArea};
use uuid::Uuid;

/// Counters per area shared by customers; a power of two.
const SHARED_COUNTERS: usize = 1024;

/// Shared by the store, which bumps it, and the read models that check it; cheap to clone.
#[derive(Debug, Clone)]
pub struct ReadGenerations(Arc<[AreaCounters; ReadArea::ALL.len()]>);

#[derive(Debug)]
struct AreaCounters {
    everything: AtomicU64,
    customers: Box<[AtomicU64]>,
}

impl Default for AreaCounters {
    fn default() -> Self {
        Self {
            everything: AtomicU64::new(0),
            customers: (0..SHARED_COUNTERS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

/// The generation something of one area and one customer was read under: read it before
/// reading the database, and keep what was read only while it stays current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    area: ReadArea,
    counter: usize,
    everything: u64,
    customer: u64,
}

impl Default for ReadGenerations {
    fn default() -> Self {
        Self(Arc::new(std::array::from_fn(|_| AreaCounters::default())))
    }
}

impl ReadGenerations {
    /// The generation of `area` for `customer_id` now.
    pub fn stamp(&self, area: ReadArea, customer_id: Uuid) -> Stamp {
        let counters = &self.0[area.index()];
        let counter = counter_of(customer_id);
        Stamp {
            area,
            counter,
            everything: counters.everything.load(Ordering::SeqCst),
            customer: counters.customers[counter].load(Ordering::SeqCst),
        }
    }

    /// Whether nothing of the stamp's area and customer changed since it was taken.
    pub fn is_current(&self, stamp: &Stamp) -> bool {
        let counters = &self.0[stamp.area.index()];
        counters.everything.load(Ordering::SeqCst) == stamp.everything
            && counters.customers[stamp.counter].load(Ordering::SeqCst) == stamp.customer
    }

    /// Makes what was read of `area` stale: for one customer, or for all with `None`.
    pub fn bump(&self, area: ReadArea, customer_id: Option<Uuid>) {
        let counters = &self.0[area.index()];
        match customer_id {
            Some(id) => counters.customers[counter_of(id)].fetch_add(1, Ordering::SeqCst),
            None => counters.everything.fetch_add(1, Ordering::SeqCst),
        };
    }

    /// Makes stale what an event of `kind` may change; a kind this version does not know (a
    /// newer instance's) may change anything.
    pub fn bump_for(&self, kind: Option<EventKind>, customer_id: Option<Uuid>) {
        match kind {
            Some(kind) => kind.read_areas().iter().for_each(|area| self.bump(*area, customer_id)),
            None => self.bump_everything(),
        }
    }

    /// Makes everything read so far stale.
    pub fn bump_everything(&self) {
        ReadArea::ALL.iter().for_each(|area| self.bump(*area, None));
    }
}

fn counter_of(customer_id: Uuid) -> usize {
    // A v4 id's low bits are random; the last byte's 8 and one more bit of the one before.
    let bytes = customer_id.as_bytes();
    (usize::from(bytes[15]) | usize::from(bytes[14]) << 8) & (SHARED_COUNTERS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_for_one_customer_leaves_the_others_current() {
        let generations = ReadGenerations::default();
        let (one, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let (one_tickets, other_tickets) =
            (generations.stamp(ReadArea::Tickets, one), generations.stamp(ReadArea::Tickets, other));
        let one_articles = generations.stamp(ReadArea::Articles, one);
        generations.bump(ReadArea::Tickets, Some(one));
        assert!(!generations.is_current(&one_tickets));
        assert!(generations.is_current(&other_tickets), "another customer's counter");
        assert!(generations.is_current(&one_articles), "another area");
        generations.bump(ReadArea::Articles, None);
        assert!(!generations.is_current(&one_articles), "a change for everyone");
    }

    #[test]
    fn an_event_bumps_its_areas_and_an_unknown_kind_bumps_all() {
        let generations = ReadGenerations::default();
        let customer = Uuid::from_u128(7);
        let stamps = ReadArea::ALL.map(|area| generations.stamp(area, customer));
        generations.bump_for(Some(EventKind::TicketReplied), Some(customer));
        let current = stamps.map(|stamp| generations.is_current(&stamp));
        assert_eq!(current, [true, false, true, true]);
        let stamps = ReadArea::ALL.map(|area| generations.stamp(area, customer));
        generations.bump_for(None, None);
        assert!(stamps.iter().all(|stamp| !generations.is_current(stamp)));
    }
}
