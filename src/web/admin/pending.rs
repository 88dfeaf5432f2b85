//! A console sign-in between its two steps: the password was right, the second step is due. It
//! lives only in a sealed cookie scoped to the sign-in pages, for five minutes; it is not a
//! session and opens nothing in the console.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::crypto::{SealContext, Sealer};

pub const PENDING_COOKIE: &str = "portico_console_pending";

/// How long the second step may take.
pub const PENDING_FOR: Duration = Duration::minutes(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub member_id: Uuid,
    /// Unix milliseconds after which the cookie is worthless.
    pub expires_at: i64,
    /// Where to go once signed in (already checked to be a console path).
    pub next: String,
}

fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

impl PendingSignIn {
    pub fn new(member_id: Uuid, next: String, now: OffsetDateTime) -> Self {
        Self { member_id, expires_at: unix_ms(now + PENDING_FOR), next }
    }

    pub fn seal(&self, sealer: &Sealer) -> String {
        // A struct of a UUID, a number and a string always serialises.
        let json = serde_json::to_string(self).unwrap_or_default();
        sealer.seal(&json, SealContext::PendingConsoleSignIn)
    }

    /// The pending sign-in a cookie holds, if it was sealed here and has not expired.
    pub fn open(sealer: &Sealer, sealed: &str, now: OffsetDateTime) -> Option<Self> {
        let json = sealer.open(sealed, SealContext::PendingConsoleSignIn).ok()?;
        let pending: Self = serde_json::from_str(&json).ok()?;
        (pending.expires_at > unix_ms(now)).then_some(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret_key::SecretKey;

    fn sealer(material: &str) -> Sealer {
        Sealer::new(&SecretKey::from_material(material).unwrap())
    }

    #[test]
    fn a_pending_sign_in_opens_for_five_minutes_only() {
        let sealer = sealer(&"k".repeat(32));
        let now = OffsetDateTime::now_utc();
        let pending = PendingSignIn::new(Uuid::now_v7(), "/admin".into(), now);
        let sealed = pending.seal(&sealer);
        assert_eq!(PendingSignIn::open(&sealer, &sealed, now + Duration::minutes(4)), Some(pending));
        assert_eq!(PendingSignIn::open(&sealer, &sealed, now + Duration::minutes(5)), None);
    }

    #[test]
    fn a_pending_sign_in_cannot_be_forged_or_taken_from_another_sealed_value() {
        let key = sealer(&"k".repeat(32));
        let now = OffsetDateTime::now_utc();
        let sealed = PendingSignIn::new(Uuid::now_v7(), "/admin".into(), now).seal(&key);
        assert_eq!(PendingSignIn::open(&sealer(&"x".repeat(32)), &sealed, now), None, "another key");
        let json = serde_json::to_string(&PendingSignIn::new(Uuid::now_v7(), "/admin".into(), now)).unwrap();
        let other_context = key.seal(&json, SealContext::PendingSignIn);
        assert_eq!(PendingSignIn::open(&key, &other_context, now), None, "sealed for something else");
        assert_eq!(PendingSignIn::open(&key, &json, now), None, "not sealed at all");
    }
}
