//! Which portal an address names: the reads behind every portal page, answered from the
//! instance's cache while nothing that resolves a portal has changed. Anyone may ask: an
//! address is public, and what it resolves to is only what the portal shows its visitors.

use std::sync::Arc;

use super::UseCaseResult;
use crate::context::Context;
use crate::portal_cache::{ResolvedPortal, SlugLookup};
use portico_store::{Store, StoreResult};

/// What `slug` names: a portal, an earlier slug of one (to redirect), or nothing.
pub async fn by_slug(cx: &Context, slug: &str) -> UseCaseResult<SlugLookup> {
    let store = cx.store();
    Ok(cx.portals().slug(slug, || resolve(store, slug)).await?)
}

/// The slug of the portal served on its own `host` (a custom domain), if any.
pub async fn slug_for_host(cx: &Context, host: &str) -> UseCaseResult<Option<String>> {
    let store = cx.store();
    Ok(cx.portals().domain(host, || store.slug_for_domain(host)).await?)
}

/// What `slug` names, read from the database (the cache remembers it).
async fn resolve(store: &Store, slug: &str) -> StoreResult<SlugLookup> {
    let Some(portal) = store.portal_by_slug(slug).await? else {
        return Ok(match store.slug_replacing(slug).await? {
            Some(current) => SlugLookup::Moved(current),
            None => SlugLookup::Unknown,
        });
    };
    let customer = store.customer(portal.customer_id).await?;
    let sign_in_ready = store.has_enabled_sso(customer.id).await?;
    Ok(SlugLookup::Portal(Arc::new(ResolvedPortal {
        portal: Arc::new(portal),
        customer: Arc::new(customer),
        sign_in_ready,
    })))
}
