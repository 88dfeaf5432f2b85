//! What runs beside the requests for as long as the server runs: the event dispatcher, the mail
//! sender, the mailbox poller, the article backfill, the view counter's flushes, hearing other
//! instances, and the housekeeping that clears what has expired.

use std::time::Duration;

use secrecy::ExposeSecret;
use tokio::task::JoinHandle;

use crate::context::Context;
use crate::events::Dispatcher;
use crate::mail::sender::SenderHandle;
use portico_store::notify::{Heard, Invalidations};
use portico_store::sessions::SessionKind;
use tokio::sync::watch;

/// The running background work; [`Workers::shut_down`] ends it in order.
pub struct Workers {
    housekeeping: JoinHandle<()>,
    invalidations: JoinHandle<()>,
    article_views: Periodic,
    session_touches: Periodic,
    dispatcher: Dispatcher,
    mail_sender: Option<SenderHandle>,
    mailbox: Option<JoinHandle<()>>,
}

impl Workers {
    /// Starts every worker this instance runs; fails when the mail sender cannot be set up.
    pub fn start(cx: &Context) -> anyhow::Result<Self> {
        let config = cx.config();
        let store = cx.store();
        let housekeeping = tokio::spawn(housekeeping(cx.clone()));
        tokio::spawn(crate::jobs::article_html::render_articles_saved_before(store.clone()));
        let invalidations = tokio::spawn(follow_invalidations(cx.clone()));
        let views_store = store.clone();
        let article_views = Periodic::start(config.article_views_flush, move || {
            let store = views_store.clone();
            async move {
                if let Err(error) = store.flush_article_views().await {
                    tracing::warn!(%error, "could not write article views; they are kept for the next try");
                }
            }
        });
        let (touches, touches_store) = (cx.session_touches().clone(), store.clone());
        let session_touches = Periodic::start(SESSION_TOUCHES_EVERY, move || {
            let (touches, store) = (touches.clone(), touches_store.clone());
            async move {
                touches.write(&store).await;
            }
        });
        let dispatcher = Dispatcher::start(store.clone(), cx.consumers(), config.events.clone());
        let mail_sender = match &config.mail.outgoing {
            Some(outgoing) => Some(crate::mail::sender::start(
                store.clone(),
                outgoing,
                cx.config().mail.trusted_authorities.as_ref(),
                cx.mail_queued().clone(),
            )?),
            None => None,
        };
        let mailbox = crate::jobs::imap::start(cx.clone(), cx.last_mailbox_poll().clone());
        Ok(Self {
            housekeeping,
            invalidations,
            article_views,
            session_touches,
            dispatcher,
            mail_sender,
            mailbox,
        })
    }

    /// Call once every request has finished: no view can be counted any more, so the last
    /// flush is complete; events and mail in hand are finished or handed back.
    pub async fn shut_down(self) {
        self.article_views.shut_down().await;
        self.session_touches.shut_down().await;
        self.housekeeping.abort();
        self.invalidations.abort();
        if let Some(mailbox) = self.mailbox {
            mailbox.abort();
        }
        self.dispatcher.shut_down().await;
        if let Some(sender) = self.mail_sender {
            sender.shut_down().await;
        }
    }
}

/// How often portal sessions' uses are written (see [`crate::session_touches`]).
const SESSION_TOUCHES_EVERY: Duration = Duration::from_secs(1);

/// Work done every so often, and a last time when shut down (what was noted in memory is
/// written before the process ends).
struct Periodic {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Periodic {
    fn start<Work, Done>(every: Duration, work: Work) -> Self
    where
        Work: Fn() -> Done + Send + 'static,
        Done: Future<Output = ()> + Send,
    {
        let (stop, mut stopping) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                // A round runs to its end: only the wait between rounds is interrupted.
                tokio::select! {
                    _ = ticks.tick() => work().await,
                    // Only `shut_down` sends (or the handle went away): either way, stop.
                    _ = stopping.changed() => break,
                }
            }
            work().await;
        });
        Self { stop, task }
    }

    /// Does the work a last time and stops. Call it once no request can add to it any more.
    async fn shut_down(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::warn!(%error, "a periodic task ended abnormally");
        }
    }
}

/// Wakes the dispatcher when another instance commits events, for as long as the server runs.
async fn follow_invalidations(cx: Context) {
    const RETRY_AFTER: Duration = Duration::from_secs(2);
    let database_url = cx.config().database_url.expose_secret().to_string();
    loop {
        let mut invalidations = match Invalidations::listen(&database_url).await {
            Ok(Some(invalidations)) => invalidations,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for events of other instances; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        };
        // Events committed before listening began may have gone unheard.
        cx.providers().forget_all();
        cx.store().events_were_written();
        loop {
            match invalidations.next().await {
                Ok(Heard::EventsWritten) => cx.store().events_were_written(),
                Ok(Heard::Reconnected) => {
                    cx.providers().forget_all();
                    cx.store().events_were_written();
                }
                Err(error) => {
                    tracing::warn!(%error, "lost the connection that hears other instances; retrying");
                    tokio::time::sleep(RETRY_AFTER).await;
                    break;
                }
            }
        }
    }
}

/// Clears expired sessions and old sign-in failures now and then.
async fn housekeeping(cx: Context) {
    let mut every = tokio::time::interval(Duration::from_secs(15 * 60));
    loop {
        every.tick().await;
        let idle = cx.config().session_idle.as_millis() as i64;
        if let Err(error) = cx.store().delete_stale_sessions(SessionKind::Console, idle).await {
            tracing::warn!(%error, "could not clear stale sessions");
        }
        let portal_idle = cx.config().portal_session_idle.as_millis() as i64;
        if let Err(error) = cx.store().delete_stale_sessions(SessionKind::Portal, portal_idle).await {
            tracing::warn!(%error, "could not clear stale portal sessions");
        }
        if let Err(error) = cx.store().prune_spent_login_states().await {
            tracing::warn!(%error, "could not clear expired spent sign-in states");
        }
        // A day is far longer than anyone keeps a drawer open with an unsaved upload.
        let a_day_ago = portico_store::now_ms() - 24 * 3600 * 1000;
        match cx.store().prune_unused_logos(a_day_ago).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "deleted logos no portal or revision uses"),
            Err(error) => tracing::warn!(%error, "could not prune unused logos"),
        }
        let window = cx.config().sign_in_limits.window.as_millis() as i64;
        if let Err(error) = cx.store().prune_sign_in_failures(window).await {
            tracing::warn!(%error, "could not prune sign-in failures");
        }
        // An hour covers any upload between its content's write and its row's commit.
        let grace = time::Duration::hours(1);
        match crate::usecases::attachments::remove_orphans(&cx, grace).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed attachment contents no ticket uses"),
            Err(error) => tracing::warn!(%error, "could not remove unused attachment contents"),
        }
    }
}
