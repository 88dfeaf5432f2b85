//! A certificate authority made for one test, and a certificate it signs for the mail servers on
//! loopback, so that they speak TLS to a Portico told to trust this CA (`PORTICO_MAIL_CA_FILE`).
//! Portico trusts only the public roots otherwise: the same server is refused without the CA.

use std::path::PathBuf;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

use crate::support::TempDir;

pub struct TestCa {
    /// The CA's certificate (PEM), for `PORTICO_MAIL_CA_FILE`.
    pub ca_file: PathBuf,
    /// The server's certificate (PEM), for `localhost` and `127.0.0.1`.
    pub cert_file: PathBuf,
    /// The server's private key (PEM).
    pub key_file: PathBuf,
    _dir: TempDir,
}

impl TestCa {
    pub fn new() -> Self {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "Portico test CA");
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        let mut server =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        server.distinguished_name.push(DnType::CommonName, "localhost");
        let server_key = KeyPair::generate().unwrap();
        let server_cert = server.signed_by(&server_key, &ca).unwrap();
        let dir = TempDir::new("portico-test-ca");
        let (ca_file, cert_file, key_file) =
            (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"));
        std::fs::write(&ca_file, ca.pem()).unwrap();
        std::fs::write(&cert_file, server_cert.pem()).unwrap();
        std::fs::write(&key_file, server_key.serialize_pem()).unwrap();
        Self { ca_file, cert_file, key_file, _dir: dir }
    }

    /// The CA as Portico's settings hold it.
    pub fn trusted(&self) -> portico::mail::trust::TrustedAuthorities {
        portico::mail::trust::TrustedAuthorities::load(&self.ca_file).unwrap()
    }
}
