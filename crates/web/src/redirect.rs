//! The one guard for every redirect after sign-in (the console's `next`, the portal's
//! `return_to`): the target is resolved as a browser would resolve it against the page's own
//! origin, and kept only when it stays on that origin and lands on a known path.
//!
//! Parsing, not character lists: browsers drop tabs and newlines inside URLs and read `\` as `/`,
//! so `/\t/evil.example/` or `/\evil` look local to a naive check yet leave the site. The URL
//! parser applies the same WHATWG rules the browser does, so what it resolves is where the
//! browser would go.

use portico_core::paths;
use url::{Position, Url};

const MAX_TARGET_BYTES: usize = 2048;

/// A target that resolves to `origin` and whose path `known` accepts, as a path-and-query that
/// is always a valid `Location` value; `None` sends the caller to its default page.
pub fn local_target(origin: &Url, raw: Option<&str>, known: impl Fn(&str) -> bool) -> Option<String> {
    let raw = raw?;
    // The target travels in a cookie during portal sign-in; anything longer is no real page.
    if raw.len() > MAX_TARGET_BYTES {
        return None;
    }
    // A relative reference only: an absolute URL, even to this origin, is not what sign-in links
    // carry, and refusing it keeps the rule simple to reason about.
    if !raw.starts_with('/') {
        return None;
    }
    let resolved = origin.join(raw).ok()?;
    if !same_origin(origin, &resolved) || !known(resolved.path()) {
        return None;
    }
    // The parser's serialisation percent-encodes anything a header cannot carry.
    let target = resolved[Position::BeforePath..Position::AfterQuery].to_string();
    // Resolving again must land on the very same place: `/.//evil` normalises to `//evil`,
    // which a browser would take for another host.
    let again = origin.join(&target).ok()?;
    (same_origin(origin, &again) && again == resolved.clone().with_fragment_removed()).then_some(target)
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

trait WithoutFragment {
    fn with_fragment_removed(self) -> Url;
}

impl WithoutFragment for Url {
    fn with_fragment_removed(mut self) -> Url {
        self.set_fragment(None);
        self
    }
}

/// Only console paths are followed after sign-in: the target must resolve to `origin` (where
/// the console is served) and lie under `/admin`, never the sign-in page itself.
pub fn safe_return_to(origin: &url::Url, raw: Option<&str>) -> String {
    let console = |path: &str| {
        (path == paths::ADMIN_HOME || path.starts_with("/admin/")) && !path.starts_with(paths::LOGIN)
    };
    local_target(origin, raw, console).unwrap_or_else(|| paths::ADMIN_HOME.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn console(raw: &str) -> Option<String> {
        let origin = Url::parse("https://portico.example").unwrap();
        local_target(&origin, Some(raw), |path| path == "/admin" || path.starts_with("/admin/"))
    }

    fn subdomain_portal(raw: &str) -> Option<String> {
        let origin = Url::parse("https://acme.help.example").unwrap();
        local_target(&origin, Some(raw), |path| !path.starts_with("/auth/"))
    }

    #[test]
    fn local_known_paths_are_kept() {
        assert_eq!(console("/admin/groups?page=2").as_deref(), Some("/admin/groups?page=2"));
        assert_eq!(subdomain_portal("/tickets/new").as_deref(), Some("/tickets/new"));
        assert_eq!(console("/admin/kb#top").as_deref(), Some("/admin/kb"));
    }

    #[test]
    fn targets_that_leave_the_origin_are_refused() {
        for hostile in [
            "/%09/evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example/admin",
            "http://portico.example/admin",
            "/.//evil.example/",
            "/./\\evil.example",
            " //evil.example",
            "javascript:alert(1)",
        ] {
            let decoded = percent_encoding::percent_decode_str(hostile).decode_utf8_lossy().to_string();
            assert_eq!(console(&decoded), None, "console {hostile:?}");
            assert_eq!(subdomain_portal(&decoded), None, "portal {hostile:?}");
        }
    }

    #[test]
    fn unknown_paths_are_refused() {
        assert_eq!(console("/other"), None);
        assert_eq!(console("/admin/../other"), None);
        assert_eq!(subdomain_portal("/auth/x/callback"), None);
    }

    #[test]
    fn control_characters_become_a_valid_header_value() {
        for raw in ["/admin/x\u{1}y", "/admin/\u{7f}", "/admin/é ü", "/admin/a\u{0}"] {
            let target = console(raw).expect(raw);
            assert!(axum::http::HeaderValue::from_str(&target).is_ok(), "{raw:?} gave {target:?}");
            assert!(target.starts_with("/admin/"), "{target}");
        }
    }

    #[test]
    fn only_console_paths_are_followed_after_sign_in() {
        let origin = url::Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(safe_return_to(&origin, Some("/admin/groups")), "/admin/groups");
        for hostile in [
            "https://evil.example/admin",
            "//evil.example",
            "/other",
            "/admin/login?next=x",
            "/\t/evil.example/",
            "/admin/../p/acme",
            "/admin/%2e%2e/p/acme",
            "/administrator",
        ] {
            assert_eq!(safe_return_to(&origin, Some(hostile)), paths::ADMIN_HOME, "{hostile}");
        }
        assert_eq!(safe_return_to(&origin, None), paths::ADMIN_HOME);
        // A browser reads `\` as `/`: this stays on the console, and says so.
        assert_eq!(safe_return_to(&origin, Some("/admin\\@evil")), "/admin/@evil");
    }
}
