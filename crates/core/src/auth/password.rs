//! Argon2id password hashes (PHC strings). Hashing is CPU-heavy, so callers in async code
//! go through the `*_blocking` helpers, which move it off the request threads.

use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use portico_domain::invariant::guaranteed;
use tokio::sync::Semaphore;

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
static DECOY: LazyLock<String> = LazyLock::new(|| {
    guaranteed(
        hash(&portico_domain::secret::random_token("decoy")),
        "argon2 hashes any password with its defaults",
    )
});

pub fn verify_or_decoy(password: &str, stored: Option<&str>) -> bool {
    match stored {
        Some(stored) => verify(password, stored),
        None => {
            verify(password, &DECOY);
            false
        }
    }
}

/// At most this many hashes run at once (one per core): a burst of sign-ins waits its turn
/// instead of taking every core (and the blocking pool) from the rest of the server.
static HASHING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(hashing_slots())));

fn hashing_slots() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Runs `work` on the blocking pool once one of `gate`'s slots is free. The slot goes with the
/// work, not with the caller: a client that hangs up does not free it while the hash still runs.
async fn gated<T: Send + 'static>(
    gate: &Arc<Semaphore>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let slot = gate.clone().acquire_owned().await.ok()?;
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
    .await
    .ok()
}

pub async fn hash_blocking(password: String) -> Result<String, HashError> {
    gated(&HASHING, move || hash(&password))
        .await
        .unwrap_or_else(|| Err(HashError("the hashing task failed".into())))
}

pub async fn verify_blocking(password: String, stored: Option<String>) -> bool {
    gated(&HASHING, move || verify_or_decoy(&password, stored.as_deref())).await.unwrap_or(false)
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_the_gate_has_slots() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let gate = Arc::new(Semaphore::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    gated(&gate, move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().is_some());
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_malformed_hash_never_verifies() {
        assert!(!verify("anything", "not a phc string"));
        assert!(!verify_or_decoy("anything", None));
    }
}
