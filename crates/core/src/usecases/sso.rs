//! Single sign-on: a portal's configurations, and who is let in after their IdP vouched for them.

use crate::context::Context;
use crate::sso::provider::Check;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use crate::crypto::{SealContext, Sealer};
use portico_domain::actor::Actor;
use portico_domain::end_user::{EndUser, RoleSource};
use portico_domain::event::{Change, EventKind, NewEvent};
use portico_domain::sso::admission::{self, Admission, Refusal, VerifiedIdentity};
use portico_domain::sso::draft::{SecretChange, SsoDraft};
use portico_domain::sso::{self, SignInFailure, SsoConfig, roles};

/// Lets a verified identity into the customer's portal, or says why not. The decision is the
/// domain's ([`admission::admit`]); this reads its facts and writes its outcome in one
/// transaction, with the role the configuration's manager groups give ([`roles`]): a change of
/// role (or the IdP taking over a team-set one) is an `end_user.updated` event. A refusal that
/// may be an attempt to take over an account is recorded as an event, which the console shows
/// on the customer's page.
pub async fn admit_identity(
    cx: &Context,
    customer_id: Uuid,
    config: &SsoConfig,
    identity: &VerifiedIdentity,
) -> UseCaseResult<Result<EndUser, Refusal>> {
    let store = cx.store();
    let actor = Actor::system();
    let mut tx = store.begin_write().await?;
    let facts = tx.admission_facts(customer_id, config.id, identity).await?;
    let label = &config.settings.label;
    let admitted = admission::admit(&config.settings, identity, &facts);
    // The role the user has now: a known or claimed user's stored one; a new user's default.
    let found = match &admitted {
        Ok(Admission::Known(_)) => facts.linked,
        Ok(Admission::Claim(_)) => facts.same_email,
        _ => None,
    };
    let (role, source) = found.map(|c| (c.role, c.role_source)).unwrap_or_default();
    let user_id = match admitted {
        Ok(Admission::Known(id)) => {
            tx.touch_identity(config.id, identity).await?;
            id
        }
        Ok(Admission::Claim(id)) => {
            tx.link_identity(id, config.id, identity).await?;
            let summary = format!("signed in for the first time through '{label}'");
            tx.record(
                &actor,
                identity_event(EventKind::EndUserIdentityLinked, id, customer_id, config, summary),
            )
            .await?;
            id
        }
        Ok(Admission::Create { email, name }) => {
            let id = tx.provision_end_user(customer_id, &name, &email).await?;
            tx.link_identity(id, config.id, identity).await?;
            let summary = format!("created end user {email} at first sign-in through '{label}'");
            tx.record(&actor, identity_event(EventKind::EndUserCreated, id, customer_id, config, summary))
                .await?;
            id
        }
        Err(refusal) => {
            if let Some(existing) = facts.same_email.filter(|_| refusal.is_conflict()) {
                let summary = format!(
                    "refused a sign-in through '{label}' by another identity with this end user's e-mail address"
                );
                let event = identity_event(
                    EventKind::EndUserSignInConflict,
                    existing.id,
                    customer_id,
                    config,
                    summary,
                )
                .with("issuer", identity.issuer.as_str())
                .with("subject", identity.subject.as_str())
                .with("email_verified", identity.email_verified);
                tx.record(&actor, event).await?;
                tx.commit().await?;
            }
            return Ok(Err(refusal));
        }
    };
    let decided = roles::role_from_groups(&config.settings, identity.groups.as_deref());
    if let Some(role) = roles::role_to_write(decided, role, source) {
        tx.set_role_from_idp(user_id, role).await?;
        let summary = format!("made {} by the identity provider's groups through '{label}'", role.as_str());
        let event = identity_event(EventKind::EndUserUpdated, user_id, customer_id, config, summary)
            .with("fields", vec!["role"])
            .with("role", role.as_str())
            .with("source", RoleSource::Idp.as_str());
        tx.record(&actor, event).await?;
    }
    tx.mark_signed_in(user_id).await?;
    tx.commit().await?;
    Ok(Ok(store.end_user(user_id).await?))
}

fn identity_event(
    kind: EventKind,
    user_id: Uuid,
    customer_id: Uuid,
    config: &SsoConfig,
    summary: String,
) -> NewEvent {
    NewEvent::new(kind, user_id, summary)
        .for_customer(customer_id)
        .with("sso_config_id", config.id.to_string())
}

/// Keeps a failed end-user sign-in as the configuration's health, for the console: the
/// reference the end user was shown and the detail they were not. Returns what was kept.
pub async fn record_sign_in_failure(
    cx: &Context,
    customer_id: Uuid,
    sso_config_id: Uuid,
    reference: &str,
    detail: &str,
) -> UseCaseResult<SignInFailure> {
    let store = cx.store();
    const DETAIL_MAX: usize = 2000;
    let failure = SignInFailure {
        at: time::OffsetDateTime::now_utc(),
        reference: reference.to_string(),
        detail: detail.chars().take(DETAIL_MAX).collect(),
    };
    store.record_sso_failure(customer_id, sso_config_id, &failure).await?;
    Ok(failure)
}

/// The context under which a configuration's client secret is sealed.
pub fn secret_context(id: Uuid) -> SealContext {
    SealContext::SsoSecret(id)
}

/// What the SSO use cases need besides the store: the key that seals client secrets, and
/// whether identity providers on plain http or private addresses are allowed (tests, demos).
pub struct SsoRules<'a> {
    pub sealer: &'a Sealer,
    pub allow_insecure_idp: bool,
    /// The demo provider's issuer: discovery addresses under it may be plain http on a local
    /// address even where others may not.
    pub insecure_exception: Option<&'a str>,
}

impl<'a> SsoRules<'a> {
    /// The rules of this deployment: its key, whether insecure providers are allowed, and the
    /// demo provider's exception when the server runs with `--demo`.
    pub fn of(cx: &'a Context) -> Self {
        let config = cx.config();
        Self {
            sealer: cx.sealer(),
            allow_insecure_idp: config.allow_insecure_idp,
            insecure_exception: config.demo_idp_issuer.as_deref(),
        }
    }
}

impl SsoRules<'_> {
    /// Whether the draft's discovery address may be plain http.
    fn insecure_allowed(&self, draft: &SsoDraft) -> bool {
        self.allow_insecure_idp
            || self.insecure_exception.is_some_and(|prefix| {
                let prefix = format!("{}/", prefix.trim_end_matches('/'));
                draft
                    .discovery_url
                    .as_ref()
                    .and_then(|url| url.as_deref())
                    .is_some_and(|url| url.trim().starts_with(&prefix))
            })
    }
}

///
/// `proposed_id` is the id the console's form showed in the redirect URI before the first save
/// (see [`new_config_id`]): it is taken only when it is such an id, recent, and has never named a
/// configuration of any customer. Without one, a new id is made.
pub async fn create_sso_config(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    draft: SsoDraft,
    proposed_id: Option<Uuid>,
) -> UseCaseResult<SsoConfig> {
    let store = cx.store();
    let rules = &SsoRules::of(cx);
    actor.require_admin()?;
    store.customer(customer_id).await?;
    if let Some(id) = proposed_id {
        sso::check_proposed_id(id, time::OffsetDateTime::now_utc())?;
    }
    let insecure = rules.insecure_allowed(&draft);
    let (settings, secret) = draft.apply(None, false, insecure)?;
    let SecretChange::Set(secret) = secret else {
        return Err(UseCaseError::field("client_secret", "The client secret is required."));
    };
    let id = proposed_id.unwrap_or_else(new_config_id);
    let sealed = rules.sealer.seal(&secret, secret_context(id));
    let mut tx = store.begin_write().await?;
    if proposed_id.is_some() && tx.sso_config_id_used(id).await? {
        return Err(UseCaseError::Conflict {
            field: "id",
            message: "The configuration id was already used by another SSO configuration.".into(),
        });
    }
    let config = tx.insert_sso_config(id, customer_id, &settings, &sealed).await?;
    let summary = format!("added SSO configuration '{}' ({})", settings.label, settings.provider.title());
    tx.record(actor, config_event(&config, Change::Created, summary, &[settings.discovery_url()])).await?;
    tx.commit().await?;
    Ok(config)
}

/// The id of a configuration about to be added: the console shows its redirect URI before the
/// first save.
pub fn new_config_id() -> Uuid {
    Uuid::now_v7()
}

/// Saves changed settings (and a new secret, when one is given). Disabling a configuration
/// ends the portal sessions opened through it at once.
pub async fn update_sso_config(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    id: Uuid,
    draft: SsoDraft,
) -> UseCaseResult<(SsoConfig, SsoConfig)> {
    let store = cx.store();
    let rules = &SsoRules::of(cx);
    actor.require_admin()?;
    let mut tx = store.begin_write().await?;
    let before = tx.sso_config_for_update(customer_id, id).await?;
    let insecure = rules.insecure_allowed(&draft);
    let (settings, secret) = draft.apply(Some(&before.settings), before.has_secret, insecure)?;
    let sealed = match secret {
        SecretChange::Keep => None,
        SecretChange::Set(secret) => Some(rules.sealer.seal(&secret, secret_context(id))),
    };
    let after = tx.write_sso_config(customer_id, id, &settings, sealed.as_deref()).await?;
    let mut changes = Vec::new();
    if before.settings != settings {
        changes.push("changed settings");
    }
    if sealed.is_some() {
        changes.push("replaced the client secret");
    }
    if before.settings.enabled != settings.enabled {
        changes.push(if settings.enabled { "enabled it" } else { "disabled it" });
    }
    if before.settings.enabled && !settings.enabled {
        tx.end_sessions_of_sso_config(id).await?;
    }
    let summary = format!("SSO configuration '{}': {}", settings.label, changes.join(", "));
    let urls = [before.settings.discovery_url(), settings.discovery_url()];
    let event = config_event(&after, Change::Updated, summary, &urls).with("enabled", settings.enabled);
    tx.record(actor, event).await?;
    tx.commit().await?;
    // Forgotten here at once; the other instances forget it when the event reaches them.
    cx.forget_provider(&before.settings.discovery_url());
    cx.forget_provider(&after.settings.discovery_url());
    Ok((before, after))
}

/// Removes a configuration; the identities linked through it and its sessions go with it.
pub async fn delete_sso_config(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    id: Uuid,
) -> UseCaseResult<SsoConfig> {
    let store = cx.store();
    actor.require_admin()?;
    let mut tx = store.begin_write().await?;
    let config = tx.sso_config_for_update(customer_id, id).await?;
    tx.delete_sso_config(customer_id, id).await?;
    let summary = format!("removed SSO configuration '{}'", config.settings.label);
    tx.record(actor, config_event(&config, Change::Deleted, summary, &[config.settings.discovery_url()]))
        .await?;
    tx.commit().await?;
    cx.forget_provider(&config.settings.discovery_url());
    Ok(config)
}

/// `sso_config.changed`, naming the discovery URLs whose cached metadata is now out of date.
fn config_event(config: &SsoConfig, change: Change, summary: String, discovery_urls: &[String]) -> NewEvent {
    NewEvent::new(EventKind::SsoConfigChanged, config.id, summary)
        .for_customer(config.customer_id)
        .with("change", change.as_str())
        .with("label", config.settings.label.as_str())
        .with("discovery_urls", discovery_urls.to_vec())
}

/// A customer's sign-in configurations (never their secrets). The team only.
pub async fn sso_configs(cx: &Context, actor: &Actor, customer_id: Uuid) -> UseCaseResult<Vec<SsoConfig>> {
    actor.require_team()?;
    let store = cx.store();
    store.customer(customer_id).await?;
    Ok(store.sso_configs(customer_id).await?)
}

/// One sign-in configuration of a customer (never its secret). The team only.
pub async fn sso_config(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    id: Uuid,
) -> UseCaseResult<SsoConfig> {
    actor.require_team()?;
    Ok(cx.store().sso_config(customer_id, id).await?)
}

/// Fetches the provider's discovery document and keys now, as a sign-in would, and says what is
/// wrong, if anything, and how the client secret stands. The team may test; a passing test
/// refreshes this instance's copy of the provider's metadata.
pub async fn test_sso_config(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    id: Uuid,
) -> UseCaseResult<Vec<Check>> {
    let config = sso_config(cx, actor, customer_id, id).await?;
    let settings = &config.settings;
    let mut checks =
        crate::sso::provider::test(cx.outbound(), &settings.discovery_url(), settings.provider).await;
    if checks.iter().all(|c| c.ok) {
        cx.forget_provider(&settings.discovery_url());
    }
    checks.push(match (config.has_secret, settings.secret_warning(time::OffsetDateTime::now_utc().date())) {
        (false, _) => Check { name: "Client secret".into(), ok: false, detail: "none is stored".into() },
        (true, Some(warning)) => {
            Check { name: "Client secret".into(), ok: !warning.contains("expired"), detail: warning }
        }
        (true, None) => Check { name: "Client secret".into(), ok: true, detail: "stored, encrypted".into() },
    });
    Ok(checks)
}
