//! Where a portal answers: one value computes it for the API, the drawer, e-mails, redirects
//! and the IdP's callback, so they never disagree.
//!
//! Every portal answers at `{public_url}/p/{slug}` (path mode). A deployment with a portal
//! domain also serves `{scheme}://{slug}.{portal_domain}`, which then is the address to share;
//! a portal with a custom domain is shared as `https://{custom_domain}`.

use url::Url;

use super::hostname::Hostname;
use crate::slug::Slug;

/// How this deployment addresses portals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalAddressing {
    public_url: Url,
    portal_domain: Option<String>,
}

/// Where a request reached a portal: the origin the browser used, and the prefix of the
/// portal's pages there (empty on a host of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    pub origin: String,
    pub base_path: String,
}

/// A portal's canonical address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalAddress {
    /// Absolute, without a trailing slash: `https://acme.help.example`, `http://host/p/acme`.
    base: String,
}

impl PortalAddressing {
    pub fn new(public_url: Url, portal_domain: Option<String>) -> Self {
        Self { public_url, portal_domain }
    }

    /// An absolute URL of a console page (or any page at Portico's own address).
    pub fn console_url(&self, path: &str) -> String {
        format!("{}{path}", self.public_root())
    }

    /// The path of a portal's pages in path mode, which always works.
    pub fn path_base(slug: &Slug) -> String {
        format!("/p/{slug}")
    }

    /// The address in path mode: `{public_url}/p/{slug}`.
    pub fn path_mode(&self, slug: &Slug) -> PortalAddress {
        PortalAddress { base: format!("{}{}", self.public_root(), Self::path_base(slug)) }
    }

    /// The address to share: the custom domain, else the subdomain, else path mode.
    pub fn address(&self, slug: &Slug, custom_domain: Option<&Hostname>) -> PortalAddress {
        match (custom_domain, &self.portal_domain) {
            (Some(domain), _) => PortalAddress { base: format!("https://{}", domain.as_str()) },
            (None, Some(portal_domain)) => {
                let port = self.public_url.port().map(|p| format!(":{p}")).unwrap_or_default();
                PortalAddress { base: format!("{}://{slug}.{portal_domain}{port}", self.public_url.scheme()) }
            }
            (None, None) => self.path_mode(slug),
        }
    }

    /// The portal as one request reached it: on a host of its own (`host`: a subdomain, or its
    /// custom domain, which is always https), its pages sit at the root; through Portico's own
    /// address, under `/p/{slug}`.
    pub fn reached(&self, slug: &Slug, custom_domain: Option<&Hostname>, host: Option<&str>) -> Reached {
        match host {
            Some(host) => {
                let origin = if custom_domain.is_some_and(|domain| domain.as_str() == host) {
                    format!("https://{host}")
                } else {
                    let port = self.public_url.port().map(|p| format!(":{p}")).unwrap_or_default();
                    format!("{}://{host}{port}", self.public_url.scheme())
                };
                Reached { origin, base_path: String::new() }
            }
            None => Reached { origin: self.public_root().to_string(), base_path: Self::path_base(slug) },
        }
    }

    /// What surrounds the slug in the address to share (for a slug field in a form): the text
    /// before it and the text after it.
    pub fn around_slug(&self) -> (String, String) {
        match &self.portal_domain {
            Some(portal_domain) => {
                let port = self.public_url.port().map(|p| format!(":{p}")).unwrap_or_default();
                (format!("{}://", self.public_url.scheme()), format!(".{portal_domain}{port}"))
            }
            None => (format!("{}/p/", self.public_root()), String::new()),
        }
    }

    fn public_root(&self) -> &str {
        self.public_url.as_str().trim_end_matches('/')
    }
}

impl PortalAddress {
    /// The portal's start page, as shared: with a trailing slash.
    pub fn url(&self) -> String {
        format!("{}/", self.base)
    }

    /// One of the portal's pages: `path` starts with `/`.
    pub fn page(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The callback URL of an SSO configuration, to register at the IdP.
    pub fn sso_redirect_uri(&self, sso_id: impl std::fmt::Display) -> String {
        self.page(&SSO_CALLBACK.replace("{sso_id}", &sso_id.to_string()))
    }
}

/// Where an identity provider sends the browser back, within a portal: the one spelling the
/// router, the sign-in and the registered redirect URIs all use.
pub const SSO_CALLBACK: &str = "/auth/{sso_id}/callback";

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(raw: &str) -> Slug {
        Slug::parse("slug", raw).unwrap()
    }

    #[test]
    fn path_mode_is_under_the_public_url() {
        let rules = PortalAddressing::new(Url::parse("https://desk.msp.example/").unwrap(), None);
        let address = rules.address(&slug("acme"), None);
        assert_eq!(address.url(), "https://desk.msp.example/p/acme/");
        assert_eq!(address.sso_redirect_uri("42"), "https://desk.msp.example/p/acme/auth/42/callback");
        assert_eq!(rules.around_slug(), ("https://desk.msp.example/p/".to_string(), String::new()));
    }

    #[test]
    fn subdomain_mode_keeps_the_scheme_and_port_of_the_public_url() {
        let rules =
            PortalAddressing::new(Url::parse("http://127.0.0.1:8080").unwrap(), Some("help.test".into()));
        assert_eq!(rules.address(&slug("acme"), None).url(), "http://acme.help.test:8080/");
        assert_eq!(rules.path_mode(&slug("acme")).url(), "http://127.0.0.1:8080/p/acme/");
        assert_eq!(rules.around_slug(), ("http://".to_string(), ".help.test:8080".to_string()));
    }

    #[test]
    fn a_custom_domain_wins_and_is_always_https() {
        let rules =
            PortalAddressing::new(Url::parse("http://127.0.0.1:8080").unwrap(), Some("help.test".into()));
        let domain = Hostname::parse("custom_domain", "help.acme.example").unwrap();
        assert_eq!(rules.address(&slug("acme"), Some(&domain)).url(), "https://help.acme.example/");
    }

    #[test]
    fn a_portal_is_reached_on_its_own_host_or_under_the_public_address() {
        let addressing = PortalAddressing::new(
            Url::parse("http://desk.example:8080/").unwrap(),
            Some("help.example".into()),
        );
        let acme = slug("acme");
        let path = addressing.reached(&acme, None, None);
        assert_eq!((path.origin.as_str(), path.base_path.as_str()), ("http://desk.example:8080", "/p/acme"));
        let sub = addressing.reached(&acme, None, Some("acme.help.example"));
        assert_eq!((sub.origin.as_str(), sub.base_path.as_str()), ("http://acme.help.example:8080", ""));
        let domain = Hostname::parse("domain", "support.acme.example").unwrap();
        let own = addressing.reached(&acme, Some(&domain), Some("support.acme.example"));
        assert_eq!((own.origin.as_str(), own.base_path.as_str()), ("https://support.acme.example", ""));
    }
}
