//! Every console path, named once so redirects and links never spell URLs by hand.

use std::fmt::Display;

use crate::domain::portal::colour::Colour;
use crate::domain::slug::Slug;

pub const ADMIN_HOME: &str = "/admin";
pub const LOGIN: &str = "/admin/login";
pub const LOGOUT: &str = "/admin/logout";
pub const CUSTOMERS: &str = "/admin/customers";
pub const NEW_CUSTOMER: &str = "/admin/customers/new";
pub const GROUPS: &str = "/admin/groups";
pub const NEW_GROUP: &str = "/admin/groups/new";
pub const TEAM: &str = "/admin/team";
pub const NEW_TEAM_MEMBER: &str = "/admin/team/new";
pub const ACCOUNT: &str = "/admin/account";
pub const ACCOUNT_PASSWORD: &str = "/admin/account/password";
pub const TICKETS: &str = "/admin/tickets";
pub const KB: &str = "/admin/kb";
pub const NEW_ARTICLE: &str = "/admin/kb/new";
pub const STYLESHEET: &str = "/assets/admin.css";
pub const SCRIPT: &str = "/assets/admin.js";
pub const DRAWER_SCRIPT: &str = "/assets/drawer.js";
pub const PORTAL_STYLESHEET: &str = "/assets/portal.css";

/// The per-portal theme: the colours are the address, so it can be cached for good.
pub fn theme_stylesheet(primary: &Colour, secondary: &Colour) -> String {
    format!("/assets/theme/{}-{}.css", primary.hex(), secondary.hex())
}

pub fn logo(id: &str) -> String {
    format!("/assets/logos/{id}.png")
}

/// Where a portal's pages live in path mode.
pub fn portal_base(slug: &Slug) -> String {
    format!("/p/{slug}")
}

pub fn customer(id: impl Display) -> String {
    format!("/admin/customers/{id}")
}

pub fn edit_customer(id: impl Display) -> String {
    format!("/admin/customers/{id}/edit")
}

pub fn archive_customer(id: impl Display) -> String {
    format!("/admin/customers/{id}/archive")
}

pub fn restore_customer(id: impl Display) -> String {
    format!("/admin/customers/{id}/restore")
}

pub fn customer_end_users(id: impl Display) -> String {
    format!("/admin/customers/{id}/end-users")
}

pub fn customer_portal(id: impl Display) -> String {
    format!("/admin/customers/{id}/portal")
}

pub fn customer_portal_preview(id: impl Display) -> String {
    format!("/admin/customers/{id}/portal/preview")
}

pub fn restore_portal_revision(id: impl Display, revision: impl Display) -> String {
    format!("/admin/customers/{id}/portal/revisions/{revision}/restore")
}

pub fn new_customer_sso(id: impl Display) -> String {
    format!("/admin/customers/{id}/portal/sso")
}

pub fn customer_sso(id: impl Display, sso_id: impl Display) -> String {
    format!("/admin/customers/{id}/portal/sso/{sso_id}")
}

pub fn delete_customer_sso(id: impl Display, sso_id: impl Display) -> String {
    format!("/admin/customers/{id}/portal/sso/{sso_id}/delete")
}

pub fn article(id: impl Display) -> String {
    format!("/admin/kb/{id}")
}

pub fn ticket(id: impl Display) -> String {
    format!("/admin/tickets/{id}")
}

pub fn end_user_active(id: impl Display) -> String {
    format!("/admin/end-users/{id}/active")
}

pub fn edit_group(id: impl Display) -> String {
    format!("/admin/groups/{id}/edit")
}

pub fn group(id: impl Display) -> String {
    format!("/admin/groups/{id}")
}

pub fn team_member(id: impl Display) -> String {
    format!("/admin/team/{id}")
}

pub fn team_member_password(id: impl Display) -> String {
    format!("/admin/team/{id}/password")
}

pub fn delete_group(id: impl Display) -> String {
    format!("/admin/groups/{id}/delete")
}

/// Only console paths are followed after sign-in: never another site, never `//host`.
pub fn safe_return_to(raw: Option<&str>) -> &str {
    match raw {
        Some(path)
            if path.starts_with("/admin")
                && !path.starts_with("//")
                && !path.chars().any(|c| c == '\\' || c.is_control())
                && !path.starts_with(LOGIN)
                && resolves_in_console(path) =>
        {
            path
        }
        _ => CUSTOMERS,
    }
}

/// Where a browser would really go: `/admin/../p/x` and `/admin/%2e%2e/x` leave the console.
fn resolves_in_console(path: &str) -> bool {
    let site = url::Url::parse("http://console.invalid/").expect("a valid base");
    site.join(path).is_ok_and(|target| {
        target.origin() == site.origin()
            && (target.path() == ADMIN_HOME || target.path().starts_with("/admin/"))
            && !target.path().starts_with(LOGIN)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_console_paths_are_followed_after_sign_in() {
        assert_eq!(safe_return_to(Some("/admin/groups")), "/admin/groups");
        for hostile in [
            "https://evil.example/admin",
            "//evil.example",
            "/admin\\@evil",
            "/other",
            "/admin/login?next=x",
            "/admin/\u{1}x",
            "/admin/../p/acme",
            "/admin/%2e%2e/p/acme",
            "/administrator",
        ] {
            assert_eq!(safe_return_to(Some(hostile)), CUSTOMERS, "{hostile}");
        }
        assert_eq!(safe_return_to(None), CUSTOMERS);
    }
}
