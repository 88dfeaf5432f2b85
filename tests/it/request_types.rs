//! Request types: the API round trip, each customer's catalogue (global, customer-only, hidden,
//! routed), the server's checks of every field kind and of conditional fields in the portal's
//! form and the API, and tickets keeping their answers when their type changes. Both databases.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::html_form::{form_pairs, set, value};
use crate::idp::{SsoPortal, TestIdp, Visitor};
use crate::support::{Backend, TestApp, assert_problem_names, on_both_backends, snapshot};
use crate::tickets::ticketing_portal;

on_both_backends!(
    request_types_round_trip_through_the_api,
    each_customer_is_offered_its_own_catalogue,
    the_portal_form_checks_every_kind_and_keeps_what_was_typed,
    tickets_keep_their_answers_when_their_type_changes,
    a_landing_page_button_opens_a_request_type,
    the_plain_form_is_offered_only_where_the_portal_says_so,
);

/// A type with a field of every kind and two conditional fields.
pub fn laptop(customer_ids: &[&str]) -> Value {
    json!({
        "name": "Laptop request", "description": "A new or replacement laptop.", "icon": "💻",
        "category": "Hardware", "customer_ids": customer_ids, "default_urgency": "low",
        "fields": [
            {"key": "model", "label": "Model", "kind": "select", "required": true,
             "options": ["Standard", "Developer", "Other"]},
            {"key": "other_model", "label": "Which model", "kind": "text", "required": true,
             "show_when": {"field": "model", "equals": "Other"}},
            {"key": "extras", "label": "Extras", "kind": "multiselect", "options": ["Dock", "Headset"]},
            {"key": "needed_by", "label": "Needed by", "kind": "date", "required": true},
            {"key": "count", "label": "How many", "kind": "number"},
            {"key": "approver", "label": "Approver's e-mail", "kind": "email", "help": "Your manager."},
            {"key": "urgent", "label": "Someone cannot work without it", "kind": "checkbox"},
            {"key": "why", "label": "Why", "kind": "textarea", "required": true,
             "show_when": {"field": "urgent", "equals": "true"}}
        ]
    })
}

async fn create_type(app: &TestApp, body: Value) -> Value {
    let (status, created) = app.post_json("/request-types", &app.admin.token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

async fn request_types_round_trip_through_the_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = create_type(&app, laptop(&[])).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["fields"].as_array().unwrap().len(), 8);
    assert_eq!(created["fields"][1]["show_when"], json!({"field": "model", "equals": "Other"}));
    assert_eq!(created["default_urgency"], "low");
    assert_eq!(created["ticket_type"], "service_request");
    assert_eq!(app.get_json(&format!("/request-types/{id}"), &app.technician.token).await.1, created);
    let (_, list) = app.get_json("/request-types", &app.technician.token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Only admins change; bad drafts name the field and change nothing.
    let (status, _) = app.post_json("/request-types", &app.technician.token, laptop(&[])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let before = snapshot(&app.store, "request_types").await;
    for (body, field) in [
        (
            json!({"name": "X", "fields": [{"key": "a", "label": "A", "kind": "select", "options": []}]}),
            "fields[0].options",
        ),
        (json!({"name": "X", "fields": [{"key": "A b", "label": "A", "kind": "text"}]}), "fields[0].key"),
        (json!({"name": "X", "fields": [{"key": "a", "label": "A", "kind": "colour"}]}), "fields[0].kind"),
        (
            json!({"name": "X", "fields": [{"key": "a", "label": "A", "kind": "text",
            "show_when": {"field": "b", "equals": "x"}}]}),
            "fields[0].show_when.field",
        ),
        (json!({"name": ""}), "name"),
        (json!({"name": "X", "default_urgency": "now"}), "default_urgency"),
        (json!({"name": "X", "customer_ids": ["00000000-0000-7000-8000-000000000099"]}), "customer_ids[0]"),
    ] {
        let (status, problem) = app.post_json("/request-types", &app.admin.token, body.clone()).await;
        assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    let (status, _) =
        app.post_json("/request-types", &app.admin.token, json!({"name": "X", "colour": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown properties are refused");
    assert_eq!(snapshot(&app.store, "request_types").await, before);

    // A change keeps what it does not name; `fields` replaces the list.
    let (status, changed) = app
        .patch_json(
            &format!("/request-types/{id}"),
            &app.admin.token,
            json!({"name": "Laptop", "fields": [{"key": "model", "label": "Model", "kind": "text", "required": true}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!((changed["name"].as_str(), changed["category"].as_str()), (Some("Laptop"), Some("Hardware")));
    assert_eq!(changed["fields"].as_array().unwrap().len(), 1);
    let deleted =
        app.api(Method::DELETE, &format!("/request-types/{id}"), &app.admin.token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_json(&format!("/request-types/{id}"), &app.admin.token).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, events) = app.get_json("/events?limit=200", &app.admin.token).await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .filter(|k| k.starts_with("request_type."))
        .collect();
    assert_eq!(kinds, ["request_type.created", "request_type.updated", "request_type.deleted"]);
}

fn names_in(page: &str) -> Vec<&'static str> {
    ["Laptop request", "Badge", "Parking space", "VPN access"]
        .into_iter()
        .filter(|name| page.contains(name))
        .collect()
}

async fn each_customer_is_offered_its_own_catalogue(backend: Backend) {
    let Some(idp) = TestIdp::start(crate::tickets::accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    let (globex, _) = ticketing_portal(&app, &idp, "Globex").await;
    let token = &app.admin.token;
    let (_, acme_group) = app
        .post_json(
            "/assignment-groups",
            token,
            json!({"name": "Acme on-site", "customer_id": acme.customer_id}),
        )
        .await;
    create_type(&app, laptop(&[])).await;
    let badge = create_type(&app, json!({"name": "Badge", "customer_ids": [acme.customer_id]})).await;
    let parking = create_type(&app, json!({"name": "Parking space", "category": "Facilities"})).await;
    let vpn = create_type(&app, json!({"name": "VPN access", "category": "Accounts"})).await;
    let tailor = |customer: &str, id: &Value, body: Value| {
        app.api(
            Method::PUT,
            &format!("/customers/{customer}/request-types/{}", id["id"].as_str().unwrap()),
            token,
        )
        .json(&body)
    };
    let hidden = tailor(&globex.customer_id, &parking, json!({"hidden": true})).send().await.unwrap();
    assert_eq!(hidden.status(), StatusCode::OK);
    let routed = tailor(&acme.customer_id, &vpn, json!({"assignment_group_id": acme_group["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(routed.status(), StatusCode::OK);
    // Another customer's group, and a type not meant for the customer, are refused.
    let wrong = tailor(&globex.customer_id, &vpn, json!({"assignment_group_id": acme_group["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let not_theirs = tailor(&globex.customer_id, &badge, json!({"hidden": true})).send().await.unwrap();
    assert_eq!(not_theirs.status(), StatusCode::NOT_FOUND);
    let (_, listed) = app.get_json(&format!("/customers/{}/request-types", globex.customer_id), token).await;
    let hidden_flags: Vec<(String, bool)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["request_type"]["name"].as_str().unwrap().to_string(), t["hidden"].as_bool().unwrap()))
        .collect();
    assert!(
        hidden_flags.contains(&("Parking space".into(), true))
            && !hidden_flags.iter().any(|(n, _)| n == "Badge")
    );

    let ada = Visitor::new(&app);
    ada.sign_in(&acme, "ada").await;
    let zed = Visitor::new(&app);
    zed.sign_in(&globex, "zed").await;
    let page = |visitor: &Visitor, portal: &SsoPortal, path: &str| {
        let url = format!("{}{}", visitor.base, portal.path(path));
        let client = visitor.client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, catalogue) = page(&ada, &acme, "/tickets/new").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names_in(&catalogue), ["Laptop request", "Badge", "Parking space", "VPN access"]);
    assert!(catalogue.contains("Hardware") && catalogue.contains("Something else"));
    let (_, catalogue) = page(&zed, &globex, "/tickets/new").await;
    assert_eq!(names_in(&catalogue), ["Laptop request", "VPN access"]);
    let (_, searched) = page(&ada, &acme, "/tickets/new?q=vpn").await;
    assert_eq!(names_in(&searched), ["VPN access"]);
    let (_, found) = page(&ada, &acme, "/search?q=parking").await;
    assert!(found.contains("Parking space"), "search finds request types");
    let (_, found) = page(&zed, &globex, "/search?q=parking").await;
    assert!(!found.contains("Parking space"), "but not hidden ones");

    // What is not offered cannot be opened or filed, in the portal or the API.
    let tickets_before = snapshot(&app.store, "tickets").await;
    for (id, _) in [(&badge, "another customer's"), (&parking, "hidden")] {
        let path = format!("/tickets/new/{}", id["id"].as_str().unwrap());
        assert_eq!(page(&zed, &globex, &path).await.0, StatusCode::NOT_FOUND);
    }
    let (_, users) = app.get_json(&format!("/customers/{}/end-users", globex.customer_id), token).await;
    let zed_id = users["items"][0]["id"].as_str().unwrap();
    for id in [&badge, &parking] {
        let (status, problem) = app
            .post_json(
                "/tickets",
                token,
                json!({"customer_id": globex.customer_id, "requester_id": zed_id, "request_type_id": id["id"]}),
            )
            .await;
        assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "request_type_id");
    }
    assert_eq!(snapshot(&app.store, "tickets").await, tickets_before);

    // A routed type's tickets go to the customer's own group.
    let (_, users) = app.get_json(&format!("/customers/{}/end-users", acme.customer_id), token).await;
    let ada_id = users["items"][0]["id"].as_str().unwrap();
    let (status, ticket) = app
        .post_json(
            "/tickets",
            token,
            json!({"customer_id": acme.customer_id, "requester_id": ada_id, "request_type_id": vpn["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    assert_eq!(ticket["assignment_group_id"], acme_group["id"]);
    assert_eq!(ticket["short_description"], "VPN access");
    assert_eq!(ticket["request_type_id"], vpn["id"]);
    let (_, filtered) =
        app.get_json(&format!("/tickets?request_type_id={}", vpn["id"].as_str().unwrap()), token).await;
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
}

async fn the_portal_form_checks_every_kind_and_keeps_what_was_typed(backend: Backend) {
    let Some(idp) = TestIdp::start(crate::tickets::accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    let laptop = create_type(&app, laptop(&[])).await;
    let form_path = acme.path(&format!("/tickets/new/{}", laptop["id"].as_str().unwrap()));
    let ada = Visitor::new(&app);
    ada.sign_in(&acme, "ada").await;
    let page = ada.client.get(app.url(&form_path)).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Only if Model is “Other”.")
            && page.contains("Only if Someone cannot work without it is ticked.")
    );
    let base = form_pairs(&page, "request-form");
    let post = |pairs: Vec<(String, String)>| {
        let client = ada.client.clone();
        let url = app.url(&form_path);
        async move {
            let form = reqwest::multipart::Form::new();
            let form = pairs.into_iter().fold(form, |form, (k, v)| form.text(k, v));
            client.post(url).multipart(form).send().await.unwrap()
        }
    };
    let tickets_before = snapshot(&app.store, "tickets").await;
    let with = |changes: &[(&str, &str)]| {
        let mut pairs = base.clone();
        for (k, v) in changes {
            // A multiple choice sends each ticked box; other fields send one value.
            if k.starts_with("fields[extras]") {
                pairs.push((k.to_string(), v.to_string()));
            } else {
                set(&mut pairs, k, v);
            }
        }
        pairs
    };
    for (changes, message, kept) in [
        (vec![("fields[needed_by]", "2026-12-24")], "Model is required.", "2026-12-24"),
        (
            vec![("fields[model]", "Gaming"), ("fields[needed_by]", "2026-12-24")],
            "Model must be one of: Standard, Developer, Other.",
            "2026-12-24",
        ),
        (
            vec![("fields[model]", "Standard"), ("fields[needed_by]", "soon")],
            "Needed by must be a date like 2026-12-31.",
            "soon",
        ),
        (
            vec![
                ("fields[model]", "Standard"),
                ("fields[needed_by]", "2026-12-24"),
                ("fields[count]", "two"),
            ],
            "How many must be a number",
            "two",
        ),
        (
            vec![
                ("fields[model]", "Standard"),
                ("fields[needed_by]", "2026-12-24"),
                ("fields[approver]", "boss"),
            ],
            "Approver&#39;s e-mail must be an e-mail address",
            "boss",
        ),
        (
            vec![
                ("fields[model]", "Standard"),
                ("fields[needed_by]", "2026-12-24"),
                ("fields[extras]", "Monitor"),
            ],
            "Extras has no option Monitor",
            "2026-12-24",
        ),
        (
            vec![("fields[model]", "Other"), ("fields[needed_by]", "2026-12-24")],
            "Which model is required.",
            "2026-12-24",
        ),
        (
            vec![
                ("fields[model]", "Standard"),
                ("fields[needed_by]", "2026-12-24"),
                ("fields[other_model]", "sneaky"),
            ],
            "Which model is only asked when Model is Other; leave it empty.",
            "sneaky",
        ),
        (
            vec![
                ("fields[model]", "Standard"),
                ("fields[needed_by]", "2026-12-24"),
                ("fields[urgent]", "true"),
            ],
            "Why is required.",
            "2026-12-24",
        ),
        (
            vec![
                ("fields[model]", "Standard"),
                ("fields[needed_by]", "2026-12-24"),
                ("fields[colour]", "red"),
            ],
            "This form has no field",
            "2026-12-24",
        ),
    ] {
        let response = post(with(&changes)).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{changes:?}");
        let text = response.text().await.unwrap();
        let text = text.replace("&#x27;", "&#39;");
        assert!(text.contains(message), "{changes:?}: {message} not in the page");
        assert!(text.contains(kept), "{changes:?}: the input {kept} is kept");
    }
    assert_eq!(snapshot(&app.store, "tickets").await, tickets_before, "refused forms create nothing");

    let mut good = with(&[
        ("fields[model]", "Other"),
        ("fields[other_model]", "A tablet"),
        ("fields[extras]", "Headset"),
        ("fields[extras]", "Dock"),
        ("fields[needed_by]", "2026-12-24"),
        ("fields[count]", "2"),
        ("fields[approver]", "Boss@acme.example"),
        ("fields[urgent]", "true"),
        ("fields[why]", "New starter on Monday"),
    ]);
    set(&mut good, "description", "Please include a bag.");
    let response = post(good.clone()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let ticket_path = crate::support::location(&response);
    let ticket_id = ticket_path.split('?').next().unwrap().rsplit('/').next().unwrap();
    let again = post(good).await;
    assert_eq!(crate::support::location(&again), ticket_path, "the same form twice files one ticket");
    let (_, ticket) = app.get_json(&format!("/tickets/{ticket_id}"), &app.admin.token).await;
    assert_eq!(
        ticket["fields"],
        json!({"model": "Other", "other_model": "A tablet", "extras": ["Dock", "Headset"], "needed_by": "2026-12-24",
            "count": 2, "approver": "boss@acme.example", "urgent": true, "why": "New starter on Monday"})
    );
    assert_eq!(ticket["field_labels"]["approver"], "Approver's e-mail");
    assert_eq!((ticket["urgency"].as_str(), ticket["type"].as_str()), (Some("low"), Some("service_request")));
    assert!(
        ticket["description"]
            .as_str()
            .unwrap()
            .ends_with("Why: New starter on Monday\n\nPlease include a bag.")
    );
    let page = ada.client.get(app.url(&acme.path(&format!("/tickets/{ticket_id}")))).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Extras: Dock, Headset"));

    // The API takes typed answers with the same checks.
    let (_, users) =
        app.get_json(&format!("/customers/{}/end-users", acme.customer_id), &app.admin.token).await;
    let ada_id = users["items"][0]["id"].as_str().unwrap();
    let api = |fields: Value| {
        app.post_json(
            "/tickets",
            &app.technician.token,
            json!({"customer_id": acme.customer_id, "requester_id": ada_id, "request_type_id": laptop["id"], "fields": fields}),
        )
    };
    let (status, problem) =
        api(json!({"model": "Standard", "needed_by": "2026-12-24", "count": "many"})).await;
    assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "fields.count");
    let (status, problem) = api(json!({"model": {"nested": true}})).await;
    assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "fields.model");
    let (status, ticket) =
        api(json!({"model": "Standard", "needed_by": "2026-12-24", "count": 3, "urgent": false, "extras": ["Dock"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    assert_eq!(ticket["fields"]["count"], 3);
    let (status, problem) = app
        .post_json(
            "/tickets",
            &app.technician.token,
            json!({"customer_id": acme.customer_id, "requester_id": ada_id, "fields": {"model": "x"}}),
        )
        .await;
    assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "fields");
}

async fn tickets_keep_their_answers_when_their_type_changes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, group) = app.post_json("/assignment-groups", token, json!({"name": "Desk"})).await;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let customer_id = customer["id"].as_str().unwrap();
    app.update_portal(customer_id, |document| {
        document["features"]["ticketing"] =
            json!({"enabled": true, "default_assignment_group_id": group["id"]});
    })
    .await;
    let (_, erin) = app
        .post_json(
            &format!("/customers/{customer_id}/end-users"),
            token,
            json!({"name": "Erin", "email": "erin@acme.example"}),
        )
        .await;
    let laptop = create_type(&app, laptop(&[customer_id])).await;
    let type_id = laptop["id"].as_str().unwrap();
    let file = |fields: Value| {
        app.post_json(
            "/tickets",
            token,
            json!({"customer_id": customer_id, "requester_id": erin["id"], "request_type_id": type_id, "fields": fields}),
        )
    };
    let (status, first) = file(json!({"model": "Developer", "needed_by": "2027-01-04"})).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    // The type changes: a label is renamed, a field removed, one added.
    let (status, _) = app
        .patch_json(
            &format!("/request-types/{type_id}"),
            token,
            json!({"fields": [
                {"key": "model", "label": "Laptop model", "kind": "select", "required": true, "options": ["Developer", "Designer"]},
                {"key": "bag", "label": "Bag", "kind": "checkbox"}
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, kept) = app.get_json(&format!("/tickets/{}", first["id"].as_str().unwrap()), token).await;
    assert_eq!(kept["fields"], json!({"model": "Developer", "needed_by": "2027-01-04", "urgent": false}));
    assert_eq!(kept["field_labels"]["model"], "Model");
    let (status, second) = file(json!({"model": "Designer", "bag": true})).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["field_labels"]["model"], "Laptop model");
    let (status, problem) = file(json!({"model": "Developer", "needed_by": "2027-01-04"})).await;
    assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "fields.needed_by");
    // Removing the type leaves its tickets' answers.
    let deleted = app.api(Method::DELETE, &format!("/request-types/{type_id}"), token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (_, kept) = app.get_json(&format!("/tickets/{}", first["id"].as_str().unwrap()), token).await;
    assert_eq!(kept["request_type_id"], Value::Null);
    assert_eq!(kept["fields"]["model"], "Developer");
}

async fn a_landing_page_button_opens_a_request_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, group) = app.post_json("/assignment-groups", token, json!({"name": "Desk"})).await;
    let drawer = crate::drawer::open_drawer(&app).await;
    let customer_id = drawer.customer_id.clone();
    let (_, other) = app.post_json("/customers", token, json!({"name": "Globex"})).await;
    let laptop = create_type(&app, laptop(&[])).await;
    let theirs = create_type(&app, json!({"name": "Globex badge", "customer_ids": [other["id"]]})).await;
    let laptop_target = format!("request_type:{}", laptop["id"].as_str().unwrap());

    // In the drawer: the offered types can be added as buttons, and removed again.
    let mut step1 = drawer.pairs(&drawer.path).await;
    set(&mut step1, "ticketing", "on");
    set(&mut step1, "ticketing_group", group["id"].as_str().unwrap());
    let step2_page = drawer.post(&step1, "next").await.text().await.unwrap();
    assert!(step2_page.contains("<option value=\"request_type:"), "the type can be added");
    assert!(!step2_page.contains("Globex badge"), "another customer's type is not offered");
    let mut step2 = form_pairs(&step2_page, "drawer-form");
    set(&mut step2, "add_request_type", &laptop_target);
    let added_page = drawer.post(&step2, "add_request_button").await.text().await.unwrap();
    assert!(added_page.contains("Request type: Laptop request"), "the new row names its type");
    let added = form_pairs(&added_page, "drawer-form");
    let index =
        (0..5).find(|i| value(&added, &format!("button.{i}.target")) == laptop_target).expect("a button");
    assert_eq!(value(&added, &format!("button.{index}.label")), "Laptop request");
    let removed = form_pairs(
        &drawer.post(&added, &format!("remove_button.{index}")).await.text().await.unwrap(),
        "drawer-form",
    );
    assert!(!removed.iter().any(|(k, v)| k.ends_with(".target") && v == &laptop_target));
    // A feature's own button cannot be removed this way.
    let kept =
        form_pairs(&drawer.post(&removed, "remove_button.0").await.text().await.unwrap(), "drawer-form");
    assert_eq!(value(&kept, "button.0.target"), "submit_ticket");
    // The plain form is offered by default; unticking it is saved with the rest.
    assert_eq!(value(&added, "ticketing_plain_form"), "on");
    let mut added = added;
    crate::html_form::unset(&mut added, "ticketing_plain_form");
    assert_eq!(drawer.post(&added, "save").await.status(), StatusCode::SEE_OTHER);
    let saved = app.store.portal(customer_id.parse().unwrap()).await.unwrap().settings;
    assert!(!saved.features.ticketing.plain_form);

    // The live landing page links the form.
    let (_, portal) = app.get_json(&format!("/customers/{customer_id}/portal"), token).await;
    let targets: Vec<&str> = portal["layout"]["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["target"].as_str().unwrap())
        .collect();
    assert!(targets.contains(&laptop_target.as_str()), "{targets:?}");
    let (visitor, slug) = crate::sso_tokens::end_user_of(&app, &customer_id, "Erin End").await;
    let form_link = format!("href=\"/p/{slug}/tickets/new/{}\"", laptop["id"].as_str().unwrap());
    let live_landing = || async {
        let response = visitor.client.get(app.url(&format!("/p/{slug}/"))).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    };
    let page = live_landing().await;
    assert!(
        page.contains(&form_link) && page.contains("Laptop request"),
        "the button opens the form: {page}"
    );
    let (_, portal) = app.get_json(&format!("/customers/{customer_id}/portal"), token).await;

    // The API refuses a type not offered to the customer, and a target that is no id.
    let before = snapshot(&app.store, "portals").await;
    for target in
        [format!("request_type:{}", theirs["id"].as_str().unwrap()), "request_type:nope".to_string()]
    {
        let mut document = portal.clone();
        document["layout"]["buttons"]
            .as_array_mut()
            .unwrap()
            .push(json!({"target": target, "size": "small", "label": "Badge", "description": ""}));
        let response = app
            .api(Method::PUT, &format!("/customers/{customer_id}/portal"), token)
            .header("if-match", portal["revision"].to_string())
            .json(&document)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let problem: Value = response.json().await.unwrap();
        let field = format!("layout.buttons[{}].target", targets.len());
        assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, &field);
    }
    assert_eq!(snapshot(&app.store, "portals").await, before);

    // Hidden for the customer later: the live page drops the button rather than link a dead form.
    let hidden = app
        .api(
            Method::PUT,
            &format!("/customers/{customer_id}/request-types/{}", laptop["id"].as_str().unwrap()),
            token,
        )
        .json(&json!({"hidden": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), StatusCode::OK);
    let settings = app.store.portal(customer_id.parse().unwrap()).await.unwrap().settings;
    assert!(settings.layout.buttons.iter().any(|b| b.target.to_string() == laptop_target), "still stored");
    let page = live_landing().await;
    assert!(
        !page.contains(&form_link) && !page.contains("Laptop request"),
        "no button to a hidden form: {page}"
    );
    let form = visitor
        .client
        .get(app.url(&format!("/p/{slug}/tickets/new/{}", laptop["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::NOT_FOUND, "nor the form itself");
    // Shown again: the button comes back.
    let shown = app
        .api(
            Method::PUT,
            &format!("/customers/{customer_id}/request-types/{}", laptop["id"].as_str().unwrap()),
            token,
        )
        .json(&json!({"hidden": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), StatusCode::OK);
    assert!(live_landing().await.contains(&form_link), "the button is back");
}

async fn the_plain_form_is_offered_only_where_the_portal_says_so(backend: Backend) {
    let Some(idp) = TestIdp::start(crate::tickets::accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    let (globex, _) = ticketing_portal(&app, &idp, "Globex").await;
    create_type(&app, json!({"name": "Badge", "customer_ids": [acme.customer_id]})).await;
    for portal in [&acme, &globex] {
        let document = app
            .update_portal(&portal.customer_id, |document| {
                document["features"]["ticketing"]["plain_form"] = json!(false);
            })
            .await;
        assert_eq!(document["features"]["ticketing"]["plain_form"], false);
    }
    let ada = Visitor::new(&app);
    ada.sign_in(&acme, "ada").await;
    let get = |visitor: &Visitor, portal: &SsoPortal, path: &str| {
        let (client, url) = (visitor.client.clone(), format!("{}{}", visitor.base, portal.path(path)));
        async move {
            let response = client.get(url).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    // Acme has a type: the catalogue alone, no plain form, and a plain post creates nothing.
    let (_, catalogue) = get(&ada, &acme, "/tickets/new").await;
    assert!(catalogue.contains("Badge") && !catalogue.contains("Something else"), "{catalogue}");
    assert_eq!(get(&ada, &acme, "/tickets/new/other").await.0, StatusCode::NOT_FOUND);
    let before = snapshot(&app.store, "tickets").await;
    let (_, home) = get(&ada, &acme, "/").await;
    let csrf = crate::html_form::value(&form_pairs(&home, "sign-out"), "_csrf").to_string();
    let plain = ada
        .client
        .post(app.url(&acme.path("/tickets")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("type", "incident"),
            ("short_description", "Sneaky"),
            ("submission", "s1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::NOT_FOUND);
    assert_eq!(snapshot(&app.store, "tickets").await, before);
    // Globex has no type: its people always have the plain form.
    let zed = Visitor::new(&app);
    zed.sign_in(&globex, "zed").await;
    let (status, form) = get(&zed, &globex, "/tickets/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("id=\"ticket-form\""), "the plain form");
    let submitted =
        crate::tickets::submit(&zed, &globex, &[("type", "incident"), ("short_description", "Printer")])
            .await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    // The team files plain tickets for anyone, whatever the portal offers.
    let (_, users) =
        app.get_json(&format!("/customers/{}/end-users", acme.customer_id), &app.admin.token).await;
    let (status, _) = app
        .post_json(
            "/tickets",
            &app.technician.token,
            json!({"customer_id": acme.customer_id, "requester_id": users["items"][0]["id"], "type": "incident",
                "short_description": "By phone"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
