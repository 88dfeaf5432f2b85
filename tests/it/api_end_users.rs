//! End users through the API: always within one customer.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, assert_problem_names, on_both_backends, snapshot};

on_both_backends!(
    end_users_can_be_created_listed_changed_and_deactivated,
    bad_end_user_input_is_refused_naming_the_field_and_changes_nothing
);

async fn end_users_can_be_created_listed_changed_and_deactivated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, acme) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let (_, globex) = app.post_json("/customers", token, json!({"name": "Globex"})).await;
    let acme_users = format!("/customers/{}/end-users", acme["id"].as_str().unwrap());

    let (status, ada) =
        app.post_json(&acme_users, token, json!({"name": "Ada Lovelace", "email": "Ada@Acme.example"})).await;
    assert_eq!(status, StatusCode::CREATED, "{ada}");
    assert_eq!(ada["email"], "ada@acme.example");
    assert_eq!(ada["active"], true);
    assert_eq!(ada["customer_id"], acme["id"]);
    assert_eq!(ada["last_sign_in_at"], Value::Null);
    for (name, email) in [("Grace Hopper", "grace@acme.example"), ("Alan Turing", "alan@acme.example")] {
        assert_eq!(
            app.post_json(&acme_users, token, json!({"name": name, "email": email})).await.0,
            StatusCode::CREATED
        );
    }
    let globex_users = format!("/customers/{}/end-users", globex["id"].as_str().unwrap());
    let (status, _) = app
        .post_json(&globex_users, token, json!({"name": "Ada Elsewhere", "email": "ada@acme.example"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "the same e-mail may exist at another customer");

    let (_, first) = app.get_json(&format!("{acme_users}?limit=2"), token).await;
    let names: Vec<&str> =
        first["items"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ada Lovelace", "Alan Turing"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app.get_json(&format!("{acme_users}?limit=2&cursor={cursor}"), token).await;
    assert_eq!(second["items"][0]["name"], "Grace Hopper");
    assert_eq!(second["next_cursor"], Value::Null);
    let (_, found) = app.get_json(&format!("{acme_users}?q=GRACE@"), token).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, globex_list) = app.get_json(&globex_users, token).await;
    assert_eq!(globex_list["items"].as_array().unwrap().len(), 1, "lists never cross customers");

    let ada_path = format!("/end-users/{}", ada["id"].as_str().unwrap());
    let (status, renamed) =
        app.patch_json(&ada_path, token, json!({"name": "Ada King", "email": "ada.king@acme.example"})).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "Ada King");
    let (status, deactivated) = app.patch_json(&ada_path, token, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deactivated["active"], false);
    assert_eq!(deactivated["name"], "Ada King");
    let (_, fetched) = app.get_json(&ada_path, token).await;
    assert_eq!(fetched, deactivated);
}

async fn bad_end_user_input_is_refused_naming_the_field_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, acme) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let (_, archived) = app.post_json("/customers", token, json!({"name": "Gone"})).await;
    app.patch_json(
        &format!("/customers/{}", archived["id"].as_str().unwrap()),
        token,
        json!({"archived": true}),
    )
    .await;
    let users = format!("/customers/{}/end-users", acme["id"].as_str().unwrap());
    let (_, ada) = app.post_json(&users, token, json!({"name": "Ada", "email": "ada@acme.example"})).await;
    let before = (snapshot(&app.store, "end_users").await, snapshot(&app.store, "audit_log").await);

    for (body, expected, field) in [
        (json!({"email": "x@acme.example"}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (json!({"name": "X"}), StatusCode::UNPROCESSABLE_ENTITY, "email"),
        (json!({"name": "X", "email": "nope"}), StatusCode::UNPROCESSABLE_ENTITY, "email"),
        (json!({"name": "X", "email": "ADA@acme.example"}), StatusCode::CONFLICT, "email"),
        (json!({"name": "X", "email": "x@acme.example", "active": "yes"}), StatusCode::BAD_REQUEST, "active"),
        (
            json!({"name": "X", "email": "x@acme.example", "customer_id": "x"}),
            StatusCode::BAD_REQUEST,
            "customer_id",
        ),
    ] {
        let (status, problem) = app.post_json(&users, token, body).await;
        assert_problem_names(status, &problem, expected, field);
    }
    let (status, problem) = app
        .post_json(
            &format!("/customers/{}/end-users", archived["id"].as_str().unwrap()),
            token,
            json!({"name": "X", "email": "x@gone.example"}),
        )
        .await;
    assert_problem_names(status, &problem, StatusCode::CONFLICT, "customer_id");
    let unknown = "0192f0c0-0000-7000-8000-0000000000bb";
    let (status, _) = app
        .post_json(
            &format!("/customers/{unknown}/end-users"),
            token,
            json!({"name": "X", "email": "x@y.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_json(&format!("/customers/{unknown}/end-users"), token).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, problem) = app
        .patch_json(&format!("/end-users/{}", ada["id"].as_str().unwrap()), token, json!({"email": ""}))
        .await;
    assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "email");
    assert_eq!(
        app.patch_json(&format!("/end-users/{unknown}"), token, json!({"active": false})).await.0,
        StatusCode::NOT_FOUND
    );

    let after = (snapshot(&app.store, "end_users").await, snapshot(&app.store, "audit_log").await);
    assert_eq!(before, after, "refused requests must not change the database");
}
