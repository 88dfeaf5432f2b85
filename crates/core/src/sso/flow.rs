//! The authorization code flow with PKCE (S256), `state` and `nonce`, and the verification of
//! the id_token it yields, with the checks the OpenID library leaves to its user: keys rotated
//! at the IdP, `azp`, the `iat` window, Microsoft's tenant-templated issuers.

use std::time::Duration;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreResponseType, CoreRevocableToken,
    CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthType, AuthenticationFlow, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
};
use openidconnect::{ClaimsVerificationError, SignatureVerificationError};
use serde::{Deserialize, Serialize};
use url::Url;

use super::SsoError;
use super::outbound::Outbound;
use super::provider::{IssuerPin, ProviderCache, ProviderInfo};
use portico_domain::sso::admission::VerifiedIdentity;
use portico_domain::sso::{Provider, SsoSettings};

/// How far an IdP's clock may run ahead of ours for `iat`.
pub const CLOCK_SKEW: Duration = Duration::from_secs(120);

/// Claims beyond the standard ones: Microsoft's tenant and object ids and its verified-e-mail
/// flag, and every other claim (among them the configured groups claim).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xms_edov: Option<serde_json::Value>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// At most this many group values are read from a token; the rest are ignored.
pub const GROUPS_MAX: usize = 500;
/// Longer group values are ignored (none can match a manager group).
pub const GROUP_VALUE_MAX: usize = portico_domain::sso::GROUP_MAX;

/// The groups claim's values: an array of strings (other entries skipped) or a single string;
/// any other shape means no groups. Bounded, as the token is outside input.
pub fn groups_claim(value: Option<&serde_json::Value>) -> Option<Vec<String>> {
    let fits = |group: &&str| group.chars().count() <= GROUP_VALUE_MAX;
    match value? {
        serde_json::Value::String(one) => {
            Some([one.as_str()].into_iter().filter(fits).map(str::to_string).collect())
        }
        serde_json::Value::Array(many) => Some(
            many.iter()
                .take(GROUPS_MAX)
                .filter_map(serde_json::Value::as_str)
                .filter(fits)
                .map(str::to_string)
                .collect(),
        ),
        _ => None,
    }
}

impl AdditionalClaims for ExtraClaims {}

type Fields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type OidcClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

fn client(
    info: &ProviderInfo,
    settings: &SsoSettings,
    secret: Option<&str>,
    redirect_uri: &str,
) -> Result<OidcClient, SsoError> {
    let redirect =
        RedirectUrl::new(redirect_uri.to_string()).map_err(|e| SsoError::Discovery(e.to_string()))?;
    let client = OidcClient::from_provider_metadata(
        info.metadata.clone(),
        ClientId::new(settings.client_id.clone()),
        secret.map(|s| ClientSecret::new(s.to_string())),
    )
    .set_redirect_uri(redirect);
    Ok(if info.secret_in_body { client.set_auth_type(AuthType::RequestBody) } else { client })
}

/// Where to send the browser, and what to remember until the IdP answers.
pub struct AuthorizationRequest {
    pub url: Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The redirect to the IdP, carrying `state` (which the caller makes and checks on return).
pub fn authorization_request(
    info: &ProviderInfo,
    settings: &SsoSettings,
    redirect_uri: &str,
    state: String,
) -> Result<AuthorizationRequest, SsoError> {
    let client = client(info, settings, None, redirect_uri)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            move || CsrfToken::new(state),
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in settings.scopes.iter().filter(|s| *s != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, state, nonce) = request.url();
    Ok(AuthorizationRequest {
        url,
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// What the sign-in left behind, once verified.
pub struct Completed {
    pub identity: VerifiedIdentity,
    pub id_token: String,
}

fn truthy(value: &serde_json::Value) -> bool {
    value.as_bool().unwrap_or_else(|| value.as_str() == Some("true"))
}

/// The IdP's answer at the callback, with what was remembered when the sign-in started.
pub struct Answer<'a> {
    pub code: &'a str,
    pub pkce_verifier: &'a str,
    pub nonce: &'a str,
    pub redirect_uri: &'a str,
    /// RFC 9207's `iss` parameter, when the IdP sent one.
    pub iss: Option<&'a str>,
}

/// Exchanges the code, verifies the id_token and says who signed in.
pub async fn complete(
    outbound: &Outbound,
    cache: &ProviderCache,
    settings: &SsoSettings,
    secret: &str,
    answer: &Answer<'_>,
) -> Result<Completed, SsoError> {
    let Answer { code, pkce_verifier, nonce, redirect_uri, iss: iss_parameter } = *answer;
    let mut info = cache.get(outbound, &settings.discovery_url(), settings.provider).await?;
    // RFC 9207: an IdP that says it names itself in answers must name itself correctly (mix-up).
    let issuer_now = info.metadata.issuer().as_str().trim_end_matches('/').to_string();
    match (info.iss_parameter_supported, iss_parameter) {
        (true, None) => {
            return Err(SsoError::InvalidToken("the answer did not name its issuer (iss)".into()));
        }
        (_, Some(iss))
            if !matches!(info.issuer, IssuerPin::TenantTemplate(_))
                && iss.trim_end_matches('/') != issuer_now =>
        {
            return Err(SsoError::InvalidToken(format!("the answer came from {iss}, not from {issuer_now}")));
        }
        _ => {}
    }

    let exchange = client(&info, settings, Some(secret), redirect_uri)?;
    let tokens = exchange
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| SsoError::Discovery(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
        .request_async(outbound)
        .await
        .map_err(|error| match error {
            RequestTokenError::ServerResponse(response) => {
                SsoError::Refused(match response.error_description() {
                    Some(description) => format!("{}: {description}", response.error().as_ref()),
                    None => response.error().as_ref().to_string(),
                })
            }
            RequestTokenError::Request(inner) => inner,
            RequestTokenError::Parse(inner, _) => {
                SsoError::InvalidToken(format!("the token response is not valid: {inner}"))
            }
            RequestTokenError::Other(text) => SsoError::Refused(text),
        })?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| SsoError::InvalidToken("the IdP returned no id_token".into()))?
        .clone();

    let expected_nonce = Nonce::new(nonce.to_string());
    let claims = loop {
        let verifying = client(&info, settings, Some(secret), redirect_uri)?;
        let now = time::OffsetDateTime::now_utc();
        let latest_iat = (now + CLOCK_SKEW).unix_timestamp();
        let verifier = verifying
            .id_token_verifier()
            .set_allowed_algs(info.signing_algs.clone())
            .require_issuer_match(!matches!(info.issuer, IssuerPin::TenantTemplate(_)))
            .set_issue_time_verifier_fn(move |iat| {
                if iat.timestamp() > latest_iat {
                    Err(format!("it was issued in the future ({iat})"))
                } else {
                    Ok(())
                }
            });
        match id_token.claims(&verifier, &expected_nonce) {
            Ok(claims) => break claims.clone(),
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => match cache.refresh_keys(outbound, &info).await? {
                Some(refreshed) => info = refreshed,
                None => {
                    return Err(SsoError::InvalidToken(
                        "it is signed with a key the IdP does not publish".into(),
                    ));
                }
            },
            Err(error) => return Err(SsoError::InvalidToken(error.to_string())),
        }
    };

    let issuer = claims.issuer().as_str().trim_end_matches('/').to_string();
    let extra = claims.additional_claims();
    match &info.issuer {
        IssuerPin::TenantTemplate(template) => {
            let tid =
                extra.tid.as_deref().filter(|tid| uuid::Uuid::parse_str(tid).is_ok()).ok_or_else(|| {
                    SsoError::InvalidToken(
                        "a multi-tenant Microsoft token must carry its tenant id (tid)".into(),
                    )
                })?;
            let resolved = template.replace("{tenantid}", tid);
            if issuer != resolved.trim_end_matches('/') {
                return Err(SsoError::InvalidToken(format!("its issuer {issuer} is not {resolved}")));
            }
        }
        IssuerPin::Exact(pinned) if issuer != pinned.trim_end_matches('/') => {
            return Err(SsoError::InvalidToken(format!("its issuer {issuer} is not {pinned}")));
        }
        IssuerPin::Exact(_) => {}
    }
    if settings.provider == Provider::Microsoft {
        // The tenant is the one the issuer names, else the one configured (by GUID).
        let configured = settings.tenant_id.clone().filter(|t| uuid::Uuid::parse_str(t).is_ok());
        let expected_tenant = info.tenant.clone().or(configured).or_else(|| {
            issuer
                .strip_prefix("https://login.microsoftonline.com/")
                .and_then(|r| r.strip_suffix("/v2.0"))
                .map(str::to_string)
        });
        if let Some(expected) = expected_tenant
            && extra.tid.as_deref() != Some(expected.as_str())
        {
            return Err(SsoError::InvalidToken(format!(
                "its tenant (tid {}) is not the configured tenant {expected}",
                extra.tid.as_deref().unwrap_or("missing")
            )));
        }
    }
    let audiences = claims.audiences();
    let azp = claims.authorized_party().map(|azp| azp.as_str().to_string());
    if (audiences.len() > 1 && azp.is_none()) || azp.as_deref().is_some_and(|azp| azp != settings.client_id) {
        return Err(SsoError::InvalidToken("its authorized party (azp) is not this client".into()));
    }

    let email_verified = match settings.provider {
        Provider::Microsoft => extra.xms_edov.as_ref().is_some_and(truthy),
        _ => claims.email_verified().unwrap_or(false),
    };
    // Claims are outside input like any API field: cleaned by the same text rules, and a name
    // with nothing printable left falls back (to the username, then the store's default) rather
    // than failing the sign-in.
    let clean = |raw: &str| portico_domain::text::cleaned_name(raw, portico_domain::end_user::NAME_MAX);
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .and_then(|n| clean(n.as_str()))
        .or_else(|| claims.preferred_username().and_then(|u| clean(u.as_str())));
    Ok(Completed {
        identity: VerifiedIdentity {
            issuer,
            subject: claims.subject().as_str().to_string(),
            tenant_id: extra.tid.clone(),
            object_id: extra.oid.clone(),
            name,
            email: claims.email().map(|e| e.as_str().to_string()),
            email_verified,
            groups: groups_claim(extra.other.get(&settings.groups_claim)),
        },
        id_token: id_token.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn groups_come_as_an_array_of_strings_or_one_string() {
        assert_eq!(groups_claim(Some(&json!(["A", "B"]))), Some(vec!["A".to_string(), "B".to_string()]));
        assert_eq!(groups_claim(Some(&json!("Managers"))), Some(vec!["Managers".to_string()]));
        assert_eq!(groups_claim(Some(&json!(["A", 7, {"x": 1}, null]))), Some(vec!["A".to_string()]));
        for other in [json!(7), json!({"A": true}), json!(null), json!(true)] {
            assert_eq!(groups_claim(Some(&other)), None, "{other}");
        }
        assert_eq!(groups_claim(None), None);
    }

    #[test]
    fn groups_are_bounded() {
        let many: Vec<String> = (0..600).map(|i| format!("g{i}")).collect();
        let read = groups_claim(Some(&json!(many))).unwrap();
        assert_eq!((read.len(), read[499].as_str()), (GROUPS_MAX, "g499"));
        let long = "x".repeat(GROUP_VALUE_MAX + 1);
        assert_eq!(groups_claim(Some(&json!([long.clone(), "ok"]))), Some(vec!["ok".to_string()]));
        assert_eq!(groups_claim(Some(&json!(long))), Some(vec![]));
    }

    #[test]
    fn any_claim_reaches_the_extra_claims() {
        let extra: ExtraClaims =
            serde_json::from_value(json!({"tid": "t", "roles": ["Portal.Manager"], "groups": "g"})).unwrap();
        assert_eq!(extra.tid.as_deref(), Some("t"));
        assert_eq!(extra.other["roles"], json!(["Portal.Manager"]));
        assert_eq!(extra.other["groups"], json!("g"));
    }
}
