//! The console's home page: where open tickets wait, the ones waiting longest, and active
//! portals nobody can sign in to.

use serde_json::json;

use crate::support::{Backend, TestApp, on_both_backends};

on_both_backends!(the_home_page_shows_where_work_waits);

async fn the_home_page_shows_where_work_waits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, group) = app.post_json("/assignment-groups", token, json!({"name": "Service Desk"})).await;
    let mut customers = Vec::new();
    for name in ["Acme", "Globex"] {
        let (_, customer) = app.post_json("/customers", token, json!({"name": name})).await;
        let id = customer["id"].as_str().unwrap().to_string();
        app.update_portal(&id, |document| {
            document["active"] = json!(true);
            document["features"]["ticketing"] =
                json!({"enabled": true, "default_assignment_group_id": group["id"]});
        })
        .await;
        let (_, user) = app
            .post_json(
                &format!("/customers/{id}/end-users"),
                token,
                json!({"name": "Erin", "email": format!("erin@{name}.example")}),
            )
            .await;
        customers.push((id, user["id"].as_str().unwrap().to_string()));
    }
    for (n, (customer, requester)) in [&customers[0], &customers[0], &customers[1]].iter().enumerate() {
        let (status, _) = app
            .post_json(
                "/tickets",
                token,
                json!({"customer_id": customer, "requester_id": requester, "type": "incident", "short_description": format!("Problem {n}")}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::CREATED);
    }
    let console = app.console(&app.technician.email, &app.technician.password).await;
    let home = console.page("/admin").await;
    let text = home.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Open</dt><dd><a href=\"/admin/tickets?group=all\">3</a>"), "{text}");
    assert!(text.contains(">Service Desk</a> <span class=\"count\">3</span>"), "by group: {text}");
    assert!(text.contains(">Acme</a> <span class=\"count\">2</span>"), "by customer, most first: {text}");
    assert!(
        text.find(">Acme</a> <span class=\"count\">2").unwrap()
            < text.find(">Globex</a> <span class=\"count\">1").unwrap()
    );
    assert!(text.contains("T-000001: Problem 0</a>"), "the oldest waits longest: {text}");
    assert!(text.contains("Active portals nobody can sign in to"), "{text}");
    assert!(text.contains(&format!("/admin/customers/{}\">Acme</a>", customers[0].0)), "{text}");

    // The customer's profile lists its open tickets, and only its own.
    let profile = console.page(&format!("/admin/customers/{}", customers[0].0)).await;
    assert!(profile.contains("Open tickets") && profile.contains("T-000001: Problem 0</a>"), "{profile}");
    assert!(profile.contains("T-000002: Problem 1</a>") && !profile.contains("T-000003"), "{profile}");

    // On the ticket page each action is confirmed, and whose message is whose is plain.
    let (_, list) = app.get_json("/tickets?limit=1", token).await;
    let ticket_id = list["items"][0]["id"].as_str().unwrap().to_string();
    let detail = format!("/admin/tickets/{ticket_id}");
    let reply = console
        .submit(&detail, &format!("{detail}/comments"), &[("body", "On it."), ("visibility", "public")])
        .await;
    let location = reply.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("{detail}?done=reply#latest"));
    let page = console.page(&format!("{detail}?done=reply")).await;
    assert!(page.contains("Your reply was added; the requester sees it."), "{page}");
    assert!(page.contains("<span class=\"badge\">Team</span>") && page.contains("UTC</time>"), "{page}");
    // Times are machine-readable where HTML expects it (RFC 3339 in <time datetime>).
    for value in page.split("datetime=\"").skip(1).map(|rest| rest.split('"').next().unwrap()) {
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|error| panic!("{value} is not RFC 3339: {error}"));
    }
    let note = console
        .submit(
            &detail,
            &format!("{detail}/comments"),
            &[("body", "Check the cable."), ("visibility", "internal")],
        )
        .await;
    assert_eq!(note.headers()["location"].to_str().unwrap(), format!("{detail}?done=note#latest"));

    // Saved views of the queue, with the requester, urgency and age of each ticket.
    let (status, _) =
        app.patch_json(&format!("/tickets/{ticket_id}"), token, json!({"status": "on_hold"})).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let unassigned = console.page("/admin/tickets?view=unassigned").await;
    assert_eq!(
        unassigned.matches("<tr>").count() - 1,
        3,
        "three open tickets, nobody assigned: {unassigned}"
    );
    assert!(
        unassigned.contains(">Requester</th>")
            && unassigned.contains(">Erin</td>")
            && unassigned.contains(">Medium</td>")
    );
    assert!(unassigned.contains("aria-current=\"page\">Unassigned</a>"));
    let waiting = console.page("/admin/tickets?view=waiting").await;
    assert_eq!(waiting.matches("<tr>").count() - 1, 1, "one ticket waits on its customer: {waiting}");
    let mine = console.page("/admin/tickets?view=mine").await;
    assert!(mine.contains("No tickets match."), "nothing is assigned to the technician");
    assert_eq!(
        console.get("/admin/tickets?view=everything").await.status(),
        reqwest::StatusCode::UNPROCESSABLE_ENTITY
    );
}
