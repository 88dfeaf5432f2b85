//! Secrets at rest (IdP client secrets, PKCE verifiers): XChaCha20-Poly1305 under the server key,
//! each sealed value bound to what it belongs to so it cannot be moved to another row.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use uuid::Uuid;

use crate::secret_key::SecretKey;
use portico_domain::invariant::guaranteed;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a sealed secret could not be opened: wrong key, wrong context or damaged data")]
pub struct OpenError;

#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

const VERSION: &str = "v1";

/// What a sealed value belongs to, authenticated with it: a value sealed for one thing never
/// opens as another (another configuration's secret, another portal's id_token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealContext {
    /// An SSO configuration's client secret.
    SsoSecret(Uuid),
    /// The id_token kept with a customer's portal session, for the IdP's logout.
    IdToken(Uuid),
    /// The `state` Portico sends to an identity provider.
    OidcState,
    /// The cookie holding a pending sign-in's nonce, PKCE verifier and return path.
    PendingSignIn,
    /// The cookie holding a passkey ceremony's state between its two steps, for one member.
    PasskeyCeremony(Uuid),
    /// A team member's TOTP secret.
    TotpSecret(Uuid),
    /// The cookie of a console sign-in whose password was right and whose second step is due.
    PendingConsoleSignIn,
}

impl SealContext {
    fn associated_data(self) -> String {
        match self {
            Self::SsoSecret(id) => format!("sso-secret:{id}"),
            Self::IdToken(customer_id) => format!("id-token:{customer_id}"),
            Self::OidcState => "oidc-state".to_string(),
            Self::PendingSignIn => "pending-sign-in".to_string(),
            Self::PasskeyCeremony(member_id) => format!("passkey-ceremony:{member_id}"),
            Self::TotpSecret(member_id) => format!("totp-secret:{member_id}"),
            Self::PendingConsoleSignIn => "pending-console-sign-in".to_string(),
        }
    }
}

impl Sealer {
    pub fn new(key: &SecretKey) -> Self {
        Self { cipher: XChaCha20Poly1305::new(&Key::from(*key.bytes())) }
    }

    /// `v1:` + base64(nonce ‖ ciphertext); `context` is authenticated with it.
    pub fn seal(&self, plaintext: &str, context: SealContext) -> String {
        let nonce = XNonce::generate();
        let aad = context.associated_data();
        let sealed = guaranteed(
            self.cipher.encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: aad.as_bytes() }),
            "XChaCha20-Poly1305 encrypts any text under 256 GiB with a key of the right length",
        );
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{VERSION}:{}", STANDARD.encode(bytes))
    }

    pub fn open(&self, sealed: &str, context: SealContext) -> Result<String, OpenError> {
        let aad = context.associated_data();
        let encoded = sealed.strip_prefix(&format!("{VERSION}:")).ok_or(OpenError)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| OpenError)?;
        if bytes.len() < 24 {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let nonce = XNonce::try_from(nonce).map_err(|_| OpenError)?;
        let plaintext = self
            .cipher
            .decrypt(&nonce, Payload { msg: ciphertext, aad: aad.as_bytes() })
            .map_err(|_| OpenError)?;
        String::from_utf8(plaintext).map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(material: &str) -> Sealer {
        Sealer::new(&SecretKey::from_material(material).unwrap())
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let a = sealer(&"a".repeat(32));
        let (one, two) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = a.seal("client-secret-value", SealContext::SsoSecret(one));
        assert!(!sealed.contains("client-secret-value"));
        assert_eq!(a.open(&sealed, SealContext::SsoSecret(one)).unwrap(), "client-secret-value");
        assert_eq!(a.open(&sealed, SealContext::SsoSecret(two)), Err(OpenError), "moved to another row");
        assert_eq!(a.open(&sealed, SealContext::IdToken(one)), Err(OpenError), "taken for something else");
        assert_eq!(
            sealer(&"b".repeat(32)).open(&sealed, SealContext::SsoSecret(one)),
            Err(OpenError),
            "another key"
        );
        assert_eq!(a.open("v1:AAAA", SealContext::SsoSecret(one)), Err(OpenError));
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let a = sealer(&"a".repeat(32));
        assert_ne!(a.seal("same", SealContext::OidcState), a.seal("same", SealContext::OidcState));
    }
}
