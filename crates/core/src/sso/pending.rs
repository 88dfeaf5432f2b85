//! A sign-in between the redirect to the IdP and its answer, kept by the browser rather than
//! the database: starting a sign-in is anonymous, so it must not write anything.
//!
//! Two sealed values (XChaCha20-Poly1305 under the server key) carry it: the `state` sent
//! through the IdP, which says which portal and configuration it is for and until when, and a
//! cookie with what only this browser may present (nonce, PKCE verifier, where to return), bound
//! to that state. A state is spent the first time it comes back (see `spent_states`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::crypto::{SealContext, Sealer};
use portico_domain::invariant::guaranteed;
use portico_domain::secret::{hash_token, random_token, same_secret};

const STATE_CONTEXT: SealContext = SealContext::OidcState;
const COOKIE_CONTEXT: SealContext = SealContext::PendingSignIn;

/// What the `state` parameter says, readable only by Portico.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInState {
    pub customer_id: Uuid,
    pub sso_config_id: Uuid,
    /// Unix seconds.
    pub expires_at: i64,
    /// Makes every state unique.
    random: String,
}

impl SignInState {
    pub fn new(customer_id: Uuid, sso_config_id: Uuid, expires_at: OffsetDateTime) -> Self {
        Self {
            customer_id,
            sso_config_id,
            expires_at: expires_at.unix_timestamp(),
            random: random_token("st"),
        }
    }

    /// URL-safe, so that no IdP or hand-built callback URL can mangle it (`+` read as a space).
    pub fn seal(&self, sealer: &Sealer) -> String {
        let json = guaranteed(serde_json::to_string(self), "a struct of ids and a number serialises");
        let sealed = sealer.seal(&json, STATE_CONTEXT);
        sealed.replace('+', "-").replace('/', "_").trim_end_matches('=').to_string()
    }

    /// `None` for anything Portico did not seal.
    pub fn open(sealer: &Sealer, sealed: &str) -> Option<Self> {
        let mut standard = sealed.replace('-', "+").replace('_', "/");
        let encoded = standard.split_once(':').map_or(0, |(_, encoded)| encoded.len());
        standard.push_str(&"=".repeat((4 - encoded % 4) % 4));
        serde_json::from_str(&sealer.open(&standard, STATE_CONTEXT).ok()?).ok()
    }

    pub fn expired(&self) -> bool {
        self.expires_at < OffsetDateTime::now_utc().unix_timestamp()
    }

    pub fn expires_at(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.expires_at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// The browser's half of a pending sign-in: the cookie's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    /// Hash of the sealed state this belongs to.
    state_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub redirect_uri: String,
    pub return_to: String,
}

impl PendingSignIn {
    pub fn new(
        sealed_state: &str,
        nonce: String,
        pkce_verifier: String,
        redirect_uri: String,
        return_to: String,
    ) -> Self {
        Self {
            state_hash: hash_token(sealed_state).as_str().to_string(),
            nonce,
            pkce_verifier,
            redirect_uri,
            return_to,
        }
    }

    pub fn seal(&self, sealer: &Sealer) -> String {
        let json = guaranteed(serde_json::to_string(self), "a struct of strings serialises");
        sealer.seal(&json, COOKIE_CONTEXT)
    }

    /// The cookie's sign-in when it is Portico's and belongs to `sealed_state`.
    pub fn open_for(sealer: &Sealer, cookie: &str, sealed_state: &str) -> Option<Self> {
        let pending: Self = serde_json::from_str(&sealer.open(cookie, COOKIE_CONTEXT).ok()?).ok()?;
        same_secret(&pending.state_hash, hash_token(sealed_state).as_str()).then_some(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret_key::SecretKey;

    fn sealer() -> Sealer {
        Sealer::new(&SecretKey::from_material(&"k".repeat(32)).unwrap())
    }

    #[test]
    fn a_state_opens_only_when_sealed_here_and_a_cookie_only_with_its_state() {
        let sealer = sealer();
        let state = SignInState::new(Uuid::now_v7(), Uuid::now_v7(), OffsetDateTime::now_utc());
        let sealed = state.seal(&sealer);
        assert!(sealed.chars().all(|c| c.is_ascii_alphanumeric() || "-_:".contains(c)), "{sealed}");
        assert_eq!(SignInState::open(&sealer, &sealed), Some(state.clone()));
        assert_eq!(SignInState::open(&sealer, "made-up"), None);
        let other_key = Sealer::new(&SecretKey::from_material(&"o".repeat(32)).unwrap());
        assert_eq!(SignInState::open(&other_key, &sealed), None);

        let cookie =
            PendingSignIn::new(&sealed, "n".into(), "v".into(), "r".into(), "/".into()).seal(&sealer);
        assert!(!cookie.contains("\"v\""), "sealed, not readable");
        assert!(PendingSignIn::open_for(&sealer, &cookie, &sealed).is_some());
        let another =
            SignInState::new(state.customer_id, state.sso_config_id, OffsetDateTime::now_utc()).seal(&sealer);
        assert!(PendingSignIn::open_for(&sealer, &cookie, &another).is_none(), "bound to its state");
        assert!(SignInState::open(&sealer, &cookie).is_none(), "a cookie is not a state");
    }
}
