//! What an identity provider says about itself (discovery) and the keys it signs with (JWKS),
//! fetched under the outbound rules, checked, and cached per discovery URL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreClientAuthMethod, CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use serde::Serialize;
use url::Url;
use utoipa::ToSchema;

use super::SsoError;
use super::outbound::Outbound;
use portico_domain::sso::Provider;

const DISCOVERY_SUFFIX: &str = "/.well-known/openid-configuration";
const CACHE_FOR: Duration = Duration::from_secs(60 * 60);
/// An unknown key id makes us fetch the keys again, but not more often than this: often enough
/// that a genuine rotation gets through within seconds, rarely enough that tokens with made-up
/// key ids cannot turn us into a load generator against the IdP.
pub const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(5);

/// Signature algorithms accepted for id_tokens: asymmetric only (never `none`, never HMAC).
pub const ACCEPTED_ALGS: &[CoreJwsSigningAlgorithm] = &[
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// How the provider's issuer is pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerPin {
    /// Tokens must carry exactly this issuer.
    Exact(String),
    /// Microsoft's multi-tenant `https://login.microsoftonline.com/{tenantid}/v2.0`: resolved with
    /// the token's `tid`, then matched exactly.
    TenantTemplate(String),
}

#[derive(Debug, Clone)]
pub struct ProviderInfo {
    pub discovery_url: String,
    pub metadata: CoreProviderMetadata,
    pub issuer: IssuerPin,
    /// Microsoft: the tenant a single-tenant issuer names; tokens' `tid` must equal it.
    pub tenant: Option<String>,
    /// RFC 9207: the IdP adds `iss` to its answers, which must then match.
    pub iss_parameter_supported: bool,
    pub end_session_endpoint: Option<Url>,
    /// Only client_secret_post is offered, not client_secret_basic.
    pub secret_in_body: bool,
    pub signing_algs: Vec<CoreJwsSigningAlgorithm>,
    fetched_at: Instant,
    /// When the keys in `metadata` were fetched: later than `fetched_at` after a refetch.
    keys_fetched_at: Instant,
}

/// One check of the console's Test action.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

fn endpoint(outbound: &Outbound, name: &str, url: &Url) -> Result<(), SsoError> {
    outbound.check(url).map_err(|e| SsoError::Discovery(format!("{name} {url} is not allowed: {e}")))
}

async fn fetch_jwks(
    outbound: &Outbound,
    metadata: &CoreProviderMetadata,
) -> Result<CoreJsonWebKeySet, SsoError> {
    let jwks_url = metadata.jwks_uri().url().clone();
    endpoint(outbound, "jwks_uri", &jwks_url)?;
    let json = outbound.get_json(&jwks_url).await.map_err(|e| SsoError::Keys(e.to_string()))?;
    let jwks: CoreJsonWebKeySet = serde_json::from_value(json)
        .map_err(|e| SsoError::Keys(format!("{jwks_url} is not a key set: {e}")))?;
    if jwks.keys().is_empty() {
        return Err(SsoError::Keys(format!("{jwks_url} holds no keys")));
    }
    Ok(jwks)
}

/// Fetches and checks a provider's discovery document and keys.
pub async fn discover(
    outbound: &Outbound,
    discovery_url: &str,
    provider: Provider,
) -> Result<ProviderInfo, SsoError> {
    let url = Url::parse(discovery_url).map_err(|e| SsoError::Discovery(e.to_string()))?;
    let json = outbound.get_json(&url).await?;
    let metadata: CoreProviderMetadata = serde_json::from_value(json.clone())
        .map_err(|e| SsoError::Discovery(format!("it lacks a required field or has a wrong one: {e}")))?;
    let issuer = metadata.issuer().as_str().trim_end_matches('/').to_string();
    let expected =
        discovery_url.strip_suffix(DISCOVERY_SUFFIX).unwrap_or(discovery_url).trim_end_matches('/');
    let microsoft_tenant = |issuer: &str| -> Option<String> {
        let rest = issuer.strip_prefix("https://login.microsoftonline.com/")?;
        let tenant = rest.strip_suffix("/v2.0")?;
        (!tenant.contains('/')).then(|| tenant.to_string())
    };
    let (pin, tenant) = if provider == Provider::Microsoft && issuer.contains("{tenantid}") {
        (IssuerPin::TenantTemplate(issuer.clone()), None)
    } else if provider == Provider::Microsoft && issuer != expected {
        // A tenant given by domain discovers the issuer by its GUID: pin that.
        match microsoft_tenant(&issuer) {
            Some(tenant) if uuid::Uuid::parse_str(&tenant).is_ok() => {
                (IssuerPin::Exact(issuer.clone()), Some(tenant))
            }
            _ => {
                return Err(SsoError::Discovery(format!(
                    "the issuer {issuer} is not a Microsoft tenant issuer"
                )));
            }
        }
    } else if issuer != expected {
        return Err(SsoError::Discovery(format!(
            "its issuer {issuer} does not match the discovery URL (expected {expected})"
        )));
    } else {
        let tenant = if provider == Provider::Microsoft { microsoft_tenant(&issuer) } else { None };
        (IssuerPin::Exact(issuer.clone()), tenant)
    };
    endpoint(outbound, "authorization_endpoint", metadata.authorization_endpoint().url())?;
    let token_endpoint =
        metadata.token_endpoint().ok_or_else(|| SsoError::Discovery("it has no token_endpoint".into()))?;
    endpoint(outbound, "token_endpoint", token_endpoint.url())?;
    let offers_code = metadata
        .response_types_supported()
        .iter()
        .any(|types| types.contains(&openidconnect::core::CoreResponseType::Code));
    if !offers_code {
        return Err(SsoError::Discovery("it does not support the authorization code flow".into()));
    }
    let signing_algs: Vec<CoreJwsSigningAlgorithm> = metadata
        .id_token_signing_alg_values_supported()
        .iter()
        .filter(|alg| ACCEPTED_ALGS.contains(alg))
        .cloned()
        .collect();
    if signing_algs.is_empty() {
        return Err(SsoError::Discovery(
            "it signs id_tokens with no algorithm Portico accepts (RS256, PS256, ES256, EdDSA…)".into(),
        ));
    }
    let methods = metadata.token_endpoint_auth_methods_supported();
    let secret_in_body = methods.is_some_and(|methods| {
        !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
            && methods.contains(&CoreClientAuthMethod::ClientSecretPost)
    });
    let end_session_endpoint = json
        .get("end_session_endpoint")
        .and_then(|v| v.as_str())
        .and_then(|raw| Url::parse(raw).ok())
        .filter(|url| outbound.check(url).is_ok());
    let iss_parameter_supported = json
        .get("authorization_response_iss_parameter_supported")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let jwks = fetch_jwks(outbound, &metadata).await?;
    let metadata = metadata.set_jwks(jwks);
    Ok(ProviderInfo {
        discovery_url: discovery_url.to_string(),
        metadata,
        issuer: pin,
        tenant,
        iss_parameter_supported,
        end_session_endpoint,
        secret_in_body,
        signing_algs,
        fetched_at: Instant::now(),
        keys_fetched_at: Instant::now(),
    })
}

/// The console's Test action: every step of discovery, each with a clear result.
pub async fn test(outbound: &Outbound, discovery_url: &str, provider: Provider) -> Vec<Check> {
    let mut checks =
        vec![Check { name: "Discovery URL".into(), ok: true, detail: discovery_url.to_string() }];
    match discover(outbound, discovery_url, provider).await {
        Ok(info) => {
            let issuer = match &info.issuer {
                IssuerPin::Exact(issuer) => issuer.clone(),
                IssuerPin::TenantTemplate(template) => format!("{template} (resolved per tenant)"),
            };
            checks.push(Check {
                name: "Discovery document".into(),
                ok: true,
                detail: format!("fetched; issuer {issuer}"),
            });
            checks.push(Check {
                name: "Endpoints".into(),
                ok: true,
                detail: format!(
                    "authorization {}, token {}",
                    info.metadata.authorization_endpoint().as_str(),
                    info.metadata.token_endpoint().map(|t| t.as_str().to_string()).unwrap_or_default()
                ),
            });
            checks.push(Check {
                name: "Signing keys".into(),
                ok: true,
                detail: format!(
                    "{} keys; algorithms {}",
                    info.metadata.jwks().keys().len(),
                    info.signing_algs.iter().map(serde_plain_name).collect::<Vec<_>>().join(", ")
                ),
            });
        }
        Err(error) => checks.push(Check { name: "Discovery".into(), ok: false, detail: error.to_string() }),
    }
    checks
}

fn serde_plain_name(alg: &CoreJwsSigningAlgorithm) -> String {
    serde_json::to_value(alg).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Providers by discovery URL, kept for an hour.
pub struct ProviderCache {
    entries: Mutex<HashMap<String, Arc<ProviderInfo>>>,
    /// Per discovery URL: held while its keys are refetched (callers that arrive meanwhile wait
    /// and reuse the result), holding when that last happened.
    keys_refetched: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
    refetch_interval: Duration,
}

impl Default for ProviderCache {
    fn default() -> Self {
        Self::with_refetch_interval(JWKS_REFETCH_INTERVAL)
    }
}

impl ProviderCache {
    /// A cache that refetches keys for unknown key ids at most once per `interval` per IdP.
    pub fn with_refetch_interval(refetch_interval: Duration) -> Self {
        Self { entries: Mutex::default(), keys_refetched: Mutex::default(), refetch_interval }
    }

    pub async fn get(
        &self,
        outbound: &Outbound,
        discovery_url: &str,
        provider: Provider,
    ) -> Result<Arc<ProviderInfo>, SsoError> {
        if let Some(info) =
            self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(discovery_url)
            && info.fetched_at.elapsed() < CACHE_FOR
        {
            return Ok(info.clone());
        }
        let info = Arc::new(discover(outbound, discovery_url, provider).await?);
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(discovery_url.to_string(), info.clone());
        Ok(info)
    }

    /// Fetches the provider's keys again after a token named a key we do not know (the IdP
    /// rotated its keys). Concurrent callers share one fetch; `None` when no keys newer than
    /// `current`'s can be had yet (fetched less than the refetch interval ago).
    pub async fn refresh_keys(
        &self,
        outbound: &Outbound,
        current: &ProviderInfo,
    ) -> Result<Option<Arc<ProviderInfo>>, SsoError> {
        let gate = self
            .keys_refetched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(current.discovery_url.clone())
            .or_default()
            .clone();
        let mut last_fetch = gate.lock().await;
        // Another caller fetched while this one waited: use its keys.
        if let Some(cached) =
            self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&current.discovery_url)
            && cached.keys_fetched_at > current.keys_fetched_at
        {
            return Ok(Some(cached.clone()));
        }
        if last_fetch.is_some_and(|at| at.elapsed() < self.refetch_interval) {
            return Ok(None);
        }
        *last_fetch = Some(Instant::now());
        let jwks = fetch_jwks(outbound, &current.metadata).await?;
        let mut info = current.clone();
        info.metadata = info.metadata.set_jwks(jwks);
        info.keys_fetched_at = Instant::now();
        let info = Arc::new(info);
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(current.discovery_url.clone(), info.clone());
        Ok(Some(info))
    }

    /// Forgets a provider, e.g. after its configuration changed.
    pub fn forget(&self, discovery_url: &str) {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(discovery_url);
    }

    /// Forgets every provider, e.g. when announcements from other instances may have been missed.
    pub fn forget_all(&self) {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}
