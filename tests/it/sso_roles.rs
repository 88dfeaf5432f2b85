//! Roles from the identity provider: a configuration's manager groups make end users managers
//! at each sign-in, up and down, through the real OpenID provider.

use portico::domain::event::EventKind;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::html_form::{form_pairs, set};
use crate::idp::{SsoPortal, TestIdp, Visitor, sso_portal};
use crate::support::{Backend, TestApp, on_both_backends};

on_both_backends!(
    the_role_follows_the_idp_groups_up_and_down,
    without_manager_groups_a_team_set_role_stays,
    a_configuration_may_name_its_own_groups_claim,
);

fn pat(groups: Option<Value>) -> Value {
    let mut claims = json!({"email": "pat@acme.example", "email_verified": true, "name": "Pat Manager"});
    if let Some(groups) = groups {
        claims["groups"] = groups;
    }
    claims
}

/// Signs `account` in with a fresh browser; returns the end user as the API shows them.
async fn signs_in(app: &TestApp, portal: &SsoPortal, account: &str, email: &str) -> Value {
    let (status, page, visited) = Visitor::new(app).sign_in(portal, account).await;
    assert_eq!(status, StatusCode::OK, "{visited:?}\n{page}");
    let (_, list) = app
        .get_json(&format!("/customers/{}/end-users?q={email}", portal.customer_id), &app.admin.token)
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    items[0].clone()
}

/// The role changes the IdP made, oldest first: (role, summary).
async fn idp_role_events(app: &TestApp, customer_id: &str) -> Vec<(String, String)> {
    let customer: Uuid = customer_id.parse().unwrap();
    let mut events = app.store.customer_events(customer, EventKind::EndUserUpdated, 50).await.unwrap();
    events.reverse();
    events
        .iter()
        .filter(|e| e.payload["source"] == "idp")
        .map(|e| {
            assert_eq!(e.payload["fields"], json!(["role"]));
            (
                e.payload["role"].as_str().unwrap().to_string(),
                e.payload["summary"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn the_role_follows_the_idp_groups_up_and_down(backend: Backend) {
    let Some(idp) = TestIdp::start(json!({
        "pat": pat(Some(json!(["Everyone"]))),
        "lee": {"email": "lee@acme.example", "email_verified": true, "name": "Lee Registered", "groups": ["Everyone"]},
    }))
    .await
    else {
        return;
    };
    let app = TestApp::spawn(backend).await;
    let portal = sso_portal(
        &app,
        &idp,
        "Acme",
        json!({"scopes": "openid email profile groups", "manager_groups": ["IT Managers", "Helpdesk Leads"]}),
    )
    .await;
    let (_, config) = app
        .get_json(
            &format!("/customers/{}/portal/sso-configs/{}", portal.customer_id, portal.sso_id),
            &app.admin.token,
        )
        .await;
    assert_eq!(
        (config["groups_claim"].clone(), config["manager_groups"].clone()),
        (json!("groups"), json!(["IT Managers", "Helpdesk Leads"]))
    );

    // Created at the first sign-in, outside the manager groups: a member, by the IdP's say.
    let first = signs_in(&app, &portal, "pat", "pat@acme").await;
    assert_eq!((first["role"].as_str(), first["role_source"].as_str()), (Some("member"), Some("idp")));

    // Put into a manager group (named in another case): a manager at the next sign-in.
    idp.set_account("pat", pat(Some(json!(["Everyone", "it managers"])))).await;
    let promoted = signs_in(&app, &portal, "pat", "pat@acme").await;
    assert_eq!((promoted["role"].as_str(), promoted["role_source"].as_str()), (Some("manager"), Some("idp")));
    assert_eq!(promoted["id"], first["id"]);

    // The same groups again: nothing to change, no event.
    signs_in(&app, &portal, "pat", "pat@acme").await;

    // Out of every group, the claim gone altogether: a member again.
    idp.set_account("pat", pat(None)).await;
    let demoted = signs_in(&app, &portal, "pat", "pat@acme").await;
    assert_eq!((demoted["role"].as_str(), demoted["role_source"].as_str()), (Some("member"), Some("idp")));

    let events = idp_role_events(&app, &portal.customer_id).await;
    let roles: Vec<&str> = events.iter().map(|(role, _)| role.as_str()).collect();
    assert_eq!(roles, ["member", "manager", "member"], "{events:?}");
    assert_eq!(events[1].1, "made manager by the identity provider's groups through 'Sign in with Acme ID'");

    // A registered end user the team made a manager, outside the groups: the IdP now decides.
    let (status, lee) = app
        .post_json(
            &format!("/customers/{}/end-users", portal.customer_id),
            &app.admin.token,
            json!({"name": "Lee Registered", "email": "lee@acme.example", "role": "manager"}),
        )
        .await;
    assert_eq!((status, lee["role_source"].as_str()), (StatusCode::CREATED, Some("team")), "{lee}");
    let claimed = signs_in(&app, &portal, "lee", "lee@acme").await;
    assert_eq!((claimed["role"].as_str(), claimed["role_source"].as_str()), (Some("member"), Some("idp")));
    assert_eq!(claimed["id"], lee["id"]);
}

async fn without_manager_groups_a_team_set_role_stays(backend: Backend) {
    let Some(idp) = TestIdp::start(json!({"pat": pat(Some(json!(["IT Managers"])))})).await else { return };
    let app = TestApp::spawn(backend).await;
    let portal = sso_portal(&app, &idp, "Globex", json!({"scopes": "openid email profile groups"})).await;

    let first = signs_in(&app, &portal, "pat", "pat@acme").await;
    assert_eq!((first["role"].as_str(), first["role_source"].as_str()), (Some("member"), Some("team")));
    let path = format!("/end-users/{}", first["id"].as_str().unwrap());
    let (status, made) = app.patch_json(&path, &app.admin.token, json!({"role": "manager"})).await;
    assert_eq!(status, StatusCode::OK, "{made}");

    idp.set_account("pat", pat(Some(json!(["Everyone"])))).await;
    let again = signs_in(&app, &portal, "pat", "pat@acme").await;
    assert_eq!((again["role"].as_str(), again["role_source"].as_str()), (Some("manager"), Some("team")));
    assert!(idp_role_events(&app, &portal.customer_id).await.is_empty());
}

async fn a_configuration_may_name_its_own_groups_claim(backend: Backend) {
    let Some(idp) = TestIdp::start(json!({
        "app-role": {"email": "ann@acme.example", "email_verified": true, "name": "Ann", "roles": ["Portal.Manager"], "groups": ["Everyone"]},
        "one-role": {"email": "bo@acme.example", "email_verified": true, "name": "Bo", "roles": "portal.manager"},
        "groups-only": {"email": "cy@acme.example", "email_verified": true, "name": "Cy", "groups": ["Portal.Manager"]},
        "odd-shape": {"email": "di@acme.example", "email_verified": true, "name": "Di", "roles": {"Portal.Manager": true}},
    }))
    .await
    else {
        return;
    };
    let app = TestApp::spawn(backend).await;
    let portal = sso_portal(
        &app,
        &idp,
        "Initech",
        json!({"scopes": "openid email profile groups", "groups_claim": "roles", "manager_groups": ["Portal.Manager"]}),
    )
    .await;
    for (account, email, role) in [
        ("app-role", "ann@acme", "manager"),
        ("one-role", "bo@acme", "manager"),
        ("groups-only", "cy@acme", "member"),
        ("odd-shape", "di@acme", "member"),
    ] {
        let user = signs_in(&app, &portal, account, email).await;
        assert_eq!(
            (user["role"].as_str(), user["role_source"].as_str()),
            (Some(role), Some("idp")),
            "{account}"
        );
    }

    // The console shows and saves both settings.
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let page_path = format!("/admin/customers/{}/portal/sso/{}", portal.customer_id, portal.sso_id);
    let page = console.page(&page_path).await;
    assert!(page.contains(r#"name="groups_claim" value="roles""#), "{page}");
    assert!(page.contains("Portal.Manager</textarea>"));
    let save = |page: &str, field: &str, value: &str| {
        let mut pairs = form_pairs(page, "sso-form");
        set(&mut pairs, field, value);
        set(&mut pairs, "action", "save");
        pairs
    };
    let pairs = save(&page, "manager_groups", "Portal.Manager\r\n\r\nIT Leads\r\n");
    let response = console.client.post(app.url(&page_path)).form(&pairs).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, config) = app
        .get_json(
            &format!("/customers/{}/portal/sso-configs/{}", portal.customer_id, portal.sso_id),
            &app.admin.token,
        )
        .await;
    assert_eq!(config["manager_groups"], json!(["Portal.Manager", "IT Leads"]));
    let page = console.page(&page_path).await;
    let pairs = save(&page, "groups_claim", "my groups");
    let response = console.client.post(app.url(&page_path)).form(&pairs).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("groups_claim-error"));
}
