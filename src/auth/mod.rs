//! Credentials: password hashing and random bearer secrets.

pub mod console_sso;
pub mod passkeys;
pub mod password;
pub mod secret;
