//! The state every handler shares: configuration, the store, and what talks to the outside.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::Notify;

use crate::attachments::Attachments;
use crate::config::Config;
use crate::crypto::Sealer;
use crate::demo_idp::DemoIdp;
use crate::events::Consumer;
use crate::events::audit::AuditLog;
use crate::events::caches::Caches;
use crate::jobs::imap::LastPoll;
use crate::mail::compose::Composer;
use crate::mail::notifier::Notifier;
use crate::sso::outbound::Outbound;
use crate::sso::provider::ProviderCache;
use crate::store::Store;
use crate::telemetry::metrics_handle;
use crate::web::portal::cache::PortalCache;

/// Everything a handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub metrics: PrometheusHandle,
    /// Seals and opens secrets at rest under the server key.
    pub sealer: Sealer,
    /// The console's passkey relying party; `None` where the public address is an IP address.
    pub passkeys: Option<Arc<webauthn_rs::Webauthn>>,
    /// Requests to identity providers, under the outbound rules.
    pub outbound: Outbound,
    pub providers: Arc<ProviderCache>,
    /// Portals as resolved from their addresses, forgotten when they change.
    pub portals: Arc<PortalCache>,
    /// Consumers of events besides the built-in ones (the audit log, caches, mail).
    pub consumers: Vec<Arc<dyn Consumer>>,
    /// Rung when mail is queued, so the sender goes at once.
    pub mail_queued: Arc<Notify>,
    /// How this instance's last look at the mailbox went.
    pub last_mailbox_poll: LastPoll,
    /// The attachment store and upload staging.
    pub attachments: Attachments,
    /// The built-in demo identity provider, only with `serve --demo`.
    pub demo_idp: Option<Arc<DemoIdp>>,
}

impl AppState {
    /// The state of a server; fails when the attachment store cannot be opened.
    pub fn new(config: Config, store: Store) -> anyhow::Result<Self> {
        let attachments = Attachments::open(&config.attachments, &config.data_dir)?;
        Ok(Self {
            attachments,
            demo_idp: None,
            sealer: Sealer::new(&config.secret_key),
            passkeys: crate::auth::passkeys::relying_party(&config.public_url),
            outbound: match &config.demo_idp_issuer {
                Some(issuer) => Outbound::new(config.allow_insecure_idp).with_exception(issuer),
                None => Outbound::new(config.allow_insecure_idp),
            },
            providers: Arc::new(ProviderCache::default()),
            portals: Arc::new(PortalCache::new(store.portal_generation())),
            consumers: Vec::new(),
            mail_queued: Arc::new(Notify::new()),
            last_mailbox_poll: LastPoll::default(),
            config: Arc::new(config),
            store,
            metrics: metrics_handle(),
        })
    }

    /// Forgets an identity provider's metadata here at once; the other instances forget it when
    /// the `sso_config.changed` event reaches them.
    pub fn forget_provider(&self, discovery_url: &str) {
        self.providers.forget(discovery_url);
    }

    /// Every consumer of events this instance runs.
    pub(crate) fn all_consumers(&self) -> Vec<Arc<dyn Consumer>> {
        let mut consumers: Vec<Arc<dyn Consumer>> = vec![
            Arc::new(AuditLog::new(self.store.clone())),
            Arc::new(Caches::new(self.providers.clone(), self.store.portal_generation())),
        ];
        if let Some(outgoing) = &self.config.mail.outgoing {
            let composer = Composer::new(outgoing.from.clone(), outgoing.reply_address.clone());
            consumers.push(Arc::new(Notifier::new(
                self.store.clone(),
                self.config.clone(),
                composer,
                self.mail_queued.clone(),
            )));
        }
        consumers.extend(self.consumers.iter().cloned());
        consumers
    }
}
