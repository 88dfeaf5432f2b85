//! Single sign-on configurations: how a portal's end users sign in through their own IdP.
//! What callers send, and its validation, is in [`draft`].

pub mod admission;
pub mod draft;
pub mod roles;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::validation::FieldError;

pub const LABEL_MAX: usize = 80;
pub const CLIENT_ID_MAX: usize = 255;
pub const CLIENT_SECRET_MAX: usize = 1024;
pub const DEFAULT_SCOPES: &str = "openid email profile";
/// The id_token claim that carries a person's groups when a configuration names no other.
pub const DEFAULT_GROUPS_CLAIM: &str = "groups";
pub const GROUPS_CLAIM_MAX: usize = 100;
/// At most this many manager groups, each at most [`GROUP_MAX`] characters.
pub const MANAGER_GROUPS_MAX: usize = 50;
pub const GROUP_MAX: usize = 256;
/// The console warns this many days before a client secret expires.
pub const SECRET_WARNING_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Okta,
    Microsoft,
    Oidc,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Okta => "okta",
            Self::Microsoft => "microsoft",
            Self::Oidc => "oidc",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "okta" => Ok(Self::Okta),
            "microsoft" => Ok(Self::Microsoft),
            "oidc" => Ok(Self::Oidc),
            _ => Err(FieldError::new("provider", "Provider must be okta, microsoft or oidc.")),
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Okta => "Okta",
            Self::Microsoft => "Microsoft Entra ID",
            Self::Oidc => "OpenID Connect",
        }
    }
}

/// A configuration as stored and shown: never the client secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoSettings {
    /// The sign-in button's text.
    pub label: String,
    pub provider: Provider,
    /// Okta: the organisation's domain, e.g. `acme.okta.com`.
    pub okta_domain: Option<String>,
    /// Okta: a custom authorization server id (e.g. `default`); none for the org server.
    pub authorization_server: Option<String>,
    /// Microsoft: the directory (tenant) id or a verified domain.
    pub tenant_id: Option<String>,
    /// An explicit discovery URL; wins over what a preset derives.
    pub discovery_url: Option<String>,
    pub client_id: String,
    #[serde(with = "optional_date")]
    pub secret_expires_at: Option<Date>,
    pub scopes: Vec<String>,
    /// When not empty, only verified e-mail addresses in these domains may sign in.
    pub allowed_email_domains: Vec<String>,
    pub jit_provisioning: bool,
    pub enabled: bool,
    /// Microsoft `common`/`organizations`: the operator has acknowledged that people of any
    /// Entra tenant whose verified e-mail is in `allowed_email_domains` may sign in.
    #[serde(default)]
    pub multi_tenant_acknowledged: bool,
    /// The id_token claim holding the person's groups (Okta and Entra ID: `groups`).
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Group values that make an end user a manager of the customer. When empty the IdP does
    /// not manage roles; otherwise the role follows the groups at every sign-in.
    #[serde(default)]
    pub manager_groups: Vec<String>,
}

fn default_groups_claim() -> String {
    DEFAULT_GROUPS_CLAIM.to_string()
}

mod optional_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use time::macros::format_description;

    const FORMAT: &[time::format_description::FormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.serialize_str(&date.format(FORMAT).map_err(serde::ser::Error::custom)?),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|raw| Date::parse(&raw, FORMAT).map_err(serde::de::Error::custom))
            .transpose()
    }

    pub fn parse(raw: &str) -> Option<Date> {
        Date::parse(raw.trim(), FORMAT).ok()
    }
}

impl SsoSettings {
    /// A configuration with the preset's defaults, for tests.
    #[cfg(test)]
    pub fn example(provider: Provider) -> Self {
        Self {
            label: "Sign in".into(),
            provider,
            okta_domain: None,
            authorization_server: None,
            tenant_id: None,
            discovery_url: Some("https://idp.example/.well-known/openid-configuration".into()),
            client_id: "portico".into(),
            secret_expires_at: None,
            scopes: vec!["openid".into(), "email".into()],
            allowed_email_domains: Vec::new(),
            jit_provisioning: false,
            enabled: true,
            multi_tenant_acknowledged: false,
            groups_claim: default_groups_claim(),
            manager_groups: Vec::new(),
        }
    }

    /// Where the provider describes itself.
    pub fn discovery_url(&self) -> String {
        if let Some(url) = &self.discovery_url {
            return url.clone();
        }
        match self.provider {
            Provider::Okta => {
                let domain = self.okta_domain.as_deref().unwrap_or_default();
                match self.authorization_server.as_deref() {
                    Some(server) => {
                        format!("https://{domain}/oauth2/{server}/.well-known/openid-configuration")
                    }
                    None => format!("https://{domain}/.well-known/openid-configuration"),
                }
            }
            Provider::Microsoft => format!(
                "https://login.microsoftonline.com/{}/v2.0/.well-known/openid-configuration",
                self.tenant_id.as_deref().unwrap_or_default()
            ),
            Provider::Oidc => String::new(),
        }
    }

    /// A Microsoft configuration that accepts any Entra tenant (`common`, `organizations`), by
    /// its tenant or by an explicit discovery URL.
    pub fn is_multi_tenant(&self) -> bool {
        if self.provider != Provider::Microsoft {
            return false;
        }
        let multi = |tenant: &str| matches!(tenant.to_ascii_lowercase().as_str(), "common" | "organizations");
        match &self.discovery_url {
            Some(url) => url::Url::parse(url)
                .ok()
                .and_then(|url| url.path_segments().and_then(|mut segments| segments.next().map(multi)))
                .unwrap_or(false),
            None => self.tenant_id.as_deref().is_some_and(multi),
        }
    }

    /// Why a multi-tenant configuration may not take sign-ins as it stands: anyone with an
    /// account in any Entra tenant could otherwise sign in.
    pub fn multi_tenant_problem(&self) -> Option<&'static str> {
        if !self.is_multi_tenant() {
            None
        } else if self.allowed_email_domains.is_empty() {
            Some(
                "accepts any Microsoft Entra tenant: name the customer's tenant (its id or domain), or list the allowed e-mail domains and acknowledge multi-tenant sign-in",
            )
        } else if !self.multi_tenant_acknowledged {
            Some(
                "accepts any Microsoft Entra tenant: acknowledge that people of any tenant with an e-mail address in the allowed domains may sign in (multi_tenant_acknowledged)",
            )
        } else {
            None
        }
    }

    /// What the console says about a multi-tenant configuration, safe or not.
    pub fn tenant_warning(&self) -> Option<String> {
        match self.multi_tenant_problem() {
            Some(problem) => Some(format!("Sign-in is refused: this configuration {problem}.")),
            None if self.is_multi_tenant() => Some(format!(
                "This configuration accepts any Microsoft Entra tenant. Only verified e-mail addresses in {} may sign in; prefer the customer's own tenant id.",
                self.allowed_email_domains.join(", ")
            )),
            None => None,
        }
    }

    pub fn scope_string(&self) -> String {
        self.scopes.join(" ")
    }

    /// Whether an e-mail address may sign in under `allowed_email_domains`.
    pub fn allows_email_domain(&self, domain: &str) -> bool {
        self.allowed_email_domains.is_empty()
            || self.allowed_email_domains.iter().any(|allowed| allowed.eq_ignore_ascii_case(domain))
    }

    /// A warning when the client secret expires within 30 days (or has expired).
    pub fn secret_warning(&self, today: Date) -> Option<String> {
        let expires = self.secret_expires_at?;
        let days = (expires - today).whole_days();
        if days < 0 {
            Some(format!("The client secret expired on {expires}: sign-in fails until a new one is entered."))
        } else if days <= SECRET_WARNING_DAYS {
            Some(format!(
                "The client secret expires on {expires} ({days} days): create a new one at the identity provider and enter it here."
            ))
        } else {
            None
        }
    }
}

/// A configuration as stored, with its identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoConfig {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub settings: SsoSettings,
    pub has_secret: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The last end-user sign-in through it that failed on the IdP's side or on its settings.
    pub last_failure: Option<SignInFailure>,
}

/// A failed sign-in, as the console shows it: the end user saw only a plain explanation and the
/// reference, which the log line with the same detail also carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInFailure {
    pub at: OffsetDateTime,
    pub reference: String,
    pub detail: String,
}

/// The e-mail domains a customer's sign-in lets in, for adding people (invitations, imports):
/// any domain when some configuration does not restrict domains (or none is set up yet, so
/// nothing is decided), else the union of the configurations' lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedDomains(Option<Vec<String>>);

impl AcceptedDomains {
    pub fn of<'a>(configs: impl IntoIterator<Item = &'a SsoSettings>) -> Self {
        let mut listed: Vec<String> = Vec::new();
        for settings in configs {
            if settings.allowed_email_domains.is_empty() {
                return Self(None);
            }
            for domain in &settings.allowed_email_domains {
                if !listed.iter().any(|known| known.eq_ignore_ascii_case(domain)) {
                    listed.push(domain.clone());
                }
            }
        }
        Self(Some(listed).filter(|listed| !listed.is_empty()))
    }

    /// Every domain.
    pub fn any() -> Self {
        Self(None)
    }

    pub fn accepts(&self, domain: &str) -> bool {
        self.0.as_ref().is_none_or(|listed| listed.iter().any(|allowed| allowed.eq_ignore_ascii_case(domain)))
    }

    /// The domains, for a message ("acme.example, acme.co.uk"); empty when any is accepted.
    pub fn listed(&self) -> String {
        self.0.as_deref().unwrap_or_default().join(", ")
    }
}

/// How long the id a new-configuration form proposes stays good: a form left open over a day
/// is filled in again.
pub const PROPOSED_ID_LIFETIME: time::Duration = time::Duration::hours(24);

/// A form may propose the id of the configuration it adds (so its redirect URI can be registered
/// before the first save) only when it is an id such forms make — time-ordered (UUID v7) — made
/// within [`PROPOSED_ID_LIFETIME`]. Whether it was ever used is for the store to say.
pub fn check_proposed_id(id: Uuid, now: OffsetDateTime) -> Result<(), FieldError> {
    let refuse = || {
        FieldError::new(
            "id",
            "The configuration id is not a time-ordered id (UUID v7) made within the last day.",
        )
    };
    if id.get_version_num() != 7 {
        return Err(refuse());
    }
    let (seconds, _) = id.get_timestamp().ok_or_else(refuse)?.to_unix();
    let made = OffsetDateTime::from_unix_timestamp(seconds as i64).map_err(|_| refuse())?;
    if made < now - PROPOSED_ID_LIFETIME || made > now + time::Duration::minutes(5) {
        return Err(refuse());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_accepts_a_domain_some_configuration_lets_in() {
        let open = SsoSettings::example(Provider::Oidc);
        let acme = SsoSettings { allowed_email_domains: vec!["acme.example".into()], ..open.clone() };
        let globex = SsoSettings { allowed_email_domains: vec!["globex.example".into()], ..open.clone() };
        let both = AcceptedDomains::of([&acme, &globex]);
        assert!(both.accepts("ACME.example") && both.accepts("globex.example"));
        assert!(!both.accepts("evil.example"));
        assert_eq!(both.listed(), "acme.example, globex.example");
        assert!(AcceptedDomains::of([&acme, &open]).accepts("evil.example"));
        assert!(AcceptedDomains::of([]).accepts("any.example"));
    }

    #[test]
    fn a_fresh_time_ordered_id_may_be_proposed() {
        assert!(check_proposed_id(Uuid::now_v7(), OffsetDateTime::now_utc()).is_ok());
    }

    #[test]
    fn other_kinds_of_ids_and_stale_ones_are_refused() {
        let now = OffsetDateTime::now_utc();
        assert!(check_proposed_id(Uuid::new_v4(), now).is_err());
        assert!(check_proposed_id(Uuid::nil(), now).is_err());
        let made_two_days_ago = Uuid::now_v7();
        assert_eq!(
            check_proposed_id(made_two_days_ago, now + time::Duration::days(2)).unwrap_err().field,
            "id"
        );
        assert!(
            check_proposed_id(Uuid::now_v7(), now - time::Duration::hours(1)).is_err(),
            "from the future"
        );
    }
}
