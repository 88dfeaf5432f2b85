//! Certificate authorities trusted for the mail servers besides the public ones: an MSP's relay
//! or mailbox often carries a certificate from the MSP's own CA.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tokio_rustls::rustls::RootCertStore;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;

/// The extra authorities, read once at start-up from `PORTICO_MAIL_CA_FILE`.
#[derive(Clone)]
pub struct TrustedAuthorities {
    pem: Arc<[u8]>,
    certificates: Arc<[CertificateDer<'static>]>,
}

impl std::fmt::Debug for TrustedAuthorities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrustedAuthorities({} certificates)", self.certificates.len())
    }
}

impl TrustedAuthorities {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let pem = std::fs::read(path)
            .with_context(|| format!("PORTICO_MAIL_CA_FILE: cannot read {}", path.display()))?;
        Self::from_pem(&pem).with_context(|| format!("PORTICO_MAIL_CA_FILE ({})", path.display()))
    }

    /// One or more PEM certificates; anything else is refused, naming what is wrong.
    pub fn from_pem(pem: &[u8]) -> anyhow::Result<Self> {
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| anyhow::anyhow!("not a PEM certificate file: {error}"))?;
        if certificates.is_empty() {
            anyhow::bail!("holds no certificate (expected -----BEGIN CERTIFICATE----- blocks)");
        }
        let mut store = RootCertStore::empty();
        for certificate in &certificates {
            store
                .add(certificate.clone())
                .map_err(|error| anyhow::anyhow!("a certificate cannot be trusted: {error}"))?;
        }
        Ok(Self { pem: pem.into(), certificates: certificates.into() })
    }

    /// The file as read, for the SMTP client (which parses it itself).
    pub fn pem(&self) -> &[u8] {
        &self.pem
    }

    /// The public roots and these, for a TLS client.
    pub fn with_public_roots(this: Option<&Self>) -> RootCertStore {
        let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        for certificate in this.map(|trust| trust.certificates.iter()).into_iter().flatten() {
            // Each was added to a store once already, when the file was read.
            let _ = roots.add(certificate.clone());
        }
        roots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anything_but_pem_certificates_is_refused_by_name() {
        let empty = TrustedAuthorities::from_pem(b"").unwrap_err().to_string();
        assert!(empty.contains("holds no certificate"), "{empty}");
        let key_only = b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIB4=\n-----END PRIVATE KEY-----\n";
        assert!(
            TrustedAuthorities::from_pem(key_only).unwrap_err().to_string().contains("holds no certificate")
        );
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(TrustedAuthorities::from_pem(broken).is_err());
        let garbage_der = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let refused = TrustedAuthorities::from_pem(garbage_der).unwrap_err().to_string();
        assert!(refused.contains("cannot be trusted"), "{refused}");
    }
}
