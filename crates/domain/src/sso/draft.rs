//! What callers send to create or change an SSO configuration, and its validation into
//! [`SsoSettings`].

use serde::Deserialize;
use url::Url;
use uuid::Uuid;

use super::{
    CLIENT_ID_MAX, CLIENT_SECRET_MAX, DEFAULT_GROUPS_CLAIM, DEFAULT_SCOPES, GROUP_MAX, GROUPS_CLAIM_MAX,
    LABEL_MAX, MANAGER_GROUPS_MAX, Provider, SsoSettings, optional_date,
};
use crate::patch::nullable;
use crate::text;
use crate::validation::{FieldError, ValidationErrors, label};

/// What callers send to create (`label`, `provider`, `client_id`, `client_secret` and the
/// provider's own field required) or change (absent fields stay) a configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoDraft {
    pub label: Option<String>,
    pub provider: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub okta_domain: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub authorization_server: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub tenant_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub discovery_url: Option<Option<String>>,
    pub client_id: Option<String>,
    /// Write-only: never returned.
    pub client_secret: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "nullable")]
    pub secret_expires_at: Option<Option<String>>,
    /// Space-separated; must include `openid`.
    pub scopes: Option<String>,
    pub allowed_email_domains: Option<Vec<String>>,
    /// Off unless set, for new configurations.
    pub jit_provisioning: Option<bool>,
    pub enabled: Option<bool>,
    /// Required (`true`) for a Microsoft `common`/`organizations` tenant, with
    /// `allowed_email_domains`: people of any Entra tenant with such an address may sign in.
    pub multi_tenant_acknowledged: Option<bool>,
    /// The id_token claim holding the person's groups; `groups` unless set.
    pub groups_claim: Option<String>,
    /// Group values (Okta: names; Entra ID: object ids) that make an end user a manager; empty
    /// leaves roles to the MSP's team.
    pub manager_groups: Option<Vec<String>>,
    /// Read-only fields a client may send back unchanged.
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    #[serde(default)]
    pub redirect_uri: Option<serde_json::Value>,
    #[serde(default)]
    pub has_secret: Option<serde_json::Value>,
}

/// The client secret a save stores, apart from the settings: the domain never holds it for long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretChange {
    Keep,
    Set(String),
}

fn host_name(field: &str, raw: &str) -> Result<String, FieldError> {
    let value = raw.trim().trim_start_matches("https://").trim_end_matches('/').to_ascii_lowercase();
    let ok = !value.is_empty()
        && value.len() <= 253
        && value.contains('.')
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(value)
    } else {
        Err(FieldError::new(field, format!("{} must be a host name like acme.okta.com.", label(field))))
    }
}

fn token(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, format!("{} must not be empty.", label(field))));
    }
    if value.len() > max || !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(FieldError::new(
            field,
            format!("{} must be at most {max} printable characters without spaces.", label(field)),
        ));
    }
    Ok(value.to_string())
}

fn tenant(raw: &str) -> Result<String, FieldError> {
    let value = raw.trim().to_ascii_lowercase();
    let guid = Uuid::parse_str(&value).is_ok();
    let domain = host_name("tenant_id", &value).is_ok();
    if guid || domain || matches!(value.as_str(), "organizations" | "common") {
        Ok(value)
    } else {
        Err(FieldError::new(
            "tenant_id",
            "Tenant ID must be the directory (tenant) ID, a GUID, or a verified domain.",
        ))
    }
}

/// Discovery URLs are https; plain http only where the deployment allows insecure IdPs (tests).
pub fn discovery(raw: &str, allow_insecure: bool) -> Result<String, FieldError> {
    let parsed = Url::parse(raw.trim()).map_err(|_| {
        FieldError::new(
            "discovery_url",
            "Discovery URL must be an absolute address ending in /.well-known/openid-configuration.",
        )
    })?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        _ => return Err(FieldError::new("discovery_url", "Discovery URL must be an https:// address.")),
    }
    if parsed.host_str().is_none() || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(FieldError::new(
            "discovery_url",
            "Discovery URL must be a plain address without query or fragment.",
        ));
    }
    if !parsed.path().ends_with("/.well-known/openid-configuration") {
        return Err(FieldError::new(
            "discovery_url",
            "Discovery URL must end with /.well-known/openid-configuration.",
        ));
    }
    Ok(parsed.to_string())
}

fn scopes(raw: &str) -> Result<Vec<String>, FieldError> {
    let scopes: Vec<String> = raw.split_whitespace().map(str::to_string).collect();
    if !scopes.iter().any(|s| s == "openid") {
        return Err(FieldError::new("scopes", "Scopes must include openid."));
    }
    if scopes.len() > 20
        || scopes
            .iter()
            .any(|s| s.len() > 100 || !s.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\'))
    {
        return Err(FieldError::new("scopes", "Scopes must be up to 20 scope names separated by spaces."));
    }
    let mut unique = Vec::new();
    for scope in scopes {
        if !unique.contains(&scope) {
            unique.push(scope);
        }
    }
    Ok(unique)
}

fn email_domains(raw: &[String]) -> Result<Vec<String>, FieldError> {
    crate::email::domain_list("allowed_email_domains", "Allowed e-mail domains", raw)
}

fn groups_claim(raw: &str) -> Result<String, FieldError> {
    token("groups_claim", raw, GROUPS_CLAIM_MAX).map_err(|_| {
        FieldError::new(
            "groups_claim",
            "must be a claim name of 1 to 100 printable characters without spaces",
        )
    })
}

/// Trimmed, blank lines dropped, de-duplicated as they are matched (ignoring case).
fn manager_groups(raw: &[String]) -> Result<Vec<String>, FieldError> {
    let mut groups: Vec<String> = Vec::new();
    for entry in raw.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
        let group = text::bounded("manager_groups", entry, 1, GROUP_MAX, false).map_err(|error| {
            let shown: String = entry.chars().take(40).collect();
            FieldError::new("manager_groups", format!("the group '{shown}' {}", error.message))
        })?;
        if !groups.iter().any(|known| known.to_lowercase() == group.to_lowercase()) {
            groups.push(group);
        }
    }
    if groups.len() > MANAGER_GROUPS_MAX {
        return Err(FieldError::new(
            "manager_groups",
            format!("must list at most {MANAGER_GROUPS_MAX} groups (got {})", groups.len()),
        ));
    }
    Ok(groups)
}

fn optional<T>(
    errors: &mut ValidationErrors,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Option<T> {
    match raw.map(str::trim) {
        None | Some("") => None,
        Some(value) => errors.check(parse(value)),
    }
}

impl SsoDraft {
    /// Applies this draft over `current` (or over nothing, when creating) and checks the result.
    pub fn apply(
        self,
        current: Option<&SsoSettings>,
        has_secret: bool,
        allow_insecure: bool,
    ) -> Result<(SsoSettings, SecretChange), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let creating = current.is_none();
        let pick = |draft: Option<Option<String>>, now: Option<&Option<String>>| -> Option<String> {
            match draft {
                Some(value) => value,
                None => now.cloned().flatten(),
            }
        };
        let label = match (&self.label, current) {
            (Some(raw), _) => errors.check(text::bounded("label", raw, 1, LABEL_MAX, false)),
            (None, Some(now)) => Some(now.label.clone()),
            (None, None) => {
                errors.push(FieldError::new("label", "Label (the sign-in button text) is required."));
                None
            }
        };
        let provider = match (&self.provider, current) {
            (Some(raw), _) => errors.check(Provider::parse(raw)),
            (None, Some(now)) => Some(now.provider),
            (None, None) => {
                errors.push(FieldError::new("provider", "Provider is required: okta, microsoft or oidc."));
                None
            }
        };
        let okta_domain = pick(self.okta_domain, current.map(|c| &c.okta_domain));
        let authorization_server = pick(self.authorization_server, current.map(|c| &c.authorization_server));
        let tenant_id = pick(self.tenant_id, current.map(|c| &c.tenant_id));
        let discovery_url = pick(self.discovery_url, current.map(|c| &c.discovery_url));
        let okta_domain = optional(&mut errors, okta_domain.as_deref(), |v| host_name("okta_domain", v));
        let authorization_server =
            optional(&mut errors, authorization_server.as_deref(), |v| token("authorization_server", v, 100));
        let tenant_id = optional(&mut errors, tenant_id.as_deref(), tenant);
        let discovery_url = optional(&mut errors, discovery_url.as_deref(), |v| discovery(v, allow_insecure));
        if discovery_url.is_none() {
            match provider {
                Some(Provider::Okta) if okta_domain.is_none() => errors.push(FieldError::new(
                    "okta_domain",
                    "Okta domain is required for Okta (or give a discovery URL).",
                )),
                Some(Provider::Microsoft) if tenant_id.is_none() => errors.push(FieldError::new(
                    "tenant_id",
                    "Tenant ID is required for Microsoft (or give a discovery URL).",
                )),
                Some(Provider::Oidc) => errors.push(FieldError::new(
                    "discovery_url",
                    "Discovery URL is required for a generic OpenID provider.",
                )),
                _ => {}
            }
        }
        let client_id = match (&self.client_id, current) {
            (Some(raw), _) => errors.check(token("client_id", raw, CLIENT_ID_MAX)),
            (None, Some(now)) => Some(now.client_id.clone()),
            (None, None) => {
                errors.push(FieldError::new("client_id", "Client ID is required."));
                None
            }
        };
        let secret = match self.client_secret.as_deref().map(str::trim) {
            Some("") | None if creating || !has_secret => {
                errors.push(FieldError::new("client_secret", "Client secret is required."));
                SecretChange::Keep
            }
            Some("") | None => SecretChange::Keep,
            Some(raw) => match token("client_secret", raw, CLIENT_SECRET_MAX) {
                Ok(value) => SecretChange::Set(value),
                Err(error) => {
                    errors.push(error);
                    SecretChange::Keep
                }
            },
        };
        let secret_expires_at = match self.secret_expires_at {
            Some(None) => None,
            Some(Some(raw)) if raw.trim().is_empty() => None,
            Some(Some(raw)) => match optional_date::parse(&raw) {
                Some(date) => Some(date),
                None => {
                    errors.push(FieldError::new(
                        "secret_expires_at",
                        "Secret expiry must be a date like 2027-03-31.",
                    ));
                    None
                }
            },
            None => current.and_then(|c| c.secret_expires_at),
        };
        let scopes = match (&self.scopes, current) {
            (Some(raw), _) => errors.check(scopes(raw)),
            (None, Some(now)) => Some(now.scopes.clone()),
            (None, None) => Some(DEFAULT_SCOPES.split(' ').map(str::to_string).collect()),
        };
        let allowed_email_domains = match (&self.allowed_email_domains, current) {
            (Some(raw), _) => errors.check(email_domains(raw)),
            (None, Some(now)) => Some(now.allowed_email_domains.clone()),
            (None, None) => Some(Vec::new()),
        };
        let multi_tenant_acknowledged =
            self.multi_tenant_acknowledged.or(current.map(|c| c.multi_tenant_acknowledged)).unwrap_or(false);
        let groups_claim = match (&self.groups_claim, current) {
            (Some(raw), _) => errors.check(groups_claim(raw)),
            (None, Some(now)) => Some(now.groups_claim.clone()),
            (None, None) => Some(DEFAULT_GROUPS_CLAIM.to_string()),
        };
        let manager_groups = match (&self.manager_groups, current) {
            (Some(raw), _) => errors.check(manager_groups(raw)),
            (None, Some(now)) => Some(now.manager_groups.clone()),
            (None, None) => Some(Vec::new()),
        };
        errors.into_result()?;
        let settings = SsoSettings {
            label: ValidationErrors::checked(label, "label")?,
            provider: ValidationErrors::checked(provider, "provider")?,
            okta_domain,
            authorization_server,
            tenant_id,
            discovery_url,
            client_id: ValidationErrors::checked(client_id, "client_id")?,
            secret_expires_at,
            scopes: ValidationErrors::checked(scopes, "scopes")?,
            allowed_email_domains: ValidationErrors::checked(allowed_email_domains, "allowed_email_domains")?,
            // Off by default: who may enter is then the customer's list, not the IdP's directory.
            jit_provisioning: self.jit_provisioning.or(current.map(|c| c.jit_provisioning)).unwrap_or(false),
            enabled: self.enabled.or(current.map(|c| c.enabled)).unwrap_or(true),
            multi_tenant_acknowledged,
            groups_claim: ValidationErrors::checked(groups_claim, "groups_claim")?,
            manager_groups: ValidationErrors::checked(manager_groups, "manager_groups")?,
        };
        if settings.is_multi_tenant() {
            let field = if settings.allowed_email_domains.is_empty() {
                "tenant_id"
            } else {
                "multi_tenant_acknowledged"
            };
            if let Some(problem) = settings.multi_tenant_problem() {
                return Err(FieldError::new(field, format!("This configuration {problem}.")).into());
            }
        }
        Ok((settings, secret))
    }
}

#[cfg(test)]
mod tests;
