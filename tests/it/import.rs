//! Bulk import of end users from CSV, through the API and the console: a dry run reports every
//! row and writes nothing; a real run is all or nothing.

use std::time::Instant;

use portico::domain::event::EventKind;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Backend, TestApp, hidden_value, on_both_backends, snapshot};

on_both_backends!(
    a_dry_run_reports_every_row_and_a_real_run_is_all_or_nothing,
    only_admins_import_and_only_csv,
    ten_thousand_rows_import_in_one_go,
    the_console_checks_then_imports,
);

/// A customer whose SSO configuration allows only acme.example addresses, with two end users.
async fn acme(app: &TestApp) -> String {
    let token = &app.admin.token;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let id = customer["id"].as_str().unwrap().to_string();
    let (status, config) = app
        .post_json(
            &format!("/customers/{id}/portal/sso-configs"),
            token,
            json!({"label": "Okta", "provider": "okta", "okta_domain": "acme.okta.com", "client_id": "c",
                "client_secret": "s", "allowed_email_domains": ["acme.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{config}");
    for (name, email, role) in
        [("Ada Lovelace", "ada@acme.example", "member"), ("Bob Manager", "bob@acme.example", "manager")]
    {
        let body = json!({"name": name, "email": email, "role": role});
        assert_eq!(
            app.post_json(&format!("/customers/{id}/end-users"), token, body).await.0,
            StatusCode::CREATED
        );
    }
    id
}

async fn import(
    app: &TestApp,
    token: &str,
    customer_id: &str,
    query: &str,
    csv: &str,
) -> (StatusCode, Value) {
    let response = app
        .api(reqwest::Method::POST, &format!("/customers/{customer_id}/end-users/import{query}"), token)
        .header("content-type", "text/csv; charset=utf-8")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    crate::support::json_of(response).await
}

async fn import_events(app: &TestApp, customer_id: &str) -> Vec<Value> {
    let id: Uuid = customer_id.parse().unwrap();
    let events = app.store.customer_events(id, EventKind::EndUsersImported, 10).await.unwrap();
    events.into_iter().map(|e| e.payload).collect()
}

const MIXED: &str = "Email,NAME,role\n\
    ada@acme.example,Ada King,\n\
    bob@acme.example,Bob Manager,manager\n\
    cy@acme.example,Cy New,Manager\n\
    di@acme.example,Di Short\n\
    ,No Address,member\n\
    eve@acme.example,,member\n\
    not-an-address,Fay,member\n\
    gus@acme.example,Gus,admin\n\
    CY@acme.example,Cy Again,member\n\
    mallory@elsewhere.example,Mallory,member\n";

async fn a_dry_run_reports_every_row_and_a_real_run_is_all_or_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let id = acme(&app).await;
    let before = snapshot(&app.store, "end_users").await;

    let (status, report) = import(&app, token, &id, "?dry_run=true", MIXED).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["dry_run"], true);
    assert_eq!(
        [&report["created"], &report["updated"], &report["unchanged"], &report["errors"]],
        [&json!(1), &json!(1), &json!(1), &json!(7)],
        "{report:#}"
    );
    let rows = report["rows"].as_array().unwrap();
    let row = |line: u64| {
        rows.iter().find(|r| r["line"] == line).unwrap_or_else(|| panic!("line {line}: {report:#}"))
    };
    assert_eq!(
        (row(2)["outcome"].as_str(), row(2)["message"].as_str()),
        (Some("updated"), Some("changed name"))
    );
    assert_eq!(row(3)["outcome"], "unchanged");
    assert_eq!(
        (row(4)["outcome"].as_str(), row(4)["email"].as_str()),
        (Some("created"), Some("cy@acme.example"))
    );
    for (line, expected) in [
        (5, "Line 5: it has 2 values where the header names 3 columns."),
        (6, "Line 6: E-mail must not be empty."),
        (7, "Line 7: Name must not be empty."),
        (8, "Line 8: E-mail must be an e-mail address like name@example.com."),
        (9, "Line 9: Role must be 'member' or 'manager'."),
        (10, "Line 10: The address cy@acme.example appears again (first on line 4)."),
        (
            11,
            "Line 11: The domain elsewhere.example is not among the customer's allowed e-mail domains (acme.example).",
        ),
    ] {
        assert_eq!(
            (row(line)["outcome"].as_str(), row(line)["message"].as_str()),
            (Some("error"), Some(expected))
        );
    }
    assert_eq!(snapshot(&app.store, "end_users").await, before, "a dry run writes nothing");

    // A real run with errors: the same report, 422, and nothing written.
    let (status, refused) = import(&app, token, &id, "", MIXED).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!((refused["dry_run"].as_bool(), refused["errors"].as_u64()), (Some(false), Some(7)));
    assert_eq!(snapshot(&app.store, "end_users").await, before, "one bad row and nothing is written");
    assert!(import_events(&app, &id).await.is_empty());

    // One bad row among good ones is enough to refuse the whole file.
    let one_bad = "name,email\nZed,zed@acme.example\nYan,yan@elsewhere.example\n";
    assert_eq!(import(&app, token, &id, "?dry_run=false", one_bad).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(snapshot(&app.store, "end_users").await, before);

    // The good rows alone: written in one go, with one event.
    let good: String = MIXED.lines().take(4).map(|l| format!("{l}\n")).collect();
    let (status, done) = import(&app, token, &id, "", &good).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        [&done["created"], &done["updated"], &done["unchanged"], &done["errors"]],
        [&json!(1), &json!(1), &json!(1), &json!(0)]
    );
    let (_, list) = app.get_json(&format!("/customers/{id}/end-users"), token).await;
    let people: Vec<(&str, &str, &str, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["email"].as_str().unwrap(),
                u["name"].as_str().unwrap(),
                u["role"].as_str().unwrap(),
                u["role_source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        people,
        [
            ("ada@acme.example", "Ada King", "member", "team"),
            ("bob@acme.example", "Bob Manager", "manager", "team"),
            ("cy@acme.example", "Cy New", "manager", "team"),
        ]
    );
    let events = import_events(&app, &id).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (&events[0]["created"], &events[0]["updated"], &events[0]["unchanged"]),
        (&json!(1), &json!(1), &json!(1))
    );

    // Importing the same file again changes nothing.
    let (_, again) = import(&app, token, &id, "", &good).await;
    assert_eq!((again["unchanged"].as_u64(), again["created"].as_u64()), (Some(3), Some(0)));
}

async fn only_admins_import_and_only_csv(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = acme(&app).await;
    let before = snapshot(&app.store, "end_users").await;
    let csv = "name,email\nNew Person,new@acme.example\n";
    let (status, body) = import(&app, &app.technician.token, &id, "", csv).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = import(&app, &app.technician.token, &id, "?dry_run=true", csv).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "technicians may not even check a file");
    let (status, body) = import(&app, &app.admin.token, &Uuid::now_v7().to_string(), "", csv).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = import(&app, &app.admin.token, &id, "?dry_run=maybe", csv).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let response = app
        .api(reqwest::Method::POST, &format!("/customers/{id}/end-users/import"), &app.admin.token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Unknown columns are named; the header is then the only error.
    let (status, report) =
        import(&app, &app.admin.token, &id, "", "name,email,phone,department\nA,a@acme.example,1,2\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(report["rows"].as_array().unwrap().len(), 1);
    assert_eq!(report["rows"][0]["line"], 1);
    assert!(
        report["rows"][0]["message"].as_str().unwrap().contains("Unknown columns 'phone', 'department'"),
        "{report}"
    );

    // A file over 10 MB is refused without being read.
    let mut big = String::from("name,email\n");
    while big.len() <= 10 * 1024 * 1024 {
        big.push_str("Someone With A Long Name,someone.with.a.long.address@acme.example\n");
    }
    let (status, report) = import(&app, &app.admin.token, &id, "", &big).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(report["rows"][0]["message"].as_str().unwrap().contains("larger than 10 MB"), "{report}");
    assert_eq!(snapshot(&app.store, "end_users").await, before);
}

async fn ten_thousand_rows_import_in_one_go(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = acme(&app).await;
    let mut csv = String::from("name,email,role\n");
    for i in 0..10_000 {
        let role = if i % 10 == 0 { "manager" } else { "" };
        csv.push_str(&format!("Person {i:05},person.{i:05}@acme.example,{role}\n"));
    }
    let started = Instant::now();
    let (status, report) = import(&app, &app.admin.token, &id, "", &csv).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{}", report["rows"][0]);
    assert_eq!((report["created"].as_u64(), report["errors"].as_u64()), (Some(10_000), Some(0)));
    eprintln!("10,000 rows imported on {backend:?} in {took:?}");
    let (total, active) = app.store.count_end_users(id.parse().unwrap()).await.unwrap();
    assert_eq!((total, active), (10_002, 10_002));

    let started = Instant::now();
    let (status, again) = import(&app, &app.admin.token, &id, "?dry_run=true", &csv).await;
    eprintln!("10,000 rows checked again on {backend:?} in {:?}", started.elapsed());
    assert_eq!((status, again["unchanged"].as_u64()), (StatusCode::OK, Some(10_000)));
}

async fn the_console_checks_then_imports(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = acme(&app).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let profile = console.page(&format!("/admin/customers/{id}")).await;
    let path = format!("/admin/customers/{id}/end-users/import");
    assert!(profile.contains(&path), "the customer page links to the import");
    let page = console.page(&path).await;
    assert!(page.contains("acme.example"), "the page names the allowed domains");
    let csrf = hidden_value(&page, "_csrf");
    let post = |action: &'static str, file: &'static str, pasted: &'static str| {
        let form = Form::new()
            .text("_csrf", csrf.clone())
            .part(
                "file",
                Part::bytes(file.as_bytes().to_vec()).file_name("people.csv").mime_str("text/csv").unwrap(),
            )
            .text("csv", pasted)
            .text("action", action);
        console.client.post(app.url(&path)).multipart(form).send()
    };

    let checked =
        post("check", "name,email,role\nNew Person,new@acme.example,manager\nBad,bad,\n", "").await.unwrap();
    assert_eq!(checked.status(), StatusCode::OK);
    let text = checked.text().await.unwrap();
    assert!(text.contains("Line 3: E-mail must be an e-mail address") && text.contains("created"), "{text}");
    assert!(text.contains("New Person,new@acme.example,manager"), "the checked text comes back for Import");
    assert_eq!(app.store.count_end_users(id.parse().unwrap()).await.unwrap().0, 2, "a check writes nothing");

    let refused = post("import", "", "name,email\nBad,bad\n").await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("Nothing was imported"));

    let imported =
        post("import", "", "name,email,role\nNew Person,new@acme.example,manager\n").await.unwrap();
    assert_eq!(imported.status(), StatusCode::OK);
    assert!(imported.text().await.unwrap().contains("The end users were imported."));
    assert_eq!(app.store.count_end_users(id.parse().unwrap()).await.unwrap().0, 3);

    let empty = post("check", "", "  ").await.unwrap();
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let forged = Form::new()
        .text("_csrf", "forged")
        .text("csv", "name,email\nX,x@acme.example\n")
        .text("action", "import");
    let response = console.client.post(app.url(&path)).multipart(forged).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let technician = app.console(&app.technician.email, &app.technician.password).await;
    assert_eq!(technician.get(&path).await.status(), StatusCode::FORBIDDEN);
    assert!(!technician.page(&format!("/admin/customers/{id}")).await.contains(&path));
}
