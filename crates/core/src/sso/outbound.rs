//! Requests to identity providers: https only, no redirects followed, bounded in time and size,
//! and never to loopback, private or link-local addresses unless the deployment allows insecure
//! IdPs (`PORTICO_ALLOW_INSECURE_IDP=1`, for tests and demos).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use openidconnect::http;
use openidconnect::{HttpRequest, HttpResponse};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

use super::SsoError;
use portico_domain::invariant::guaranteed;

/// Discovery documents, key sets and token responses are small; anything bigger is refused.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_insecure: bool,
    /// One provider allowed on a local or plain-http address while the rest are not: the
    /// built-in demo provider, at Portico's own address. Its client, and the address prefix.
    exception: Option<(reqwest::Client, String)>,
}

/// Addresses a request may go to by default: public ones only.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// Resolves names like the system does, then drops non-public addresses.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|addr| is_public(addr.ip())).collect();
            if public.is_empty() {
                return Err(
                    format!("{host} resolves only to private, loopback or link-local addresses").into()
                );
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

impl Outbound {
    pub fn new(allow_insecure: bool) -> Self {
        let mut builder = Self::builder();
        if !allow_insecure {
            builder = builder.https_only(true).dns_resolver(Arc::new(PublicOnly));
        }
        let client = guaranteed(builder.build(), "a client of rustls with its built-in roots can be built");
        Self { client, allow_insecure, exception: None }
    }

    fn builder() -> reqwest::ClientBuilder {
        crate::tls::install_provider();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("Portico/", env!("CARGO_PKG_VERSION")))
    }

    /// Allows addresses under `prefix` (the demo provider's issuer, ending in `/`) whatever
    /// they are; every other address stays under the rules.
    pub fn with_exception(mut self, prefix: &str) -> Self {
        let client =
            guaranteed(Self::builder().build(), "a client of rustls with its built-in roots can be built");
        self.exception = Some((client, format!("{}/", prefix.trim_end_matches('/'))));
        self
    }

    fn excepted(&self, url: &Url) -> Option<&reqwest::Client> {
        let (client, prefix) = self.exception.as_ref()?;
        url.as_str().starts_with(prefix.as_str()).then_some(client)
    }

    pub fn allows_insecure(&self) -> bool {
        self.allow_insecure
    }

    /// Whether a request may go to `url` at all.
    pub fn check(&self, url: &Url) -> Result<(), SsoError> {
        if self.excepted(url).is_some() {
            return Ok(());
        }
        let blocked = |why: &str| Err(SsoError::Blocked(url.to_string(), why.to_string()));
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure => {}
            _ => return blocked("identity providers must be reached over https"),
        }
        if self.allow_insecure {
            return Ok(());
        }
        match url.host() {
            Some(url::Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => {
                blocked("it is a private or local address")
            }
            Some(url::Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => {
                blocked("it is a private or local address")
            }
            Some(url::Host::Domain(domain)) if domain == "localhost" || domain.ends_with(".localhost") => {
                blocked("it is a local address")
            }
            None => blocked("it has no host"),
            _ => Ok(()),
        }
    }

    /// Sends a request (as the OpenID library builds them) under the rules above.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, SsoError> {
        let url = Url::parse(&request.uri().to_string()).map_err(|e| SsoError::Unreachable(e.to_string()))?;
        self.check(&url)?;
        let (parts, body) = request.into_parts();
        let client = self.excepted(&url).unwrap_or(&self.client);
        let mut outgoing = client.request(parts.method, url.as_str()).body(body);
        for (name, value) in &parts.headers {
            outgoing = outgoing.header(name, value);
        }
        let mut response = outgoing.send().await.map_err(|e| SsoError::Unreachable(describe(&e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        if response.content_length().is_some_and(|length| length as usize > MAX_RESPONSE_BYTES) {
            return Err(SsoError::Unreachable(format!(
                "{url} answered with more than {MAX_RESPONSE_BYTES} bytes"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| SsoError::Unreachable(describe(&e)))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_RESPONSE_BYTES {
                return Err(SsoError::Unreachable(format!(
                    "{url} answered with more than {MAX_RESPONSE_BYTES} bytes"
                )));
            }
        }
        let mut built = http::Response::builder().status(status);
        for (name, value) in &headers {
            built = built.header(name, value);
        }
        built.body(body).map_err(|e| SsoError::Unreachable(e.to_string()))
    }

    /// GETs a JSON document; a redirect or an error status is a failure, with its code.
    pub async fn get_json(&self, url: &Url) -> Result<serde_json::Value, SsoError> {
        let request = http::Request::get(url.as_str())
            .header(http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|e| SsoError::Unreachable(e.to_string()))?;
        let response = self.send(request).await?;
        let status = response.status();
        if status.is_redirection() {
            return Err(SsoError::Unreachable(format!(
                "{url} redirects (HTTP {status}); give the final address instead"
            )));
        }
        if !status.is_success() {
            return Err(SsoError::Unreachable(format!("{url} answered HTTP {status}")));
        }
        serde_json::from_slice(response.body())
            .map_err(|e| SsoError::Discovery(format!("{url} is not JSON: {e}")))
    }
}

/// The OpenID library sends its token requests through this, under the same rules.
impl<'c> openidconnect::AsyncHttpClient<'c> for Outbound {
    type Error = SsoError;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<HttpResponse, SsoError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fc00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "1.1.1.1"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn requests_to_local_or_plain_http_addresses_are_refused_by_default() {
        let strict = Outbound::new(false);
        for url in [
            "http://idp.example/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://169.254.169.254/latest",
            "https://localhost/x",
            "ftp://idp.example/",
        ] {
            assert!(strict.check(&Url::parse(url).unwrap()).is_err(), "{url}");
        }
        assert!(strict.check(&Url::parse("https://login.microsoftonline.com/x").unwrap()).is_ok());
        let relaxed = Outbound::new(true);
        assert!(relaxed.check(&Url::parse("http://127.0.0.2:9000/x").unwrap()).is_ok());
        // The demo provider's own prefix is the one exception; its neighbours are not.
        let demo = Outbound::new(false).with_exception("http://127.0.0.1:8080/demo-idp");
        assert!(demo.check(&Url::parse("http://127.0.0.1:8080/demo-idp/jwks").unwrap()).is_ok());
        for url in [
            "http://127.0.0.1:8080/demo-idpx/jwks",
            "http://127.0.0.1:8081/demo-idp/jwks",
            "http://10.0.0.1/x",
        ] {
            assert!(demo.check(&Url::parse(url).unwrap()).is_err(), "{url}");
        }
    }
}
