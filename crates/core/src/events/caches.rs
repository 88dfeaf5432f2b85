//! Forgetting what this instance cached when an event says it changed. Runs in every instance:
//! a change made through any of them reaches all of them through the event log.

use std::sync::Arc;

use serde_json::Value;

use crate::sso::provider::ProviderCache;
use portico_domain::event::{Event, EventKind};
use portico_store::{PortalGeneration, ReadGenerations};

use super::{Consumer, Delivery, Scope};

pub struct Caches {
    providers: Arc<ProviderCache>,
    /// Bumped to forget resolved portals.
    portals: PortalGeneration,
    /// Bumped to forget what portal pages read (`read_models`).
    reads: ReadGenerations,
}

impl Caches {
    pub fn new(providers: Arc<ProviderCache>, portals: PortalGeneration, reads: ReadGenerations) -> Self {
        Self { providers, portals, reads }
    }
}

impl Consumer for Caches {
    fn name(&self) -> &'static str {
        "caches"
    }

    fn scope(&self) -> Scope {
        Scope::EachInstance
    }

    fn deliver<'a>(&'a self, event: &'a Event) -> Delivery<'a> {
        Box::pin(async move {
            // A kind this version does not know (a newer instance's) may change portals too.
            if event.event_kind().is_none_or(EventKind::may_change_portals) {
                self.portals.bump();
            }
            self.reads.bump_for(event.event_kind(), event.customer_id);
            if event.event_kind() == Some(EventKind::SsoConfigChanged) {
                let urls = event.payload.get("discovery_urls").and_then(Value::as_array);
                for url in urls.into_iter().flatten().filter_map(Value::as_str) {
                    self.providers.forget(url);
                }
            }
            Ok(())
        })
    }

    /// What was read before the start may predate an event skipped by starting at the newest
    /// one.
    fn started(&self) {
        self.portals.bump();
        self.reads.bump_everything();
    }
}
