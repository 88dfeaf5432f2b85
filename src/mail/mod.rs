//! E-mail: notifications out through an outbox, replies and new tickets in.

pub mod compose;
pub mod notifier;
pub mod sender;
pub mod settings;
