//! What an attack run found (issue 11), each proved closed on both databases where one is
//! involved. Test names carry the item numbers.

mod article_rendering;
mod claims;
mod data_files;
mod format_characters;
mod headers_and_metrics;
mod jwks_and_logs;
mod microsoft_tenants;
mod pending_sign_in;
mod redirects;
mod sign_in_limit;
