//! The one integration-test binary: every file in `tests/` would be a separate binary to link,
//! so new test modules are added here rather than as new files in `tests/`.

mod home;
mod html_form;
mod idp;
mod imap;
mod kb;
mod processes;
mod s3;
mod smtp;
mod support;

mod api_auth;
mod api_customers;
mod api_end_users;
mod api_groups;
mod attachments;
mod browser;
mod browser_attachments;
mod browser_drawer;
mod browser_layout;
mod browser_mail;
mod browser_portal;
mod browser_sso;
mod browser_team;
mod browser_tickets;
mod cli;
mod console;
mod crafted_idp;
mod demo;
mod drawer;
mod drawer_refusals;
mod events;
mod fuzz;
mod instances;
mod mail_in;
mod mail_out;
mod ops;
mod portal_config;
mod portal_logo;
mod same_events;
mod security;
mod sso_configs;
mod sso_flow;
mod sso_tokens;
mod team;
mod tickets;
