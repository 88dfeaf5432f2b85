//! Which portal a request is for, and where its pages and cookies live.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OriginalUri, Path};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::hosts::PortalHost;
use super::message_page as pages;
use crate::state::AppState;

use portico_core::portal_cache::{ResolvedPortal, SlugLookup};
use portico_core::usecases::portal_address;
use portico_domain::customer::Customer;
use portico_domain::portal::stored::StoredPortal;

/// A portal that exists (its customer is not archived), as this request reaches it.
pub struct LivePortal {
    /// The portal as the core resolved it from the address.
    pub resolved: Arc<ResolvedPortal>,
    pub customer: Arc<Customer>,
    pub portal: Arc<StoredPortal>,
    /// Whether an enabled SSO configuration exists.
    pub sign_in_ready: bool,
    /// Prefix of the portal's own links: `/p/{slug}`, or empty on the portal's own host.
    pub base_path: String,
    /// Where the portal's cookies apply.
    pub cookie_path: String,
    /// `https://host` or `{public_url}` origin the browser uses for this portal.
    pub origin: String,
}

impl LivePortal {
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    /// An absolute URL of one of the portal's pages, as this browser reaches it.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.origin, self.link(path))
    }
}

impl FromRequestParts<AppState> for LivePortal {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let params = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| pages::unknown_portal())?;
        let slug = params.get("slug").cloned().unwrap_or_default();
        let host = parts.extensions.get::<PortalHost>().cloned();
        let found =
            portal_address::by_slug(&state.core, &slug).await.map_err(|e| pages::failure(e.into()))?;
        let resolved = match found {
            SlugLookup::Portal(resolved) => resolved,
            // A slug the portal had before: its old address keeps working as a redirect.
            SlugLookup::Moved(current) => return Err(moved(state, parts, host.as_ref(), &slug, &current)),
            SlugLookup::Unknown => return Err(pages::unknown_portal()),
        };
        let ResolvedPortal { portal, customer, sign_in_ready } = &*resolved;
        if customer.archived {
            return Err(pages::unknown_portal());
        }
        let reached = state.config.addressing().reached(
            &portal.settings.slug,
            portal.settings.custom_domain.as_ref(),
            host.as_ref().map(|PortalHost { host }| host.as_str()),
        );
        // Cookies apply where the portal's pages are: the whole host, or under `/p/{slug}`.
        let cookie_path =
            if reached.base_path.is_empty() { "/".to_string() } else { reached.base_path.clone() };
        let (base_path, origin) = (reached.base_path, reached.origin);
        Ok(Self {
            resolved: resolved.clone(),
            customer: customer.clone(),
            portal: portal.clone(),
            sign_in_ready: *sign_in_ready,
            base_path,
            cookie_path,
            origin,
        })
    }
}

/// The answer at an earlier slug of a portal: a permanent redirect to the same page at its
/// current slug.
fn moved(state: &AppState, parts: &Parts, host: Option<&PortalHost>, slug: &str, current: &str) -> Response {
    let original =
        parts.extensions.get::<OriginalUri>().map(|u| u.0.clone()).unwrap_or_else(|| parts.uri.clone());
    let target = match host {
        Some(_) => match &state.config.portal_domain {
            Some(domain) => {
                let scheme = state.config.public_url.scheme();
                format!(
                    "{scheme}://{current}.{domain}{}",
                    original.path_and_query().map(axum::http::uri::PathAndQuery::as_str).unwrap_or("/")
                )
            }
            None => pages::unknown_portal_url(),
        },
        None => {
            let rest = original.path().strip_prefix(&format!("/p/{slug}")).unwrap_or("");
            let query = original.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("/p/{current}{rest}{query}")
        }
    };
    (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, target)]).into_response()
}
