//! Credentials: password hashing, bearer secrets (see `portico_domain::secret`), and the console's second step.

pub mod console_sso;
pub mod passkeys;
pub mod password;
pub mod pending;
pub mod recovery;
pub mod totp;
