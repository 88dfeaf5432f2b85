//! The test suite's real IMAP server: Debian's Dovecot, started per test with its own
//! configuration, port and Maildir, and stopped (by its process) when the test ends.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use rustls_pki_types::pem::PemObject;

use crate::processes::Helper;
use crate::test_ca::TestCa;

const DOVECOT: &str = "/usr/sbin/dovecot";
const USER: &str = "desk";
const PASSWORD: &str = "mailbox password";

pub struct TestImap {
    pub port: u16,
    dir: PathBuf,
    mail_owner: (u32, u32),
    /// Only over TLS (IMAPS), with a certificate from a test CA.
    tls: bool,
    process: Helper,
}

impl TestImap {
    /// `None` without Dovecot when skipping was asked for ([`crate::support::missing`]).
    pub async fn start() -> Option<Self> {
        Self::start_with(None).await
    }

    /// A server that speaks only IMAPS, with a certificate `ca` signed.
    pub async fn start_tls(ca: &TestCa) -> Option<Self> {
        Self::start_with(Some(ca)).await
    }

    async fn start_with(ca: Option<&TestCa>) -> Option<Self> {
        if !Path::new(DOVECOT).exists() {
            crate::support::missing("Dovecot (Debian package dovecot-imapd, for the test IMAP server)");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("portico-imap-{}", uuid::Uuid::now_v7().simple()));
        for sub in ["run", "state", "home"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let maildir = dir.join("mail").join(USER);
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        // Dovecot never serves mail as root: as root, the mail belongs to `nobody`.
        let me = std::fs::metadata(&dir).unwrap();
        let running_as_root = me.uid() == 0;
        let mail_owner = if running_as_root { (65534, 65534) } else { (me.uid(), me.gid()) };
        chown_tree(&dir.join("mail"), mail_owner);
        chown_tree(&dir.join("home"), mail_owner);
        std::fs::write(dir.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        let users = if running_as_root {
            String::new()
        } else {
            let name = std::env::var("USER").unwrap_or_else(|_| "nobody".into());
            format!("default_internal_user = {name}\ndefault_login_user = {name}\n")
        };
        // Dovecot cannot be asked for a port the system picks: it is given a candidate outside
        // the range the system hands out to clients, and another one when it reports the port
        // taken. It counts as ready when its greeting carries this start's own word, so a
        // server that was already on the port is never mistaken for it.
        let greeting = format!("portico-test-{}", uuid::Uuid::now_v7().simple());
        for _ in 0..8 {
            let port = candidate_port();
            let (ssl, plain_port, tls_port) = match ca {
                None => ("ssl = no\n".to_string(), port, 0),
                Some(ca) => (
                    format!(
                        "ssl = required\nssl_cert = <{}\nssl_key = <{}\n",
                        ca.cert_file.display(),
                        ca.key_file.display()
                    ),
                    0,
                    port,
                ),
            };
            let config = format!(
                "base_dir = {dir}/run\nstate_dir = {dir}/state\nlog_path = {dir}/dovecot.log\n\
                 listen = 127.0.0.1\nprotocols = imap\n{ssl}disable_plaintext_auth = no\n\
                 login_greeting = {greeting}\nauth_mechanisms = plain login\n{users}\
                 mail_location = maildir:{dir}/mail/%u\nfirst_valid_uid = 1\n\
                 passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN {dir}/passwd\n}}\n\
                 userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={dir}/home/%u\n}}\n\
                 service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {plain_port}\n  }}\n  \
                 inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n    ssl = yes\n  }}\n}}\n",
                dir = dir.display(),
                uid = mail_owner.0,
                gid = mail_owner.1,
            );
            std::fs::write(dir.join("dovecot.conf"), config).unwrap();
            std::fs::remove_file(dir.join("dovecot.log")).ok();
            let mut command = Command::new(DOVECOT);
            command
                .args(["-F", "-c"])
                .arg(dir.join("dovecot.conf"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let mut process = Helper::spawn(command, DOVECOT).expect("start Dovecot");
            match wait_for_greeting(&dir, port, &greeting, ca).await {
                Ready::Yes => return Some(Self { port, dir, mail_owner, tls: ca.is_some(), process }),
                Ready::PortTaken => process.end(),
            }
        }
        panic!("Dovecot found no free port in eight tries");
    }

    /// `PORTICO_IMAP_URL` for this mailbox.
    pub fn url(&self) -> String {
        let password = PASSWORD.replace(' ', "%20");
        match self.tls {
            false => format!("imap://{USER}:{password}@127.0.0.1:{}/INBOX", self.port),
            true => format!("imaps://{USER}:{password}@localhost:{}/INBOX", self.port),
        }
    }

    /// Puts a message into the inbox, as the MTA would.
    pub fn deliver(&self, raw: &[u8]) {
        let name = format!("{}.portico-test", uuid::Uuid::now_v7().simple());
        let tmp = self.maildir().join("tmp").join(&name);
        std::fs::write(&tmp, raw).unwrap();
        std::os::unix::fs::chown(&tmp, Some(self.mail_owner.0), Some(self.mail_owner.1)).unwrap();
        std::fs::rename(&tmp, self.maildir().join("new").join(name)).unwrap();
    }

    fn maildir(&self) -> PathBuf {
        self.dir.join("mail").join(USER)
    }

    /// Messages in a folder (`""`: the inbox).
    pub fn count(&self, folder: &str) -> usize {
        let base = if folder.is_empty() { self.maildir() } else { self.maildir().join(format!(".{folder}")) };
        ["new", "cur"]
            .iter()
            .map(|sub| std::fs::read_dir(base.join(sub)).map_or(0, std::iter::Iterator::count))
            .sum()
    }
}

impl Drop for TestImap {
    fn drop(&mut self) {
        // Ends only the Dovecot this test started, with the processes it started (one group).
        self.process.end();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

fn chown_tree(path: &Path, (uid, gid): (u32, u32)) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path(), (uid, gid));
        }
    }
}

async fn wait_for_greeting(dir: &Path, port: u16, greeting: &str, ca: Option<&TestCa>) -> Ready {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let log = std::fs::read_to_string(dir.join("dovecot.log")).unwrap_or_default();
        if log.contains("Address already in use") {
            return Ready::PortTaken;
        }
        if let Ok(stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let said = tokio::time::timeout(Duration::from_secs(5), first_words(stream, ca))
                .await
                .unwrap_or_default();
            if said.starts_with("* OK") && said.contains(greeting) {
                return Ready::Yes;
            }
            // Anything else is another server on the port: Dovecot will report it taken.
        }
        assert!(tokio::time::Instant::now() < deadline, "Dovecot did not start: {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What a server says first, read in the clear or, given the CA, over TLS verified by it.
async fn first_words(mut stream: tokio::net::TcpStream, ca: Option<&TestCa>) -> String {
    use tokio::io::AsyncReadExt;
    let mut first = vec![0; 512];
    let read = match ca {
        None => stream.read(&mut first).await,
        Some(ca) => {
            let mut roots = tokio_rustls::rustls::RootCertStore::empty();
            let pem = std::fs::read(&ca.ca_file).unwrap();
            for certificate in rustls_pki_types::CertificateDer::pem_slice_iter(&pem) {
                roots.add(certificate.unwrap()).unwrap();
            }
            let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
            let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
            let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
            let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
            match connector.connect(name, stream).await {
                Ok(mut tls) => tls.read(&mut first).await,
                Err(error) => Err(error),
            }
        }
    };
    match read {
        Ok(n) => String::from_utf8_lossy(&first[..n]).into_owned(),
        Err(_) => String::new(),
    }
}

enum Ready {
    Yes,
    PortTaken,
}

/// A port below Linux's default range for outgoing connections (32768 and up), so the many
/// client sockets of a parallel run never hold it.
fn candidate_port() -> u16 {
    20_000 + u16::try_from(uuid::Uuid::now_v7().as_u128() % 12_000).expect("under 12,000")
}
