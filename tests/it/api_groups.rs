//! Assignment groups through the API, and the built-in Everyone group.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, assert_problem_names, on_both_backends, snapshot};

const EVERYONE: &str = "00000000-0000-7000-8000-000000000001";

on_both_backends!(
    groups_can_be_global_or_customer_specific,
    the_everyone_group_holds_every_team_member_and_cannot_change,
    bad_group_input_is_refused_naming_the_field_and_changes_nothing
);

async fn team_ids(app: &TestApp) -> (String, String) {
    let (_, team) = app.get_json("/team-members", &app.admin.token).await;
    let id_of = |email: &str| {
        team["items"].as_array().unwrap().iter().find(|m| m["email"] == email).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    (id_of("admin@msp.example"), id_of("tech@msp.example"))
}

async fn groups_can_be_global_or_customer_specific(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (admin_id, tech_id) = team_ids(&app).await;
    let (_, acme) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let (_, globex) = app.post_json("/customers", token, json!({"name": "Globex"})).await;

    let (status, desk) = app
        .post_json("/assignment-groups", token, json!({"name": "Service Desk", "customer_id": null, "manager_id": admin_id, "member_ids": [tech_id, admin_id, tech_id]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{desk}");
    assert_eq!(desk["customer_id"], Value::Null);
    assert_eq!(desk["manager_id"], admin_id.as_str());
    assert_eq!(desk["member_ids"].as_array().unwrap().len(), 2, "duplicates fold");

    let (status, onsite) = app
        .post_json(
            "/assignment-groups",
            token,
            json!({"name": "On-site", "customer_id": acme["id"], "member_ids": [tech_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{onsite}");
    let (status, _) = app
        .post_json("/assignment-groups", token, json!({"name": "On-site", "customer_id": globex["id"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "the same name may exist for another customer");

    let names = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_string()).collect()
    };
    let (_, usable) = app
        .get_json(&format!("/assignment-groups?customer_id={}", acme["id"].as_str().unwrap()), token)
        .await;
    let usable_ids: Vec<&str> =
        usable["items"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(names(&usable), ["Everyone", "On-site", "Service Desk"]);
    assert!(usable_ids.contains(&onsite["id"].as_str().unwrap()), "Acme's own group, not Globex's");

    let desk_path = format!("/assignment-groups/{}", desk["id"].as_str().unwrap());
    let (status, changed) = app
        .patch_json(
            &desk_path,
            token,
            json!({"name": "Service Desk EU", "manager_id": null, "member_ids": [admin_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["name"], "Service Desk EU");
    assert_eq!(changed["manager_id"], Value::Null);
    assert_eq!(changed["member_ids"], json!([admin_id]));

    let response = app.api(Method::DELETE, &desk_path, token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_json(&desk_path, token).await.0, StatusCode::NOT_FOUND);
    crate::support::events_settled(&app.store).await;
    let audit = app.store.audit_for("assignment_group", desk["id"].as_str().unwrap(), 10).await.unwrap();
    assert_eq!(audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["delete", "update", "create"]);
}

async fn the_everyone_group_holds_every_team_member_and_cannot_change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (admin_id, tech_id) = team_ids(&app).await;
    let (status, everyone) = app.get_json(&format!("/assignment-groups/{EVERYONE}"), token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(everyone["name"], "Everyone");
    assert_eq!(everyone["builtin"], true);
    let mut members: Vec<&str> =
        everyone["member_ids"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    members.sort();
    let mut expected = vec![admin_id.as_str(), tech_id.as_str()];
    expected.sort();
    assert_eq!(members, expected);

    let before = snapshot(&app.store, "assignment_groups").await;
    let (status, problem) =
        app.patch_json(&format!("/assignment-groups/{EVERYONE}"), token, json!({"name": "All"})).await;
    assert_problem_names(status, &problem, StatusCode::CONFLICT, "id");
    let response =
        app.api(Method::DELETE, &format!("/assignment-groups/{EVERYONE}"), token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(before, snapshot(&app.store, "assignment_groups").await);

    portico::cli::create_team_member(&app.core, "new@msp.example", "New Person", "technician", None)
        .await
        .unwrap();
    let (_, everyone) = app.get_json(&format!("/assignment-groups/{EVERYONE}"), token).await;
    assert_eq!(everyone["member_ids"].as_array().unwrap().len(), 3, "new team members join Everyone");
}

async fn bad_group_input_is_refused_naming_the_field_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, acme) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let (_, group) = app.post_json("/assignment-groups", token, json!({"name": "Desk"})).await;
    let group_path = format!("/assignment-groups/{}", group["id"].as_str().unwrap());
    let before = (
        snapshot(&app.store, "assignment_groups").await,
        snapshot(&app.store, "assignment_group_members").await,
        snapshot(&app.store, "audit_log").await,
    );
    let nobody = "0192f0c0-0000-7000-8000-0000000000aa";

    for (body, expected, field) in [
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (json!({"name": ""}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (json!({"name": "n".repeat(81)}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (json!({"name": "desk"}), StatusCode::CONFLICT, "name"),
        (json!({"name": "X", "manager_id": nobody}), StatusCode::CONFLICT, "manager_id"),
        (json!({"name": "X", "member_ids": [nobody]}), StatusCode::CONFLICT, "member_ids"),
        (json!({"name": "X", "member_ids": ["not-a-uuid"]}), StatusCode::BAD_REQUEST, "member_ids[0]"),
        (json!({"name": "X", "member_ids": "all"}), StatusCode::BAD_REQUEST, "member_ids"),
        (json!({"name": "X", "customer_id": nobody}), StatusCode::CONFLICT, "customer_id"),
        (json!({"name": "X", "builtin": true}), StatusCode::BAD_REQUEST, "builtin"),
    ] {
        let (status, problem) = app.post_json("/assignment-groups", token, body).await;
        assert_problem_names(status, &problem, expected, field);
    }
    for (body, expected, field) in [
        (json!({"customer_id": acme["id"]}), StatusCode::UNPROCESSABLE_ENTITY, "customer_id"),
        (json!({"member_ids": [nobody]}), StatusCode::CONFLICT, "member_ids"),
        (json!({"name": "   "}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
    ] {
        let (status, problem) = app.patch_json(&group_path, token, body).await;
        assert_problem_names(status, &problem, expected, field);
    }
    assert_eq!(app.get_json(&format!("/assignment-groups/{nobody}"), token).await.0, StatusCode::NOT_FOUND);
    let after = (
        snapshot(&app.store, "assignment_groups").await,
        snapshot(&app.store, "assignment_group_members").await,
        snapshot(&app.store, "audit_log").await,
    );
    assert_eq!(before, after, "refused requests must not change the database");
}
