//! The console's passkeys (WebAuthn): the relying party is Portico's public address, so a
//! passkey made here answers only here. Browsers refuse passkeys for bare IP addresses, so a
//! deployment reached at one has none (the console says so).

use std::sync::Arc;

use url::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

/// The relying party for `public_url`, or `None` where passkeys cannot work (an IP address).
pub fn relying_party(public_url: &Url) -> Option<Arc<Webauthn>> {
    let host = public_url.domain()?;
    let origin = Url::parse(&public_url.origin().ascii_serialization()).ok()?;
    let webauthn = WebauthnBuilder::new(host, &origin).ok()?.rp_name("Portico console").build().ok()?;
    Some(Arc::new(webauthn))
}

/// A passkey's name as its owner types it ("YubiKey", "Laptop").
pub fn passkey_name(raw: &str) -> Result<String, portico_domain::validation::FieldError> {
    portico_domain::text::bounded("name", raw, 1, 60, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkeys_need_a_host_name_not_an_address() {
        assert!(relying_party(&Url::parse("https://desk.msp.example").unwrap()).is_some());
        assert!(relying_party(&Url::parse("http://localhost:8080").unwrap()).is_some());
        assert!(relying_party(&Url::parse("http://127.0.0.1:8080").unwrap()).is_none());
    }
}
