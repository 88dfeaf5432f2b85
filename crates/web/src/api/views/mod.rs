//! The API's own wire types for what the domain models: what it returns (`…View`) and what it
//! takes (`…Body`), with their OpenAPI schemas. The domain stays free of schema concerns, so the
//! API can document and shape its JSON without reaching into domain types. Bodies and lists that
//! exist only in the API (`NewTicketBody`, `EventList`, …) sit beside their handlers instead.
//!
//! Each type keeps the component name the document has always used (`#[schema(as = …)]`), and
//! each body keeps it for serde too (`#[serde(rename = …)]`), because serde names the struct in
//! a refusal ("expected struct CustomerDraft"). Conversions destructure their source, so a new
//! field on either side is a compile error here until someone decides what the API does with it.

pub mod customers;
pub mod end_users;
pub mod groups;
pub mod import;
pub mod kb;
pub mod portal_draft;
pub mod portals;
pub mod request_types;
pub mod sso;
pub mod team;
pub mod tickets;

use serde::Serialize;
use utoipa::ToSchema;

use portico_domain::page;

// No doc comment: it would become the schema's description, which the document never had.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<D, V: From<D>> From<page::Page<D>> for Page<V> {
    fn from(page: page::Page<D>) -> Self {
        Self { items: page.items.into_iter().map(V::from).collect(), next_cursor: page.next_cursor }
    }
}

/// A string enum of the API with the same variants as a domain enum, and the conversion that
/// keeps the two in step (a variant missing on either side does not compile).
macro_rules! mirrored_enum {
    ($(#[$attr:meta])* $view:ident as $name:ident from $domain:path { $($variant:ident),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
        $(#[$attr])*
        #[schema(as = $name)]
        pub enum $view {
            $($variant),+
        }

        impl From<$domain> for $view {
            fn from(value: $domain) -> Self {
                type Domain = $domain;
                match value {
                    $(Domain::$variant => Self::$variant),+
                }
            }
        }
    };
}
use mirrored_enum;

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::end_users::{EndUserRoleView, RoleSourceView};
    use super::sso::ProviderView;
    use super::team::RoleView;
    use super::tickets::{AuthorKindView, ContactSourceView, StatusView, TicketTypeView, UrgencyView};
    use portico_domain::end_user::{CustomerRole, RoleSource};
    use portico_domain::sso::Provider;
    use portico_domain::team::Role;
    use portico_domain::ticket::{AuthorKind, ContactSource, Status, TicketType, Urgency};

    fn assert_spelled_alike<D: Copy, V: Serialize + From<D>>(values: &[D], as_str: fn(D) -> &'static str) {
        for &value in values {
            assert_eq!(serde_json::to_value(V::from(value)).unwrap(), as_str(value));
        }
    }

    /// The strings the console shows and the query filters parse are the ones the API sends.
    #[test]
    fn mirrored_enums_spell_every_value_as_the_domain_does() {
        assert_spelled_alike::<_, RoleView>(&[Role::Admin, Role::Technician], Role::as_str);
        assert_spelled_alike::<_, EndUserRoleView>(CustomerRole::ALL, CustomerRole::as_str);
        assert_spelled_alike::<_, RoleSourceView>(&[RoleSource::Team, RoleSource::Idp], RoleSource::as_str);
        assert_spelled_alike::<_, ProviderView>(
            &[Provider::Okta, Provider::Microsoft, Provider::Oidc],
            Provider::as_str,
        );
        assert_spelled_alike::<_, TicketTypeView>(TicketType::ALL, TicketType::as_str);
        assert_spelled_alike::<_, UrgencyView>(Urgency::ALL, Urgency::as_str);
        assert_spelled_alike::<_, StatusView>(Status::ALL, Status::as_str);
        assert_spelled_alike::<_, AuthorKindView>(AuthorKind::ALL, AuthorKind::as_str);
        assert_spelled_alike::<_, ContactSourceView>(ContactSource::ALL, ContactSource::as_str);
    }
}
