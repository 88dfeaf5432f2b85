//! The generation of what resolves a portal (its settings and address, its customer, whether it
//! can take sign-ins): a counter bumped whenever any of that may have changed, so that what was
//! read under an older generation is known to be stale.
//!
//! It is bumped right after a local commit that changed portals ([`super::Tx::commit`]), and
//! when such an event of another instance arrives (`events::caches`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Shared by the store, which bumps it, and the caches that check it; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct PortalGeneration(Arc<AtomicU64>);

impl PortalGeneration {
    /// The generation now: read it before reading the database, and keep what was read only
    /// while it stays the same.
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Makes everything read so far stale.
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
