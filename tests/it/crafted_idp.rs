//! A tiny test-only identity provider that serves its own discovery document and keys and
//! hands out whatever id_token a test crafted: for the tokens a real IdP would never issue.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, EndUserEmail, IdToken, IdTokenClaims, IssuerUrl, JsonWebKeyId, Nonce, PrivateSigningKey,
    StandardClaims, SubjectIdentifier,
};
use portico::sso::flow::ExtraClaims;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub struct Key {
    pub kid: String,
    signing: CoreRsaPrivateSigningKey,
}

impl Key {
    pub fn load(number: u8, kid: &str) -> Self {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/test-idp-key-{number}.pem"));
        let pem = std::fs::read_to_string(path).unwrap();
        let signing =
            CoreRsaPrivateSigningKey::from_pem(&pem, Some(JsonWebKeyId::new(kid.to_string()))).unwrap();
        Self { kid: kid.to_string(), signing }
    }

    pub fn public(&self) -> CoreJsonWebKey {
        self.signing.as_verification_key()
    }
}

#[derive(Default)]
struct Shared {
    issuer: String,
    published: Vec<CoreJsonWebKey>,
    next_token: Option<String>,
    token_error: Option<Value>,
    jwks_fetches: usize,
}

pub struct CraftedIdp {
    shared: Arc<Mutex<Shared>>,
}

async fn discovery(State(shared): State<Arc<Mutex<Shared>>>) -> Json<Value> {
    let shared = shared.lock().unwrap();
    let base = shared.issuer.split("/{tenantid}").next().unwrap().to_string();
    let base = base.trim_end_matches("/v2.0").to_string();
    Json(json!({
        "issuer": shared.issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    }))
}

async fn jwks(State(shared): State<Arc<Mutex<Shared>>>) -> Json<Value> {
    let mut shared = shared.lock().unwrap();
    shared.jwks_fetches += 1;
    Json(json!({ "keys": shared.published }))
}

async fn token(State(shared): State<Arc<Mutex<Shared>>>) -> (axum::http::StatusCode, Json<Value>) {
    let shared = shared.lock().unwrap();
    if let Some(error) = &shared.token_error {
        return (axum::http::StatusCode::BAD_REQUEST, Json(error.clone()));
    }
    let id_token = shared.next_token.clone().unwrap_or_default();
    (
        axum::http::StatusCode::OK,
        Json(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token})),
    )
}

impl CraftedIdp {
    /// Serves on a random loopback port. `issuer_path` is appended to the base for the issuer
    /// (e.g. `/{tenantid}/v2.0` for a Microsoft-style multi-tenant issuer).
    pub async fn start(published: &[&Key], issuer_path: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Mutex::new(Shared {
            issuer: format!("{base}{issuer_path}"),
            published: published.iter().map(|k| k.public()).collect(),
            ..Default::default()
        }));
        let app = Router::new()
            .route(&format!("{issuer_path}/.well-known/openid-configuration"), get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { shared }
    }

    pub fn issuer(&self) -> String {
        self.shared.lock().unwrap().issuer.clone()
    }

    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer())
    }

    pub fn hand_out(&self, id_token: String) {
        self.shared.lock().unwrap().next_token = Some(id_token);
    }

    pub fn refuse_tokens(&self, error: Value) {
        self.shared.lock().unwrap().token_error = Some(error);
    }

    pub fn publish(&self, key: &Key) {
        self.shared.lock().unwrap().published.push(key.public());
    }

    pub fn jwks_fetches(&self) -> usize {
        self.shared.lock().unwrap().jwks_fetches
    }
}

/// The claims of a token that would pass, for a test to spoil one thing in.
pub struct Claims {
    pub issuer: String,
    pub audiences: Vec<String>,
    pub authorized_party: Option<String>,
    pub subject: String,
    pub nonce: Option<String>,
    pub issued: chrono::DateTime<chrono::Utc>,
    pub expires: chrono::DateTime<chrono::Utc>,
    pub extra: ExtraClaims,
    /// The `name` claim, when a test sets one.
    pub name: Option<String>,
}

impl Claims {
    pub fn valid(issuer: &str, client_id: &str, nonce: &str) -> Self {
        let now = chrono::Utc::now();
        Self {
            issuer: issuer.to_string(),
            audiences: vec![client_id.to_string()],
            authorized_party: None,
            subject: "crafted-subject".into(),
            nonce: Some(nonce.to_string()),
            issued: now,
            expires: now + chrono::Duration::minutes(5),
            extra: ExtraClaims::default(),
            name: None,
        }
    }

    fn build(&self) -> IdTokenClaims<ExtraClaims, CoreGenderClaim> {
        let standard = StandardClaims::new(SubjectIdentifier::new(self.subject.clone()))
            .set_email(Some(EndUserEmail::new("crafted@acme.example".into())))
            .set_email_verified(Some(true))
            .set_name(self.name.clone().map(|name| {
                let mut localized = openidconnect::LocalizedClaim::new();
                localized.insert(None, openidconnect::EndUserName::new(name));
                localized
            }));
        IdTokenClaims::new(
            IssuerUrl::new(self.issuer.clone()).unwrap(),
            self.audiences.iter().map(|a| Audience::new(a.clone())).collect(),
            self.expires,
            self.issued,
            standard,
            self.extra.clone(),
        )
        .set_nonce(self.nonce.clone().map(Nonce::new))
        .set_authorized_party(self.authorized_party.clone().map(openidconnect::ClientId::new))
    }

    /// Signed properly with `key` (RS256).
    pub fn sign(&self, key: &Key) -> String {
        let token: IdToken<
            ExtraClaims,
            CoreGenderClaim,
            CoreJweContentEncryptionAlgorithm,
            CoreJwsSigningAlgorithm,
        > = IdToken::new(
            self.build(),
            &key.signing,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            None,
            None,
        )
        .unwrap();
        token.to_string()
    }

    fn payload(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&self.build()).unwrap())
    }

    /// `alg: none`, no signature.
    pub fn unsigned(&self) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        format!("{header}.{}.", self.payload())
    }

    /// HS256 with the RSA public key (its published JWK) as the HMAC secret: key confusion.
    pub fn hmac_with_public_key(&self, key: &Key) -> String {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{}"}}"#, key.kid));
        let input = format!("{header}.{}", self.payload());
        let public_pem = serde_json::to_string(&key.public()).unwrap();
        let signature = hmac_sha256(public_pem.as_bytes(), input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// Signed with `key`, but claiming another key's id.
    pub fn sign_claiming_kid(&self, key: &Key, kid: &str) -> String {
        let real = self.sign(key);
        let mut parts = real.split('.');
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
        let mut header = header;
        header["kid"] = json!(kid);
        let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
        format!("{header}.{}.{}", parts.next().unwrap(), parts.next().unwrap())
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).chain(message.iter().copied()).collect();
    let inner_hash = Sha256::digest(&inner);
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).chain(inner_hash.iter().copied()).collect();
    Sha256::digest(&outer).to_vec()
}
