//! The counts on the console's home page.

use uuid::Uuid;

/// A count of open tickets under one name (a group, a customer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub id: Uuid,
    pub name: String,
    pub open: i64,
}

/// A ticket waiting longest since its last change.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub id: Uuid,
    pub number: i64,
    pub short_description: String,
    pub customer: String,
    pub updated_at: time::OffsetDateTime,
}
