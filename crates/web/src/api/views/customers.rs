//! Customers on the wire.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use portico_domain::customer::{Customer, CustomerDraft};
use portico_domain::patch::nullable;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Customer)]
pub struct CustomerView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    #[schema(format = "email")]
    pub contact_email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub notes: String,
    /// The domains of the customer's own people's addresses; customer managers invite only
    /// there. Empty: the allowed e-mail domains of the portal's SSO configurations apply.
    pub email_domains: Vec<String>,
    pub archived: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub archived_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<Customer> for CustomerView {
    fn from(customer: Customer) -> Self {
        let Customer {
            id,
            name,
            slug,
            contact_email,
            phone,
            website,
            notes,
            email_domains,
            archived,
            archived_at,
            created_at,
            updated_at,
        } = customer;
        Self {
            id,
            name,
            slug: slug.to_string(),
            contact_email: contact_email.map(|email| email.to_string()),
            phone,
            website,
            notes,
            email_domains,
            archived,
            archived_at,
            created_at,
            updated_at,
        }
    }
}

/// A customer as a caller sends it. On create `name` is required and an absent `slug` is made
/// from the name; on update every absent field stays as it is and `null` clears optional ones.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "CustomerDraft", deny_unknown_fields)]
#[schema(as = CustomerDraft)]
pub struct CustomerDraftBody {
    pub name: Option<String>,
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
    pub notes: Option<String>,
    /// The domains managers may invite colleagues at, e.g. `["acme.example"]`.
    pub email_domains: Option<Vec<String>>,
    /// Update only: `true` archives, `false` restores.
    pub archived: Option<bool>,
}

impl From<CustomerDraftBody> for CustomerDraft {
    fn from(body: CustomerDraftBody) -> Self {
        let CustomerDraftBody { name, slug, contact_email, phone, website, notes, email_domains, archived } =
            body;
        Self { name, slug, contact_email, phone, website, notes, email_domains, archived }
    }
}
