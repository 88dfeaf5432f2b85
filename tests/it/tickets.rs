//! Tickets end to end: submitted in the portal, answered in the console, followed by the end
//! user; isolation, validation, hostile text, concurrency and double submits.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::html_form::{form_pairs, set, value};
use crate::idp::{SsoPortal, TestIdp, Visitor, sso_portal};
use crate::same_events::shape;
use crate::support::{Backend, TestApp, on_both_backends, snapshot};

on_both_backends!(
    the_ticket_journey_from_portal_to_console_and_back,
    tickets_are_never_visible_to_anyone_else,
    bad_tickets_are_refused_with_the_text_kept,
    hostile_text_in_tickets_renders_inert,
    concurrent_submissions_get_distinct_numbers_and_double_submits_one_ticket,
    the_console_and_the_api_record_the_same_ticket_events,
    a_burst_of_portal_submissions_cannot_race_past_the_limit,
    portal_failures_are_clear_pages_never_silent_fallbacks,
);

pub fn accounts() -> Value {
    json!({
        "ada": {"email": "ada@acme.example", "email_verified": true, "name": "Ada Lovelace"},
        "lin": {"email": "lin@acme.example", "email_verified": true, "name": "Lin Colleague"},
        "zed": {"email": "zed@globex.example", "email_verified": true, "name": "Zed Elsewhere"}
    })
}

/// A portal with ticketing on, its tickets going to a global group the technician is in.
pub async fn ticketing_portal(app: &TestApp, idp: &TestIdp, name: &str) -> (SsoPortal, String) {
    let (_, team) = app.get_json("/team-members", &app.admin.token).await;
    let tech_id =
        team["items"].as_array().unwrap().iter().find(|m| m["email"] == app.technician.email).unwrap()["id"]
            .clone();
    let (_, group) = app
        .post_json(
            "/assignment-groups",
            &app.admin.token,
            json!({"name": format!("{name} Desk"), "member_ids": [tech_id]}),
        )
        .await;
    let portal = sso_portal(app, idp, name, json!({})).await;
    app.update_portal(&portal.customer_id, |document| {
        document["features"]["ticketing"] =
            json!({"enabled": true, "default_assignment_group_id": group["id"]});
    })
    .await;
    (portal, group["id"].as_str().unwrap().to_string())
}

pub async fn submit(visitor: &Visitor, portal: &SsoPortal, fields: &[(&str, &str)]) -> reqwest::Response {
    let page = visitor
        .client
        .get(format!("{}{}", visitor.base, portal.path("/tickets/new/other")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut pairs = form_pairs(&page, "ticket-form");
    for (name, value) in fields {
        set(&mut pairs, name, value);
    }
    visitor
        .client
        .post(format!("{}{}", visitor.base, portal.path("/tickets")))
        .form(&pairs)
        .send()
        .await
        .unwrap()
}

async fn the_ticket_journey_from_portal_to_console_and_back(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (portal, group) = ticketing_portal(&app, &idp, "Acme").await;
    let ada = Visitor::new(&app);
    assert_eq!(ada.sign_in(&portal, "ada").await.0, StatusCode::OK);

    let submitted = submit(
        &ada,
        &portal,
        &[
            ("type", "incident"),
            ("short_description", "Printer on floor 2 is jammed"),
            ("description", "It blinks red.\nPaper is stuck."),
            ("urgency", "high"),
        ],
    )
    .await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let ticket_path = submitted.headers()["location"].to_str().unwrap().to_string();
    let page = ada.client.get(app.url(&ticket_path)).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("has been submitted") && page.contains("T-000001"),
        "the confirmation shows the number"
    );
    let ticket_id = ticket_path.split('/').next_back().unwrap().split('?').next().unwrap().to_string();
    let (_, ticket) = app.get_json(&format!("/tickets/{ticket_id}"), &app.technician.token).await;
    assert_eq!(ticket["contact_source"], "portal");
    assert_eq!(ticket["status"], "new");
    assert_eq!(ticket["assignment_group_id"], group.as_str());
    assert_eq!(ticket["urgency"], "high");
    assert_eq!(ticket["customer_id"], portal.customer_id.as_str());

    let mine = ada.client.get(app.url(&portal.path("/tickets"))).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("Printer on floor 2 is jammed") && mine.contains("New"));

    // The technician finds it in their queue (their groups) and answers.
    let console = app.console(&app.technician.email, &app.technician.password).await;
    let queue = console.page("/admin/tickets").await;
    assert!(queue.contains("T-000001") && queue.contains("Printer on floor 2 is jammed"));
    let detail_path = format!("/admin/tickets/{ticket_id}");
    let detail = console.page(&detail_path).await;
    assert!(detail.contains("Ada Lovelace") && detail.contains("Paper is stuck."));
    let reply = console
        .submit(
            &detail_path,
            &format!("{detail_path}/comments"),
            &[("body", "We are on our way."), ("visibility", "public")],
        )
        .await;
    assert_eq!(reply.status(), StatusCode::SEE_OTHER);
    console
        .submit(
            &detail_path,
            &format!("{detail_path}/comments"),
            &[("body", "Toner is low too; order more."), ("visibility", "internal")],
        )
        .await;
    let (_, team) = app.get_json("/team-members", &app.admin.token).await;
    let tech = team["items"].as_array().unwrap().iter().find(|m| m["email"] == app.technician.email).unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let updated = console
        .submit(
            &detail_path,
            &detail_path,
            &[("status", "in_progress"), ("assignment_group_id", &group), ("assignee_id", &tech)],
        )
        .await;
    assert_eq!(updated.status(), StatusCode::SEE_OTHER);
    let (_, ticket) = app.get_json(&format!("/tickets/{ticket_id}"), &app.admin.token).await;
    assert_eq!(
        (ticket["status"].as_str(), ticket["assignee_id"].as_str()),
        (Some("in_progress"), Some(tech.as_str()))
    );

    // The end user sees the reply, never the internal note, and replies and closes.
    let page = ada
        .client
        .get(app.url(&portal.path(&format!("/tickets/{ticket_id}"))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("We are on our way.") && page.contains("Tim Tech"));
    assert!(!page.contains("Toner is low"), "internal notes never reach the portal");
    let csrf = value(&form_pairs(&page, "reply-form"), "_csrf").to_string();
    let answered = ada
        .client
        .post(app.url(&portal.path(&format!("/tickets/{ticket_id}/comments"))))
        .form(&[("_csrf", csrf.as_str()), ("body", "Thanks!")])
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::SEE_OTHER);
    let closed = ada
        .client
        .post(app.url(&portal.path(&format!("/tickets/{ticket_id}/status"))))
        .form(&[("_csrf", csrf.as_str()), ("action", "close")])
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    let (_, comments) = app.get_json(&format!("/tickets/{ticket_id}/comments"), &app.technician.token).await;
    let bodies: Vec<&str> =
        comments["items"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["We are on our way.", "Toner is low too; order more.", "Thanks!"]);
    assert_eq!(app.get_json(&format!("/tickets/{ticket_id}"), &app.admin.token).await.1["status"], "closed");

    // The ticket page reads as a timeline: whose message is whose, and the status changes
    // between them, each with its time.
    let page = ada
        .client
        .get(app.url(&portal.path(&format!("/tickets/{ticket_id}"))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let timeline = page.split("<ol class=\"timeline\">").nth(1).unwrap().split("</ol>").next().unwrap();
    let entries: Vec<String> = timeline
        .split("<li class=\"")
        .skip(1)
        .map(|entry| {
            let class = entry.split('"').next().unwrap();
            let text = strip_tags(&entry[entry.find('>').unwrap() + 1..]);
            assert!(entry.contains("<time datetime=\""), "every entry has its time: {entry}");
            format!("{class}: {}", text.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .collect();
    let expected = [
        "timeline-event: Ticket opened",
        "message from-team: Tim Tech Support team",
        "timeline-event status-change: Tim Tech changed the status from New to In progress",
        "message from-requester: Ada Lovelace You",
        "timeline-event status-change: You changed the status from In progress to Closed",
    ];
    assert_eq!(entries.len(), expected.len(), "{entries:#?}");
    for (entry, expected) in entries.iter().zip(expected) {
        assert!(entry.starts_with(expected), "{entry} should start with {expected}");
    }
    assert!(entries[1].contains("We are on our way.") && entries[3].contains("Thanks!"));
    assert!(!page.contains("Toner is low"), "internal notes never reach the portal");
}

/// The text of an HTML fragment.
fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

async fn tickets_are_never_visible_to_anyone_else(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    let (globex, _) = ticketing_portal(&app, &idp, "Globex").await;
    let ada = Visitor::new(&app);
    ada.sign_in(&acme, "ada").await;
    let submitted =
        submit(&ada, &acme, &[("type", "service_request"), ("short_description", "New laptop")]).await;
    let ticket_path =
        submitted.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let ticket_id = ticket_path.rsplit('/').next().unwrap().to_string();

    let lin = Visitor::new(&app);
    assert_eq!(lin.sign_in(&acme, "lin").await.0, StatusCode::OK);
    let zed = Visitor::new(&app);
    assert_eq!(zed.sign_in(&globex, "zed").await.0, StatusCode::OK);
    for (visitor, portal) in [(&lin, &acme), (&zed, &globex)] {
        let page =
            visitor.client.get(app.url(&portal.path(&format!("/tickets/{ticket_id}")))).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "404, not 403: ids do not leak");
        let mine =
            visitor.client.get(app.url(&portal.path("/tickets"))).send().await.unwrap().text().await.unwrap();
        assert!(!mine.contains("New laptop"));
        let csrf_page =
            visitor.client.get(app.url(&portal.path("/tickets"))).send().await.unwrap().text().await.unwrap();
        let csrf = value(&form_pairs(&csrf_page, "sign-out"), "_csrf").to_string();
        for (path, fields) in [
            (format!("/tickets/{ticket_id}/comments"), vec![("_csrf", csrf.as_str()), ("body", "sneaky")]),
            (format!("/tickets/{ticket_id}/status"), vec![("_csrf", csrf.as_str()), ("action", "close")]),
        ] {
            let response =
                visitor.client.post(app.url(&portal.path(&path))).form(&fields).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }
    // Guessing ids that are not ids.
    let junk = ada.client.get(app.url(&acme.path("/tickets/not-a-ticket"))).send().await.unwrap();
    assert_eq!(junk.status(), StatusCode::NOT_FOUND);
    let (_, comments) = app.get_json(&format!("/tickets/{ticket_id}/comments"), &app.admin.token).await;
    assert!(comments["items"].as_array().unwrap().is_empty());
    assert_eq!(app.get_json(&format!("/tickets/{ticket_id}"), &app.admin.token).await.1["status"], "new");
    // The API: technicians work tickets; a missing token is refused.
    assert_eq!(app.get_json("/tickets", &app.technician.token).await.0, StatusCode::OK);
    assert_eq!(
        app.client.get(app.url("/api/v1/tickets")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn bad_tickets_are_refused_with_the_text_kept(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;
    let ada = Visitor::new(&app);
    ada.sign_in(&portal, "ada").await;
    let long = "x".repeat(201);
    for (fields, field, message) in [
        (
            vec![("type", ""), ("short_description", "Mouse broken"), ("description", "my text stays")],
            "type",
            "choose whether",
        ),
        (
            vec![("type", "incident"), ("short_description", ""), ("description", "my text stays")],
            "short_description",
            "must not be empty",
        ),
        (
            vec![
                ("type", "incident"),
                ("short_description", long.as_str()),
                ("description", "my text stays"),
            ],
            "short_description",
            "at most 200",
        ),
        (
            vec![
                ("type", "complaint"),
                ("short_description", "Mouse broken"),
                ("description", "my text stays"),
            ],
            "type",
            "must be one of",
        ),
        (
            vec![
                ("type", "incident"),
                ("short_description", "Mouse broken"),
                ("urgency", "asap"),
                ("description", "my text stays"),
            ],
            "urgency",
            "must be one of",
        ),
    ] {
        let response = submit(&ada, &portal, &fields).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains(&format!("id=\"{field}-error\"")) && page.contains(message),
            "{field}: {message}"
        );
        assert!(page.contains("my text stays"), "the user's text is kept");
    }
    assert!(snapshot(&app.store, "tickets").await.is_empty(), "nothing is stored");
    let (status, problem) = app
        .post_json("/tickets", &app.admin.token, json!({"customer_id": portal.customer_id, "requester_id": portal.customer_id, "type": "incident", "short_description": "x"}))
        .await;
    crate::support::assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "requester_id");
}

async fn hostile_text_in_tickets_renders_inert(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;
    let ada = Visitor::new(&app);
    ada.sign_in(&portal, "ada").await;
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let submitted = submit(
        &ada,
        &portal,
        &[("type", "incident"), ("short_description", hostile), ("description", hostile)],
    )
    .await;
    let ticket_path =
        submitted.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let ticket_id = ticket_path.rsplit('/').next().unwrap().to_string();
    let page = ada.client.get(app.url(&ticket_path)).send().await.unwrap().text().await.unwrap();
    let csrf = value(&form_pairs(&page, "reply-form"), "_csrf").to_string();
    ada.client
        .post(app.url(&portal.path(&format!("/tickets/{ticket_id}/comments"))))
        .form(&[("_csrf", csrf.as_str()), ("body", hostile)])
        .send()
        .await
        .unwrap();
    let console = app.console(&app.technician.email, &app.technician.password).await;
    let pages = [
        ada.client.get(app.url(&ticket_path)).send().await.unwrap().text().await.unwrap(),
        ada.client.get(app.url(&portal.path("/tickets"))).send().await.unwrap().text().await.unwrap(),
        console.page(&format!("/admin/tickets/{ticket_id}")).await,
        console.page("/admin/tickets").await,
    ];
    for page in pages {
        assert!(
            !page.contains("<script>alert") && !page.contains("<img src=x"),
            "hostile text must be escaped"
        );
        assert!(page.contains("&#60;script&#62;alert(1)"), "and still shown as text");
    }
}

async fn concurrent_submissions_get_distinct_numbers_and_double_submits_one_ticket(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;
    let ada = Visitor::new(&app);
    ada.sign_in(&portal, "ada").await;

    // The same form sent twice makes one ticket.
    let page =
        ada.client.get(app.url(&portal.path("/tickets/new"))).send().await.unwrap().text().await.unwrap();
    let mut pairs = form_pairs(&page, "ticket-form");
    set(&mut pairs, "type", "incident");
    set(&mut pairs, "short_description", "Sent twice");
    let (first, second) = tokio::join!(
        ada.client.post(app.url(&portal.path("/tickets"))).form(&pairs).send(),
        ada.client.post(app.url(&portal.path("/tickets"))).form(&pairs).send()
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first.headers()["location"], second.headers()["location"], "both lead to the same ticket");
    assert_eq!(snapshot(&app.store, "tickets").await.len(), 1);

    // 200 tickets at once through the API: 200 distinct numbers.
    let (_, users) =
        app.get_json(&format!("/customers/{}/end-users", portal.customer_id), &app.admin.token).await;
    let requester = users["items"][0]["id"].as_str().unwrap().to_string();
    let handles: Vec<_> = (0..200)
        .map(|n| {
            let body = json!({"customer_id": portal.customer_id, "requester_id": requester,
                "type": "service_request", "short_description": format!("Request {n}")});
            tokio::spawn(app.api(Method::POST, "/tickets", &app.technician.token).json(&body).send())
        })
        .collect();
    let mut numbers = Vec::new();
    for handle in handles {
        let (status, ticket) = crate::support::json_of(handle.await.unwrap().unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{ticket}");
        numbers.push(ticket["number"].as_str().unwrap().to_string());
    }
    let mut numbers: Vec<i64> =
        numbers.iter().map(|number| number.trim_start_matches("T-").parse().unwrap()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 200, "every ticket has its own number");
    assert_eq!(numbers[199] - numbers[0], 199, "and the numbers have no gap: {numbers:?}");

    // Submissions through the portal are rate limited per end user.
    let lin = Visitor::new(&app);
    lin.sign_in(&portal, "lin").await;
    let mut statuses = Vec::new();
    for n in 0..11 {
        let short = format!("Request number {n}");
        statuses.push(
            submit(&lin, &portal, &[("type", "service_request"), ("short_description", short.as_str())])
                .await
                .status(),
        );
    }
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::SEE_OTHER), "{statuses:?}");
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
}

async fn the_console_and_the_api_record_the_same_ticket_events(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (portal, group) = ticketing_portal(&app, &idp, "Acme").await;
    let ada = Visitor::new(&app);
    ada.sign_in(&portal, "ada").await;
    let (_, users) =
        app.get_json(&format!("/customers/{}/end-users", portal.customer_id), &app.admin.token).await;
    let requester = users["items"][0]["id"].as_str().unwrap().to_string();
    let (_, team) = app.get_json("/team-members", &app.admin.token).await;
    let tech = team["items"].as_array().unwrap().iter().find(|m| m["email"] == app.technician.email).unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let new_ticket = |short: &str| json!({"customer_id": portal.customer_id, "requester_id": requester, "type": "incident", "short_description": short});
    let (_, by_api) = app.post_json("/tickets", &app.technician.token, new_ticket("Through the API")).await;
    let (_, by_console) =
        app.post_json("/tickets", &app.technician.token, new_ticket("Through the console")).await;
    let (api_id, console_id) = (by_api["id"].as_str().unwrap(), by_console["id"].as_str().unwrap());

    // The same changes, once through the API and once through the console.
    let api = |path: &str| format!("/tickets/{api_id}{path}");
    app.post_json(&api("/comments"), &app.technician.token, json!({"body": "On it.", "public": true})).await;
    app.post_json(&api("/comments"), &app.technician.token, json!({"body": "Toner low.", "public": false}))
        .await;
    let (status, _) = app
        .patch_json(
            &api(""),
            &app.technician.token,
            json!({"status": "in_progress", "assignment_group_id": group, "assignee_id": tech}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let console = app.console(&app.technician.email, &app.technician.password).await;
    let detail = format!("/admin/tickets/{console_id}");
    let comments = format!("{detail}/comments");
    for (body, visibility) in [("On it.", "public"), ("Toner low.", "internal")] {
        let response =
            console.submit(&detail, &comments, &[("body", body), ("visibility", visibility)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let response = console
        .submit(
            &detail,
            &detail,
            &[("status", "in_progress"), ("assignment_group_id", &group), ("assignee_id", &tech)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let through_api = app.store.events_of("ticket", api_id).await.unwrap();
    let through_console = app.store.events_of("ticket", console_id).await.unwrap();
    let kinds: Vec<&str> = through_api.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["ticket.created", "ticket.replied", "ticket.noted", "ticket.status_changed", "ticket.assigned"]
    );
    // Both tickets were created through the API; what follows went through each door.
    let (api_changes, console_changes) = (&through_api[1..], &through_console[1..]);
    assert_eq!(shape(api_changes), shape(console_changes), "same events, same facts");
    assert!(api_changes.iter().all(|e| e.actor.kind == "api_token"));
    assert!(console_changes.iter().all(|e| e.actor.kind == "team_member"));

    // The end user's reply and closing are events too, with the end user as actor.
    let mine = format!("/tickets/{api_id}");
    let page = ada.client.get(app.url(&portal.path(&mine))).send().await.unwrap().text().await.unwrap();
    let csrf = crate::support::hidden_value(&page, "_csrf");
    let replied = ada
        .client
        .post(app.url(&portal.path(&format!("{mine}/comments"))))
        .form(&[("_csrf", csrf.as_str()), ("body", "Thanks!")])
        .send()
        .await
        .unwrap();
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    let events = app.store.events_of("ticket", api_id).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!((last.kind.as_str(), last.actor.kind.as_str()), ("ticket.replied", "end_user"));
    assert_eq!(last.customer_id.map(|id| id.to_string()), Some(portal.customer_id.clone()));
}

async fn a_burst_of_portal_submissions_cannot_race_past_the_limit(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;
    let lin = Visitor::new(&app);
    lin.sign_in(&portal, "lin").await;
    // 41 distinct forms (each with its own one-time token), sent all at once.
    let mut forms = Vec::new();
    for n in 0..41 {
        let page =
            lin.client.get(app.url(&portal.path("/tickets/new"))).send().await.unwrap().text().await.unwrap();
        let mut pairs = form_pairs(&page, "ticket-form");
        set(&mut pairs, "type", "service_request");
        set(&mut pairs, "short_description", &format!("Burst {n}"));
        forms.push(pairs);
    }
    let handles: Vec<_> = forms
        .into_iter()
        .map(|pairs| tokio::spawn(lin.client.post(app.url(&portal.path("/tickets"))).form(&pairs).send()))
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap().unwrap().status());
    }
    let created = statuses.iter().filter(|s| **s == StatusCode::SEE_OTHER).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((created, limited), (10, 31), "{statuses:?}");
    assert_eq!(snapshot(&app.store, "tickets").await.len(), 10, "exactly the limit was stored");
}

async fn portal_failures_are_clear_pages_never_silent_fallbacks(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (portal, _) = ticketing_portal(&app, &idp, "Acme").await;
    let ada = Visitor::new(&app);
    ada.sign_in(&portal, "ada").await;
    let submitted = submit(&ada, &portal, &[("type", "incident"), ("short_description", "Broken")]).await;
    let ticket_path =
        submitted.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();

    // A cursor that is not one is said to be wrong, not silently replaced by the first page.
    let listed = ada.client.get(app.url(&portal.path("/tickets?cursor=garbage"))).send().await.unwrap();
    assert_eq!(listed.status(), StatusCode::BAD_REQUEST);
    assert!(listed.text().await.unwrap().contains("cursor"));

    // A form without this session's token changes nothing.
    let forged = ada
        .client
        .post(app.url(&format!("{ticket_path}/comments")))
        .form(&[("_csrf", "forged"), ("body", "Injected")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(!snapshot(&app.store, "ticket_comments").await.iter().any(|row| row.contains("Injected")));

    // A failure of the database is our failure (500, with a reference for support), never
    // "not found".
    sqlx::query("ALTER TABLE ticket_comments RENAME TO ticket_comments_away")
        .execute(app.store.pool())
        .await
        .unwrap();
    let broken = ada.client.get(app.url(&ticket_path)).send().await.unwrap();
    assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let page = broken.text().await.unwrap();
    assert!(page.contains("reference"), "{page}");
    sqlx::query("ALTER TABLE ticket_comments_away RENAME TO ticket_comments")
        .execute(app.store.pool())
        .await
        .unwrap();
}
