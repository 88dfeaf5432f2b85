//! Secrets at rest (IdP client secrets, PKCE verifiers): XChaCha20-Poly1305 under the server key,
//! each sealed value bound to what it belongs to so it cannot be moved to another row.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use crate::secret_key::SecretKey;

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

impl Sealer {
    pub fn new(key: &SecretKey) -> Self {
        Self { cipher: XChaCha20Poly1305::new(&Key::from(*key.bytes())) }
    }

    /// `v1:` + base64(nonce ‖ ciphertext); `context` (e.g. `sso-secret:{id}`) is authenticated.
    pub fn seal(&self, plaintext: &str, context: &str) -> String {
        let nonce = XNonce::generate();
        let sealed = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() })
            .expect("encryption with a valid key cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{VERSION}:{}", STANDARD.encode(bytes))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<String, OpenError> {
        let encoded = sealed.strip_prefix(&format!("{VERSION}:")).ok_or(OpenError)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| OpenError)?;
        if bytes.len() < 24 {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let nonce = XNonce::try_from(nonce).map_err(|_| OpenError)?;
        let plaintext = self
            .cipher
            .decrypt(&nonce, Payload { msg: ciphertext, aad: context.as_bytes() })
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
        let sealed = a.seal("client-secret-value", "sso-secret:1");
        assert!(!sealed.contains("client-secret-value"));
        assert_eq!(a.open(&sealed, "sso-secret:1").unwrap(), "client-secret-value");
        assert_eq!(a.open(&sealed, "sso-secret:2"), Err(OpenError), "moved to another row");
        assert_eq!(sealer(&"b".repeat(32)).open(&sealed, "sso-secret:1"), Err(OpenError), "another key");
        assert_eq!(a.open("v1:AAAA", "sso-secret:1"), Err(OpenError));
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let a = sealer(&"a".repeat(32));
        assert_ne!(a.seal("same", "c"), a.seal("same", "c"));
    }
}
