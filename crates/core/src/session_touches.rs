//! Portal sessions' last use, noted in memory and written a batch at a time: a page never waits
//! for a write, and however many sessions are in use, sliding their idle windows costs one
//! commit (one disk flush on SQLite) per interval, not one per session.
//!
//! A session kept in memory counts its idle window from a use only once that use is written, so
//! this instance never holds a session alive that the database (and its sweep of idle sessions)
//! holds idle. A failed write is not retried as such: the next use of the session notes it anew.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use portico_domain::secret::TokenHash;
use portico_store::Store;
use portico_store::sessions::TOUCH_EVERY_MS;

use crate::read_models::KeptSession;

/// Uses noted since the last write, by session.
#[derive(Default)]
pub struct SessionTouches {
    pending: Mutex<HashMap<TokenHash, Touch>>,
}

struct Touch {
    used_at_ms: i64,
    kept: Arc<KeptSession>,
}

impl SessionTouches {
    /// Notes that the session was used at `now_ms`, when its last written use is over a minute
    /// old and no write of it is under way.
    pub(crate) fn note(&self, token_hash: &TokenHash, kept: &Arc<KeptSession>, now_ms: i64) {
        let due = now_ms - kept.last_seen_at_ms.load(Ordering::SeqCst) > TOUCH_EVERY_MS;
        if !due || kept.touching.swap(true, Ordering::SeqCst) {
            return;
        }
        self.lock().insert(token_hash.clone(), Touch { used_at_ms: now_ms, kept: kept.clone() });
    }

    /// Writes every use noted so far in one transaction; answers how many sessions.
    pub async fn write(&self, store: &Store) -> usize {
        let taken: Vec<(TokenHash, Touch)> = std::mem::take(&mut *self.lock()).into_iter().collect();
        if taken.is_empty() {
            return 0;
        }
        let rows: Vec<(TokenHash, i64)> =
            taken.iter().map(|(hash, touch)| (hash.clone(), touch.used_at_ms)).collect();
        let written = store.touch_portal_sessions(&rows).await;
        if let Err(error) = &written {
            tracing::warn!(%error, sessions = taken.len(), "could not note portal sessions' last use");
        }
        for (_, touch) in &taken {
            if written.is_ok() {
                touch.kept.last_seen_at_ms.fetch_max(touch.used_at_ms, Ordering::SeqCst);
            }
            touch.kept.touching.store(false, Ordering::SeqCst);
        }
        taken.len()
    }

    /// Uses noted and not yet written.
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<TokenHash, Touch>> {
        // A panic while holding the lock cannot leave the map half-changed: keep noting.
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
