//! The audit log, written from events: one place instead of a block beside every change.

use portico_domain::event::Event;
use portico_store::Store;
use portico_store::events::StartFrom;

use super::{Consumer, Delivery, Scope};

pub struct AuditLog {
    store: Store,
}

impl AuditLog {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Consumer for AuditLog {
    fn name(&self) -> &'static str {
        "audit_log"
    }

    fn scope(&self) -> Scope {
        Scope::Shared(StartFrom::Beginning)
    }

    fn deliver<'a>(&'a self, event: &'a Event) -> Delivery<'a> {
        Box::pin(async move {
            let Some(kind) = event.event_kind() else {
                // Written by a newer version of Portico: the audit log of that version keeps it.
                return Ok(());
            };
            let Some(action) = kind.audit_action(event.change()) else { return Ok(()) };
            if !self.store.write_audit_entry(event, action).await? {
                metrics::counter!("portico_event_repeats_total", "consumer" => "audit_log").increment(1);
            }
            Ok(())
        })
    }
}
