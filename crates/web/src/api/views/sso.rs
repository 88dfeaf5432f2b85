//! Single sign-on configurations on the wire. What the API returns is
//! [`SsoConfigView`](crate::api::sso_service::SsoConfigView), shared with the console.

use serde::Deserialize;
use utoipa::ToSchema;

use super::mirrored_enum;
use portico_domain::patch::nullable;
use portico_domain::sso::Provider;
use portico_domain::sso::draft::SsoDraft;

mirrored_enum!(#[serde(rename_all = "lowercase")] ProviderView as Provider from Provider { Okta, Microsoft, Oidc });

/// What callers send to create (`label`, `provider`, `client_id`, `client_secret` and the
/// provider's own field required) or change (absent fields stay) a configuration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "SsoDraft", deny_unknown_fields)]
#[schema(as = SsoDraft)]
pub struct SsoDraftBody {
    pub label: Option<String>,
    pub provider: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub okta_domain: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub authorization_server: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub tenant_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub discovery_url: Option<Option<String>>,
    pub client_id: Option<String>,
    /// Write-only: never returned.
    #[schema(write_only)]
    pub client_secret: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
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
    /// The id_token claim holding the person's groups (1 to 100 printable characters without
    /// spaces); `groups` unless set.
    pub groups_claim: Option<String>,
    /// Group values that make an end user a manager of the customer, matched ignoring case at
    /// every sign-in (Okta sends group names; Entra ID sends group object ids unless configured
    /// otherwise). At most 50, each at most 256 characters. Empty: the IdP does not manage roles.
    pub manager_groups: Option<Vec<String>>,
    /// Read-only fields a client may send back unchanged.
    #[serde(default)]
    #[schema(read_only, value_type = Option<String>)]
    pub id: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(read_only, value_type = Option<String>)]
    pub redirect_uri: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(read_only, value_type = Option<bool>)]
    pub has_secret: Option<serde_json::Value>,
}

impl From<SsoDraftBody> for SsoDraft {
    fn from(body: SsoDraftBody) -> Self {
        let SsoDraftBody {
            label,
            provider,
            okta_domain,
            authorization_server,
            tenant_id,
            discovery_url,
            client_id,
            client_secret,
            secret_expires_at,
            scopes,
            allowed_email_domains,
            jit_provisioning,
            enabled,
            multi_tenant_acknowledged,
            groups_claim,
            manager_groups,
            id,
            redirect_uri,
            has_secret,
        } = body;
        Self {
            label,
            provider,
            okta_domain,
            authorization_server,
            tenant_id,
            discovery_url,
            client_id,
            client_secret,
            secret_expires_at,
            scopes,
            allowed_email_domains,
            jit_provisioning,
            enabled,
            multi_tenant_acknowledged,
            groups_claim,
            manager_groups,
            id,
            redirect_uri,
            has_secret,
        }
    }
}
