//! Customers through the API: CRUD, paging, search, and refusals that change nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, assert_problem_names, on_both_backends, send, snapshot};

on_both_backends!(
    customers_can_be_created_read_updated_archived_and_restored,
    customers_page_in_name_order,
    customer_search_matches_name_and_slug_and_escapes_wildcards,
    bad_customer_input_is_refused_naming_the_field_and_changes_nothing,
    refusals_are_full_sentences_naming_the_field,
);

async fn customers_can_be_created_read_updated_archived_and_restored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;

    let (status, created) = app
        .post_json(
            "/customers",
            token,
            json!({"name": "Acme Corporation", "contact_email": "IT@Acme.example", "phone": "+1 555 0100"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["slug"], "acme-corporation");
    assert_eq!(created["contact_email"], "it@acme.example");
    assert_eq!(created["archived"], false);

    let (status, second) = app.post_json("/customers", token, json!({"name": "Acme  Corporation"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(second["slug"], "acme-corporation-2", "a taken slug gets a number");

    let (status, fetched) = app.get_json(&format!("/customers/{id}"), token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);

    let (status, updated) = app
        .patch_json(
            &format!("/customers/{id}"),
            token,
            json!({"name": "Acme Corp", "phone": null, "slug": "acme"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Acme Corp");
    assert_eq!(updated["phone"], Value::Null);
    assert_eq!(updated["slug"], "acme");
    assert_eq!(updated["contact_email"], "it@acme.example", "fields not sent stay");

    let response = app.api(Method::DELETE, &format!("/customers/{id}"), token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (_, archived) = app.get_json(&format!("/customers/{id}"), token).await;
    assert_eq!(archived["archived"], true);
    assert!(archived["archived_at"].is_string());

    let (_, listed) = app.get_json("/customers", token).await;
    let ids: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&id.as_str()), "archived customers are not listed by default");
    let (_, with_archived) = app.get_json("/customers?include_archived=true", token).await;
    assert_eq!(with_archived["items"].as_array().unwrap().len(), 2);

    let (status, restored) =
        app.patch_json(&format!("/customers/{id}"), token, json!({"archived": false})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(restored["archived"], false);
    assert_eq!(restored["archived_at"], Value::Null);

    crate::support::events_settled(&app.store).await;

    let audit = app.store.audit_for("customer", &id, 10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["restore", "archive", "update", "create"]);
    assert!(audit.iter().all(|e| e.actor_name == "Ada Admin"));
}

async fn customers_page_in_name_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let names = ["delta", "Alpha", "charlie", "Echo", "bravo", "foxtrot", "Golf"];
    for name in names {
        let (status, _) = app.post_json("/customers", token, json!({"name": name})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/customers?limit=3&cursor={c}"),
            None => "/customers?limit=3".to_string(),
        };
        let (status, page) = app.get_json(&path, token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|c| c["name"].as_str().unwrap().to_string()));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["Alpha", "bravo", "charlie", "delta", "Echo", "foxtrot", "Golf"]);
}

async fn customer_search_matches_name_and_slug_and_escapes_wildcards(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    for body in [
        json!({"name": "Globex"}),
        json!({"name": "Initech", "slug": "tps-reports"}),
        json!({"name": "100% Fun"}),
    ] {
        assert_eq!(app.post_json("/customers", token, body).await.0, StatusCode::CREATED);
    }
    let names = |page: Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names(app.get_json("/customers?q=GLOB", token).await.1), ["Globex"]);
    assert_eq!(names(app.get_json("/customers?q=tps", token).await.1), ["Initech"]);
    assert_eq!(names(app.get_json("/customers?q=%25", token).await.1), ["100% Fun"], "% is literal");
    assert_eq!(names(app.get_json("/customers?q=_", token).await.1), Vec::<String>::new(), "_ is literal");
    assert_eq!(names(app.get_json("/customers?q=nothing", token).await.1), Vec::<String>::new());
}

async fn bad_customer_input_is_refused_naming_the_field_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, existing) =
        app.post_json("/customers", token, json!({"name": "Existing", "slug": "taken"})).await;
    let id = existing["id"].as_str().unwrap().to_string();
    let before = (snapshot(&app.store, "customers").await, snapshot(&app.store, "audit_log").await);

    let refusals: Vec<(Value, StatusCode, &str)> = vec![
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (json!({"name": ""}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (json!({"name": "   "}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (json!({"name": "x".repeat(121)}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (json!({"name": 5}), StatusCode::BAD_REQUEST, "name"),
        (json!({"name": "A", "colour": "red"}), StatusCode::BAD_REQUEST, "colour"),
        (json!({"name": "A", "slug": "Bad Slug"}), StatusCode::UNPROCESSABLE_ENTITY, "slug"),
        (json!({"name": "A", "slug": "admin"}), StatusCode::UNPROCESSABLE_ENTITY, "slug"),
        (json!({"name": "A", "slug": "taken"}), StatusCode::CONFLICT, "slug"),
        (
            json!({"name": "A", "contact_email": "not-an-email"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "contact_email",
        ),
        (json!({"name": "A", "website": "javascript:alert(1)"}), StatusCode::UNPROCESSABLE_ENTITY, "website"),
        (json!({"name": "A", "notes": "n".repeat(4001)}), StatusCode::UNPROCESSABLE_ENTITY, "notes"),
        (json!({"name": "A", "archived": true}), StatusCode::UNPROCESSABLE_ENTITY, "archived"),
        (json!(["not", "an", "object"]), StatusCode::BAD_REQUEST, "body"),
    ];
    for (body, expected, field) in refusals {
        let (status, problem) = app.post_json("/customers", token, body.clone()).await;
        assert_problem_names(status, &problem, expected, field);
        assert_eq!(problem["detail"].as_str().map(str::is_empty), Some(false), "{body}");
    }

    let patch_refusals: Vec<(Value, StatusCode, &str)> = vec![
        (json!({"name": ""}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (json!({"slug": "-bad"}), StatusCode::UNPROCESSABLE_ENTITY, "slug"),
        (json!({"archived": "yes"}), StatusCode::BAD_REQUEST, "archived"),
        (json!({"id": "00000000-0000-0000-0000-000000000000"}), StatusCode::BAD_REQUEST, "id"),
    ];
    for (body, expected, field) in patch_refusals {
        let (status, problem) = app.patch_json(&format!("/customers/{id}"), token, body).await;
        assert_problem_names(status, &problem, expected, field);
    }

    let (status, problem) = send(
        app.api(Method::POST, "/customers", token)
            .body("{\"name\": ")
            .header("content-type", "application/json"),
    )
    .await;
    assert_problem_names(status, &problem, StatusCode::BAD_REQUEST, "body");
    let (status, problem) = send(
        app.api(Method::POST, "/customers", token)
            .body("name=A")
            .header("content-type", "application/x-www-form-urlencoded"),
    )
    .await;
    assert_problem_names(status, &problem, StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type");

    for (path, expected, field) in [
        ("/customers?limit=0", StatusCode::BAD_REQUEST, "limit"),
        ("/customers?limit=abc", StatusCode::BAD_REQUEST, "limit"),
        ("/customers?cursor=garbage", StatusCode::BAD_REQUEST, "cursor"),
        ("/customers?colour=red", StatusCode::BAD_REQUEST, "colour"),
    ] {
        let (status, problem) = app.get_json(path, token).await;
        assert_problem_names(status, &problem, expected, field);
    }

    let unknown = "0192f0c0-0000-7000-8000-000000000000";
    assert_eq!(app.get_json(&format!("/customers/{unknown}"), token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get_json("/customers/not-a-uuid", token).await.0, StatusCode::NOT_FOUND);
    let (status, problem) =
        app.patch_json(&format!("/customers/{unknown}"), token, json!({"name": "X"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["type"], "urn:portico:problem:not-found");
    let response = app.api(Method::DELETE, &format!("/customers/{unknown}"), token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let after = (snapshot(&app.store, "customers").await, snapshot(&app.store, "audit_log").await);
    assert_eq!(before, after, "refused requests must not change the database");
}

/// Every field error reads as a sentence (a capital first, a full stop last) that names the
/// field, whatever area refused it.
async fn refusals_are_full_sentences_naming_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let customer_id = customer["id"].as_str().unwrap();
    let refusals = [
        (
            "/customers",
            json!({"name": "", "slug": "Bad Slug", "website": "ftp://x", "contact_email": "nope"}),
        ),
        ("/customers", json!({"name": "x".repeat(500), "slug": "admin"})),
        ("/assignment-groups", json!({"name": ""})),
        ("/team-members", json!({"name": "A", "email": "a@msp.example", "role": "owner"})),
        ("/tickets", json!({"customer_id": customer_id, "short_description": "", "urgency": "now"})),
        (
            &format!("/customers/{customer_id}/portal/sso-configs"),
            json!({"label": "", "provider": "okta", "client_id": "", "scopes": "email",
                "discovery_url": "http://idp.example/x?y=1", "allowed_email_domains": ["not a domain"]}),
        ),
    ];
    let mut seen = 0;
    for (path, body) in refusals {
        let (status, problem) = app.post_json(path, token, body).await;
        assert!(status.is_client_error(), "{path}: {problem}");
        for error in problem["errors"].as_array().unwrap() {
            let message = error["message"].as_str().unwrap();
            let first = message.chars().next().unwrap();
            assert!(
                first.is_uppercase() && message.ends_with('.'),
                "{path} {}: {message:?} is not a sentence",
                error["field"]
            );
            seen += 1;
        }
    }
    let portal = format!("/customers/{customer_id}/portal");
    let (_, mut document) = app.get_json(&portal, token).await;
    document["design"]["primary_color"] = json!("blue");
    document["slug"] = json!("-x-");
    let revision = document["revision"].to_string();
    let (status, problem) =
        send(app.api(Method::PUT, &portal, token).header("if-match", revision).json(&document)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    for error in problem["errors"].as_array().unwrap() {
        let message = error["message"].as_str().unwrap();
        assert!(message.ends_with('.') && message.chars().next().unwrap().is_uppercase(), "{message:?}");
        seen += 1;
    }
    assert!(seen >= 15, "only {seen} refusals were checked");
    let (_, problem) = app.post_json("/customers", token, json!({"name": ""})).await;
    assert_eq!(problem["errors"][0]["message"], "Name must not be empty.");
}
