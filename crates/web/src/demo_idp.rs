//! The demo identity provider: a small OpenID provider inside Portico, served only with
//! `portico serve --demo`, so the demo portals can be signed in to at once. It behaves like a
//! real one where the relying party can tell (discovery, a key set, an authorization page, a
//! token endpoint; authorization code with PKCE; id_tokens signed RS256 with a key made at
//! start), and the portals sign in through it on the same code path as through Okta or Entra
//! ID. Its page says plainly that it is a demo.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, EndUserName, IdToken, IdTokenClaims, IssuerUrl,
    JsonWebKeyId, LocalizedClaim, Nonce, PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use rsa::pkcs1::EncodeRsaPrivateKey;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use url::Url;
use uuid::Uuid;

use axum::extract::FromRef;
use portico_core::Context;
use portico_core::secret_key::SecretKey;
use portico_core::usecases::{customers, end_users, sso};
use portico_domain::actor::Actor;
use portico_domain::page::PageRequest;

/// Where the provider lives, under Portico's public URL.
pub const PATH: &str = "/demo-idp";
/// Client ids the demo provider serves: `demo-{customer id}`.
const CLIENT_PREFIX: &str = "demo-";
const CODE_LIFETIME: Duration = Duration::from_secs(120);

struct Grant {
    client_id: String,
    redirect_uri: String,
    nonce: String,
    code_challenge: String,
    user: (Uuid, String, String),
    issued: Instant,
}

/// Whether a discovery URL is the built-in demo provider's (at this Portico's address).
pub fn is_demo_discovery(public_url: &Url, discovery_url: &str) -> bool {
    discovery_url.starts_with(&format!("{}{PATH}/", public_url.as_str().trim_end_matches('/')))
}

pub struct DemoIdp {
    issuer: String,
    public_origin: Url,
    portal_domain: Option<String>,
    signing: CoreRsaPrivateSigningKey,
    verification: CoreJsonWebKey,
    client_key: [u8; 32],
    grants: Mutex<HashMap<String, Grant>>,
}

impl DemoIdp {
    /// A provider at `{public_url}/demo-idp` with a fresh signing key.
    pub fn new(
        public_url: &Url,
        portal_domain: Option<String>,
        secret_key: &SecretKey,
    ) -> anyhow::Result<Self> {
        let mut rng = rsa::rand_core::OsRng;
        let key = rsa::RsaPrivateKey::new(&mut rng, 2048)?;
        let pem = key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)?;
        let kid = format!("demo-{}", Uuid::now_v7().simple());
        let signing = CoreRsaPrivateSigningKey::from_pem(&pem, Some(JsonWebKeyId::new(kid)))
            .map_err(|error| anyhow::anyhow!("the demo signing key: {error}"))?;
        let verification = signing.as_verification_key();
        let client_key: [u8; 32] = Sha256::new()
            .chain_update(b"portico demo identity provider clients")
            .chain_update(secret_key.bytes())
            .finalize()
            .into();
        Ok(Self {
            issuer: format!("{}{PATH}", public_url.as_str().trim_end_matches('/')),
            public_origin: public_url.clone(),
            portal_domain,
            signing,
            verification,
            client_key,
            grants: Mutex::new(HashMap::new()),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    pub fn client_id(customer_id: Uuid) -> String {
        format!("{CLIENT_PREFIX}{customer_id}")
    }

    /// The secret of a client: derived from the server key, so the portal's SSO configuration
    /// and the provider agree across restarts without storing it twice.
    pub fn client_secret(&self, client_id: &str) -> String {
        let digest =
            Sha256::new().chain_update(self.client_key).chain_update(client_id.as_bytes()).finalize();
        URL_SAFE_NO_PAD.encode(digest)
    }

    fn customer_of(client_id: &str) -> Option<Uuid> {
        client_id.strip_prefix(CLIENT_PREFIX).and_then(|id| Uuid::parse_str(id).ok())
    }

    /// Redirects go back to Portico only: its public origin, or a portal's subdomain.
    fn redirect_allowed(&self, raw: &str) -> bool {
        let Ok(url) = Url::parse(raw) else { return false };
        if url.origin() == self.public_origin.origin() {
            return true;
        }
        let host = url.host_str().unwrap_or_default();
        self.portal_domain.as_deref().is_some_and(|domain| host.ends_with(&format!(".{domain}")))
            && matches!(url.scheme(), "https" | "http")
    }

    fn sign(&self, grant: &Grant) -> anyhow::Result<String> {
        let (user_id, name, email) = &grant.user;
        let mut localized = LocalizedClaim::new();
        localized.insert(None, EndUserName::new(name.clone()));
        let standard = StandardClaims::new(SubjectIdentifier::new(user_id.to_string()))
            .set_email(Some(EndUserEmail::new(email.clone())))
            .set_email_verified(Some(true))
            .set_name(Some(localized));
        let now = chrono::Utc::now();
        let claims = IdTokenClaims::new(
            IssuerUrl::new(self.issuer.clone())?,
            vec![Audience::new(grant.client_id.clone())],
            now + chrono::Duration::minutes(5),
            now,
            standard,
            EmptyAdditionalClaims {},
        )
        .set_nonce(Some(Nonce::new(grant.nonce.clone())));
        let token: IdToken<
            EmptyAdditionalClaims,
            CoreGenderClaim,
            CoreJweContentEncryptionAlgorithm,
            CoreJwsSigningAlgorithm,
        > = IdToken::new(claims, &self.signing, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, None, None)?;
        Ok(token.to_string())
    }
}

/// What the demo provider's pages need: the core (to list a demo portal's people) and the
/// provider itself, when the server runs with `--demo`.
#[derive(Clone)]
pub struct DemoIdpState {
    pub core: Context,
    pub idp: Option<Arc<DemoIdp>>,
}

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    DemoIdpState: FromRef<S>,
{
    Router::new()
        .route(&format!("{PATH}/.well-known/openid-configuration"), get(discovery))
        .route(&format!("{PATH}/jwks"), get(jwks))
        .route(&format!("{PATH}/authorize"), get(authorize_page).post(authorize))
        .route(&format!("{PATH}/token"), axum::routing::post(token))
}

fn provider(state: &DemoIdpState) -> Option<&DemoIdp> {
    state.idp.as_deref()
}

fn not_served() -> Response {
    (StatusCode::NOT_FOUND, "The demo identity provider runs only with `portico serve --demo`.")
        .into_response()
}

async fn discovery(State(state): State<DemoIdpState>) -> Response {
    let Some(idp) = provider(&state) else { return not_served() };
    let issuer = idp.issuer();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "email", "email_verified", "name"],
    }))
    .into_response()
}

async fn jwks(State(state): State<DemoIdpState>) -> Response {
    match provider(&state) {
        Some(idp) => Json(json!({ "keys": [idp.verification] })).into_response(),
        None => not_served(),
    }
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeQuery {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
    /// The end user chosen on the page (the form's answer).
    #[serde(default)]
    login: String,
}

fn refusal(status: StatusCode, text: &str) -> Response {
    (status, Html(page("Demo sign-in refused", &format!("<p>{}</p>", escape(text))))).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A plain page that says what it is.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{title} · Portico demo identity provider</title>\
         <link rel=\"stylesheet\" href=\"{css}\"></head><body class=\"demo-idp\"><main id=\"main\">\
         <p class=\"demo-badge\">Demo identity provider</p><h1>{title}</h1>{body}\
         <p class=\"demo-note\">This sign-in page belongs to Portico's demo. A real portal signs people in through \
         their company's own identity provider (Okta, Microsoft Entra ID or any OpenID Connect provider), \
         never through this page.</p></main></body></html>",
        css = portico_core::paths::STYLESHEET,
    )
}

/// The request a client sends, checked as a strict provider checks it.
fn check(idp: &DemoIdp, query: &AuthorizeQuery) -> Result<Uuid, &'static str> {
    let bad = |text: &'static str| Err(text);
    if query.response_type != "code" {
        return bad("Only the authorization code flow is supported (response_type=code).");
    }
    let Some(customer_id) = DemoIdp::customer_of(&query.client_id) else {
        return bad("This client is not one of the demo portals.");
    };
    if !idp.redirect_allowed(&query.redirect_uri) {
        return bad("The redirect address is not one of Portico's.");
    }
    if query.code_challenge_method != "S256" || query.code_challenge.len() < 43 {
        return bad("PKCE with S256 is required.");
    }
    if query.state.is_empty() || query.nonce.is_empty() {
        return bad("state and nonce are required.");
    }
    Ok(customer_id)
}

/// The customer, when it is one of the demo's: its portal signs in through this provider (an
/// enabled configuration with the demo client id and discovery address). Any other customer's
/// people are never listed here, even with `--demo` on a database with real customers.
async fn demo_customer(
    state: &DemoIdpState,
    idp: &DemoIdp,
    customer_id: Uuid,
) -> Option<portico_domain::customer::Customer> {
    // The demo provider acts as the system: it lists people the way an identity provider would.
    let actor = Actor::system();
    let customer = customers::customer(&state.core, &actor, customer_id)
        .await
        .ok()
        .filter(|customer| !customer.archived)?;
    let configs = sso::sso_configs(&state.core, &actor, customer_id).await.ok()?;
    let client_id = DemoIdp::client_id(customer_id);
    let discovery = idp.discovery_url();
    configs
        .iter()
        .any(|config| {
            config.settings.enabled
                && config.settings.client_id == client_id
                && config.settings.discovery_url.as_deref() == Some(discovery.as_str())
        })
        .then_some(customer)
}

async fn authorize_page(State(state): State<DemoIdpState>, Query(query): Query<AuthorizeQuery>) -> Response {
    let Some(idp) = provider(&state) else { return not_served() };
    let customer_id = match check(idp, &query) {
        Ok(id) => id,
        Err(why) => return refusal(StatusCode::BAD_REQUEST, why),
    };
    let Some(customer) = demo_customer(&state, idp, customer_id).await else {
        return refusal(StatusCode::BAD_REQUEST, "This client is not one of the demo portals.");
    };
    let page_request = PageRequest::first(50);
    let users = match end_users::list_end_users(
        &state.core,
        &Actor::system(),
        customer_id,
        None,
        &page_request,
    )
    .await
    {
        Ok(found) => found.items.into_iter().filter(|user| user.active).collect::<Vec<_>>(),
        Err(_) => Vec::new(),
    };
    let hidden = |name: &str, value: &str| {
        format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(value))
    };
    let carried = [
        hidden("response_type", &query.response_type),
        hidden("client_id", &query.client_id),
        hidden("redirect_uri", &query.redirect_uri),
        hidden("state", &query.state),
        hidden("nonce", &query.nonce),
        hidden("code_challenge", &query.code_challenge),
        hidden("code_challenge_method", &query.code_challenge_method),
    ]
    .concat();
    let mut body = format!(
        "<p>Choose who to sign in to the {} portal as. No password is asked: this is a demo.</p><ul class=\"demo-people\">",
        escape(&customer.name)
    );
    for user in &users {
        body.push_str(&format!(
            "<li><form method=\"post\" action=\"{PATH}/authorize\">{carried}{}<button type=\"submit\">Sign in as {} \
             <span class=\"muted\">{} · {}</span></button></form></li>",
            hidden("login", &user.id.to_string()),
            escape(&user.name),
            escape(user.email.as_str()),
            match user.role {
                portico_domain::end_user::CustomerRole::Manager => "manager: sees all of the company's tickets",
                portico_domain::end_user::CustomerRole::Member => "member",
            },
        ));
    }
    body.push_str("</ul>");
    if users.is_empty() {
        body.push_str("<p>This customer has no active end users to sign in as.</p>");
    }
    let mut response = Html(page(&format!("Sign in to {}", escape(&customer.name)), &body)).into_response();
    // The page posts back to itself only.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

async fn authorize(State(state): State<DemoIdpState>, Form(form): Form<AuthorizeQuery>) -> Response {
    let Some(idp) = provider(&state) else { return not_served() };
    let customer_id = match check(idp, &form) {
        Ok(id) => id,
        Err(why) => return refusal(StatusCode::BAD_REQUEST, why),
    };
    if demo_customer(&state, idp, customer_id).await.is_none() {
        return refusal(StatusCode::BAD_REQUEST, "This client is not one of the demo portals.");
    }
    let user = match Uuid::parse_str(&form.login) {
        Ok(id) => end_users::end_user(&state.core, &Actor::system(), id).await.ok(),
        Err(_) => None,
    };
    let Some(user) = user.filter(|user| user.customer_id == customer_id && user.active) else {
        return refusal(StatusCode::BAD_REQUEST, "Choose one of the people listed.");
    };
    let code = portico_domain::secret::random_token("demo");
    let grant = Grant {
        client_id: form.client_id.clone(),
        redirect_uri: form.redirect_uri.clone(),
        nonce: form.nonce.clone(),
        code_challenge: form.code_challenge.clone(),
        user: (user.id, user.name.clone(), user.email.to_string()),
        issued: Instant::now(),
    };
    {
        let mut grants = idp.grants.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        grants.retain(|_, grant| grant.issued.elapsed() < CODE_LIFETIME);
        grants.insert(code.clone(), grant);
    }
    let Ok(mut target) = Url::parse(&form.redirect_uri) else {
        return refusal(StatusCode::BAD_REQUEST, "The redirect address is not valid.");
    };
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", &form.state);
    Redirect::to(target.as_str()).into_response()
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    code_verifier: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

fn token_error(error: &str, description: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": error, "error_description": description}))).into_response()
}

/// The client's credentials: HTTP Basic (each part form-encoded, RFC 6749 §2.3.1) or the body.
fn client_credentials(headers: &HeaderMap, form: &TokenForm) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let decode = |part: &str| {
            form_urlencoded::parse(format!("x={part}").as_bytes()).next().map(|(_, v)| v.into_owned())
        };
        return Some((decode(id)?, decode(secret)?));
    }
    (!form.client_id.is_empty()).then(|| (form.client_id.clone(), form.client_secret.clone()))
}

async fn token(
    State(state): State<DemoIdpState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let Some(idp) = provider(&state) else { return not_served() };
    if form.grant_type != "authorization_code" {
        return token_error("unsupported_grant_type", "only authorization_code");
    }
    let Some((client_id, secret)) = client_credentials(&headers, &form) else {
        return token_error("invalid_client", "client authentication is required");
    };
    if !portico_domain::secret::same_secret(&secret, &idp.client_secret(&client_id)) {
        return token_error("invalid_client", "wrong client secret");
    }
    let grant = idp.grants.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&form.code);
    let Some(grant) = grant.filter(|grant| grant.issued.elapsed() < CODE_LIFETIME) else {
        return token_error("invalid_grant", "unknown, used or expired code");
    };
    if grant.client_id != client_id || grant.redirect_uri != form.redirect_uri {
        return token_error("invalid_grant", "the code was issued to another client or redirect");
    }
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(form.code_verifier.as_bytes()));
    if challenge != grant.code_challenge {
        return token_error("invalid_grant", "PKCE verification failed");
    }
    match idp.sign(&grant) {
        Ok(id_token) => Json(json!({
            "access_token": portico_domain::secret::random_token("demoat"),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }))
        .into_response(),
        Err(error) => {
            tracing::error!(%error, "the demo identity provider could not sign a token");
            token_error("server_error", "could not sign the token")
        }
    }
}
