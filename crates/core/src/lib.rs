//! Portico's core: the use cases every change and every read goes through, the events and their
//! consumers, mail in and out, single sign-on, rendering and attachments.

// Templates shared with the web layer name the core by its crate name, in both crates.
extern crate self as portico_core;

pub mod attachments;
pub mod auth;
pub mod config;
pub mod context;
pub mod crypto;
pub mod events;
pub mod jobs;
pub mod logo;
pub mod mail;
pub mod paths;
pub mod portal_cache;
pub mod private_files;
pub mod proxies;
pub mod read_models;
pub mod render;
pub mod secret_key;
pub mod session_touches;
pub mod sso;
pub mod tls;
pub mod usecases;
pub mod workers;

pub use context::Context;
