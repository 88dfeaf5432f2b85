//! What the API and the console both make of a stored portal: its document, and its preview.

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;
use portico_core::paths;
use portico_core::render::landing::{Line, PortalContext};
use portico_core::render::{self, Mode, SAMPLE_USER};
use portico_domain::customer::Customer;
use portico_domain::portal::document::{PortalDocument, PortalSettings};
use portico_domain::portal::stored::StoredPortal;

pub fn document(state: &AppState, portal: &StoredPortal) -> PortalDocument {
    PortalDocument::new(
        &portal.settings,
        state.config.portal_url(&portal.settings),
        portal.logo_id.as_deref().map(paths::logo),
        portal.revision,
        portal.updated_at,
        portal.updated_by.clone(),
    )
}

/// The landing page for `settings`, saved or not, as the live portal renders it.
pub struct Viewer<'a> {
    pub base_path: String,
    pub user_name: &'a str,
    pub csrf: &'a str,
    pub manager: bool,
    pub open_tickets: Vec<Line>,
    pub articles: Vec<Line>,
}

impl Viewer<'static> {
    /// The sample end user of a preview, at the portal's path-mode address, with a sample
    /// ticket and article where the portal has those features.
    pub fn sample(settings: &PortalSettings) -> Self {
        let base_path = paths::portal_base(&settings.slug);
        let open_tickets = if settings.features.ticketing.enabled {
            vec![Line {
                label: "T-000123: The printer on floor 2 is jammed".into(),
                meta: "In progress".into(),
                href: format!("{base_path}/tickets"),
            }]
        } else {
            Vec::new()
        };
        let articles = if settings.features.knowledge_base.enabled {
            vec![Line {
                label: "Reset your password".into(),
                meta: String::new(),
                href: format!("{base_path}/kb"),
            }]
        } else {
            Vec::new()
        };
        Self { base_path, user_name: SAMPLE_USER, csrf: "", manager: false, open_tickets, articles }
    }
}

pub fn landing_html(
    customer: &Customer,
    settings: &PortalSettings,
    logo_id: Option<&str>,
    viewer: &Viewer<'_>,
    mode: Mode,
) -> Result<String, AppError> {
    let context = PortalContext {
        customer_name: &customer.name,
        settings,
        logo_url: logo_id.map(paths::logo),
        base_path: viewer.base_path.clone(),
        user_name: viewer.user_name,
        csrf: viewer.csrf,
        manager: viewer.manager,
        open_tickets: &viewer.open_tickets,
        articles: &viewer.articles,
    };
    render::landing::render(&context, mode).map_err(|e| AppError::Internal(e.into()))
}

/// View Preview: unsaved settings with sample content and the preview banner; never cached,
/// never indexed, frameable only by the console itself.
pub fn preview_response(
    customer: &Customer,
    settings: &PortalSettings,
    logo_id: Option<&str>,
) -> Result<Response, AppError> {
    let html = landing_html(customer, settings, logo_id, &Viewer::sample(settings), Mode::Preview)?;
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'self'; base-uri 'none'",
        ),
    );
    Ok(response)
}
