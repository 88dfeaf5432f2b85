//! Delivers the outbox over SMTP: retries with a growing delay, gives up on permanent refusals,
//! and keeps each message's state. Several instances may send from one database: a message is
//! claimed (with a lease) before it is sent.
//!
//! A message is sent with the Message-ID it was queued with. If an instance stops between the
//! SMTP server's acceptance and recording it, the lease runs out and the message is sent again
//! with the same Message-ID, which receiving systems use to drop the copy. A graceful stop
//! finishes the message in hand first, so a restart sends nothing twice.

use std::sync::Arc;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use super::settings::Outgoing;
use super::trust::TrustedAuthorities;
use portico_store::mail::ClaimedMail;
use portico_store::{Store, now_ms};

/// Attempts before a message that keeps failing for passing reasons is given up.
pub const MAX_ATTEMPTS: i64 = 10;
/// Messages claimed per round.
const BATCH: i64 = 20;
/// How often to look for due messages when nothing woke the sender.
const POLL: Duration = Duration::from_secs(2);

/// The wait before retry number `attempts`: `base`, twice that, four times … at most 2 hours.
pub fn retry_delay(base: Duration, attempts: i64) -> Duration {
    let exponent = attempts.clamp(1, 16) as u32 - 1;
    base.saturating_mul(1 << exponent).min(Duration::from_secs(2 * 3600))
}

/// The running sender; stop it with [`SenderHandle::shut_down`].
pub struct SenderHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SenderHandle {
    /// Lets the message in hand finish, hands back the rest of the claimed ones, and stops.
    pub async fn shut_down(self) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(15), &mut task).await.is_err() {
            task.abort();
        }
    }
}

pub fn start(
    store: Store,
    outgoing: &Outgoing,
    trusted: Option<&TrustedAuthorities>,
    queued: Arc<Notify>,
) -> anyhow::Result<SenderHandle> {
    let url = outgoing.smtp_url.expose_secret();
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|error| anyhow::anyhow!("PORTICO_SMTP_URL: {error}"))?
        .timeout(Some(Duration::from_secs(30)));
    if let Some(trusted) = trusted {
        builder = builder.tls(tls_trusting(url, trusted)?);
    }
    let transport = builder.build();
    let (stop, stopping) = watch::channel(false);
    let sender = Sender {
        store,
        transport,
        envelope_from: outgoing.from.email.clone(),
        lease_ms: outgoing.lease.as_millis() as i64,
        retry_base: outgoing.retry_base,
        queued,
        stopping,
    };
    Ok(SenderHandle { stop, task: tokio::spawn(sender.run()) })
}

/// The TLS mode the URL asks for (as lettre reads it), with the extra authorities trusted.
fn tls_trusting(url: &str, trusted: &TrustedAuthorities) -> anyhow::Result<Tls> {
    let parsed = url::Url::parse(url).map_err(|error| anyhow::anyhow!("PORTICO_SMTP_URL: {error}"))?;
    let host = parsed.host_str().unwrap_or_default().to_string();
    let certificate = Certificate::from_pem(trusted.pem())
        .map_err(|error| anyhow::anyhow!("PORTICO_MAIL_CA_FILE: {error}"))?;
    let parameters = TlsParameters::builder(host)
        .add_root_certificate(certificate)
        .build_rustls()
        .map_err(|error| anyhow::anyhow!("TLS for the SMTP server: {error}"))?;
    let asked = parsed.query_pairs().find(|(key, _)| key == "tls").map(|(_, value)| value.into_owned());
    Ok(match (parsed.scheme(), asked.as_deref()) {
        ("smtps", _) => Tls::Wrapper(parameters),
        (_, Some("required")) => Tls::Required(parameters),
        (_, Some("opportunistic")) => Tls::Opportunistic(parameters),
        _ => Tls::None,
    })
}

struct Sender {
    store: Store,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    envelope_from: lettre::Address,
    lease_ms: i64,
    retry_base: Duration,
    queued: Arc<Notify>,
    stopping: watch::Receiver<bool>,
}

impl Sender {
    async fn run(mut self) {
        loop {
            if *self.stopping.borrow() {
                return;
            }
            let claimed = match self.store.claim_due_mail(BATCH, self.lease_ms).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the mail outbox");
                    Vec::new()
                }
            };
            let full = claimed.len() as i64 == BATCH;
            let mut remaining = claimed.into_iter();
            for mail in remaining.by_ref() {
                self.send(mail).await;
                if *self.stopping.borrow() {
                    break;
                }
            }
            let unsent: Vec<_> = remaining.map(|mail| mail.id).collect();
            if !unsent.is_empty()
                && let Err(error) = self.store.release_mail(&unsent).await
            {
                tracing::warn!(%error, "could not hand back claimed mail; it is sent once its lease runs out");
            }
            if *self.stopping.borrow() {
                return;
            }
            if full {
                continue;
            }
            tokio::select! {
                _ = self.queued.notified() => {},
                _ = tokio::time::sleep(POLL) => {},
                _ = self.stopping.changed() => {},
            }
        }
    }

    async fn send(&self, mail: ClaimedMail) {
        let attempt = mail.attempts + 1;
        let outcome = match mail.recipient.parse::<lettre::Address>() {
            Err(error) => Err((format!("not a deliverable address: {error}"), true)),
            Ok(to) => match Envelope::new(Some(self.envelope_from.clone()), vec![to]) {
                Err(error) => Err((format!("cannot address the message: {error}"), true)),
                Ok(envelope) => self
                    .transport
                    .send_raw(&envelope, &mail.message)
                    .await
                    .map(|_| ())
                    .map_err(|error| (format!("{error}"), error.is_permanent())),
            },
        };
        let recorded = match outcome {
            Ok(()) => {
                metrics::counter!("portico_mail_sent_total").increment(1);
                self.store.mail_sent(mail.id).await
            }
            Err((error, permanent)) => {
                let give_up = permanent || attempt >= MAX_ATTEMPTS;
                let retry_at =
                    (!give_up).then(|| now_ms() + retry_delay(self.retry_base, attempt).as_millis() as i64);
                metrics::counter!("portico_mail_failures_total", "final" => if give_up { "yes" } else { "no" })
                    .increment(1);
                tracing::warn!(mail = %mail.id, attempt, permanent, error, "a mail could not be delivered");
                self.store.mail_attempt_failed(mail.id, &error, retry_at).await
            }
        };
        if let Err(error) = recorded {
            tracing::warn!(mail = %mail.id, %error, "could not record a mail's delivery");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_two_hours() {
        let base = Duration::from_secs(30);
        assert_eq!(retry_delay(base, 1), Duration::from_secs(30));
        assert_eq!(retry_delay(base, 2), Duration::from_secs(60));
        assert_eq!(retry_delay(base, 5), Duration::from_secs(480));
        assert_eq!(retry_delay(base, 9), Duration::from_secs(2 * 3600));
        assert_eq!(retry_delay(base, 1000), Duration::from_secs(2 * 3600));
    }
}
