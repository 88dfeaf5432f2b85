//! The one integration-test binary: every file in `tests/` would be a separate binary to link,
//! so new test modules are added here rather than as new files in `tests/`.

// Tests may unwrap, expect and panic: a failing test should stop at the line that failed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod home;
mod html_form;
mod idp;
mod imap;
mod kb;
mod mfa;
mod processes;
mod s3;
mod smtp;
mod support;
mod test_ca;

mod api_auth;
mod api_customers;
mod api_end_users;
mod api_groups;
mod attachments;
mod browser;
mod browser_attachments;
mod browser_demo;
mod browser_drawer;
mod browser_import;
mod browser_layout;
mod browser_mail;
mod browser_mfa;
mod browser_organisations;
mod browser_passkeys;
mod browser_portal;
mod browser_request_types;
mod browser_sso;
mod browser_sso_form;
mod browser_team;
mod browser_tickets;
mod cli;
mod console;
mod console_request_types;
mod console_sso;
mod crafted_idp;
mod demo;
mod drawer;
mod drawer_refusals;
mod events;
mod flash;
mod fuzz;
mod import;
mod instances;
mod mail_in;
mod mail_out;
mod ops;
mod organisations;
mod passkeys;
mod portal_cache;
mod portal_config;
mod portal_logo;
mod read_models;
mod request_types;
mod same_events;
mod security;
mod sso_configs;
mod sso_flow;
mod sso_roles;
mod sso_tokens;
mod store_writes;
mod team;
mod tickets;
