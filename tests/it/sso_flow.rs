//! End users signing in through a real OpenID provider, and the portal's access rules.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::html_form::{form_pairs, value};
use crate::idp::{TestIdp, Visitor, sso_portal};
use crate::support::{Backend, TestApp, on_both_backends};

on_both_backends!(
    an_end_user_signs_in_through_the_provider_and_signs_out,
    okta_and_microsoft_claim_shapes_are_understood,
    without_jit_only_registered_active_end_users_enter,
    allowed_email_domains_need_a_verified_address,
    portals_never_share_sessions_configurations_or_identities,
    every_portal_state_has_its_own_clear_page,
    an_email_address_never_hands_an_account_to_another_identity,
    sessions_end_when_their_configuration_or_end_user_is_switched_off,
    old_slugs_redirect_and_portals_answer_on_their_own_hosts,
);

fn accounts() -> Value {
    json!({
        "ada": {"email": "ada@acme.example", "email_verified": true, "name": "Ada Lovelace"},
        "ada-recreated": {"email": "ada@acme.example", "email_verified": true, "name": "Ada Again"},
        "okta-lin": {"email": "lin@acme.example", "email_verified": true, "name": "Lin Okta", "preferred_username": "lin@acme.example"},
        "ms-grace": {"tid": "9188040d-6c67-4c5b-b112-36a304b66dad", "oid": "00000000-0000-0000-66f3-3332eca7ea81",
            "preferred_username": "grace@contoso.example", "email": "grace@contoso.example", "xms_edov": true, "name": "Grace Hopper"},
        "unverified": {"email": "eve@acme.example", "email_verified": false, "name": "Eve Unverified"},
        "eve": {"email": "eve@acme.example", "email_verified": true, "name": "Eve Verified"},
        "outsider": {"email": "mallory@elsewhere.example", "email_verified": true, "name": "Mallory"}
    })
}

async fn an_end_user_signs_in_through_the_provider_and_signs_out(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let portal = sso_portal(&app, &idp, "Acme", json!({})).await;
    let visitor = Visitor::new(&app);

    // Not signed in: the portal sends to its sign-in page, which lists the configuration.
    let landing = visitor.client.get(app.url(&portal.path("/"))).send().await.unwrap();
    assert_eq!(landing.status(), StatusCode::SEE_OTHER);
    let sign_in = visitor
        .client
        .get(app.url(&portal.path("/auth/sign-in")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sign_in.contains("Sign in with Acme ID"));

    let authorize = visitor.start(&portal).await;
    let url = url::Url::parse(&authorize).unwrap();
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert!(authorize.starts_with(&idp.issuer));
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["client_id"], portal.client_id);
    assert!(
        query["code_challenge"].len() >= 43 && query.contains_key("state") && query.contains_key("nonce")
    );
    assert_eq!(query["redirect_uri"], app.url(&portal.path(&format!("/auth/{}/callback", portal.sso_id))));

    let (response, visited) = visitor.follow(&format!("{authorize}&login_hint=ada")).await;
    assert_eq!(response.status(), StatusCode::OK, "{visited:?}");
    let page = response.text().await.unwrap();
    assert!(page.contains("Ada Lovelace") && page.contains("Sign out"), "the landing page shows the name");
    let callback = visited.iter().find(|u| u.contains("/callback?")).unwrap();
    assert!(callback.contains("iss="), "the IdP names itself in its answer (RFC 9207)");

    let customer_id = portal.customer_id.parse().unwrap();
    let users = app.store.list_end_users(customer_id, None, &Default::default()).await.unwrap().items;
    assert_eq!(users.len(), 1, "just-in-time provisioning created the end user");
    assert_eq!((users[0].email.as_str(), users[0].name.as_str()), ("ada@acme.example", "Ada Lovelace"));
    assert!(users[0].first_sign_in_at.is_some());
    let identities = crate::support::snapshot(&app.store, "end_user_identities").await;
    assert!(
        identities[0].contains(&idp.issuer) && identities[0].contains("ada"),
        "keyed by issuer and subject: {identities:?}"
    );

    // Signing in again finds the same end user by identity.
    let again = Visitor::new(&app);
    let (status, _, _) = again.sign_in(&portal, "ada").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.store.list_end_users(customer_id, None, &Default::default()).await.unwrap().items.len(),
        1
    );

    // Sign out ends the session here and goes to the IdP's end-session endpoint.
    let csrf = value(&form_pairs(&page, "sign-out"), "_csrf").to_string();
    let out = visitor
        .client
        .post(app.url(&portal.path("/auth/logout")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let location = out.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{}/session/end", idp.issuer)) && location.contains("id_token_hint="),
        "{location}"
    );
    assert!(location.contains("post_logout_redirect_uri="));
    let after = visitor.client.get(app.url(&portal.path("/"))).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "signed out: sent to sign in");
    let to = after.headers()["location"].to_str().unwrap();
    assert!(to.ends_with("/auth/sign-in"), "{to}");
    let forged = again
        .client
        .post(app.url(&portal.path("/auth/logout")))
        .form(&[("_csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "sign-out needs the session's CSRF token");

    // The client secret never reaches the logs, though the sign-in does.
    assert!(crate::support::this_tests_logs().contains("end-user sign-in"), "the sign-in itself is logged");
    let logs = crate::support::captured_logs();
    assert!(!logs.contains(portal.client_secret.as_str()), "the client secret must never be logged");
}

async fn okta_and_microsoft_claim_shapes_are_understood(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let okta =
        sso_portal(&app, &idp, "Okta Corp", json!({"provider": "okta", "okta_domain": "okta-corp.okta.com"}))
            .await;
    let (status, page, _) = Visitor::new(&app).sign_in(&okta, "okta-lin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Lin Okta"));

    let microsoft = sso_portal(
        &app,
        &idp,
        "Contoso",
        json!({"provider": "microsoft", "tenant_id": "9188040d-6c67-4c5b-b112-36a304b66dad"}),
    )
    .await;
    let (status, page, _) = Visitor::new(&app).sign_in(&microsoft, "ms-grace").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Grace Hopper"));
    let identity = crate::support::snapshot(&app.store, "end_user_identities")
        .await
        .into_iter()
        .find(|r| r.contains("ms-grace"))
        .unwrap();
    assert!(
        identity.contains("9188040d-6c67-4c5b-b112-36a304b66dad")
            && identity.contains("00000000-0000-0000-66f3-3332eca7ea81"),
        "tid and oid are kept: {identity}"
    );
    let users = app
        .store
        .list_end_users(microsoft.customer_id.parse().unwrap(), None, &Default::default())
        .await
        .unwrap()
        .items;
    assert_eq!(users[0].email.as_str(), "grace@contoso.example");

    // A Microsoft configuration for another tenant refuses this tenant's token.
    let other_tenant = sso_portal(
        &app,
        &idp,
        "Fabrikam",
        json!({"provider": "microsoft", "tenant_id": "11111111-2222-3333-4444-555555555555"}),
    )
    .await;
    let (status, page, _) = Visitor::new(&app).sign_in(&other_tenant, "ms-grace").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    crate::sso_tokens::assert_plain_failure(&app, &other_tenant, &page, "is not the configured tenant").await;
}

async fn without_jit_only_registered_active_end_users_enter(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let portal = sso_portal(&app, &idp, "Closed Corp", json!({"jit_provisioning": false})).await;
    let (status, page, _) = Visitor::new(&app).sign_in(&portal, "ada").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("not registered for this portal"));
    assert_eq!(
        crate::support::snapshot(&app.store, "portal_sessions").await.len(),
        0,
        "no session is created"
    );

    let users = format!("/customers/{}/end-users", portal.customer_id);
    let (status, ada) =
        app.post_json(&users, &app.admin.token, json!({"name": "Ada L.", "email": "ADA@acme.example"})).await;
    assert_eq!(status, StatusCode::CREATED, "{ada}");
    let (status, eve) =
        app.post_json(&users, &app.admin.token, json!({"name": "Eve", "email": "eve@acme.example"})).await;
    assert_eq!(status, StatusCode::CREATED, "{eve}");
    let (status, page, _) = Visitor::new(&app).sign_in(&portal, "ada").await;
    assert_eq!(status, StatusCode::OK, "linked once by the verified e-mail");
    assert!(page.contains("Ada L."));
    let (status, page, _) = Visitor::new(&app).sign_in(&portal, "unverified").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an unverified e-mail never links an account");
    assert!(
        page.contains(
            "An account with your e-mail address exists, but your identity provider did not confirm"
        ),
        "{page}"
    );
    // Eve is registered: the same address, verified, does link her account.
    let (status, page, _) = Visitor::new(&app).sign_in(&portal, "eve").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<span>Eve</span>"), "signed in as the registered Eve: {page}");

    app.patch_json(
        &format!("/end-users/{}", ada["id"].as_str().unwrap()),
        &app.admin.token,
        json!({"active": false}),
    )
    .await;
    let (status, page, _) = Visitor::new(&app).sign_in(&portal, "ada").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("deactivated"));
}

async fn allowed_email_domains_need_a_verified_address(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let portal =
        sso_portal(&app, &idp, "Acme Only", json!({"allowed_email_domains": ["acme.example"]})).await;
    assert_eq!(Visitor::new(&app).sign_in(&portal, "ada").await.0, StatusCode::OK);
    let (status, page, _) = Visitor::new(&app).sign_in(&portal, "outsider").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("domain this portal accepts"));
    assert_eq!(
        Visitor::new(&app).sign_in(&portal, "unverified").await.0,
        StatusCode::FORBIDDEN,
        "an unverified address in the domain is not enough"
    );
}

async fn portals_never_share_sessions_configurations_or_identities(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let a = sso_portal(&app, &idp, "Alpha", json!({})).await;
    let b = sso_portal(&app, &idp, "Beta", json!({})).await;
    let visitor = Visitor::new(&app);
    assert_eq!(visitor.sign_in(&a, "ada").await.0, StatusCode::OK);

    // A's session cookie, presented at B, is not a session at B.
    let session = crate::support::snapshot(&app.store, "portal_sessions").await;
    assert_eq!(session.len(), 1);
    let at_b = visitor.client.get(app.url(&b.path("/"))).send().await.unwrap();
    assert_eq!(at_b.status(), StatusCode::SEE_OTHER, "not signed in at B");
    // B's sign-in never uses A's configuration.
    let crossed =
        visitor.client.get(app.url(&b.path(&format!("/auth/{}/start", a.sso_id)))).send().await.unwrap();
    assert_eq!(crossed.status(), StatusCode::NOT_FOUND);
    // An answer to A's sign-in cannot be taken to B's callback.
    let authorize = visitor.start(&a).await;
    let state =
        url::Url::parse(&authorize).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let mixed = visitor
        .client
        .get(app.url(&b.path(&format!("/auth/{}/callback?code=x&state={state}", b.sso_id))))
        .send()
        .await
        .unwrap();
    assert_eq!(mixed.status(), StatusCode::BAD_REQUEST);
    assert!(mixed.text().await.unwrap().contains("belongs elsewhere"));
    // The same person through B's configuration is a different identity at B.
    assert_eq!(Visitor::new(&app).sign_in(&b, "ada").await.0, StatusCode::OK);
    let b_users = app
        .store
        .list_end_users(b.customer_id.parse().unwrap(), None, &Default::default())
        .await
        .unwrap()
        .items;
    let a_users = app
        .store
        .list_end_users(a.customer_id.parse().unwrap(), None, &Default::default())
        .await
        .unwrap()
        .items;
    assert_ne!(a_users[0].id, b_users[0].id);
    assert_eq!(crate::support::snapshot(&app.store, "end_user_identities").await.len(), 2);
}

async fn every_portal_state_has_its_own_clear_page(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let client = crate::support::client();
    let unknown = client.get(app.url("/p/no-such-portal")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.text().await.unwrap().contains("There is no portal here"));

    let (_, customer) = app.post_json("/customers", &app.admin.token, json!({"name": "Quiet Ltd"})).await;
    let (_, portal) = app
        .get_json(&format!("/customers/{}/portal", customer["id"].as_str().unwrap()), &app.admin.token)
        .await;
    let quiet = format!("/p/{}", portal["slug"].as_str().unwrap());
    let inactive = client.get(app.url(&quiet)).send().await.unwrap();
    assert_eq!(inactive.status(), StatusCode::FORBIDDEN);
    assert!(inactive.text().await.unwrap().contains("This portal is not open"));

    let sso = sso_portal(&app, &idp, "Ready Inc", json!({})).await;
    app.patch_json(
        &format!("/customers/{}/portal/sso-configs/{}", sso.customer_id, sso.sso_id),
        &app.admin.token,
        json!({"enabled": false}),
    )
    .await;
    let not_ready = client.get(app.url(&sso.path("/"))).send().await.unwrap();
    assert_eq!(not_ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(not_ready.text().await.unwrap().contains("Sign-in is not set up yet"));
    app.patch_json(
        &format!("/customers/{}/portal/sso-configs/{}", sso.customer_id, sso.sso_id),
        &app.admin.token,
        json!({"enabled": true}),
    )
    .await;

    // The IdP answers with an error.
    let visitor = Visitor::new(&app);
    let authorize = visitor.start(&sso).await;
    let state =
        url::Url::parse(&authorize).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let denied = visitor
        .client
        .get(app.url(&sso.path(&format!(
            "/auth/{}/callback?error=access_denied&error_description=User+cancelled&state={state}",
            sso.sso_id
        ))))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(denied.headers()["referrer-policy"], "no-referrer");
    let page = denied.text().await.unwrap();
    assert!(page.contains("You were not signed in") && page.contains("Sign in again"), "{page}");
    assert!(!page.contains("access_denied"), "{page}");
    let config =
        app.store.sso_config(sso.customer_id.parse().unwrap(), sso.sso_id.parse().unwrap()).await.unwrap();
    let failure = config.last_failure.expect("kept for the console");
    assert_eq!(failure.detail, "the identity provider answered access_denied: User cancelled");
    assert!(page.contains(&failure.reference));
    // The same state cannot be used twice.
    let replay = visitor
        .client
        .get(app.url(&sso.path(&format!("/auth/{}/callback?code=x&state={state}", sso.sso_id))))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(replay.text().await.unwrap().contains("already used or has expired"));

    // An error that means the set-up is wrong reads so, but the browser brought it: nothing
    // here failed, so it is no server error (anyone with a state can send any error).
    let visitor = Visitor::new(&app);
    let authorize = visitor.start(&sso).await;
    let state =
        url::Url::parse(&authorize).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let misconfigured = visitor
        .client
        .get(app.url(&sso.path(&format!("/auth/{}/callback?error=invalid_client&state={state}", sso.sso_id))))
        .send()
        .await
        .unwrap();
    assert_eq!(misconfigured.status(), StatusCode::UNAUTHORIZED);
    let page = misconfigured.text().await.unwrap();
    assert!(page.contains("needs a correction in its settings"), "{page}");
    let config =
        app.store.sso_config(sso.customer_id.parse().unwrap(), sso.sso_id.parse().unwrap()).await.unwrap();
    assert_eq!(config.last_failure.expect("kept").detail, "the identity provider answered invalid_client");

    // An answer naming another issuer (RFC 9207 mix-up defence) is refused.
    let visitor = Visitor::new(&app);
    let authorize = visitor.start(&sso).await;
    let state =
        url::Url::parse(&authorize).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let mixed_up = visitor
        .client
        .get(app.url(&sso.path(&format!(
            "/auth/{}/callback?code=x&state={state}&iss=https%3A%2F%2Fevil.example",
            sso.sso_id
        ))))
        .send()
        .await
        .unwrap();
    assert_eq!(mixed_up.status(), StatusCode::UNAUTHORIZED);
    let page = mixed_up.text().await.unwrap();
    crate::sso_tokens::assert_plain_failure(
        &app,
        &sso,
        &page,
        "the answer came from https://evil.example, not from",
    )
    .await;
    assert!(crate::support::snapshot(&app.store, "portal_sessions").await.is_empty());

    // After sign-in, only this portal's own paths are followed.
    let visitor = Visitor::new(&app);
    let start = visitor
        .client
        .get(app.url(
            &sso.path(&format!("/auth/{}/start?return_to=https%3A%2F%2Fevil.example%2Fsteal", sso.sso_id)),
        ))
        .send()
        .await
        .unwrap();
    let authorize = start.headers()["location"].to_str().unwrap().to_string();
    let (landed, visited) = visitor.follow(&format!("{authorize}&login_hint=ada")).await;
    assert_eq!(landed.status(), StatusCode::OK);
    assert_eq!(visited.last().unwrap(), &app.url(&sso.path("/")), "{visited:?}");

    // A session that has ended shows its own page.
    let expired =
        client.get(app.url(&sso.path("/"))).header("cookie", "portico_portal=pps_gone").send().await.unwrap();
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert!(expired.text().await.unwrap().contains("Your session has ended"));

    // The IdP is down.
    let (_, down) = app
        .post_json(&format!("/customers/{}/portal/sso-configs", sso.customer_id), &app.admin.token,
            json!({"label": "Down", "provider": "oidc", "discovery_url": "http://127.0.0.2:9/.well-known/openid-configuration", "client_id": "c", "client_secret": "s"}))
        .await;
    let unreachable = visitor
        .client
        .get(app.url(&sso.path(&format!("/auth/{}/start", down["id"].as_str().unwrap()))))
        .send()
        .await
        .unwrap();
    assert_eq!(unreachable.status(), StatusCode::BAD_GATEWAY);
    let page = unreachable.text().await.unwrap();
    assert!(page.contains("Your sign-in service is not answering") && page.contains("Try again"), "{page}");
    assert!(!page.contains("127.0.0.2"), "the IdP's address stays in the log: {page}");
    assert!(page.contains("give them the reference"), "{page}");
}

async fn old_slugs_redirect_and_portals_answer_on_their_own_hosts(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let sso = sso_portal(&app, &idp, "Moving Co", json!({})).await;
    let (_, mut portal) =
        app.get_json(&format!("/customers/{}/portal", sso.customer_id), &app.admin.token).await;
    let old = portal["slug"].as_str().unwrap().to_string();
    portal["slug"] = json!("moved-co");
    portal["custom_domain"] = json!("help.moving.example");
    let revision = app.store.portal(sso.customer_id.parse().unwrap()).await.unwrap().revision;
    let saved = app
        .api(reqwest::Method::PUT, &format!("/customers/{}/portal", sso.customer_id), &app.admin.token)
        .header("if-match", revision.to_string())
        .json(&portal)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let client = crate::support::client();
    let moved = client.get(app.url(&format!("/p/{old}/auth/sign-in?return_to=x"))).send().await.unwrap();
    assert_eq!(moved.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(moved.headers()["location"], "/p/moved-co/auth/sign-in?return_to=x");

    let on_domain =
        client.get(app.url("/auth/sign-in")).header("host", "help.moving.example").send().await.unwrap();
    assert_eq!(on_domain.status(), StatusCode::OK, "the custom domain answers");
    let page = on_domain.text().await.unwrap();
    assert!(
        page.contains("Sign in to Moving Co help")
            && page.contains(&format!("href=\"/auth/{}/start", sso.sso_id)),
        "links are at the host's root"
    );
    let home = client.get(app.url("/")).header("host", "help.moving.example").send().await.unwrap();
    assert_eq!(home.headers()["location"], "/auth/sign-in");
    assert_eq!(
        client
            .get(app.url("/assets/portal.css"))
            .header("host", "help.moving.example")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

/// Subdomain mode: `{slug}.{PORTICO_PORTAL_DOMAIN}` serves the portal at the host's root.
#[tokio::test]
async fn portals_answer_on_their_subdomain() {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app =
        TestApp::spawn_with(Backend::Sqlite, |config| config.portal_domain = Some("portals.test".into()))
            .await;
    let portal = sso_portal(&app, &idp, "Sub Co", json!({})).await;
    let (_, document) =
        app.get_json(&format!("/customers/{}/portal", portal.customer_id), &app.admin.token).await;
    let port = app.base.rsplit(':').next().unwrap();
    assert_eq!(document["url"], format!("http://{}.portals.test:{port}/", portal.slug));
    let client = crate::support::client();
    let page = client
        .get(app.url("/auth/sign-in"))
        .header("host", format!("{}.portals.test", portal.slug))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Sign in to Sub Co help"));
    let unknown =
        client.get(app.url("/auth/sign-in")).header("host", "nobody.portals.test").send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // Path mode keeps working beside it.
    assert_eq!(
        client.get(app.url(&portal.path("/auth/sign-in"))).send().await.unwrap().status(),
        StatusCode::OK
    );
}

async fn an_email_address_never_hands_an_account_to_another_identity(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let portal = sso_portal(&app, &idp, "Acme Linking", json!({"jit_provisioning": true})).await;
    let (status, _, _) = Visitor::new(&app).sign_in(&portal, "ada").await;
    assert_eq!(status, StatusCode::OK, "ada's account is created at her first sign-in");
    let users = format!("/customers/{}/end-users", portal.customer_id);
    let (_, listed) = app.get_json(&users, &app.admin.token).await;
    let ada_id = listed["items"][0]["id"].as_str().unwrap().to_string();
    let identities_before = crate::support::snapshot(&app.store, "end_user_identities").await;

    // A re-created IdP account (a new subject) with the same verified address: refused.
    let (status, page, _) = Visitor::new(&app).sign_in(&portal, "ada-recreated").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("already signs in with another identity"), "{page}");

    // Another configuration of the same portal, same address: refused as well.
    let (status, second) = app
        .post_json(
            &format!("/customers/{}/portal/sso-configs", portal.customer_id),
            &app.admin.token,
            json!({"label": "Second door", "provider": "oidc", "discovery_url": idp.discovery_url(),
                "client_id": "pending", "client_secret": "pending", "jit_provisioning": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let second_id = second["id"].as_str().unwrap().to_string();
    let callback = app.url(&format!("/p/{}/auth/{second_id}/callback", portal.slug));
    let (client_id, secret) = idp.register_clients(&[&callback], &app.url("/")).await;
    let (status, _) = app
        .patch_json(
            &format!("/customers/{}/portal/sso-configs/{second_id}", portal.customer_id),
            &app.admin.token,
            json!({"client_id": client_id, "client_secret": secret}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let second_door =
        crate::idp::SsoPortal { sso_id: second_id, client_id, client_secret: secret, ..portal.clone() };
    let (status, page, _) = Visitor::new(&app).sign_in(&second_door, "ada").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");

    assert_eq!(
        crate::support::snapshot(&app.store, "end_user_identities").await,
        identities_before,
        "no identity was linked to ada's account"
    );
    assert_eq!(
        crate::support::snapshot(&app.store, "portal_sessions").await.len(),
        1,
        "only ada's own session"
    );
    let (_, listed) = app.get_json(&users, &app.admin.token).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "no second account with her address");

    // Each refusal is an event the console shows on the portal's set-up drawer.
    let conflicts: Vec<_> = app
        .store
        .events_of("end_user", &ada_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "end_user.sign_in_conflict")
        .collect();
    assert_eq!(conflicts.len(), 2);
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let drawer = console.page(&format!("/admin/customers/{}/portal", portal.customer_id)).await;
    assert!(drawer.contains("Refused sign-ins to check"), "the console shows the conflicts");

    // The genuine owner still signs in.
    assert_eq!(Visitor::new(&app).sign_in(&portal, "ada").await.0, StatusCode::OK);
}

async fn signed_in_at(app: &TestApp, visitor: &Visitor, portal: &crate::idp::SsoPortal) -> bool {
    let response = visitor.client.get(app.url(&portal.path("/"))).send().await.unwrap();
    response.status() == StatusCode::OK && response.text().await.unwrap().contains("Sign out")
}

async fn sessions_end_when_their_configuration_or_end_user_is_switched_off(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let portal = sso_portal(&app, &idp, "Acme Sessions", json!({"jit_provisioning": true})).await;
    let config = format!("/customers/{}/portal/sso-configs/{}", portal.customer_id, portal.sso_id);
    let ada = Visitor::new(&app);
    assert_eq!(ada.sign_in(&portal, "ada").await.0, StatusCode::OK);
    assert!(signed_in_at(&app, &ada, &portal).await);

    let (status, _) = app.patch_json(&config, &app.admin.token, json!({"enabled": false})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!signed_in_at(&app, &ada, &portal).await, "disabling the configuration ends its sessions");
    let (status, _) = app.patch_json(&config, &app.admin.token, json!({"enabled": true})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!signed_in_at(&app, &ada, &portal).await, "enabling it again revives nothing");

    assert_eq!(ada.sign_in(&portal, "ada").await.0, StatusCode::OK);
    assert!(signed_in_at(&app, &ada, &portal).await);
    let (_, users) =
        app.get_json(&format!("/customers/{}/end-users", portal.customer_id), &app.admin.token).await;
    let ada_user = format!("/end-users/{}", users["items"][0]["id"].as_str().unwrap());
    let (status, _) = app.patch_json(&ada_user, &app.admin.token, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!signed_in_at(&app, &ada, &portal).await, "deactivation ends her sessions");
    let (status, _) = app.patch_json(&ada_user, &app.admin.token, json!({"active": true})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!signed_in_at(&app, &ada, &portal).await, "reactivation revives none of them");

    assert_eq!(ada.sign_in(&portal, "ada").await.0, StatusCode::OK);
    assert!(signed_in_at(&app, &ada, &portal).await);
    let response = app.api(reqwest::Method::DELETE, &config, &app.admin.token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(!signed_in_at(&app, &ada, &portal).await, "removing the configuration ends its sessions");
    assert_eq!(crate::support::snapshot(&app.store, "portal_sessions").await.len(), 0);
}
