//! Credentials: password hashing and random bearer secrets.

pub mod password;
pub mod secret;
