//! Credentials: password hashing, random bearer secrets, and the console's second step.

pub mod console_sso;
pub mod passkeys;
pub mod password;
pub mod recovery;
pub mod secret;
pub mod totp;
