//! A console sign-in between its two steps: the password was right, the second step is due. It
//! lives only in a sealed cookie scoped to the sign-in pages, for five minutes; it is not a
//! session and opens nothing in the console.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::crypto::{SealContext, Sealer};

/// How long the second step may take.
pub const PENDING_FOR: Duration = Duration::minutes(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub member_id: Uuid,
    /// Unix milliseconds after which the cookie is worthless.
    pub expires_at: i64,
    /// Where to go once signed in (already checked to be a console path).
    pub next: String,
    /// Which password was right ([`password_fingerprint`]): a password changed or reset in
    /// between voids the sign-in half done.
    pub password: String,
    /// Makes the pending sign-in single-use: spent when the second step succeeds, so a copy of
    /// the cookie opens no second session.
    #[serde(default)]
    pub once: String,
}

/// A short digest of a member's password hash: enough to notice a change, useless to attack.
pub fn password_fingerprint(password_hash: &str) -> String {
    let digest = portico_domain::secret::hash_token(&format!("pending-sign-in:{password_hash}"));
    digest.as_str().chars().take(16).collect()
}

fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

impl PendingSignIn {
    pub fn new(member_id: Uuid, password_hash: &str, next: String, now: OffsetDateTime) -> Self {
        let password = password_fingerprint(password_hash);
        let once = portico_domain::secret::random_token("pending");
        Self { member_id, expires_at: unix_ms(now + PENDING_FOR), next, password, once }
    }

    /// Spends this pending sign-in; `false` when it was spent before (a copied cookie).
    pub(crate) async fn spend(&self, store: &portico_store::Store) -> portico_store::StoreResult<bool> {
        let expires = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.expires_at) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        store.spend_login_state(&portico_domain::secret::hash_token(&self.once), expires).await
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
        let pending = PendingSignIn::new(Uuid::now_v7(), "$argon2id$hash", "/admin".into(), now);
        let sealed = pending.seal(&sealer);
        assert_eq!(PendingSignIn::open(&sealer, &sealed, now + Duration::minutes(4)), Some(pending));
        assert_eq!(PendingSignIn::open(&sealer, &sealed, now + Duration::minutes(5)), None);
    }

    #[test]
    fn the_fingerprint_tells_passwords_apart_and_does_not_show_the_hash() {
        let (a, b) = (password_fingerprint("$argon2id$one"), password_fingerprint("$argon2id$two"));
        assert_ne!(a, b);
        assert_eq!(a, password_fingerprint("$argon2id$one"));
        assert_eq!(a.len(), 16);
        assert!(!a.contains("argon2"));
    }

    #[test]
    fn a_pending_sign_in_cannot_be_forged_or_taken_from_another_sealed_value() {
        let key = sealer(&"k".repeat(32));
        let now = OffsetDateTime::now_utc();
        let sealed = PendingSignIn::new(Uuid::now_v7(), "$argon2id$hash", "/admin".into(), now).seal(&key);
        assert_eq!(PendingSignIn::open(&sealer(&"x".repeat(32)), &sealed, now), None, "another key");
        let json = serde_json::to_string(&PendingSignIn::new(
            Uuid::now_v7(),
            "$argon2id$hash",
            "/admin".into(),
            now,
        ))
        .unwrap();
        let other_context = key.seal(&json, SealContext::PendingSignIn);
        assert_eq!(PendingSignIn::open(&key, &other_context, now), None, "sealed for something else");
        assert_eq!(PendingSignIn::open(&key, &json, now), None, "not sealed at all");
    }
}
