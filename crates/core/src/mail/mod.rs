//! E-mail: notifications out through an outbox, replies and new tickets in.

pub mod authentication_results;
pub mod auto_reply;
pub mod compose;
pub mod inbound;
pub mod mailbox;
pub mod notifier;
pub mod quotes;
pub mod sender;
pub mod settings;
pub mod trust;
