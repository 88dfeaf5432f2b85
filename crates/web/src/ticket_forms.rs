//! The forms a ticket's page posts alike in the console and the portal; both hand them to the same
//! use case (sharing: `tickets::add_follower_by_email`).

use serde::Deserialize;

/// Shares a ticket with a colleague of the requester, by e-mail address.
#[derive(Debug, Default, Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    pub email: String,
}
