//! Random bearer secrets (session cookies, API tokens, CSRF tokens) and their stored hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// 256 random bits, URL-safe, with a short prefix saying what the secret is for.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The token in a ticket's reply address (`support+t-TOKEN@…`): 120 random bits in lower-case
/// base32, since mail systems may fold the case of an address's local part.
pub fn reply_token() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = [0u8; 24];
    rand::fill(&mut bytes);
    bytes.iter().map(|byte| ALPHABET[usize::from(byte % 32)] as char).collect()
}

/// A reference a person can read out or type: eight characters in two groups (`7KQM-X4TP`),
/// from an alphabet without look-alikes (no 0/O, 1/I/L). Not a secret: it ties what a person
/// was shown to the log line and the console entry with the detail.
pub fn reference() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 8];
    rand::fill(&mut bytes);
    let pick = |byte: &u8| ALPHABET[usize::from(*byte) % ALPHABET.len()] as char;
    let (first, second) = bytes.split_at(4);
    format!("{}-{}", first.iter().map(pick).collect::<String>(), second.iter().map(pick).collect::<String>())
}

/// A password to hand to a person once: 120 random bits in 20 URL-safe characters.
pub fn generate_password() -> String {
    let mut bytes = [0u8; 15];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a bearer secret: its SHA-256, in hex. A leaked table grants
/// nothing, and the secrets carry 256 bits, so no slow hash is needed. Its own type, so a
/// secret can never be stored or looked up where its hash belongs.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A hash read back from storage.
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenHash({}…)", &self.0[..self.0.len().min(8)])
    }
}

pub fn hash_token(token: &str) -> TokenHash {
    let digest = Sha256::digest(token.as_bytes());
    TokenHash(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_and_unique() {
        let a = random_token("pt");
        let b = random_token("pt");
        assert!(a.starts_with("pt_"));
        assert_eq!(a.len(), 3 + 43);
        assert_ne!(a, b);
    }

    #[test]
    fn hashes_are_stable_hex() {
        assert_eq!(
            hash_token("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn secret_comparison_needs_equal_strings() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
