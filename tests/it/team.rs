//! Team members managed by admins through the API and the console: added with a password
//! shown once, renamed, promoted, deactivated and given new passwords, never leaving the MSP
//! without an admin.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use portico::domain::team::TeamMemberDraft;
use portico::usecases::team::update_team_member;

use crate::support::{
    Backend, Console, TestApp, assert_problem_names, location, on_both_backends, send, snapshot,
};

on_both_backends!(
    admins_add_change_and_deactivate_team_members_through_the_api,
    bad_team_input_is_refused_naming_the_field_and_changes_nothing,
    the_last_active_admin_always_remains,
    the_console_adds_edits_and_resets_team_members,
    members_change_their_own_password
);

async fn create_member(app: &TestApp, body: Value) -> Value {
    let response = app.api(Method::POST, "/team-members", &app.admin.token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store", "a password is never cached");
    assert!(response.headers()["location"].to_str().unwrap().starts_with("/api/v1/team-members/"));
    response.json().await.unwrap()
}

async fn signs_in(app: &TestApp, email: &str, password: &str) -> bool {
    Console::anonymous(&app.base).sign_in(email, password).await.status() == StatusCode::SEE_OTHER
}

async fn admins_add_change_and_deactivate_team_members_through_the_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created =
        create_member(&app, json!({"email": "Nia@MSP.example", "name": "Nia New", "role": "technician"}))
            .await;
    let id = created["id"].as_str().unwrap().to_string();
    let password = created["password"].as_str().unwrap().to_string();
    assert_eq!(created["email"], "nia@msp.example");
    assert_eq!(created["role"], "technician");
    assert_eq!(created["active"], true);
    assert!(password.len() >= 12);
    assert!(signs_in(&app, "nia@msp.example", &password).await, "the password shown works");
    let (status, shown) = app.get_json(&format!("/team-members/{id}"), &app.technician.token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown.get("password").is_none(), "the password is never shown again: {shown}");

    // Technicians read the team but change nothing.
    let tech = &app.technician.token;
    let (status, _) = app
        .post_json("/team-members", tech, json!({"email": "x@msp.example", "name": "X", "role": "admin"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.patch_json(&format!("/team-members/{id}"), tech, json!({"role": "admin"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(app.api(Method::POST, &format!("/team-members/{id}/password"), tech)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Renamed and promoted.
    let (status, changed) = app
        .patch_json(
            &format!("/team-members/{id}"),
            &app.admin.token,
            json!({"name": "Nia Lead", "role": "admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!((changed["name"].as_str(), changed["role"].as_str()), (Some("Nia Lead"), Some("admin")));

    // Deactivated: signed out, her API token and sign-in stop working; reactivated, they work again.
    let nia_console = app.console("nia@msp.example", &password).await;
    let (_, nia_token) = portico::cli::create_token(&app.core, "nia@msp.example", "nia").await.unwrap();
    assert_eq!(app.get_json("/customers", &nia_token).await.0, StatusCode::OK);
    let (status, changed) =
        app.patch_json(&format!("/team-members/{id}"), &app.admin.token, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["active"], false);
    assert_eq!(app.get_json("/customers", &nia_token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(nia_console.get("/admin/customers").await.status(), StatusCode::SEE_OTHER, "signed out");
    assert!(!signs_in(&app, "nia@msp.example", &password).await);
    app.patch_json(&format!("/team-members/{id}"), &app.admin.token, json!({"active": true})).await;
    assert_eq!(app.get_json("/customers", &nia_token).await.0, StatusCode::OK);

    // A new password: shown once, the old one stops working, sessions end.
    let nia_console = app.console("nia@msp.example", &password).await;
    let response = app
        .api(Method::POST, &format!("/team-members/{id}/password"), &app.admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (status, reset) = crate::support::json_of(response).await;
    assert_eq!(status, StatusCode::OK, "{reset}");
    let new_password = reset["password"].as_str().unwrap();
    assert_ne!(new_password, password);
    assert_eq!(nia_console.get("/admin/customers").await.status(), StatusCode::SEE_OTHER, "signed out");
    assert!(!signs_in(&app, "nia@msp.example", &password).await);
    assert!(signs_in(&app, "nia@msp.example", new_password).await);

    let audit = snapshot(&app.store, "audit_log").await.join("\n");
    for said in [
        "created nia@msp.example (technician)",
        "renamed to Nia Lead, role admin",
        "deactivated",
        "activated",
        "changed password",
    ] {
        assert!(audit.contains(said), "audit log lacks '{said}'");
    }
    assert!(!audit.contains(new_password) && !audit.contains(&password), "no password in the audit log");
}

async fn bad_team_input_is_refused_naming_the_field_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, me) = app.get_json("/team-members?q=admin%40msp", token).await;
    let my_id = me["items"][0]["id"].as_str().unwrap().to_string();
    let before = snapshot(&app.store, "team_members").await;

    let refusals: Vec<(Value, StatusCode, &str)> = vec![
        (json!({"name": "No Mail", "role": "admin"}), StatusCode::UNPROCESSABLE_ENTITY, "email"),
        (
            json!({"email": "bad", "name": "Bad Mail", "role": "admin"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
        (
            json!({"email": "n@msp.example", "name": "", "role": "admin"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            json!({"email": "n@msp.example", "name": "x".repeat(121), "role": "admin"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            json!({"email": "n@msp.example", "name": "N", "role": "owner"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "role",
        ),
        (
            json!({"email": "n@msp.example", "name": "N", "role": "admin", "active": false}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "active",
        ),
        (
            json!({"email": "n@msp.example", "name": "N", "role": "admin", "password": "mine"}),
            StatusCode::BAD_REQUEST,
            "password",
        ),
        (
            json!({"email": "TECH@msp.example", "name": "Twin", "role": "admin"}),
            StatusCode::CONFLICT,
            "email",
        ),
        (json!({"email": "n@msp.example", "name": 7, "role": "admin"}), StatusCode::BAD_REQUEST, "name"),
    ];
    for (body, expected, field) in refusals {
        let (status, problem) = app.post_json("/team-members", token, body.clone()).await;
        assert_problem_names(status, &problem, expected, field);
    }
    let path = format!("/team-members/{my_id}");
    for (body, field) in [
        (json!({"role": "technician"}), "role"),
        (json!({"active": false}), "active"),
        (json!({"email": "new@msp.example"}), "email"),
        (json!({"name": "   "}), "name"),
    ] {
        let (status, problem) = app.patch_json(&path, token, body).await;
        assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    let (status, _) = app
        .patch_json("/team-members/0190b6c4-0000-7000-8000-000000000000", token, json!({"name": "Nobody"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(snapshot(&app.store, "team_members").await, before, "nothing changed");

    let (status, renamed) = app.patch_json(&path, token, json!({"name": "Ada Renamed"})).await;
    assert_eq!(
        (status, renamed["name"].as_str()),
        (StatusCode::OK, Some("Ada Renamed")),
        "one's own name may change"
    );
}

async fn the_last_active_admin_always_remains(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, me) = app.get_json("/team-members?q=admin%40msp", &app.admin.token).await;
    let admin_id: uuid::Uuid = me["items"][0]["id"].as_str().unwrap().parse().unwrap();

    // Acting for nobody (the command line), the only admin still cannot be demoted or deactivated.
    let cli = portico::domain::actor::Actor::cli();
    for changes in [
        TeamMemberDraft { role: Some("technician".into()), ..Default::default() },
        TeamMemberDraft { active: Some(false), ..Default::default() },
    ] {
        let refused = update_team_member(&app.core, &cli, admin_id, changes).await.unwrap_err();
        assert!(refused.to_string().contains("at least one active admin"), "{refused}");
    }
    let (_, me) = app.get_json(&format!("/team-members/{admin_id}"), &app.admin.token).await;
    assert_eq!((me["role"].as_str(), me["active"].as_bool()), (Some("admin"), Some(true)));

    // Two admins demoting each other at the same moment: one wins, one admin remains.
    for round in 0..3 {
        let email = format!("second{round}@msp.example");
        let second =
            create_member(&app, json!({"email": email, "name": "Second Admin", "role": "admin"})).await;
        let second_id = second["id"].as_str().unwrap().to_string();
        let (_, second_token) = portico::cli::create_token(&app.core, &email, "t").await.unwrap();
        let (second_path, admin_path) =
            (format!("/team-members/{second_id}"), format!("/team-members/{admin_id}"));
        let (first, other) = tokio::join!(
            app.patch_json(&second_path, &app.admin.token, json!({"role": "technician"})),
            app.patch_json(&admin_path, &second_token, json!({"role": "technician"})),
        );
        let succeeded = [first.0, other.0].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(succeeded, 1, "exactly one demotion wins: {first:?} {other:?}");
        for (status, body) in [&first, &other] {
            assert!(
                [StatusCode::OK, StatusCode::CONFLICT, StatusCode::FORBIDDEN].contains(status),
                "{status} {body}"
            );
        }
        let admins: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM team_members WHERE role = 'admin' AND active = $1")
                .bind(true)
                .fetch_one(app.store.pool())
                .await
                .unwrap();
        assert_eq!(admins, 1, "round {round}");
        // Back to one admin for the next round: the first admin restored, the second one gone.
        let cli = portico::domain::actor::Actor::cli();
        let restore = TeamMemberDraft { role: Some("admin".into()), ..Default::default() };
        update_team_member(&app.core, &cli, admin_id, restore).await.unwrap();
        let retire = TeamMemberDraft { active: Some(false), ..Default::default() };
        update_team_member(&app.core, &cli, second_id.parse().unwrap(), retire).await.unwrap();
    }
}

async fn the_console_adds_edits_and_resets_team_members(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let list = console.page("/admin/team").await;
    assert!(list.contains("Add team member"));

    // Bad input re-shows the form with what was typed.
    let response = console
        .submit(
            "/admin/team/new",
            "/admin/team",
            &[("name", "Cora Console"), ("email", "not-an-address"), ("role", "technician")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("value=\"Cora Console\"") && page.contains("email-error"), "{page}");

    let response = console
        .submit(
            "/admin/team/new",
            "/admin/team",
            &[("name", "Cora Console"), ("email", "cora@msp.example"), ("role", "technician")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    let password = between(&page, "<code id=\"one-time-password\">", "</code>");
    assert!(signs_in(&app, "cora@msp.example", &password).await);
    let (_, found) = app.get_json("/team-members?q=cora", &app.admin.token).await;
    let id = found["items"][0]["id"].as_str().unwrap().to_string();

    // Promote, then deactivate by leaving the Active box unticked.
    let edit = format!("/admin/team/{id}");
    let response =
        console.submit(&edit, &edit, &[("name", "Cora Lead"), ("role", "admin"), ("active", "on")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = console.submit(&edit, &edit, &[("name", "Cora Lead"), ("role", "admin")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, cora) = app.get_json(&format!("/team-members/{id}"), &app.admin.token).await;
    assert_eq!(
        (cora["name"].as_str(), cora["role"].as_str(), cora["active"].as_bool()),
        (Some("Cora Lead"), Some("admin"), Some(false))
    );

    // A new password from the console.
    let response = console.submit(&edit, &format!("{edit}/password"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let fresh = between(&response.text().await.unwrap(), "<code id=\"one-time-password\">", "</code>");
    assert_ne!(fresh, password);

    // One's own form offers no role or standing, and posting them anyway changes nothing.
    let (_, me) = app.get_json("/team-members?q=admin%40msp", &app.admin.token).await;
    let my_edit = format!("/admin/team/{}", me["items"][0]["id"].as_str().unwrap());
    let own = console.page(&my_edit).await;
    assert!(!own.contains("name=\"role\"") && !own.contains("name=\"active\""));
    let response = console.submit(&my_edit, &my_edit, &[("name", "Ada Self"), ("role", "technician")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, me) = app.get_json("/team-members?q=admin%40msp", &app.admin.token).await;
    assert_eq!(
        (me["items"][0]["name"].as_str(), me["items"][0]["role"].as_str()),
        (Some("Ada Self"), Some("admin"))
    );

    // Technicians see the team, but not the forms.
    let tech = app.console(&app.technician.email, &app.technician.password).await;
    assert!(!tech.page("/admin/team").await.contains("Add team member"));
    assert_eq!(tech.get("/admin/team/new").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(tech.get(&edit).await.status(), StatusCode::FORBIDDEN);
}

fn between(page: &str, start: &str, end: &str) -> String {
    let from = page.find(start).unwrap_or_else(|| panic!("no {start} in {page}")) + start.len();
    let to = page[from..].find(end).unwrap() + from;
    page[from..to].to_string()
}

async fn members_change_their_own_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (email, old) = (app.technician.email.as_str(), app.technician.password.as_str());
    let here = app.console(email, old).await;
    let elsewhere = app.console(email, old).await;
    assert!(here.page("/admin/account").await.contains(email));
    let before = snapshot(&app.store, "team_members").await;

    for (fields, field) in [
        (
            [
                ("current_password", "not my password"),
                ("new_password", "a brand new password"),
                ("confirm_password", "a brand new password"),
            ],
            "current_password",
        ),
        (
            [("current_password", old), ("new_password", "short"), ("confirm_password", "short")],
            "new_password",
        ),
        (
            [
                ("current_password", old),
                ("new_password", "a brand new password"),
                ("confirm_password", "a brand new passw0rd"),
            ],
            "confirm_password",
        ),
    ] {
        let response = here.submit("/admin/account", "/admin/account/password", &fields).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.unwrap();
        assert!(page.contains(&format!("id=\"{field}-error\"")), "{field} is named:\n{page}");
        assert!(!page.contains("a brand new"), "passwords are never echoed back");
    }
    assert_eq!(snapshot(&app.store, "team_members").await, before, "nothing changed");

    let fields = [
        ("current_password", old),
        ("new_password", "a brand new password"),
        ("confirm_password", "a brand new password"),
    ];
    let response = here.submit("/admin/account", "/admin/account/password", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin/account?done=password-changed");
    assert!(here.page(&location(&response)).await.contains("Your password was changed"));
    assert_eq!(here.get("/admin/account").await.status(), StatusCode::OK, "this session stays");
    assert_eq!(elsewhere.get("/admin/account").await.status(), StatusCode::SEE_OTHER, "other sessions end");
    assert!(!signs_in(&app, email, old).await);
    assert!(signs_in(&app, email, "a brand new password").await);

    // Guessing the current password through a borrowed session meets the sign-in limit.
    let guess = [
        ("current_password", "guess"),
        ("new_password", "a brand new password"),
        ("confirm_password", "a brand new password"),
    ];
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(here.submit("/admin/account", "/admin/account/password", &guess).await.status());
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}
