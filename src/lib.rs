//! Portico: self-service End User Portals for managed service providers.

pub mod app;
pub mod attachments;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod demo_idp;
pub mod domain;
pub mod events;
pub mod jobs;
pub mod logo;
pub mod mail;
pub mod private_files;
pub mod proxies;
pub mod render;
pub mod secret_key;
pub mod sso;
pub mod store;
pub mod telemetry;
pub mod usecases;
pub mod web;
