//! The middle floor: every operation the console, the portal, the API, the command line and
//! (later) mail perform, one function each. A use case takes the actor and plain inputs, checks
//! permission, applies the domain rules, and writes through the store in one transaction that
//! also records the change's events. Front doors only translate their input into a call and the
//! result into a page, a JSON body or a line of output.

pub mod attachments;
pub mod console_sign_in;
pub mod customers;
pub mod dashboard;
pub mod end_users;
pub mod error;
pub mod groups;
pub mod history;
pub mod import;
pub mod inbound_mail;
pub mod install;
pub mod kb;
pub mod mfa;
pub mod passkeys;
pub mod people;
pub mod portal_address;
pub mod portal_sign_in;
pub mod portals;
pub mod request_types;
pub mod sso;
pub mod team;
pub mod tickets;

pub use error::{UseCaseError, UseCaseResult};
