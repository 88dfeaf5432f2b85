//! What the API and the console both do with SSO configurations: the view without secrets,
//! saving with the secret sealed, and the Test action.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::AppError;
use crate::state::AppState;

use portico_core::usecases::sso;
use portico_domain::actor::Actor;
use portico_domain::portal::document::PortalSettings;
use portico_domain::sso::draft::SsoDraft;
use portico_domain::sso::{Provider, SsoConfig};

/// An SSO configuration as shown: never its client secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SsoConfigView {
    pub id: Uuid,
    pub label: String,
    // The domain's enum carries no schema; the API documents its own mirror of it.
    #[schema(value_type = crate::api::views::sso::ProviderView)]
    pub provider: Provider,
    pub okta_domain: Option<String>,
    pub authorization_server: Option<String>,
    pub tenant_id: Option<String>,
    /// The explicit discovery URL, if one was given.
    pub discovery_url: Option<String>,
    /// The discovery URL in use: the explicit one or the preset's.
    pub effective_discovery_url: String,
    pub client_id: String,
    pub has_secret: bool,
    /// `YYYY-MM-DD`.
    pub secret_expires_at: Option<String>,
    /// Set from 30 days before the secret expires.
    pub secret_warning: Option<String>,
    pub scopes: String,
    pub allowed_email_domains: Vec<String>,
    pub jit_provisioning: bool,
    pub enabled: bool,
    /// Microsoft `common`/`organizations` only: any tenant's people with an allowed e-mail domain
    /// may sign in, as acknowledged.
    pub multi_tenant_acknowledged: bool,
    /// Set for a Microsoft configuration that accepts any Entra tenant; says when sign-in is
    /// refused until it is restricted.
    pub tenant_warning: Option<String>,
    /// The id_token claim holding the person's groups.
    pub groups_claim: String,
    /// Group values that make an end user a manager; empty when the IdP does not manage roles.
    pub manager_groups: Vec<String>,
    /// The callback URL to register at the identity provider.
    pub redirect_uri: String,
    /// Where the portal also answers in path mode (`/p/{slug}`), a second callback URL to register.
    pub path_mode_redirect_uri: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

pub async fn view(state: &AppState, actor: &Actor, config: &SsoConfig) -> Result<SsoConfigView, AppError> {
    let portal = portico_core::usecases::portals::portal(&state.core, actor, config.customer_id).await?;
    let settings = &config.settings;
    Ok(SsoConfigView {
        id: config.id,
        label: settings.label.clone(),
        provider: settings.provider,
        okta_domain: settings.okta_domain.clone(),
        authorization_server: settings.authorization_server.clone(),
        tenant_id: settings.tenant_id.clone(),
        discovery_url: settings.discovery_url.clone(),
        effective_discovery_url: settings.discovery_url(),
        client_id: settings.client_id.clone(),
        has_secret: config.has_secret,
        secret_expires_at: settings.secret_expires_at.map(|d| d.to_string()),
        secret_warning: settings.secret_warning(OffsetDateTime::now_utc().date()),
        scopes: settings.scope_string(),
        allowed_email_domains: settings.allowed_email_domains.clone(),
        jit_provisioning: settings.jit_provisioning,
        enabled: settings.enabled,
        multi_tenant_acknowledged: settings.multi_tenant_acknowledged,
        tenant_warning: settings.tenant_warning(),
        groups_claim: settings.groups_claim.clone(),
        manager_groups: settings.manager_groups.clone(),
        redirect_uri: redirect_uris(state, &portal.settings, config.id).0,
        path_mode_redirect_uri: redirect_uris(state, &portal.settings, config.id).1,
        created_at: config.created_at,
        updated_at: config.updated_at,
    })
}

/// The callback URL of configuration `id` of a portal, and where the portal also answers in path
/// mode (`/p/{slug}`) a second one to register.
pub fn redirect_uris(state: &AppState, portal: &PortalSettings, id: Uuid) -> (String, Option<String>) {
    let redirect_uri = state.config.sso_redirect_uri(portal, id);
    let path_mode = state.config.addressing().path_mode(&portal.slug).sso_redirect_uri(id);
    let second = (path_mode != redirect_uri).then_some(path_mode);
    (redirect_uri, second)
}

pub async fn create(
    state: &AppState,
    customer_id: Uuid,
    draft: SsoDraft,
    actor: &Actor,
    proposed_id: Option<Uuid>,
) -> Result<SsoConfig, AppError> {
    Ok(sso::create_sso_config(&state.core, actor, customer_id, draft, proposed_id).await?)
}

pub async fn update(
    state: &AppState,
    customer_id: Uuid,
    id: Uuid,
    draft: SsoDraft,
    actor: &Actor,
) -> Result<SsoConfig, AppError> {
    Ok(sso::update_sso_config(&state.core, actor, customer_id, id, draft).await?.1)
}

pub async fn delete(state: &AppState, customer_id: Uuid, id: Uuid, actor: &Actor) -> Result<(), AppError> {
    sso::delete_sso_config(&state.core, actor, customer_id, id).await?;
    Ok(())
}
