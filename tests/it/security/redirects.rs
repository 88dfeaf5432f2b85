//! Items 3 and 7: redirects after sign-in stay on the page's own origin and known paths, and never fail.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::json;

use crate::crafted_idp::{Claims, CraftedIdp, Key};
use crate::idp::SsoPortal;
use crate::sso_tokens::{CLIENT, portal_for};
use crate::support::{Backend, Console, TestApp, hidden_value, location, on_both_backends};

on_both_backends!(
    item3_7_console_sign_in_only_follows_console_paths_and_never_fails,
    item3_7_portal_sign_in_on_its_own_host_only_returns_to_its_own_pages,
);

/// Signs in to the console with `next` and returns the answer.
async fn console_sign_in_with_next(app: &TestApp, next: &str) -> reqwest::Response {
    let console = Console::anonymous(&app.base);
    let page = console.page("/admin/login").await;
    let csrf = hidden_value(&page, "_csrf");
    console
        .post_form(
            "/admin/login",
            &[
                ("_csrf", csrf.as_str()),
                ("email", &app.admin.email),
                ("password", &app.admin.password),
                ("next", next),
            ],
        )
        .await
}

async fn item3_7_console_sign_in_only_follows_console_paths_and_never_fails(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let signed_in = console_sign_in_with_next(&app, "/admin/groups?page=2").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_in), "/admin/groups?page=2");
    for hostile in [
        "/\t/evil.example/",
        "/admin/\t/../..//evil.example",
        "//evil.example/admin",
        "/\\evil.example",
        "https://evil.example/admin",
        "/admin/../\\evil.example",
        "/admin/login",
    ] {
        let response = console_sign_in_with_next(&app, hostile).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{hostile:?}");
        assert_eq!(location(&response), "/admin", "{hostile:?}");
    }
    // Control characters make a valid Location, never a 500.
    for odd in ["/admin/groups\u{1}", "/admin/groups\u{7f}x", "/admin/kb\u{0}"] {
        let response = console_sign_in_with_next(&app, odd).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{odd:?}");
        assert!(location(&response).starts_with("/admin/"), "{odd:?}");
    }
}

/// A crafted-IdP sign-in on the portal's own host (`{slug}.portal.test`), with `return_to`.
async fn sign_in_on_portal_host(
    app: &TestApp,
    idp: &CraftedIdp,
    portal: &SsoPortal,
    return_to: &str,
) -> reqwest::Response {
    let host = format!("{}.portal.test:{}", portal.slug, app.base.rsplit(':').next().unwrap());
    let client = crate::support::client();
    let start = client
        .get(app.url(&format!("/auth/{}/start", portal.sso_id)))
        .query(&[("return_to", return_to)])
        .header("host", &host)
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER, "{return_to:?}");
    let query: HashMap<String, String> =
        url::Url::parse(&location(&start)).unwrap().query_pairs().into_owned().collect();
    idp.hand_out(Claims::valid(&idp.issuer(), CLIENT, &query["nonce"]).sign(&Key::load(1, "k1")));
    client
        .get(app.url(&format!("/auth/{}/callback", portal.sso_id)))
        .query(&[("code", "c0de"), ("state", query["state"].as_str())])
        .header("host", &host)
        .send()
        .await
        .unwrap()
}

async fn item3_7_portal_sign_in_on_its_own_host_only_returns_to_its_own_pages(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.portal_domain = Some("portal.test".into())).await;
    let idp = CraftedIdp::start(&[&Key::load(1, "k1")], "").await;
    let portal = portal_for(&app, &idp, json!({})).await;
    let signed_in = sign_in_on_portal_host(&app, &idp, &portal, "/tickets?state=open").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_in), "/tickets?state=open");
    for hostile in [
        "/\t/evil.example/",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/.//evil.example/",
        "/auth/sign-in",
    ] {
        let response = sign_in_on_portal_host(&app, &idp, &portal, hostile).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{hostile:?}");
        assert_eq!(location(&response), "/", "{hostile:?}");
    }
    let odd = sign_in_on_portal_host(&app, &idp, &portal, "/tickets\u{1}x").await;
    assert_eq!(odd.status(), StatusCode::SEE_OTHER, "a control character never makes a 500");
    assert_eq!(location(&odd), "/tickets%01x");
}
