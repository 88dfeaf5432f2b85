//! Every console path, and every page of a portal, named once so the router, redirects, links
//! and mail never spell URLs by hand.

use std::fmt::Display;

use portico_domain::slug::Slug;

pub const ADMIN_HOME: &str = "/admin";
pub const LOGIN: &str = "/admin/login";
/// Console sign-in through the MSP's own identity provider.
pub const CONSOLE_SSO_START: &str = "/admin/sso/start";
pub const CONSOLE_SSO_CALLBACK: &str = "/admin/sso/callback";
pub const LOGOUT: &str = "/admin/logout";
/// The second step of a sign-in: a code from the app, or a recovery code.
pub const LOGIN_CODE: &str = "/admin/login/code";
pub const CUSTOMERS: &str = "/admin/customers";
pub const NEW_CUSTOMER: &str = "/admin/customers/new";
pub const GROUPS: &str = "/admin/groups";
pub const NEW_GROUP: &str = "/admin/groups/new";
pub const TEAM: &str = "/admin/team";
pub const NEW_TEAM_MEMBER: &str = "/admin/team/new";
pub const ACCOUNT: &str = "/admin/account";
pub const ACCOUNT_PASSWORD: &str = "/admin/account/password";
pub const ACCOUNT_MFA: &str = "/admin/account/mfa";
pub const ACCOUNT_MFA_SETUP: &str = "/admin/account/mfa/setup";
pub const ACCOUNT_MFA_CONFIRM: &str = "/admin/account/mfa/confirm";
pub const ACCOUNT_MFA_OFF: &str = "/admin/account/mfa/off";
pub const ACCOUNT_RECOVERY_CODES: &str = "/admin/account/mfa/recovery-codes";
/// Passkeys live under the two-step pages: a member made to set up a second step may add one.
pub const ACCOUNT_PASSKEYS: &str = "/admin/account/mfa/passkeys";
pub const ACCOUNT_PASSKEY_OPTIONS: &str = "/admin/account/mfa/passkeys/options";
pub const ACCOUNT_PASSKEY_REMOVE: &str = "/admin/account/mfa/passkeys/{id}/remove";
pub const LOGIN_PASSKEY: &str = "/admin/login/passkey";
pub const LOGIN_PASSKEY_OPTIONS: &str = "/admin/login/passkey/options";
pub const PASSKEYS_SCRIPT: &str = "/assets/passkeys.js";

pub fn passkey_remove(id: uuid::Uuid) -> String {
    ACCOUNT_PASSKEY_REMOVE.replace("{id}", &id.to_string())
}
pub const TEAM_MFA_REQUIRED: &str = "/admin/team/mfa-required";
pub const TICKETS: &str = "/admin/tickets";
pub const KB: &str = "/admin/kb";
pub const NEW_ARTICLE: &str = "/admin/kb/new";
pub const REQUEST_TYPES: &str = "/admin/request-types";
pub const NEW_REQUEST_TYPE: &str = "/admin/request-types/new";
pub const STYLESHEET: &str = "/assets/admin.css";
pub const SCRIPT: &str = "/assets/admin.js";
pub const DRAWER_SCRIPT: &str = "/assets/drawer.js";
pub const UPLOADS_SCRIPT: &str = "/assets/uploads.js";
pub use crate::render::assets::{PORTAL_SCRIPT, PORTAL_STYLESHEET, logo, theme_stylesheet};

/// Where a portal's pages live in path mode.
pub fn portal_base(slug: &Slug) -> String {
    portico_domain::portal::address::PortalAddressing::path_base(slug)
}

/// A console route with parameters: its template (as the router matches it) and a builder of
/// its links, from one definition so the two never drift apart.
macro_rules! routes {
    ($($(#[$doc:meta])* $template_name:ident, $builder:ident($($arg:ident),+) = $template:literal;)+) => {
        $(
            $(#[$doc])*
            pub const $template_name: &str = $template;

            $(#[$doc])*
            pub fn $builder($($arg: impl Display),+) -> String {
                fill($template, &[$((concat!("{", stringify!($arg), "}"), $arg.to_string())),+])
            }
        )+
    };
}

/// A template with its `{name}` parameters replaced.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(template.to_string(), |path, (name, value)| path.replace(name, value))
}

routes! {
    CUSTOMER, customer(id) = "/admin/customers/{id}";
    EDIT_CUSTOMER, edit_customer(id) = "/admin/customers/{id}/edit";
    ARCHIVE_CUSTOMER, archive_customer(id) = "/admin/customers/{id}/archive";
    RESTORE_CUSTOMER, restore_customer(id) = "/admin/customers/{id}/restore";
    CUSTOMER_END_USERS, customer_end_users(id) = "/admin/customers/{id}/end-users";
    IMPORT_END_USERS, import_end_users(id) = "/admin/customers/{id}/end-users/import";
    CUSTOMER_PORTAL, customer_portal(id) = "/admin/customers/{id}/portal";
    CUSTOMER_PORTAL_PREVIEW, customer_portal_preview(id) = "/admin/customers/{id}/portal/preview";
    RESTORE_PORTAL_REVISION, restore_portal_revision(id, n) = "/admin/customers/{id}/portal/revisions/{n}/restore";
    NEW_CUSTOMER_SSO, new_customer_sso(id) = "/admin/customers/{id}/portal/sso";
    CUSTOMER_SSO, customer_sso(id, sso_id) = "/admin/customers/{id}/portal/sso/{sso_id}";
    DELETE_CUSTOMER_SSO, delete_customer_sso(id, sso_id) = "/admin/customers/{id}/portal/sso/{sso_id}/delete";
    ARTICLE, article(id) = "/admin/kb/{id}";
    DELETE_ARTICLE, delete_article(id) = "/admin/kb/{id}/delete";
    TICKET, ticket(id) = "/admin/tickets/{id}";
    TICKET_COMMENTS, ticket_comments(id) = "/admin/tickets/{id}/comments";
    TICKET_FOLLOWERS, ticket_followers(id) = "/admin/tickets/{id}/followers";
    TICKET_FOLLOWER_REMOVE, ticket_follower_remove(id, end_user_id) = "/admin/tickets/{id}/followers/{end_user_id}/remove";
    TICKET_FILE, ticket_file(id) = "/admin/files/{id}";
    TICKET_FILE_THUMBNAIL, ticket_file_thumbnail(id) = "/admin/files/{id}/thumbnail";
    END_USER_ACTIVE, end_user_active(id) = "/admin/end-users/{id}/active";
    END_USER_ROLE, end_user_role(id) = "/admin/end-users/{id}/role";
    GROUP, group(id) = "/admin/groups/{id}";
    EDIT_GROUP, edit_group(id) = "/admin/groups/{id}/edit";
    DELETE_GROUP, delete_group(id) = "/admin/groups/{id}/delete";
    TEAM_MEMBER, team_member(id) = "/admin/team/{id}";
    REQUEST_TYPE, request_type(id) = "/admin/request-types/{id}";
    DELETE_REQUEST_TYPE, delete_request_type(id) = "/admin/request-types/{id}/delete";
    CUSTOMER_REQUEST_TYPES, customer_request_types(id) = "/admin/customers/{id}/request-types";
    CUSTOMER_REQUEST_TYPE, customer_request_type(id, type_id) = "/admin/customers/{id}/request-types/{type_id}";
    TEAM_MEMBER_PASSWORD, team_member_password(id) = "/admin/team/{id}/password";
    TEAM_MEMBER_MFA_RESET, team_member_mfa_reset(id) = "/admin/team/{id}/mfa/reset";
}

/// What a member who must set up two-step sign-in first may reach: the set-up pages and
/// signing out. Everything else sends them to set it up.
pub fn usable_before_enrolment(path: &str) -> bool {
    path == ACCOUNT_MFA || path.starts_with("/admin/account/mfa/") || path == LOGOUT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_enrolment_only_the_set_up_pages_and_signing_out_are_usable() {
        for path in [ACCOUNT_MFA, ACCOUNT_MFA_SETUP, ACCOUNT_MFA_CONFIRM, LOGOUT] {
            assert!(usable_before_enrolment(path), "{path}");
        }
        for path in
            [ADMIN_HOME, ACCOUNT, ACCOUNT_PASSWORD, TEAM, TEAM_MFA_REQUIRED, "/admin/account/mfax", CUSTOMERS]
        {
            assert!(!usable_before_enrolment(path), "{path}");
        }
    }

    #[test]
    fn links_fill_the_templates_the_router_matches() {
        assert_eq!(customer_sso("c1", "s2"), "/admin/customers/c1/portal/sso/s2");
        assert_eq!(restore_portal_revision("c1", 7), "/admin/customers/c1/portal/revisions/7/restore");
        assert_eq!(CUSTOMER_SSO, "/admin/customers/{id}/portal/sso/{sso_id}");
    }
}

/// Every page of a portal, relative to the portal's base (`/p/{slug}` in path mode, nothing on
/// the portal's own host). The router mounts each under [`portal::mounted`]; links are made with
/// the portal's own base (`LivePortal::link`, [`portico_domain::portal::address::PortalAddress`]).
pub mod portal {
    use std::fmt::Display;

    use super::fill;

    pub const HOME: &str = "/";
    pub const SIGN_IN: &str = "/auth/sign-in";
    pub const SIGNED_OUT: &str = "/auth/signed-out";
    pub const LOGOUT: &str = "/auth/logout";
    pub const TICKETS: &str = "/tickets";
    pub const NEW_TICKET: &str = "/tickets/new";
    pub const OTHER_REQUEST: &str = "/tickets/new/other";
    pub const COMPANY_TICKETS: &str = "/company/tickets";
    pub const PEOPLE: &str = "/people";
    pub const KB: &str = "/kb";
    pub const SEARCH: &str = "/search";
    pub use portico_domain::portal::address::SSO_CALLBACK;

    routes! {
        SSO_START, sso_start(sso_id) = "/auth/{sso_id}/start";
        REQUEST_FORM, request_form(type_id) = "/tickets/new/{type_id}";
        TICKET, ticket(ticket_id) = "/tickets/{ticket_id}";
        TICKET_COMMENTS, ticket_comments(ticket_id) = "/tickets/{ticket_id}/comments";
        TICKET_FILE, ticket_file(ticket_id, file_id) = "/tickets/{ticket_id}/files/{file_id}";
        TICKET_FILE_THUMBNAIL, ticket_file_thumbnail(ticket_id, file_id) = "/tickets/{ticket_id}/files/{file_id}/thumbnail";
        TICKET_STATUS, ticket_status(ticket_id) = "/tickets/{ticket_id}/status";
        TICKET_FOLLOWERS, ticket_followers(ticket_id) = "/tickets/{ticket_id}/followers";
        TICKET_FOLLOWER_REMOVE, ticket_follower_remove(ticket_id, end_user_id) = "/tickets/{ticket_id}/followers/{end_user_id}/remove";
        PERSON_ACTIVE, person_active(person_id) = "/people/{person_id}/active";
        ARTICLE, article(article_id) = "/kb/{article_id}";
    }

    /// The callback of an SSO configuration within the portal.
    pub fn sso_callback(sso_id: impl Display) -> String {
        fill(SSO_CALLBACK, &[("{sso_id}", sso_id.to_string())])
    }

    /// A portal page as the router matches it in path mode: under `/p/{slug}`.
    pub fn mounted(page: &str) -> String {
        match page {
            HOME => "/p/{slug}/".to_string(),
            _ => format!("/p/{{slug}}{page}"),
        }
    }
}
