//! Pure domain types and their validation: no I/O, no HTTP, no SQL.

pub mod actor;
pub mod attachment;
pub mod console_sign_in;
pub mod customer;
pub mod email;
pub mod end_user;
pub mod event;
pub mod group;
pub mod import;
pub mod kb;
pub mod mfa;
pub mod notification;
pub mod page;
pub mod patch;
pub mod portal;
pub mod request_type;
pub mod slug;
pub mod sso;
pub mod team;
pub mod text;
pub mod ticket;
pub mod timeline;
pub mod validation;
