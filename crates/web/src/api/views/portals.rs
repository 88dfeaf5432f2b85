//! The portal document and its history on the wire. What callers send is in [`super::portal_draft`].

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

use portico_domain::portal::document::{Features, PortalDocument};
use portico_domain::portal::layout::Layout;
use portico_domain::portal::stored::PortalRevision;

/// The portal as the API returns it: the settings plus read-only facts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PortalDocument)]
pub struct PortalDocumentView {
    pub active: bool,
    pub slug: String,
    pub custom_domain: Option<String>,
    /// Where end users reach the portal (read-only; follows the slug or custom domain).
    pub url: String,
    #[schema(value_type = Object)]
    pub design: Value,
    // Features and layout go out as the domain serialises them: the document names them only
    // as objects, and `PortalDraft` describes their fields.
    #[schema(value_type = Object)]
    pub features: Features,
    #[schema(value_type = Object)]
    pub layout: Layout,
    /// The revision this document is; send it back in `If-Match` to save over it.
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    /// Set when the chosen colours are hard to tell apart (< 3:1); text stays readable anyway.
    pub contrast_warning: Option<String>,
}

impl From<PortalDocument> for PortalDocumentView {
    fn from(document: PortalDocument) -> Self {
        let PortalDocument {
            active,
            slug,
            custom_domain,
            url,
            design,
            features,
            layout,
            revision,
            updated_at,
            updated_by,
            contrast_warning,
        } = document;
        Self {
            active,
            slug,
            custom_domain,
            url,
            design,
            features,
            layout,
            revision,
            updated_at,
            updated_by,
            contrast_warning,
        }
    }
}

/// One entry of a portal's history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PortalRevision)]
pub struct PortalRevisionView {
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub summary: String,
}

impl From<PortalRevision> for PortalRevisionView {
    fn from(revision: PortalRevision) -> Self {
        let PortalRevision { revision, at, actor, summary } = revision;
        Self { revision, at, actor, summary }
    }
}
