//! The console and the API are two doors to the same use cases: the same change made through
//! each records the same events (kinds and payload keys), told apart only by the actor.

use std::collections::BTreeSet;

use portico::domain::event::Event;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Backend, Console, TestApp, location, location_path, on_both_backends};

on_both_backends!(
    customers_changed_in_the_console_or_the_api_record_the_same_events,
    end_users_changed_in_the_console_or_the_api_record_the_same_events,
    groups_changed_in_the_console_or_the_api_record_the_same_events,
    team_members_changed_in_the_console_or_the_api_record_the_same_events,
    articles_changed_in_the_console_or_the_api_record_the_same_events,
    sso_configurations_changed_in_the_console_or_the_api_record_the_same_events,
    portals_saved_in_the_console_or_the_api_record_the_same_events,
);

/// What two doors must agree on: each event's kind and the keys of its payload, in order.
pub fn shape(events: &[Event]) -> Vec<(String, BTreeSet<String>)> {
    events
        .iter()
        .map(|event| {
            let keys = event.payload.as_object().expect("a payload is an object").keys().cloned().collect();
            (event.kind.clone(), keys)
        })
        .collect()
}

/// Asserts that both subjects had the same events, the console's made by a team member and
/// the API's by an API token acting for the same admin.
async fn assert_same_events(app: &TestApp, subject_kind: &str, console_id: &str, api_id: &str) -> Vec<Event> {
    let by_console = app.store.events_of(subject_kind, console_id).await.unwrap();
    let by_api = app.store.events_of(subject_kind, api_id).await.unwrap();
    assert!(!by_console.is_empty(), "the console's change recorded events");
    assert_eq!(shape(&by_console), shape(&by_api), "{by_console:#?}\n{by_api:#?}");
    assert!(by_console.iter().all(|e| e.actor.kind == "team_member" && e.actor.name == "Ada Admin"));
    assert!(by_api.iter().all(|e| e.actor.kind == "api_token" && e.actor.name == "Ada Admin"));
    assert_eq!(by_console[0].actor.id, by_api[0].actor.id, "both act for the same admin");
    by_console
}

fn kinds(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

async fn admin_console(app: &TestApp) -> Console {
    app.console(&app.admin.email, &app.admin.password).await
}

/// The id at the end of a console path such as `/admin/customers/{id}`.
fn last_segment(path: &str) -> String {
    path.rsplit('/').next().unwrap().to_string()
}

async fn customers_changed_in_the_console_or_the_api_record_the_same_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = admin_console(&app).await;
    let created = console.submit("/admin/customers/new", "/admin/customers", &[("name", "Door One")]).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let profile = location_path(&created);
    let by_console = last_segment(&profile);
    let edit = format!("{profile}/edit");
    let saved = console.submit(&edit, &profile, &[("name", "Door One Ltd"), ("slug", "door-1")]).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    for action in ["archive", "restore"] {
        let done = console.submit(&profile, &format!("{profile}/{action}"), &[]).await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER, "{action}");
    }

    let token = &app.admin.token;
    let (status, customer) = app.post_json("/customers", token, json!({"name": "Door Two"})).await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    let by_api = customer["id"].as_str().unwrap().to_string();
    let path = format!("/customers/{by_api}");
    let (status, _) = app.patch_json(&path, token, json!({"name": "Door Two Ltd", "slug": "door-2"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.api(Method::DELETE, &path, token).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    let (status, _) = app.patch_json(&path, token, json!({"archived": false})).await;
    assert_eq!(status, StatusCode::OK);

    let events = assert_same_events(&app, "customer", &by_console, &by_api).await;
    assert_eq!(
        kinds(&events),
        ["customer.created", "customer.updated", "customer.archived", "customer.restored"]
    );
    assert_eq!(events[0].text("slug"), Some("door-one"), "made from the name");
    assert!(events[1].payload["fields"].as_array().unwrap().iter().any(|f| f == "slug"));
    assert_eq!(events[2].payload["archived"], true);
    assert!(events.iter().all(|e| e.customer_id.map(|id| id.to_string()) == Some(by_console.clone())));
}

async fn end_users_changed_in_the_console_or_the_api_record_the_same_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    let profile = format!("/admin/customers/{customer_id}");

    let console = admin_console(&app).await;
    let added = console
        .submit(
            &profile,
            &format!("{profile}/end-users"),
            &[("name", "Eve Console"), ("email", "eve@acme.example")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let (_, found) = app.get_json(&format!("/customers/{customer_id}/end-users?q=eve"), token).await;
    let by_console = found["items"][0]["id"].as_str().unwrap().to_string();
    let deactivated = console
        .submit(&profile, &format!("/admin/end-users/{by_console}/active"), &[("active", "false")])
        .await;
    assert_eq!(deactivated.status(), StatusCode::SEE_OTHER);

    let (status, user) = app
        .post_json(
            &format!("/customers/{customer_id}/end-users"),
            token,
            json!({"name": "Abe Api", "email": "abe@acme.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let by_api = user["id"].as_str().unwrap().to_string();
    let (status, _) = app.patch_json(&format!("/end-users/{by_api}"), token, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK);

    let events = assert_same_events(&app, "end_user", &by_console, &by_api).await;
    assert_eq!(kinds(&events), ["end_user.created", "end_user.updated"]);
    assert_eq!(events[1].payload["fields"], json!(["active"]));
    assert_eq!(events[1].payload["active"], false);
    assert!(events.iter().all(|e| e.customer_id.map(|id| id.to_string()) == Some(customer_id.clone())));
}

async fn groups_changed_in_the_console_or_the_api_record_the_same_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, me) = app.get_json("/team-members?q=tech%40msp", token).await;
    let tech_id = me["items"][0]["id"].as_str().unwrap().to_string();
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let customer_id = customer["id"].as_str().unwrap().to_string();

    let console = admin_console(&app).await;
    let created = console
        .submit(
            "/admin/groups/new",
            "/admin/groups",
            &[
                ("name", "Console Desk"),
                ("customer_id", customer_id.as_str()),
                ("manager_id", tech_id.as_str()),
                ("member_ids", tech_id.as_str()),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let (_, found) = app.get_json("/assignment-groups?q=console", token).await;
    let by_console = found["items"][0]["id"].as_str().unwrap().to_string();
    let edit = format!("/admin/groups/{by_console}/edit");
    let saved = console
        .submit(
            &edit,
            &format!("/admin/groups/{by_console}"),
            &[("name", "Console Desk 2"), ("manager_id", "")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let deleted = console.submit("/admin/groups", &format!("/admin/groups/{by_console}/delete"), &[]).await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);

    let (status, group) = app
        .post_json(
            "/assignment-groups",
            token,
            json!({"name": "Api Desk", "customer_id": customer_id, "manager_id": tech_id, "member_ids": [tech_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let by_api = group["id"].as_str().unwrap().to_string();
    let path = format!("/assignment-groups/{by_api}");
    let (status, _) = app
        .patch_json(&path, token, json!({"name": "Api Desk 2", "manager_id": null, "member_ids": []}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.api(Method::DELETE, &path, token).send().await.unwrap().status(), StatusCode::NO_CONTENT);

    let events = assert_same_events(&app, "assignment_group", &by_console, &by_api).await;
    assert_eq!(kinds(&events), ["group.created", "group.updated", "group.deleted"]);
    assert_eq!(events[0].payload["member_ids"], json!([tech_id]));
    assert_eq!(events[1].payload["fields"], json!(["name", "manager_id", "member_ids"]));
    assert!(events.iter().all(|e| e.customer_id.map(|id| id.to_string()) == Some(customer_id.clone())));
}

async fn team_members_changed_in_the_console_or_the_api_record_the_same_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let console = admin_console(&app).await;
    let created = console
        .submit(
            "/admin/team/new",
            "/admin/team",
            &[("name", "Cora Console"), ("email", "cora@msp.example"), ("role", "technician")],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let (_, found) = app.get_json("/team-members?q=cora", token).await;
    let by_console = found["items"][0]["id"].as_str().unwrap().to_string();
    let edit = format!("/admin/team/{by_console}");
    let saved =
        console.submit(&edit, &edit, &[("name", "Cora Lead"), ("role", "admin"), ("active", "on")]).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let reset = console.submit(&edit, &format!("{edit}/password"), &[]).await;
    assert_eq!(reset.status(), StatusCode::OK);
    let fresh_password = reset.text().await.unwrap();

    let (status, member) = app
        .post_json(
            "/team-members",
            token,
            json!({"email": "abe@msp.example", "name": "Abe Api", "role": "technician"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    let by_api = member["id"].as_str().unwrap().to_string();
    let path = format!("/team-members/{by_api}");
    let (status, _) =
        app.patch_json(&path, token, json!({"name": "Abe Lead", "role": "admin", "active": true})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, reset) =
        crate::support::send(app.api(Method::POST, &format!("{path}/password"), token)).await;
    assert_eq!(status, StatusCode::OK);

    let events = assert_same_events(&app, "team_member", &by_console, &by_api).await;
    assert_eq!(
        kinds(&events),
        ["team_member.created", "team_member.updated", "team_member.password_changed"]
    );
    assert_eq!(events[1].payload["fields"], json!(["name", "role", "active"]));
    assert_eq!(events[1].payload["role"], "admin");
    let everything = format!("{:?}", app.store.events_of("team_member", &by_api).await.unwrap());
    let api_password = reset["password"].as_str().unwrap();
    assert!(!everything.contains(api_password), "no password in an event");
    assert!(!everything.contains("$argon2"), "no password hash in an event");
    let console_events = format!("{events:?}");
    let between = |page: &str| {
        page.split("one-time-password\">").nth(1).unwrap().split('<').next().unwrap().to_string()
    };
    assert!(!console_events.contains(&between(&fresh_password)), "no password in an event");
}

async fn articles_changed_in_the_console_or_the_api_record_the_same_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = admin_console(&app).await;
    let fields = [("title", "Reset your VPN"), ("body", "Open the **app**."), ("visibility", "all")];
    let created = console.submit("/admin/kb/new", "/admin/kb", &fields).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let (_, listed) = app.get_json("/kb/articles", &app.admin.token).await;
    let by_console = listed["items"][0]["id"].as_str().unwrap().to_string();
    let edit = format!("/admin/kb/{by_console}");
    let changed =
        [("title", "Reset your VPN"), ("body", "Open the app."), ("visibility", "all"), ("published", "on")];
    assert_eq!(console.submit(&edit, &edit, &changed).await.status(), StatusCode::SEE_OTHER);
    let deleted = console.submit(&edit, &format!("{edit}/delete"), &[]).await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);

    let token = &app.admin.token;
    let (status, article) = app
        .post_json("/kb/articles", token, json!({"title": "Reset your VPN", "body": "Open the **app**."}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{article}");
    let by_api = article["id"].as_str().unwrap().to_string();
    let path = format!("/kb/articles/{by_api}");
    let (status, _) = app.patch_json(&path, token, json!({"body": "Open the app.", "published": true})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.api(Method::DELETE, &path, token).send().await.unwrap().status(), StatusCode::NO_CONTENT);

    let events = assert_same_events(&app, "article", &by_console, &by_api).await;
    assert_eq!(kinds(&events), ["article.created", "article.updated", "article.deleted"]);
}

async fn sso_configurations_changed_in_the_console_or_the_api_record_the_same_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Contoso"})).await;
    let customer = customer["id"].as_str().unwrap().to_string();
    let console = admin_console(&app).await;
    let new_path = format!("/admin/customers/{customer}/portal/sso");
    let fields = [
        ("label", "Okta door"),
        ("provider", "oidc"),
        ("discovery_url", "https://idp.contoso.example/.well-known/openid-configuration"),
        ("client_id", "console-client"),
        ("client_secret", "a-secret"),
        ("scopes", "openid email profile"),
        ("enabled", "on"),
    ];
    let created = console.submit(&new_path, &new_path, &fields).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let edit = location(&created).split('?').next().unwrap().to_string();
    let by_console = last_segment(&edit);
    let mut disabled: Vec<(&str, &str)> =
        fields.iter().copied().filter(|(k, _)| *k != "enabled" && *k != "client_secret").collect();
    disabled.push(("client_secret", ""));
    assert_eq!(console.submit(&edit, &edit, &disabled).await.status(), StatusCode::SEE_OTHER);
    let removed = console.submit(&edit, &format!("{edit}/delete"), &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);

    let base = format!("/customers/{customer}/portal/sso-configs");
    let (status, config) = app
        .post_json(
            &base,
            token,
            json!({"label": "Okta door", "provider": "oidc",
                "discovery_url": "https://idp.contoso.example/.well-known/openid-configuration",
                "client_id": "api-client", "client_secret": "a-secret"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{config}");
    let by_api = config["id"].as_str().unwrap().to_string();
    let path = format!("{base}/{by_api}");
    let (status, _) = app.patch_json(&path, token, json!({"enabled": false})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.api(Method::DELETE, &path, token).send().await.unwrap().status(), StatusCode::NO_CONTENT);

    let events = assert_same_events(&app, "sso_config", &by_console, &by_api).await;
    assert_eq!(kinds(&events), ["sso_config.changed"; 3]);
    let changes: Vec<&str> = events.iter().filter_map(|e| e.text("change")).collect();
    assert_eq!(changes, ["created", "updated", "deleted"]);
    assert!(events.iter().all(|e| !e.payload.to_string().contains("a-secret")), "no secret in an event");
}

async fn portals_saved_in_the_console_or_the_api_record_the_same_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let mut ids = Vec::new();
    for name in ["Console Portal", "Api Portal"] {
        let (_, customer) = app.post_json("/customers", token, json!({"name": name})).await;
        ids.push(customer["id"].as_str().unwrap().to_string());
    }
    let console = admin_console(&app).await;
    let drawer = format!("/admin/customers/{}/portal", ids[0]);
    let mut pairs = crate::html_form::form_pairs(&console.page(&drawer).await, "drawer-form");
    crate::html_form::set(&mut pairs, "primary_color", "#7b2cbf");
    pairs.push(("action".into(), "save".into()));
    let saved = console.client.post(format!("{}{drawer}", console.base)).form(&pairs).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);

    app.update_portal(&ids[1], |document| document["design"]["primary_color"] = json!("#7b2cbf")).await;

    let events = assert_same_events(&app, "portal", &ids[0], &ids[1]).await;
    assert_eq!(kinds(&events), ["portal.saved"]);
    assert_eq!(events[0].payload["revision"], 2);
}
