//! The test suite's real IMAP server: Debian's Dovecot, started per test with its own
//! configuration, port and Maildir, and stopped (by its process) when the test ends.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::processes::Helper;

const DOVECOT: &str = "/usr/sbin/dovecot";
const USER: &str = "desk";
const PASSWORD: &str = "mailbox password";

pub struct TestImap {
    pub port: u16,
    dir: PathBuf,
    mail_owner: (u32, u32),
    process: Helper,
}

impl TestImap {
    /// `None` without Dovecot when skipping was asked for ([`crate::support::missing`]).
    pub async fn start() -> Option<Self> {
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
            let config = format!(
                "base_dir = {dir}/run\nstate_dir = {dir}/state\nlog_path = {dir}/dovecot.log\n\
                 listen = 127.0.0.1\nprotocols = imap\nssl = no\ndisable_plaintext_auth = no\n\
                 login_greeting = {greeting}\nauth_mechanisms = plain login\n{users}\
                 mail_location = maildir:{dir}/mail/%u\nfirst_valid_uid = 1\n\
                 passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN {dir}/passwd\n}}\n\
                 userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={dir}/home/%u\n}}\n\
                 service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  \
                 inet_listener imaps {{\n    port = 0\n  }}\n}}\n",
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
            match wait_for_greeting(&dir, port, &greeting).await {
                Ready::Yes => return Some(Self { port, dir, mail_owner, process }),
                Ready::PortTaken => process.end(),
            }
        }
        panic!("Dovecot found no free port in eight tries");
    }

    /// `PORTICO_IMAP_URL` for this mailbox.
    pub fn url(&self) -> String {
        format!("imap://{USER}:{}@127.0.0.1:{}/INBOX", PASSWORD.replace(' ', "%20"), self.port)
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

async fn wait_for_greeting(dir: &Path, port: u16, greeting: &str) -> Ready {
    use tokio::io::AsyncReadExt;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let log = std::fs::read_to_string(dir.join("dovecot.log")).unwrap_or_default();
        if log.contains("Address already in use") {
            return Ready::PortTaken;
        }
        if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let mut first = vec![0; 512];
            let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut first)).await;
            let said = match read {
                Ok(Ok(n)) => String::from_utf8_lossy(&first[..n]).into_owned(),
                _ => String::new(),
            };
            if said.starts_with("* OK") && said.contains(greeting) {
                return Ready::Yes;
            }
            // Anything else is another server on the port: Dovecot will report it taken.
        }
        assert!(tokio::time::Instant::now() < deadline, "Dovecot did not start: {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
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
