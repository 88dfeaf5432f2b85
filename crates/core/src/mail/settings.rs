//! How Portico reaches mail: the SMTP server notifications leave through, the sender, the
//! address replies come back to, and the mailbox polled for incoming mail.

use std::time::Duration;

use clap::Args;
use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use portico_domain::email::EmailAddress;

use crate::mail::trust::TrustedAuthorities;

#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// SMTP server for notifications, as a URL: `smtp://host:25` (no TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://user:pass@host:465`.
    /// Without it no mail is sent.
    #[arg(long, env = "PORTICO_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<SecretString>,

    /// The sender of notifications, e.g. `Acme Service Desk <support@msp.example>`.
    #[arg(long, env = "PORTICO_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// The address replies go to, e.g. `support@msp.example`; each mail's Reply-To adds a
    /// per-ticket tag to it (`support+t-TOKEN@msp.example`). Mail to it must reach Portico
    /// (IMAP polling or the inbound HTTP endpoint).
    #[arg(long, env = "PORTICO_MAIL_INBOUND_ADDRESS")]
    pub mail_inbound_address: Option<String>,

    /// A mailbox to poll for replies and new tickets: `imaps://user:pass@host/INBOX`
    /// (or `imap://…` without TLS, for a server on the same host).
    #[arg(long, env = "PORTICO_IMAP_URL", hide_env_values = true)]
    pub imap_url: Option<SecretString>,

    /// The folder handled messages are moved to (created when missing).
    #[arg(long, env = "PORTICO_IMAP_PROCESSED_FOLDER", default_value = "Processed")]
    pub imap_processed_folder: String,

    /// The folder messages Portico refused are moved to, each logged with its reason (created
    /// when missing): nothing refused is lost, and nothing refused blocks the messages behind it.
    #[arg(long, env = "PORTICO_IMAP_QUARANTINE_FOLDER", default_value = "Rejected")]
    pub imap_quarantine_folder: String,

    /// The authserv-id of the receiving mail server whose `Authentication-Results` header
    /// Portico may believe (e.g. `mx.msp.example`). Only with it can a reply without its
    /// sender's own reply token (one that names the ticket in its subject or threads under a
    /// notification) be attributed to its sender, and only when that header shows a DMARC pass
    /// for the sender's domain. The server must remove such headers arriving from outside.
    #[arg(long, env = "PORTICO_MAIL_TRUSTED_AUTHSERV_ID")]
    pub mail_trusted_authserv_id: Option<String>,

    /// Certificate authorities (a PEM file) trusted for the SMTP and IMAP servers besides the
    /// public ones: for mail servers whose certificates come from the MSP's own CA.
    #[arg(long, env = "PORTICO_MAIL_CA_FILE")]
    pub mail_ca_file: Option<std::path::PathBuf>,

    /// Seconds a sending instance holds a message it began to send before another instance
    /// may send it (after a crash mid-send, the message goes out again with the same
    /// Message-ID).
    #[arg(long, env = "PORTICO_MAIL_LEASE_SECONDS", default_value_t = 60, hide = true)]
    pub mail_lease_seconds: u64,

    /// Seconds between two looks at the mailbox.
    #[arg(long, env = "PORTICO_IMAP_POLL_SECONDS", default_value_t = 30)]
    pub imap_poll_seconds: u64,

    /// Incoming messages larger than this many megabytes are rejected.
    #[arg(long, env = "PORTICO_MAIL_MAX_MB", default_value_t = 25)]
    pub mail_max_mb: u64,
}

/// An authserv-id is a host-like name (RFC 8601 `value`): letters, digits, dots, hyphens.
fn trusted_authserv_id(raw: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(id) = raw.map(str::trim).filter(|id| !id.is_empty()) else { return Ok(None) };
    let valid = id.len() <= 253 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !valid {
        anyhow::bail!("PORTICO_MAIL_TRUSTED_AUTHSERV_ID must be a server name like mx.msp.example");
    }
    Ok(Some(id.to_ascii_lowercase()))
}

/// Outgoing mail, when an SMTP server is configured.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub smtp_url: SecretString,
    pub from: Mailbox,
    /// Where replies go; `None`: to the sender's address, untagged.
    pub reply_address: Option<EmailAddress>,
    /// How long a sending instance holds a message before another may try it.
    pub lease: Duration,
    /// The wait before the first retry; each further retry waits twice as long.
    pub retry_base: Duration,
}

/// The mailbox polled for incoming mail.
#[derive(Debug, Clone)]
pub struct PolledMailbox {
    pub url: SecretString,
    pub processed_folder: String,
    pub quarantine_folder: String,
    pub poll: Duration,
}

/// Everything about mail, validated.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub outgoing: Option<Outgoing>,
    /// The address replies come back to (tagged per ticket), for recognising replies.
    pub inbound_address: Option<EmailAddress>,
    pub imap: Option<PolledMailbox>,
    pub max_inbound_bytes: usize,
    /// The receiving server whose DMARC verdicts are believed (see [`MailArgs`]).
    pub trusted_authserv_id: Option<String>,
    /// Authorities trusted for the mail servers besides the public ones.
    pub trusted_authorities: Option<TrustedAuthorities>,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            outgoing: None,
            inbound_address: None,
            imap: None,
            max_inbound_bytes: 25 * 1024 * 1024,
            trusted_authserv_id: None,
            trusted_authorities: None,
        }
    }
}

impl MailSettings {
    /// The size limit of incoming messages, as people read it.
    pub fn inbound_limit_text(&self) -> String {
        portico_domain::text::size_limit_text(self.max_inbound_bytes as u64)
    }

    pub fn from_args(args: &MailArgs) -> anyhow::Result<Self> {
        let inbound_address = args
            .mail_inbound_address
            .as_deref()
            .filter(|raw| !raw.trim().is_empty())
            .map(|raw| {
                let address = EmailAddress::parse("PORTICO_MAIL_INBOUND_ADDRESS", raw)
                    .map_err(|error| anyhow::anyhow!("{}: {}", error.field, error.message))?;
                if address.as_str().contains('+') {
                    anyhow::bail!(
                        "PORTICO_MAIL_INBOUND_ADDRESS must not contain '+': Portico adds its own tag after a '+'"
                    );
                }
                Ok(address)
            })
            .transpose()?;
        let outgoing = match args.smtp_url.as_ref().filter(|url| !url.expose_secret().trim().is_empty()) {
            None => None,
            Some(url) => Some(Outgoing {
                smtp_url: check_smtp_url(url)?,
                from: parse_from(args.mail_from.as_deref())?,
                reply_address: inbound_address.clone(),
                lease: Duration::from_secs(args.mail_lease_seconds.max(1)),
                retry_base: Duration::from_secs(30),
            }),
        };
        let imap = match args.imap_url.as_ref().filter(|url| !url.expose_secret().trim().is_empty()) {
            None => None,
            Some(url) => {
                check_imap_url(url)?;
                if args.imap_processed_folder.trim().is_empty() {
                    anyhow::bail!("PORTICO_IMAP_PROCESSED_FOLDER must name a folder");
                }
                if args.imap_quarantine_folder.trim().is_empty() {
                    anyhow::bail!("PORTICO_IMAP_QUARANTINE_FOLDER must name a folder");
                }
                Some(PolledMailbox {
                    url: url.clone(),
                    processed_folder: args.imap_processed_folder.trim().to_string(),
                    quarantine_folder: args.imap_quarantine_folder.trim().to_string(),
                    poll: Duration::from_secs(args.imap_poll_seconds.max(1)),
                })
            }
        };
        if args.mail_max_mb == 0 {
            anyhow::bail!("PORTICO_MAIL_MAX_MB must be at least 1");
        }
        Ok(Self {
            outgoing,
            inbound_address,
            imap,
            max_inbound_bytes: usize::try_from(args.mail_max_mb.saturating_mul(1024 * 1024))
                .unwrap_or(usize::MAX),
            trusted_authserv_id: trusted_authserv_id(args.mail_trusted_authserv_id.as_deref())?,
            trusted_authorities: args.mail_ca_file.as_deref().map(TrustedAuthorities::load).transpose()?,
        })
    }
}

fn parse_from(raw: Option<&str>) -> anyhow::Result<Mailbox> {
    let raw = raw.map(str::trim).filter(|raw| !raw.is_empty()).ok_or_else(|| {
        anyhow::anyhow!("PORTICO_MAIL_FROM is required with PORTICO_SMTP_URL, e.g. 'Acme Service Desk <support@msp.example>'")
    })?;
    raw.parse::<Mailbox>().map_err(|error| {
        anyhow::anyhow!(
            "PORTICO_MAIL_FROM is not a mailbox like 'Acme Service Desk <support@msp.example>': {error}"
        )
    })
}

fn check_smtp_url(url: &SecretString) -> anyhow::Result<SecretString> {
    let parsed = Url::parse(url.expose_secret().trim())
        .map_err(|error| anyhow::anyhow!("PORTICO_SMTP_URL is not a URL: {error}"))?;
    if !matches!(parsed.scheme(), "smtp" | "smtps") || parsed.host_str().is_none_or(str::is_empty) {
        anyhow::bail!(
            "PORTICO_SMTP_URL must look like smtp://host:25, smtp://host:587?tls=required or smtps://user:pass@host:465"
        );
    }
    Ok(SecretString::from(url.expose_secret().trim().to_string()))
}

fn check_imap_url(url: &SecretString) -> anyhow::Result<()> {
    let parsed = Url::parse(url.expose_secret().trim())
        .map_err(|error| anyhow::anyhow!("PORTICO_IMAP_URL is not a URL: {error}"))?;
    if !matches!(parsed.scheme(), "imap" | "imaps") || parsed.host_str().is_none_or(str::is_empty) {
        anyhow::bail!("PORTICO_IMAP_URL must look like imaps://user:pass@host/INBOX");
    }
    if parsed.username().is_empty() {
        anyhow::bail!("PORTICO_IMAP_URL must name the mailbox's user: imaps://user:pass@host/INBOX");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> MailArgs {
        MailArgs {
            smtp_url: None,
            mail_from: None,
            mail_inbound_address: None,
            imap_url: None,
            imap_processed_folder: "Processed".into(),
            imap_quarantine_folder: "Rejected".into(),
            mail_trusted_authserv_id: None,
            mail_ca_file: None,
            mail_lease_seconds: 60,
            imap_poll_seconds: 30,
            mail_max_mb: 25,
        }
    }

    #[test]
    fn the_trusted_authserv_id_is_a_server_name() {
        let mut with_id = args();
        with_id.mail_trusted_authserv_id = Some(" MX.msp.example ".into());
        assert_eq!(
            MailSettings::from_args(&with_id).unwrap().trusted_authserv_id.as_deref(),
            Some("mx.msp.example")
        );
        with_id.mail_trusted_authserv_id = Some("mx.msp.example; dmarc=pass".into());
        let error = MailSettings::from_args(&with_id).unwrap_err().to_string();
        assert!(error.contains("PORTICO_MAIL_TRUSTED_AUTHSERV_ID"), "{error}");
    }

    #[test]
    fn no_smtp_url_means_no_outgoing_mail() {
        let settings = MailSettings::from_args(&args()).unwrap();
        assert!(settings.outgoing.is_none());
        assert_eq!(settings.max_inbound_bytes, 25 * 1024 * 1024);
    }

    #[test]
    fn an_smtp_url_needs_a_sender_and_a_known_scheme() {
        let mut with_url = args();
        with_url.smtp_url = Some(SecretString::from("smtp://127.0.0.1:2525"));
        let error = MailSettings::from_args(&with_url).unwrap_err().to_string();
        assert!(error.contains("PORTICO_MAIL_FROM is required"), "{error}");
        with_url.mail_from = Some("Acme Service Desk <support@msp.example>".into());
        let settings = MailSettings::from_args(&with_url).unwrap();
        assert_eq!(settings.outgoing.unwrap().from.email.to_string(), "support@msp.example");
        with_url.smtp_url = Some(SecretString::from("http://mail.example"));
        let error = MailSettings::from_args(&with_url).unwrap_err().to_string();
        assert!(error.contains("PORTICO_SMTP_URL must look like"), "{error}");
        with_url.smtp_url = Some(SecretString::from("smtp://127.0.0.1:2525"));
        with_url.mail_from = Some("not a mailbox".into());
        let error = MailSettings::from_args(&with_url).unwrap_err().to_string();
        assert!(error.contains("PORTICO_MAIL_FROM is not a mailbox"), "{error}");
    }

    #[test]
    fn the_inbound_address_must_leave_the_plus_tag_to_portico() {
        let mut tagged = args();
        tagged.mail_inbound_address = Some("support+desk@msp.example".into());
        let error = MailSettings::from_args(&tagged).unwrap_err().to_string();
        assert!(error.contains("must not contain '+'"), "{error}");
        tagged.mail_inbound_address = Some("Support@MSP.example".into());
        let settings = MailSettings::from_args(&tagged).unwrap();
        assert_eq!(settings.inbound_address.unwrap().as_str(), "support@msp.example");
    }

    #[test]
    fn an_imap_url_needs_a_user_and_an_imap_scheme() {
        let mut polled = args();
        polled.imap_url = Some(SecretString::from("imaps://mail.example/INBOX"));
        assert!(
            MailSettings::from_args(&polled)
                .unwrap_err()
                .to_string()
                .contains("must name the mailbox's user")
        );
        polled.imap_url = Some(SecretString::from("pop3://u:p@mail.example"));
        assert!(
            MailSettings::from_args(&polled).unwrap_err().to_string().contains("must look like imaps://")
        );
        polled.imap_url = Some(SecretString::from("imaps://desk:secret@mail.example/INBOX"));
        assert!(MailSettings::from_args(&polled).unwrap().imap.is_some());
    }
}
