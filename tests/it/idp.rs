//! The test suite's real OpenID provider (npm `oidc-provider`, run by Node on 127.0.0.2), and
//! helpers to configure a portal to sign in through it and to walk the flow over HTTP.

use std::process::Stdio;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::processes::Helper;
use crate::support::{TestApp, client};

pub struct TestIdp {
    pub issuer: String,
    _process: Helper,
}

impl TestIdp {
    /// Starts a provider with these accounts (`{"id": {claims}}`); `None` without Node when
    /// skipping was asked for ([`crate::support::missing`]).
    pub async fn start(accounts: Value) -> Option<Self> {
        if Command::new("node").arg("--version").output().await.is_err() {
            crate::support::missing("Node.js (for the test OpenID provider)");
            return None;
        }
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/idp/provider.mjs");
        let mut command = Command::new("node");
        command
            .arg(script)
            .env("IDP_CONFIG", json!({ "accounts": accounts }).to_string())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut process = Helper::spawn(command, "node").expect("start the test OpenID provider");
        let mut lines = BufReader::new(process.take_stdout().unwrap()).lines();
        let first = lines.next_line().await.unwrap().expect("the provider prints its issuer");
        let ready: Value = serde_json::from_str(&first).unwrap();
        // Keep reading, so the provider never writes into a closed pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Some(Self { issuer: ready["issuer"].as_str().unwrap().to_string(), _process: process })
    }

    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    /// Replaces an account's claims (a test-only route of the provider): its next sign-in
    /// carries these.
    pub async fn set_account(&self, id: &str, claims: Value) {
        let response = crate::support::plain_client()
            .put(format!("{}/__accounts/{id}", self.issuer))
            .json(&claims)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }

    /// Registers a client (dynamic client registration) for these redirect URIs.
    pub async fn register_clients(&self, redirect_uris: &[&str], post_logout: &str) -> (String, String) {
        register_clients_at(&self.issuer, redirect_uris, post_logout).await
    }

    /// [`Self::register_clients`] from synchronous code (a configuration closure), on a thread
    /// of its own.
    pub fn register_clients_now(&self, redirect_uris: &[&str], post_logout: &str) -> (String, String) {
        let issuer = self.issuer.clone();
        let uris: Vec<String> = redirect_uris.iter().map(std::string::ToString::to_string).collect();
        let post_logout = post_logout.to_string();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let uris: Vec<&str> = uris.iter().map(String::as_str).collect();
            runtime.block_on(register_clients_at(&issuer, &uris, &post_logout))
        })
        .join()
        .unwrap()
    }
}

async fn register_clients_at(issuer: &str, redirect_uris: &[&str], post_logout: &str) -> (String, String) {
    let response = crate::support::plain_client()
        .post(format!("{issuer}/reg"))
        .json(&json!({
            "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": [post_logout],
            "token_endpoint_auth_method": "client_secret_basic",
            "response_types": ["code"],
            "grant_types": ["authorization_code"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let client: Value = response.json().await.unwrap();
    (client["client_id"].as_str().unwrap().to_string(), client["client_secret"].as_str().unwrap().to_string())
}

/// A customer whose active portal signs in through `idp` with one configuration.
#[derive(Clone)]
pub struct SsoPortal {
    pub customer_id: String,
    pub slug: String,
    pub sso_id: String,
    pub client_id: String,
    pub client_secret: String,
}

impl SsoPortal {
    pub fn path(&self, rest: &str) -> String {
        format!("/p/{}{rest}", self.slug)
    }
}

/// Creates the customer, activates the portal and adds an SSO configuration for `idp`, then
/// registers its redirect URI at the IdP and enters the client id and secret it got.
pub async fn sso_portal(app: &TestApp, idp: &TestIdp, name: &str, extra: Value) -> SsoPortal {
    let token = &app.admin.token;
    let (_, customer) = app.post_json("/customers", token, json!({"name": name})).await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    let (_, mut portal) = app.get_json(&format!("/customers/{customer_id}/portal"), token).await;
    portal["active"] = json!(true);
    let response = app
        .api(Method::PUT, &format!("/customers/{customer_id}/portal"), token)
        .header("if-match", "1")
        .json(&portal)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Just-in-time provisioning is opt-in: these portals opt in unless `extra` says otherwise.
    let mut body = json!({"label": format!("Sign in with {name} ID"), "provider": "oidc", "discovery_url": idp.discovery_url(),
        "client_id": "pending", "client_secret": "pending", "jit_provisioning": true});
    for (key, value) in extra.as_object().cloned().unwrap_or_default() {
        body[key] = value;
    }
    let (status, config) =
        app.post_json(&format!("/customers/{customer_id}/portal/sso-configs"), token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{config}");
    let sso_id = config["id"].as_str().unwrap().to_string();
    let redirect_uri = config["redirect_uri"].as_str().unwrap().to_string();
    let slug = portal["slug"].as_str().unwrap().to_string();
    assert!(redirect_uri.ends_with(&format!("/auth/{sso_id}/callback")), "{redirect_uri}");
    // Path mode always works too: register its callback as well.
    let path_mode = app.url(&format!("/p/{slug}/auth/{sso_id}/callback"));
    let (client_id, secret) = idp
        .register_clients(&[&redirect_uri, &path_mode], &app.url(&format!("/p/{slug}/auth/signed-out")))
        .await;
    let (status, _) = app
        .patch_json(
            &format!("/customers/{customer_id}/portal/sso-configs/{sso_id}"),
            token,
            json!({"client_id": client_id, "client_secret": secret}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    SsoPortal { customer_id, slug, sso_id, client_id, client_secret: secret }
}

/// A browser without a browser: its own cookies, redirects followed by hand.
pub struct Visitor {
    pub client: reqwest::Client,
    pub base: String,
}

impl Visitor {
    pub fn new(app: &TestApp) -> Self {
        Self { client: client(), base: app.base.clone() }
    }

    pub fn absolute(&self, location: &str) -> String {
        if location.starts_with("http") { location.to_string() } else { format!("{}{location}", self.base) }
    }

    /// Follows redirects from `url`; returns the last response and every URL visited.
    pub async fn follow(&self, url: &str) -> (reqwest::Response, Vec<String>) {
        let mut visited = vec![url.to_string()];
        let mut current = url.to_string();
        for _ in 0..20 {
            let response = self.client.get(&current).send().await.unwrap();
            if !response.status().is_redirection() {
                return (response, visited);
            }
            let location = response.headers()["location"].to_str().unwrap().to_string();
            current = if location.starts_with('/') && current.starts_with("http://127.0.0.2") {
                let origin: String = current.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
                format!("{origin}{location}")
            } else {
                self.absolute(&location)
            };
            visited.push(current.clone());
        }
        panic!("too many redirects: {visited:?}");
    }

    /// Starts sign-in with `sso_id` and returns the IdP authorization URL the portal sent us to.
    pub async fn start(&self, portal: &SsoPortal) -> String {
        let response = self
            .client
            .get(format!("{}{}", self.base, portal.path(&format!("/auth/{}/start", portal.sso_id))))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "start redirects to the IdP");
        response.headers()["location"].to_str().unwrap().to_string()
    }

    /// Signs in as `account` all the way back to the portal; returns the final page.
    pub async fn sign_in(&self, portal: &SsoPortal, account: &str) -> (StatusCode, String, Vec<String>) {
        let authorize = self.start(portal).await;
        let (response, visited) = self.follow(&format!("{authorize}&login_hint={account}")).await;
        let status = response.status();
        (status, response.text().await.unwrap(), visited)
    }
}
