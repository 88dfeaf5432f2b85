//! The End User Portal of a customer: one document holding everything the setup drawer edits.

pub mod address;
pub mod colour;
pub mod document;
pub mod draft;
pub mod hostname;
pub mod layout;
pub mod stored;
