//! The test suite's real SMTP server (npm `smtp-server`, run by Node), and what it received.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use secrecy::SecretString;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use portico::domain::email::EmailAddress;
use portico::mail::settings::{MailSettings, Outgoing};

use crate::processes::Helper;

/// A message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub raw: Vec<u8>,
    /// Whether it came over TLS (STARTTLS).
    pub secure: bool,
    /// The user the client signed in as, if it did.
    pub user: Option<String>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.raw).expect("a parseable message")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed().header_raw(name).map(|value| value.trim().to_string())
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_string()
    }

    pub fn text(&self) -> String {
        self.parsed().body_text(0).map(std::borrow::Cow::into_owned).unwrap_or_default()
    }

    pub fn html(&self) -> String {
        self.parsed().body_html(0).map(std::borrow::Cow::into_owned).unwrap_or_default()
    }

    pub fn reply_to(&self) -> String {
        let parsed = self.parsed();
        parsed.reply_to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_string()
    }
}

/// The receiving server whose `Authentication-Results` the test desks believe.
pub const TRUSTED_AUTHSERV_ID: &str = "mx.msp.example";

#[derive(Default)]
pub struct SmtpOptions {
    /// Answer the first this many messages with 451.
    pub temp_failures: u32,
    /// Hold each message this long before accepting it.
    pub delay_ms: u64,
    /// Offer STARTTLS with this CA's certificate and require these credentials over it.
    pub secured: Option<Secured>,
}

/// A server that takes mail only over TLS from a signed-in user.
pub struct Secured {
    pub ca: crate::test_ca::TestCa,
    pub user: String,
    pub password: String,
}

pub struct TestSmtp {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    secured: Option<Secured>,
    _process: Helper,
}

impl TestSmtp {
    /// `None` without Node when skipping was asked for ([`crate::support::missing`]).
    pub async fn start(options: SmtpOptions) -> Option<Self> {
        if Command::new("node").arg("--version").output().await.is_err() {
            crate::support::missing("Node.js (for the test SMTP server)");
            return None;
        }
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mail/smtp.mjs");
        let mut command = Command::new("node");
        command
            .arg(script)
            .env("SMTP_TEMPFAIL", options.temp_failures.to_string())
            .env("SMTP_DELAY_MS", options.delay_ms.to_string())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(secured) = &options.secured {
            command
                .env("SMTP_TLS_CERT", &secured.ca.cert_file)
                .env("SMTP_TLS_KEY", &secured.ca.key_file)
                .env("SMTP_USER", &secured.user)
                .env("SMTP_PASS", &secured.password);
        }
        let mut process = Helper::spawn(command, "node").expect("start the test SMTP server");
        let mut lines = BufReader::new(process.take_stdout().unwrap()).lines();
        let first = lines.next_line().await.unwrap().expect("the SMTP server prints its port");
        let ready: Value = serde_json::from_str(&first).unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = received.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let message: Value = serde_json::from_str(&line).unwrap();
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(message["raw"].as_str().unwrap())
                    .unwrap();
                let to = message["to"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_string())
                    .collect();
                let secure = message["secure"].as_bool().unwrap_or(false);
                let user = message["user"].as_str().map(str::to_string);
                sink.lock().unwrap().push(Received { to, raw, secure, user });
            }
        });
        let port = ready["port"].as_u64().unwrap() as u16;
        Some(Self { port, received, secured: options.secured, _process: process })
    }

    /// Mail settings sending through this server, replies to `help@msp.example`.
    pub fn settings(&self) -> MailSettings {
        let inbound = EmailAddress::parse("inbound", "help@msp.example").unwrap();
        MailSettings {
            outgoing: Some(Outgoing {
                smtp_url: SecretString::from(self.url()),
                from: "Acme Service Desk <desk@msp.example>".parse().unwrap(),
                reply_address: Some(inbound.clone()),
                lease: Duration::from_secs(60),
                retry_base: Duration::from_millis(200),
            }),
            inbound_address: Some(inbound),
            trusted_authserv_id: Some(TRUSTED_AUTHSERV_ID.into()),
            trusted_authorities: self.secured.as_ref().map(|secured| secured.ca.trusted()),
            ..Default::default()
        }
    }

    /// `PORTICO_SMTP_URL` for this server: plain, or STARTTLS with its user's credentials.
    pub fn url(&self) -> String {
        match &self.secured {
            None => format!("smtp://127.0.0.1:{}", self.port),
            Some(secured) => format!(
                "smtp://{}:{}@localhost:{}?tls=required",
                secured.user,
                secured.password.replace(' ', "%20"),
                self.port
            ),
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `count` messages arrived (or fails after 20 seconds).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} messages, got {}: {:?}",
                received.len(),
                received.iter().map(|m| (m.to.clone(), m.subject())).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (bounded: 20 seconds) for a message that `wanted` accepts, and returns it.
    pub async fn wait_for_one(&self, what: &str, wanted: impl Fn(&Received) -> bool) -> Received {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(found) = self.received().into_iter().find(|m| wanted(m)) {
                return found;
            }
            assert!(tokio::time::Instant::now() < deadline, "no mail came that is {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The messages to `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received().into_iter().filter(|m| m.to.iter().any(|to| to == address)).collect()
    }
}
