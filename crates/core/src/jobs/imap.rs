//! Polling a mailbox over IMAP: each message in the folder is handled like one handed to the
//! HTTP endpoint, then moved to the processed folder, or to the quarantine folder when Portico
//! refused it (its reason is logged and remembered by Message-ID). A message whose handling
//! failed while the database answers is tried again at the next polls and quarantined after
//! [`MAX_TRIES`]; when the database is away the round stops and everything waits for it. No
//! message blocks the ones behind it. One handled twice (two instances polling one mailbox) is
//! recognised by its Message-ID.

use std::collections::HashMap;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_imap::Client;
use futures::TryStreamExt;
use secrecy::ExposeSecret;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use url::Url;

use crate::context::Context as Core;
use crate::mail::mailbox::{LastPoll, PollReport};
use crate::mail::settings::PolledMailbox;
use crate::mail::trust::TrustedAuthorities;
use crate::usecases::inbound_mail;
use portico_domain::actor::Actor;
use portico_domain::invariant::guaranteed;

/// Messages fetched per round, so a full mailbox is worked through in bounded memory.
const BATCH: usize = 20;
/// How often a message may fail for a reason of Portico's own, while the database answers,
/// before it is set aside in the quarantine folder.
pub const MAX_TRIES: u32 = 5;

/// Failed tries per message (by UID), kept between polls.
#[derive(Debug, Default)]
pub struct Tries(HashMap<u32, u32>);

/// Where and how to log in, read from `PORTICO_IMAP_URL`.
struct Account {
    host: String,
    port: u16,
    tls: bool,
    user: String,
    password: String,
    folder: String,
}

impl Account {
    fn from_url(raw: &str) -> anyhow::Result<Self> {
        let url = Url::parse(raw).context("PORTICO_IMAP_URL is not a URL")?;
        let tls = url.scheme() == "imaps";
        let decode = |text: &str| percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned();
        let folder = decode(url.path().trim_start_matches('/'));
        Ok(Self {
            host: url.host_str().context("PORTICO_IMAP_URL names no host")?.to_string(),
            port: url.port().unwrap_or(if tls { 993 } else { 143 }),
            tls,
            user: decode(url.username()),
            password: decode(url.password().unwrap_or_default()),
            folder: if folder.is_empty() { "INBOX".to_string() } else { folder },
        })
    }
}

/// Starts polling when a mailbox is configured.
pub fn start(cx: Core, last_poll: LastPoll) -> Option<JoinHandle<()>> {
    let mailbox = cx.config().mail.imap.clone()?;
    Some(tokio::spawn(async move {
        let mut tries = Tries::default();
        loop {
            let outcome = poll_once(&cx, &mailbox, &mut tries).await.map_err(|error| format!("{error:#}"));
            match &outcome {
                Ok(0) => {}
                Ok(handled) => tracing::info!(handled, "handled incoming mail"),
                Err(error) => tracing::warn!(error, "could not read the mailbox; retrying"),
            }
            let report = PollReport { at: time::OffsetDateTime::now_utc(), outcome };
            last_poll.record(report);
            tokio::time::sleep(mailbox.poll).await;
        }
    }))
}

/// One look at the mailbox: handles every message there; returns how many were handled.
pub async fn poll_once(cx: &Core, mailbox: &PolledMailbox, tries: &mut Tries) -> anyhow::Result<usize> {
    let account = Account::from_url(mailbox.url.expose_secret())?;
    let tcp = tokio::time::timeout(
        Duration::from_secs(30),
        TcpStream::connect((account.host.as_str(), account.port)),
    )
    .await
    .context("connecting to the IMAP server timed out")?
    .with_context(|| format!("cannot connect to {}:{}", account.host, account.port))?;
    if account.tls {
        let stream = tls_connector(cx.config().mail.trusted_authorities.as_ref())
            .connect(
                tokio_rustls::rustls::pki_types::ServerName::try_from(account.host.clone())
                    .context("not a TLS server name")?,
                tcp,
            )
            .await
            .context("TLS with the IMAP server failed")?;
        work(Client::new(stream), &account, cx, mailbox, tries).await
    } else {
        work(Client::new(tcp), &account, cx, mailbox, tries).await
    }
}

fn tls_connector(trusted: Option<&TrustedAuthorities>) -> tokio_rustls::TlsConnector {
    let roots = TrustedAuthorities::with_public_roots(trusted);
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = guaranteed(
        tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions(),
        "ring supports the default TLS versions",
    )
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn work<S>(
    mut client: Client<S>,
    account: &Account,
    cx: &Core,
    mailbox: &PolledMailbox,
    tries: &mut Tries,
) -> anyhow::Result<usize>
where
    S: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    client.read_response().await.context("no greeting from the IMAP server")?;
    let mut session = client
        .login(&account.user, &account.password)
        .await
        .map_err(|(error, _)| anyhow::anyhow!("the IMAP server refused the login: {error}"))?;
    // Creating a folder that exists fails harmlessly.
    let _ = session.create(&mailbox.processed_folder).await;
    let _ = session.create(&mailbox.quarantine_folder).await;
    session
        .select(&account.folder)
        .await
        .with_context(|| format!("cannot open the folder {}", account.folder))?;
    let can_move = session.capabilities().await.map(|caps| caps.has_str("MOVE")).unwrap_or(false);
    let mut uids: Vec<u32> =
        session.uid_search("ALL").await.context("cannot list the messages")?.into_iter().collect();
    uids.sort_unstable();
    let actor = Actor::system();
    let mut handled = 0;
    for chunk in uids.chunks(BATCH) {
        let set = chunk.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let fetched: Vec<_> = session
            .uid_fetch(&set, "(UID BODY.PEEK[])")
            .await
            .context("cannot fetch messages")?
            .try_collect()
            .await?;
        for message in fetched {
            let (Some(uid), Some(raw)) = (message.uid, message.body()) else { continue };
            let folder = match inbound_mail::receive(cx, &actor, raw).await {
                Ok(received) => {
                    tries.0.remove(&uid);
                    tracing::info!(
                        uid,
                        outcome = received.outcome.as_str(),
                        reason = received.reason.as_deref().unwrap_or_default(),
                        "handled a message from the mailbox"
                    );
                    if received.outcome == inbound_mail::Outcome::Rejected {
                        &mailbox.quarantine_folder
                    } else {
                        &mailbox.processed_folder
                    }
                }
                Err(error) if !crate::usecases::history::database_answers(cx).await => {
                    return Err(anyhow::anyhow!("handling a message failed, the database is away: {error}"));
                }
                Err(error) => {
                    let count = tries.0.entry(uid).or_default();
                    *count += 1;
                    if *count < MAX_TRIES {
                        tracing::warn!(uid, tries = *count, %error, "handling a message failed; it is tried again later");
                        continue;
                    }
                    tracing::error!(uid, tries = *count, %error, "handling a message kept failing; set aside in quarantine");
                    tries.0.remove(&uid);
                    &mailbox.quarantine_folder
                }
            };
            move_message(&mut session, uid, folder, can_move).await?;
            handled += 1;
        }
    }
    if !can_move && handled > 0 {
        let _: Vec<_> = session.expunge().await?.try_collect().await?;
    }
    session.logout().await.ok();
    Ok(handled)
}

async fn move_message<S>(
    session: &mut async_imap::Session<S>,
    uid: u32,
    folder: &str,
    can_move: bool,
) -> anyhow::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let uid = uid.to_string();
    if can_move {
        session.uid_mv(&uid, folder).await.context("cannot move a handled message")?;
    } else {
        session.uid_copy(&uid, folder).await.context("cannot copy a handled message")?;
        let _: Vec<_> = session.uid_store(&uid, "+FLAGS.SILENT (\\Deleted)").await?.try_collect().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_names_the_account_and_folder() {
        let account =
            Account::from_url("imaps://desk%40msp.example:p%40ss@mail.example/Support%20Inbox").unwrap();
        assert_eq!((account.host.as_str(), account.port, account.tls), ("mail.example", 993, true));
        assert_eq!((account.user.as_str(), account.password.as_str()), ("desk@msp.example", "p@ss"));
        assert_eq!(account.folder, "Support Inbox");
        let plain = Account::from_url("imap://u:p@127.0.0.1:1143").unwrap();
        assert_eq!((plain.port, plain.tls, plain.folder.as_str()), (1143, false, "INBOX"));
    }
}
