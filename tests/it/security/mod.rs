//! What an attack run found (issue 11), each proved closed on both databases where one is
//! involved. Test names carry the item numbers.

mod claims;
mod format_characters;
mod redirects;
mod sign_in_limit;
mod headers_and_metrics;
mod data_files;
mod jwks_and_logs;
mod pending_sign_in;
mod article_rendering;
