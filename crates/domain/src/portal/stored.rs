//! A portal as the store keeps it, and the entries of its history.

use time::OffsetDateTime;
use uuid::Uuid;

use super::document::PortalSettings;

/// A portal as stored: its settings and the facts about its latest revision.
#[derive(Debug, Clone)]
pub struct StoredPortal {
    pub customer_id: Uuid,
    pub settings: PortalSettings,
    pub logo_id: Option<String>,
    pub revision: i64,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

/// One entry of a portal's history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PortalRevision {
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub summary: String,
}
