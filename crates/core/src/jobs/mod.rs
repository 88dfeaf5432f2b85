//! Work Portico does on its own, beside requests: each job drives the use cases and the store
//! from outside, as a request handler would, so no layer below has to reach up to it.

pub mod article_html;
pub mod imap;
