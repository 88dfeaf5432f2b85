//! Portico: self-service End User Portals for managed service providers.
//!
//! The binary's own modules (the command line, wiring, the demo and backups), and the layers
//! below, named as they are inside the workspace.

pub mod app;
pub mod backup;
pub mod cli;
pub mod demo;

pub use portico_core as core;
pub use portico_core::{
    attachments, auth, config, crypto, events, jobs, logo, mail, paths, private_files, proxies, render,
    secret_key, sso, usecases,
};
pub use portico_domain as domain;
pub use portico_store as store;
pub use portico_web as web;
pub use portico_web::{demo_idp, telemetry};
