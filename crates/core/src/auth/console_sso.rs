//! Console sign-in through the MSP's own OpenID Connect provider: its settings, read from the
//! environment at start (the MSP's IdP is the operator's, like its mail server), and the switch
//! that turns password sign-in off once single sign-on works.

use clap::Args;
use secrecy::{ExposeSecret, SecretString};

use portico_domain::sso::{Provider, SsoSettings};

#[derive(Debug, Clone, Args)]
pub struct ConsoleSsoArgs {
    /// The MSP's own OpenID provider for console sign-in: its discovery URL
    /// (`https://login.msp.example/.well-known/openid-configuration`). With the client id and
    /// secret, the console's sign-in page offers it; team members are matched by the address the
    /// provider verified on their first sign-in, then by their identity.
    #[arg(long, env = "PORTICO_CONSOLE_OIDC_DISCOVERY_URL")]
    pub console_oidc_discovery_url: Option<String>,

    /// The client id registered at the provider (redirect URI: `{PUBLIC_URL}/admin/sso/callback`).
    #[arg(long, env = "PORTICO_CONSOLE_OIDC_CLIENT_ID")]
    pub console_oidc_client_id: Option<String>,

    #[arg(long, env = "PORTICO_CONSOLE_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub console_oidc_client_secret: Option<SecretString>,

    /// The sign-in button's text.
    #[arg(
        long,
        env = "PORTICO_CONSOLE_OIDC_LABEL",
        default_value = "Sign in with your organisation's account"
    )]
    pub console_oidc_label: String,

    /// `false` turns console password sign-in off (single sign-on only). Refused unless the
    /// provider above is configured, so no one is locked out by a typo.
    #[arg(long, env = "PORTICO_CONSOLE_PASSWORD_SIGN_IN", default_value_t = true,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub console_password_sign_in: bool,
}

/// The console's provider, validated.
#[derive(Debug, Clone)]
pub struct ConsoleSso {
    pub settings: SsoSettings,
    pub secret: SecretString,
}

impl ConsoleSso {
    /// The provider when it is configured (all three of discovery URL, client id and secret, or
    /// none), and whether password sign-in stays on.
    pub fn from_args(args: &ConsoleSsoArgs, allow_insecure: bool) -> anyhow::Result<(Option<Self>, bool)> {
        let given =
            |value: Option<&str>| value.map(str::trim).filter(|value| !value.is_empty()).map(str::to_string);
        let discovery = given(args.console_oidc_discovery_url.as_deref());
        let client_id = given(args.console_oidc_client_id.as_deref());
        let secret =
            args.console_oidc_client_secret.as_ref().filter(|s| !s.expose_secret().trim().is_empty());
        let sso = match (discovery, client_id, secret) {
            (None, None, None) => None,
            (Some(discovery), Some(client_id), Some(secret)) => {
                let discovery_url = portico_domain::sso::draft::discovery(&discovery, allow_insecure)
                    .map_err(|error| {
                        anyhow::anyhow!("PORTICO_CONSOLE_OIDC_DISCOVERY_URL: {}", error.message)
                    })?;
                let label = portico_domain::text::bounded("label", &args.console_oidc_label, 1, 80, false)
                    .map_err(|error| anyhow::anyhow!("PORTICO_CONSOLE_OIDC_LABEL: {}", error.message))?;
                Some(Self { settings: settings(label, discovery_url, client_id), secret: secret.clone() })
            }
            _ => anyhow::bail!(
                "console single sign-on needs PORTICO_CONSOLE_OIDC_DISCOVERY_URL, PORTICO_CONSOLE_OIDC_CLIENT_ID \
                 and PORTICO_CONSOLE_OIDC_CLIENT_SECRET together"
            ),
        };
        if !args.console_password_sign_in && sso.is_none() {
            anyhow::bail!(
                "PORTICO_CONSOLE_PASSWORD_SIGN_IN=false needs console single sign-on (PORTICO_CONSOLE_OIDC_*): \
                 without either no one could sign in"
            );
        }
        Ok((sso, args.console_password_sign_in))
    }
}

/// The relying-party settings the sign-in flow shares with portals.
pub fn settings(label: String, discovery_url: String, client_id: String) -> SsoSettings {
    SsoSettings {
        label,
        provider: Provider::Oidc,
        okta_domain: None,
        authorization_server: None,
        tenant_id: None,
        discovery_url: Some(discovery_url),
        client_id,
        secret_expires_at: None,
        scopes: vec!["openid".into(), "email".into(), "profile".into()],
        allowed_email_domains: Vec::new(),
        jit_provisioning: false,
        enabled: true,
        multi_tenant_acknowledged: false,
        groups_claim: portico_domain::sso::DEFAULT_GROUPS_CLAIM.to_string(),
        manager_groups: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ConsoleSsoArgs {
        ConsoleSsoArgs {
            console_oidc_discovery_url: None,
            console_oidc_client_id: None,
            console_oidc_client_secret: None,
            console_oidc_label: "Sign in with Entra ID".into(),
            console_password_sign_in: true,
        }
    }

    #[test]
    fn without_a_provider_passwords_stay_and_cannot_be_turned_off() {
        assert!(matches!(ConsoleSso::from_args(&args(), false), Ok((None, true))));
        let mut off = args();
        off.console_password_sign_in = false;
        let error = ConsoleSso::from_args(&off, false).unwrap_err().to_string();
        assert!(error.contains("no one could sign in"), "{error}");
    }

    #[test]
    fn a_provider_needs_all_three_settings_and_an_https_discovery_url() {
        let mut half = args();
        half.console_oidc_client_id = Some("portico".into());
        assert!(ConsoleSso::from_args(&half, false).unwrap_err().to_string().contains("together"));
        let mut full = half.clone();
        full.console_oidc_discovery_url =
            Some("http://idp.msp.example/.well-known/openid-configuration".into());
        full.console_oidc_client_secret = Some(SecretString::from("s3cret"));
        assert!(ConsoleSso::from_args(&full, false).unwrap_err().to_string().contains("https"));
        full.console_oidc_discovery_url =
            Some("https://idp.msp.example/.well-known/openid-configuration".into());
        full.console_password_sign_in = false;
        let (sso, passwords) = ConsoleSso::from_args(&full, false).unwrap();
        let sso = sso.unwrap();
        assert_eq!((sso.settings.client_id.as_str(), passwords), ("portico", false));
        assert_eq!(sso.settings.label, "Sign in with Entra ID");
    }
}
