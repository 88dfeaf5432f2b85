//! The core as the layers above see it: built once at start and handed to every use case, so
//! each read and each change finds the store, the server's key and the outside world in one
//! place, and the web layer never holds the store itself.

use std::sync::Arc;

use tokio::sync::Notify;
use webauthn_rs::Webauthn;

use crate::attachments::Attachments;
use crate::config::Config;
use crate::crypto::Sealer;
use crate::events::Consumer;
use crate::events::audit::AuditLog;
use crate::events::caches::Caches;
use crate::mail::compose::Composer;
use crate::mail::mailbox::LastPoll;
use crate::mail::notifier::Notifier;
use crate::portal_cache::PortalCache;
use crate::read_models::ReadModels;
use crate::session_touches::SessionTouches;
use crate::sso::outbound::Outbound;
use crate::sso::provider::ProviderCache;
use portico_store::Store;

/// Everything a use case may need, cheap to clone.
#[derive(Clone)]
pub struct Context {
    parts: Arc<Parts>,
}

struct Parts {
    config: Arc<Config>,
    store: Store,
    /// Seals and opens secrets at rest under the server key.
    sealer: Sealer,
    /// The console's passkey relying party; `None` where the public address is an IP address.
    passkeys: Option<Arc<Webauthn>>,
    /// Requests to identity providers, under the outbound rules.
    outbound: Outbound,
    providers: Arc<ProviderCache>,
    /// The attachment store and upload staging.
    attachments: Attachments,
    /// Rung when mail is queued, so the sender goes at once.
    mail_queued: Arc<Notify>,
    /// How this instance's last look at the mailbox went.
    last_mailbox_poll: LastPoll,
    /// Portals as resolved from their addresses, forgotten when they change.
    portals: PortalCache,
    /// What portal pages read, forgotten when it changes.
    read_models: ReadModels,
    /// Portal sessions' uses on their way to the database.
    session_touches: Arc<SessionTouches>,
    /// Consumers of events besides the built-in ones (the audit log, caches, mail).
    extra_consumers: Vec<Arc<dyn Consumer>>,
}

impl Context {
    /// The core of a server; fails when the attachment store cannot be opened.
    pub fn new(config: Config, store: Store) -> anyhow::Result<Self> {
        Self::with_consumers(config, store, Vec::new())
    }

    /// As [`Context::new`], with consumers of events besides the built-in ones.
    pub fn with_consumers(
        config: Config,
        store: Store,
        extra_consumers: Vec<Arc<dyn Consumer>>,
    ) -> anyhow::Result<Self> {
        let attachments = Attachments::open(&config.attachments, &config.data_dir)?;
        let outbound = match &config.demo_idp_issuer {
            Some(issuer) => Outbound::new(config.allow_insecure_idp).with_exception(issuer),
            None => Outbound::new(config.allow_insecure_idp),
        };
        Ok(Self {
            parts: Arc::new(Parts {
                sealer: Sealer::new(&config.secret_key),
                passkeys: crate::auth::passkeys::relying_party(&config.public_url),
                outbound,
                providers: Arc::new(ProviderCache::default()),
                attachments,
                mail_queued: Arc::new(Notify::new()),
                last_mailbox_poll: LastPoll::default(),
                portals: PortalCache::new(store.portal_generation()),
                read_models: ReadModels::new(store.portal_generation(), store.read_generations()),
                session_touches: Arc::default(),
                extra_consumers,
                config: Arc::new(config),
                store,
            }),
        })
    }

    pub fn config(&self) -> &Arc<Config> {
        &self.parts.config
    }

    pub(crate) fn store(&self) -> &Store {
        &self.parts.store
    }

    pub fn sealer(&self) -> &Sealer {
        &self.parts.sealer
    }

    pub fn passkeys(&self) -> Option<&Webauthn> {
        self.parts.passkeys.as_deref()
    }

    pub fn outbound(&self) -> &Outbound {
        &self.parts.outbound
    }

    pub fn providers(&self) -> &Arc<ProviderCache> {
        &self.parts.providers
    }

    pub fn attachments(&self) -> &Attachments {
        &self.parts.attachments
    }

    pub fn mail_queued(&self) -> &Arc<Notify> {
        &self.parts.mail_queued
    }

    pub(crate) fn last_mailbox_poll(&self) -> &LastPoll {
        &self.parts.last_mailbox_poll
    }

    pub(crate) fn portals(&self) -> &PortalCache {
        &self.parts.portals
    }

    pub fn read_models(&self) -> &ReadModels {
        &self.parts.read_models
    }

    pub fn session_touches(&self) -> &Arc<SessionTouches> {
        &self.parts.session_touches
    }

    /// Forgets an identity provider's metadata here at once; the other instances forget it when
    /// the `sso_config.changed` event reaches them.
    pub fn forget_provider(&self, discovery_url: &str) {
        self.parts.providers.forget(discovery_url);
    }

    /// Closes the database's connections, at the end of the process (or of a test).
    pub async fn close(&self) {
        self.parts.store.close().await;
    }

    /// Every consumer of events this instance runs.
    pub fn consumers(&self) -> Vec<Arc<dyn Consumer>> {
        let store = self.store();
        let mut consumers: Vec<Arc<dyn Consumer>> = vec![
            Arc::new(AuditLog::new(store.clone())),
            Arc::new(Caches::new(
                self.parts.providers.clone(),
                store.portal_generation(),
                store.read_generations(),
            )),
        ];
        if let Some(outgoing) = &self.parts.config.mail.outgoing {
            let composer = Composer::new(outgoing.from.clone(), outgoing.reply_address.clone());
            consumers.push(Arc::new(Notifier::new(
                store.clone(),
                self.parts.config.addressing(),
                composer,
                self.parts.mail_queued.clone(),
            )));
        }
        consumers.extend(self.parts.extra_consumers.iter().cloned());
        consumers
    }
}
