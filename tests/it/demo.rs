//! `portico serve --demo` as a newcomer meets it: the printed console sign-in and portal
//! addresses, a portal signed in to through the built-in demo identity provider (the same
//! relying-party path as any IdP), a ticket submitted and answered; the provider's refusals;
//! and no demo provider without `--demo`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reqwest::StatusCode;
use serde_json::Value;

use crate::html_form::{form_pairs, set, value};
use crate::support::{Backend, Console, TestApp, client, empty_database, on_both_backends};

on_both_backends!(the_demo_shows_both_sides_of_the_product);

/// A `portico serve --demo` process on a free port, ended (by its id) when dropped.
pub struct DemoServer {
    pub base: String,
    /// Removed when the server is dropped.
    pub data_dir: crate::support::TempDir,
    pub admin_email: String,
    pub admin_password: String,
    /// (customer name, portal address) as printed.
    pub portals: Vec<(String, String)>,
    child: Child,
}

impl DemoServer {
    pub async fn start(backend: Backend) -> Self {
        let (url, dir) = empty_database(backend).await;
        tokio::task::spawn_blocking(move || {
            let mut child = Command::new(env!("CARGO_BIN_EXE_portico"))
                .args(["serve", "--demo", "--addr", "127.0.0.1:0"])
                .env("PORTICO_DATA_DIR", &dir)
                .env("DATABASE_URL", &url)
                .env("RUST_LOG", "warn,portico=info")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // It prints its portals, then logs that it serves (at the port the system gave it).
            let mut logs = BufReader::new(child.stderr.take().unwrap()).lines();
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let (mut email, mut password, mut portals) = (String::new(), String::new(), Vec::new());
            while portals.len() < 4 {
                let line = lines.next().expect("the demo prints its portals").unwrap();
                if let Some(rest) = line.strip_prefix("E-mail:") {
                    email = rest.trim().to_string();
                } else if let Some(rest) = line.strip_prefix("Password:") {
                    password = rest.trim().to_string();
                } else if let Some(rest) = line.strip_prefix("Portal:") {
                    let (address, name) = rest.trim().split_once("  (").unwrap();
                    portals.push((name.split(';').next().unwrap().to_string(), address.to_string()));
                }
            }
            std::thread::spawn(move || for _ in lines {});
            let base = loop {
                let line = logs.next().expect("the demo logs that it is serving").unwrap();
                if let Some(base) = crate::support::served_base(&line) {
                    break base;
                }
            };
            std::thread::spawn(move || for _ in logs {});
            Self { base, data_dir: dir, admin_email: email, admin_password: password, portals, child }
        })
        .await
        .unwrap()
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Follows redirects by hand (the client follows none), returning the last response.
async fn follow(client: &reqwest::Client, base: &str, mut url: String) -> reqwest::Response {
    loop {
        let response = client.get(&url).send().await.unwrap();
        match response.headers().get("location") {
            Some(location) if response.status().is_redirection() => {
                let location = location.to_str().unwrap();
                url = if location.starts_with("http") {
                    location.to_string()
                } else {
                    format!("{base}{location}")
                };
            }
            _ => return response,
        }
    }
}

/// The hidden fields of the demo provider's form for `person`.
fn choose(page: &str, person: &str) -> Vec<(String, String)> {
    let at =
        page.find(&format!("Sign in as {person}")).unwrap_or_else(|| panic!("{person} is offered: {page}"));
    let start = page[..at].rfind("<form").unwrap();
    let form = &page[start..at];
    form.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|input| {
            let name = input.split("name=\"").nth(1).unwrap().split('"').next().unwrap();
            let value = input.split("value=\"").nth(1).unwrap().split('"').next().unwrap();
            (name.to_string(), value.replace("&amp;", "&").replace("&quot;", "\""))
        })
        .collect()
}

async fn the_demo_shows_both_sides_of_the_product(backend: Backend) {
    let demo = DemoServer::start(backend).await;
    assert!(demo.admin_email == "admin@demo-msp.example" && !demo.admin_password.is_empty());
    assert_eq!(demo.portals.len(), 4, "every demo customer's portal is active and printed");
    let (name, acme) = &demo.portals[0];
    assert_eq!(name, "Acme Corporation");

    // The console: tickets in several states, and the demo provider named as such.
    let console = Console::anonymous(&demo.base);
    assert_eq!(
        console.sign_in(&demo.admin_email, &demo.admin_password).await.status(),
        StatusCode::SEE_OTHER
    );
    let home = console.page("/admin").await;
    assert!(home.contains("Waiting longest") && home.contains("T-000001"), "{home}");
    let queue = console.page("/admin/tickets?group=all&status=all").await;
    for status in ["New", "In progress", "On hold", "Resolved", "Closed"] {
        assert!(queue.contains(status), "a demo ticket is {status}");
    }

    // The portal: sign in as Ada through the demo provider's own page.
    let ada = client();
    let sign_in = follow(&ada, &demo.base, format!("{acme}auth/sign-in")).await.text().await.unwrap();
    assert!(sign_in.contains("Sign in with the demo identity provider"), "{sign_in}");
    let start =
        sign_in.split("href=\"").find(|part| part.contains("/start?")).unwrap().split('"').next().unwrap();
    let start = format!("{}{}", demo.base, start.replace("&amp;", "&"));
    let authorize = ada.get(&start).send().await.unwrap();
    let idp_page_url = authorize.headers()["location"].to_str().unwrap().to_string();
    assert!(idp_page_url.starts_with(&format!("{}/demo-idp/authorize?", demo.base)), "{idp_page_url}");
    let idp_page = ada.get(&idp_page_url).send().await.unwrap().text().await.unwrap();
    assert!(idp_page.contains("Demo identity provider") && idp_page.contains("belongs to Portico's demo"));
    let answer = ada
        .post(format!("{}/demo-idp/authorize", demo.base))
        .form(&choose(&idp_page, "Ada Lovelace"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let callback = answer.headers()["location"].to_str().unwrap().to_string();
    let code =
        url::Url::parse(&callback).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let landing = follow(&ada, &demo.base, callback).await;
    assert_eq!(landing.status(), StatusCode::OK);
    assert!(landing.text().await.unwrap().contains("Ada Lovelace"), "signed in");

    // A customer that is not one of the demo's: the demo provider lists none of its people,
    // whatever client id a stranger puts in the address.
    let created =
        console.submit("/admin/customers/new", "/admin/customers", &[("name", "Real Customer")]).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let real_id = created.headers()["location"]
        .to_str()
        .unwrap()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let mut probe = url::Url::parse(&idp_page_url).unwrap();
    let pairs: Vec<(String, String)> = probe
        .query_pairs()
        .map(|(k, v)| {
            (k.to_string(), if k == "client_id" { format!("demo-{real_id}") } else { v.to_string() })
        })
        .collect();
    probe.query_pairs_mut().clear().extend_pairs(pairs);
    let refused = ada.get(probe.as_str()).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{probe}");
    assert!(refused.text().await.unwrap().contains("not one of the demo portals"));

    // Ada submits; the team answers in the console; Ada reads the answer.
    let catalogue = ada.get(format!("{acme}tickets/new")).send().await.unwrap().text().await.unwrap();
    for offered in ["New laptop", "New starter", "Password reset", "Report an outage", "Visitor badge"] {
        assert!(catalogue.contains(offered), "the demo catalogue offers {offered}");
    }
    let new = ada.get(format!("{acme}tickets/new/other")).send().await.unwrap().text().await.unwrap();
    let mut pairs = form_pairs(&new, "ticket-form");
    set(&mut pairs, "type", "incident");
    set(&mut pairs, "short_description", "Projector in room 2 shows no picture");
    let submitted = ada.post(format!("{acme}tickets")).form(&pairs).send().await.unwrap();
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let ticket_path = submitted.headers()["location"].to_str().unwrap().to_string();
    let ticket_id = ticket_path.split('/').next_back().unwrap().split('?').next().unwrap().to_string();
    let home = console.page("/admin").await;
    assert!(
        home.contains("Projector in room 2 shows no picture") || home.contains(">Acme Corporation</a>"),
        "{home}"
    );
    let detail = format!("/admin/tickets/{ticket_id}");
    let reply = console
        .submit(
            &detail,
            &format!("{detail}/comments"),
            &[("body", "We are on our way with an HDMI cable."), ("visibility", "public")],
        )
        .await;
    assert_eq!(reply.status(), StatusCode::SEE_OTHER);
    let page = ada.get(format!("{}{ticket_path}", demo.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("We are on our way with an HDMI cable."), "{page}");
    // The landing page shows her open tickets and the most read articles under its sections.
    let landing = ada.get(acme.as_str()).send().await.unwrap().text().await.unwrap();
    assert!(
        landing.contains("Your open tickets") && landing.contains("Projector in room 2 shows no picture"),
        "{landing}"
    );
    assert!(
        landing.contains("Popular articles") && landing.contains("Connect to the VPN from home"),
        "{landing}"
    );

    // The provider refuses what a strict provider refuses.
    let key = portico::secret_key::SecretKey::load_or_create(&demo.data_dir.join("secret.key")).unwrap();
    let public = url::Url::parse(&demo.base).unwrap();
    let idp = portico::demo_idp::DemoIdp::new(&public, None, &key).unwrap();
    let fields = choose(&idp_page, "Ada Lovelace");
    let client_id = value(&fields, "client_id").to_string();
    let redirect_uri = value(&fields, "redirect_uri").to_string();
    let token = |secret: String, code: String, verifier: &str| {
        let form = vec![
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("code".to_string(), code),
            ("redirect_uri".to_string(), redirect_uri.clone()),
            ("code_verifier".to_string(), verifier.to_string()),
        ];
        let request = crate::support::plain_client()
            .post(format!("{}/demo-idp/token", demo.base))
            .basic_auth(&client_id, Some(secret))
            .form(&form);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = token("wrong".into(), code.clone(), "x".repeat(43).as_str()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_client")));
    let (_, body) = token(idp.client_secret(&client_id), code.clone(), "x".repeat(43).as_str()).await;
    assert_eq!(body["error"], "invalid_grant", "a code answers once: {body}");
    let mut foreign = url::Url::parse(&idp_page_url).unwrap();
    let pairs: Vec<(String, String)> = foreign
        .query_pairs()
        .map(|(k, v)| {
            let value = if k == "redirect_uri" { "https://evil.example/cb".into() } else { v.into_owned() };
            (k.into_owned(), value)
        })
        .collect();
    foreign.query_pairs_mut().clear().extend_pairs(pairs);
    let refused = ada.get(foreign.as_str()).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("not one of Portico's"));
}

#[tokio::test]
async fn there_is_no_demo_identity_provider_without_demo() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for path in ["/demo-idp/.well-known/openid-configuration", "/demo-idp/jwks", "/demo-idp/authorize"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let token = app
        .client
        .post(app.url("/demo-idp/token"))
        .form(&[("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), StatusCode::NOT_FOUND);
}
