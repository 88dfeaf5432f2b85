//! Item 11: invisible format characters are refused in every name and label.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, assert_problem_names, on_both_backends, snapshot};

on_both_backends!(item11_format_characters_are_refused_in_every_name_and_label,);

async fn item11_format_characters_are_refused_in_every_name_and_label(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let hostile = "Invoice\u{202e}gnp.exe";
    let expect_refused = |(status, body): (StatusCode, Value), field: &str| {
        assert_problem_names(status, &body, StatusCode::UNPROCESSABLE_ENTITY, field);
        assert!(body.to_string().contains("invisible formatting"), "{body}");
    };
    expect_refused(app.post_json("/customers", token, json!({"name": hostile})).await, "name");
    expect_refused(app.post_json("/customers", token, json!({"name": "Zero\u{200b}Width"})).await, "name");
    expect_refused(app.post_json("/assignment-groups", token, json!({"name": hostile})).await, "name");
    expect_refused(
        app.post_json(
            "/team-members",
            token,
            json!({"email": "eve@msp.example", "name": hostile, "role": "technician"}),
        )
        .await,
        "name",
    );
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    let users = format!("/customers/{customer_id}/end-users");
    expect_refused(
        app.post_json(&users, token, json!({"name": hostile, "email": "eve@acme.example"})).await,
        "name",
    );
    expect_refused(
        app.post_json(
            &format!("/customers/{customer_id}/portal/sso-configs"),
            token,
            json!({"label": hostile, "provider": "okta", "okta_domain": "acme.okta.com", "client_id": "c", "client_secret": "s"}),
        )
        .await,
        "label",
    );
    expect_refused(
        app.post_json("/kb/articles", token, json!({"title": hostile, "body": "b"})).await,
        "title",
    );
    let (_, requester) =
        app.post_json(&users, token, json!({"name": "Ann", "email": "ann@acme.example"})).await;
    expect_refused(
        app.post_json("/tickets", token, json!({"customer_id": customer_id, "requester_id": requester["id"], "type": "incident", "short_description": hostile}))
            .await,
        "short_description",
    );
    // A portal button's label, in the portal document.
    let (_, mut document) = app.get_json(&format!("/customers/{customer_id}/portal"), token).await;
    document["features"]["external_links"] = json!({"enabled": true, "links": [{"id": "hr", "label": "HR", "url": "https://hr.example/", "description": ""}]});
    document["layout"] = json!({"sections": [{"kind": "small_buttons", "headline": ""}],
        "buttons": [{"target": "link:hr", "size": "small", "label": hostile, "description": ""}]});
    let response = app
        .api(Method::PUT, &format!("/customers/{customer_id}/portal"), token)
        .header("if-match", "1")
        .json(&document)
        .send()
        .await
        .unwrap();
    let (status, body) = crate::support::json_of(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string().contains("layout.buttons[0].label")
            && body.to_string().contains("invisible formatting"),
        "{body}"
    );
    // Refused everywhere: nothing of it was stored.
    for table in ["customers", "assignment_groups", "end_users", "sso_configs", "articles", "tickets"] {
        assert!(!snapshot(&app.store, table).await.iter().any(|row| row.contains('\u{202e}')), "{table}");
    }
}
