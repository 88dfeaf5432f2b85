//! Argon2id password hashes (PHC strings). Hashing is CPU-heavy, so callers in async code
//! go through the `*_blocking` helpers, which move it off the request threads.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// True when `password` matches the stored PHC string; a malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A real hash of nothing anyone knows: verifying against it when an e-mail is unknown makes
/// "no such user" take as long as "wrong password", so timing does not reveal accounts.
static DECOY: LazyLock<String> =
    LazyLock::new(|| hash(&crate::auth::secret::random_token("decoy")).expect("hashing a decoy works"));

pub fn verify_or_decoy(password: &str, stored: Option<&str>) -> bool {
    match stored {
        Some(stored) => verify(password, stored),
        None => {
            verify(password, &DECOY);
            false
        }
    }
}

pub async fn hash_blocking(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash(&password)).await.map_err(|e| HashError(e.to_string()))?
}

pub async fn verify_blocking(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify_or_decoy(&password, stored.as_deref())).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterY", &stored));
    }

    #[test]
    fn a_malformed_hash_never_verifies() {
        assert!(!verify("anything", "not a phc string"));
        assert!(!verify_or_decoy("anything", None));
    }
}
