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
mod tests {
    use serde_json::json;

    use super::*;

    fn draft(value: serde_json::Value) -> SsoDraft {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn presets_derive_their_discovery_urls() {
        let (okta, _) = draft(json!({"label": "Okta", "provider": "okta", "okta_domain": "Acme.Okta.com",
            "authorization_server": "default", "client_id": "abc", "client_secret": "s3cret"}))
        .apply(None, false, false)
        .unwrap();
        assert_eq!(
            okta.discovery_url(),
            "https://acme.okta.com/oauth2/default/.well-known/openid-configuration"
        );
        let (microsoft, _) = draft(json!({"label": "Microsoft", "provider": "microsoft",
            "tenant_id": "9188040d-6c67-4c5b-b112-36a304b66dad", "client_id": "abc", "client_secret": "s"}))
        .apply(None, false, false)
        .unwrap();
        assert_eq!(
            microsoft.discovery_url(),
            "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0/.well-known/openid-configuration"
        );
        assert_eq!(microsoft.scopes, ["openid", "email", "profile"]);
        assert!(!microsoft.jit_provisioning && microsoft.enabled, "just-in-time provisioning is opt-in");
    }

    #[test]
    fn an_explicit_discovery_url_wins() {
        let (settings, _) =
            draft(json!({"label": "Okta", "provider": "okta", "okta_domain": "acme.okta.com",
            "discovery_url": "https://idp.internal.example/.well-known/openid-configuration",
            "client_id": "abc", "client_secret": "s"}))
            .apply(None, false, false)
            .unwrap();
        assert_eq!(settings.discovery_url(), "https://idp.internal.example/.well-known/openid-configuration");
    }

    #[test]
    fn each_rule_names_its_field() {
        for (value, field) in [
            (
                json!({"provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s"}),
                "label",
            ),
            (json!({"label": "L", "provider": "saml", "client_id": "c", "client_secret": "s"}), "provider"),
            (
                json!({"label": "L", "provider": "okta", "client_id": "c", "client_secret": "s"}),
                "okta_domain",
            ),
            (
                json!({"label": "L", "provider": "microsoft", "client_id": "c", "client_secret": "s"}),
                "tenant_id",
            ),
            (
                json!({"label": "L", "provider": "microsoft", "tenant_id": "not a tenant", "client_id": "c", "client_secret": "s"}),
                "tenant_id",
            ),
            (
                json!({"label": "L", "provider": "oidc", "client_id": "c", "client_secret": "s"}),
                "discovery_url",
            ),
            (
                json!({"label": "L", "provider": "oidc", "discovery_url": "http://idp.example/.well-known/openid-configuration", "client_id": "c", "client_secret": "s"}),
                "discovery_url",
            ),
            (
                json!({"label": "L", "provider": "oidc", "discovery_url": "https://idp.example/", "client_id": "c", "client_secret": "s"}),
                "discovery_url",
            ),
            (
                json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_secret": "s"}),
                "client_id",
            ),
            (
                json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c"}),
                "client_secret",
            ),
            (
                json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "scopes": "email profile"}),
                "scopes",
            ),
            (
                json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "allowed_email_domains": ["not a domain"]}),
                "allowed_email_domains",
            ),
            (
                json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "secret_expires_at": "next week"}),
                "secret_expires_at",
            ),
        ] {
            let errors = draft(value).apply(None, false, false).unwrap_err();
            assert!(errors.message_for(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn insecure_discovery_is_allowed_only_when_the_deployment_says_so() {
        let value = json!({"label": "L", "provider": "oidc", "discovery_url": "http://127.0.0.2:9000/.well-known/openid-configuration",
            "client_id": "c", "client_secret": "s"});
        assert!(draft(value.clone()).apply(None, false, false).is_err());
        assert!(draft(value).apply(None, false, true).is_ok());
    }

    #[test]
    fn an_update_keeps_the_secret_unless_a_new_one_is_given() {
        let (current, _) = draft(json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s"}))
            .apply(None, false, false)
            .unwrap();
        let (changed, secret) =
            draft(json!({"label": "New label"})).apply(Some(&current), true, false).unwrap();
        assert_eq!((changed.label.as_str(), secret), ("New label", SecretChange::Keep));
        let (_, secret) = draft(json!({"client_secret": "new"})).apply(Some(&current), true, false).unwrap();
        assert_eq!(secret, SecretChange::Set("new".into()));
    }

    #[test]
    fn a_secret_close_to_expiry_is_warned_about() {
        let (mut settings, _) = draft(json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "secret_expires_at": "2027-01-10"}))
            .apply(None, false, false)
            .unwrap();
        let today = time::macros::date!(2026 - 12 - 20);
        assert!(settings.secret_warning(today).unwrap().contains("21 days"));
        assert!(settings.secret_warning(time::macros::date!(2026 - 11 - 01)).is_none());
        settings.secret_expires_at = Some(time::macros::date!(2026 - 12 - 01));
        assert!(settings.secret_warning(today).unwrap().contains("expired"));
    }

    #[test]
    fn a_multi_tenant_microsoft_configuration_needs_domains_and_an_acknowledgement() {
        for tenant in ["common", "organizations", "Common"] {
            let base = json!({"label": "M", "provider": "microsoft", "tenant_id": tenant, "client_id": "c", "client_secret": "s"});
            let errors = draft(base.clone()).apply(None, false, false).unwrap_err();
            assert!(
                errors.message_for("tenant_id").unwrap().contains("any Microsoft Entra tenant"),
                "{errors:?}"
            );
            let mut with_domains = base.clone();
            with_domains["allowed_email_domains"] = json!(["acme.example"]);
            let errors = draft(with_domains.clone()).apply(None, false, false).unwrap_err();
            assert!(errors.message_for("multi_tenant_acknowledged").is_some(), "{errors:?}");
            with_domains["multi_tenant_acknowledged"] = json!(true);
            let (settings, _) = draft(with_domains).apply(None, false, false).unwrap();
            assert!(settings.is_multi_tenant() && settings.multi_tenant_problem().is_none());
            assert!(settings.tenant_warning().unwrap().contains("acme.example"));
        }
        let by_url = json!({"label": "M", "provider": "microsoft", "client_id": "c", "client_secret": "s",
            "discovery_url": "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"});
        assert!(draft(by_url).apply(None, false, false).unwrap_err().message_for("tenant_id").is_some());
        let single = json!({"label": "M", "provider": "microsoft", "tenant_id": "acme.example", "client_id": "c", "client_secret": "s"});
        let (settings, _) = draft(single).apply(None, false, false).unwrap();
        assert!(!settings.is_multi_tenant() && settings.tenant_warning().is_none());
    }

    #[test]
    fn manager_groups_are_trimmed_deduplicated_and_bounded() {
        let base = json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s"});
        let (settings, _) = draft(base.clone()).apply(None, false, false).unwrap();
        assert_eq!((settings.groups_claim.as_str(), settings.manager_groups.len()), ("groups", 0));
        let mut with_groups = base.clone();
        with_groups["groups_claim"] = json!(" roles ");
        with_groups["manager_groups"] =
            json!([" IT Managers ", "it managers", "", "0f9c3b6e-1111-4f4e-9c3a-2b7d1e5a9f00"]);
        let (settings, _) = draft(with_groups).apply(None, false, false).unwrap();
        assert_eq!(settings.groups_claim, "roles");
        assert_eq!(settings.manager_groups, ["IT Managers", "0f9c3b6e-1111-4f4e-9c3a-2b7d1e5a9f00"]);
        let (kept, _) = draft(json!({"label": "Renamed"})).apply(Some(&settings), true, false).unwrap();
        assert_eq!(
            (kept.groups_claim, kept.manager_groups),
            (settings.groups_claim, settings.manager_groups)
        );

        for (field, value) in [
            ("groups_claim", json!("")),
            ("groups_claim", json!("my groups")),
            ("groups_claim", json!("x".repeat(101))),
            ("groups_claim", json!("grüppen")),
            ("manager_groups", json!(["x".repeat(257)])),
            ("manager_groups", json!(["Admins\u{202E}"])),
            ("manager_groups", json!(["line\nbreak"])),
            ("manager_groups", json!((0..51).map(|i| format!("group {i}")).collect::<Vec<_>>())),
        ] {
            let mut body = base.clone();
            body[field] = value.clone();
            let errors = draft(body).apply(None, false, false).unwrap_err();
            assert!(errors.message_for(field).is_some(), "{field} {value}: {errors:?}");
        }
        let fifty = (0..50).map(|i| format!("group {i}")).collect::<Vec<_>>();
        let mut body = base;
        body["manager_groups"] = json!(fifty);
        assert_eq!(draft(body).apply(None, false, false).unwrap().0.manager_groups.len(), 50);
    }

    #[test]
    fn settings_stored_before_roles_existed_read_with_the_defaults() {
        let (settings, _) = draft(json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s"}))
            .apply(None, false, false)
            .unwrap();
        let mut stored = serde_json::to_value(&settings).unwrap();
        let object = stored.as_object_mut().unwrap();
        object.remove("groups_claim");
        object.remove("manager_groups");
        let read: SsoSettings = serde_json::from_value(stored).unwrap();
        assert_eq!(read, settings);
    }

    #[test]
    fn email_domains_are_matched_case_insensitively() {
        let (settings, _) = draft(json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "allowed_email_domains": ["@Acme.Example", "acme.example"]}))
            .apply(None, false, false)
            .unwrap();
        assert_eq!(settings.allowed_email_domains, ["acme.example"]);
        assert!(settings.allows_email_domain("ACME.example"));
        assert!(!settings.allows_email_domain("evil.example"));
    }
}
