//! Every portal and console page with hostile text, in real Chromium: words of 300 characters
//! (or as long as a field allows) in names, titles, descriptions, replies, articles and search
//! queries. At 375 px and at 1366 px no page scrolls sideways, nothing sticks out of the window,
//! and every heading sits right above its content; screenshots of both widths land in
//! target/screenshots/layout-*.png.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::browser_portal::sign_in;
use crate::idp::{SsoPortal, TestIdp};
use crate::kb::article;
use crate::support::{Backend, TestApp};

/// A word of `length` letters, with no place to break it.
pub fn long_word(length: usize) -> String {
    "Pneumonoultramicroscopicsilicovolcanoconiosis".chars().cycle().take(length).collect()
}

/// The sentence of hostile text most fields get: one unbreakable word of 300 characters.
fn hostile() -> String {
    format!("Hostile {} end", long_word(300))
}

struct Hostile {
    portal: SsoPortal,
    ticket_id: String,
    /// An end user with a 120-character name, who follows the hostile ticket.
    colleague_id: String,
    article_id: String,
    group_id: String,
    member_id: String,
}

async fn hostile_data(app: &TestApp, idp: &TestIdp) -> Hostile {
    let token = &app.admin.token;
    let (_, team) = app.get_json("/team-members", token).await;
    let tech_id =
        team["items"].as_array().unwrap().iter().find(|m| m["email"] == app.technician.email).unwrap()["id"]
            .clone();
    let (status, group) = app
        .post_json("/assignment-groups", token, json!({"name": long_word(80), "member_ids": [tech_id]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let group_id = group["id"].as_str().unwrap().to_string();
    let portal = crate::idp::sso_portal(app, idp, &long_word(120), json!({"label": long_word(80)})).await;
    let (status, customer) = app
        .patch_json(
            &format!("/customers/{}", portal.customer_id),
            token,
            json!({"website": format!("https://example.com/{}", long_word(300)), "notes": hostile(),
                "contact_email": format!("{}@example.com", long_word(60).to_lowercase())}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{customer}");
    app.update_portal(&portal.customer_id, |document| {
        document["features"]["ticketing"] = json!({"enabled": true, "default_assignment_group_id": group_id});
        document["features"]["knowledge_base"] = json!({"enabled": true});
        document["features"]["external_links"] = json!({"enabled": true, "links": [{"id": "long",
            "label": long_word(80), "url": format!("https://example.com/{}", long_word(300)),
            "description": long_word(300)}]});
    })
    .await;
    app.update_portal(&portal.customer_id, |document| {
        document["layout"] = json!({
            "sections": [
                {"kind": "search", "headline": format!("Search{}", long_word(114))},
                {"kind": "large_buttons", "headline": format!("Large{}", long_word(115))},
                {"kind": "small_buttons", "headline": format!("Small{}", long_word(115))},
            ],
            "buttons": [
                {"target": "submit_ticket", "size": "large", "label": format!("Submit{}", long_word(74)),
                    "description": long_word(300)},
                {"target": "my_tickets", "size": "large", "label": format!("Mine{}", long_word(76)),
                    "description": long_word(300)},
                {"target": "knowledge_base", "size": "small", "label": format!("Read{}", long_word(76)), "description": ""},
                {"target": "link:long", "size": "small", "label": format!("Link{}", long_word(76)), "description": ""},
            ],
        });
    })
    .await;

    let (status, requester) = app
        .post_json(
            &format!("/customers/{}/end-users", portal.customer_id),
            token,
            json!({"name": long_word(120), "email": format!("{}@acme.example", long_word(60).to_lowercase())}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{requester}");
    let (status, member) = app
        .post_json(
            "/team-members",
            token,
            json!({"name": long_word(120), "email": format!("{}@msp.example", long_word(60).to_lowercase()),
                "role": "technician"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    portico::usecases::sso::record_sign_in_failure(
        &app.core,
        portal.customer_id.parse().unwrap(),
        portal.sso_id.parse().unwrap(),
        "7KQM-X4TP",
        &hostile(),
    )
    .await
    .unwrap();
    let article_id = article(
        app,
        json!({"title": long_word(200), "published": true, "body": format!(
            "# {word}\n\n{text}\n\n```\n{word}\n```\n\n| Step | {word} |\n|---|---|\n| {word} | 1 min |\n\n[{word}](https://example.com/{word})",
            word = long_word(300), text = hostile())}),
    )
    .await;
    Hostile {
        portal,
        ticket_id: String::new(),
        colleague_id: requester["id"].as_str().unwrap().to_string(),
        article_id,
        group_id,
        member_id: member["id"].as_str().unwrap().to_string(),
    }
}

/// The signed-in end user's ticket, full of hostile text, with a reply and an internal note.
async fn hostile_ticket(app: &TestApp, portal: &SsoPortal) -> String {
    let (_, users) =
        app.get_json(&format!("/customers/{}/end-users", portal.customer_id), &app.admin.token).await;
    let ada = users["items"].as_array().unwrap().iter().find(|u| u["email"] == "ada@acme.example").unwrap();
    let (status, ticket) = app
        .post_json(
            "/tickets",
            &app.technician.token,
            json!({"customer_id": portal.customer_id, "requester_id": ada["id"], "type": "incident",
                "short_description": long_word(200), "description": hostile()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    let id = ticket["id"].as_str().unwrap().to_string();
    for public in [true, false] {
        let (status, _) = app
            .post_json(
                &format!("/tickets/{id}/comments"),
                &app.technician.token,
                json!({"body": hostile(), "public": public}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    id
}

struct Typed {
    request_type_id: uuid::Uuid,
    ticket_id: uuid::Uuid,
}

/// A request type for the portal's customer with every kind of field, all their text as long as
/// allowed, and a ticket filed through it with long answers.
async fn hostile_typed_ticket(app: &TestApp, portal: &SsoPortal, group_id: &str) -> Typed {
    use portico::domain::actor::Actor;
    use portico::domain::request_type::{Condition, FieldDraft, FieldKind, RequestTypeDraft};
    let customer_id: uuid::Uuid = portal.customer_id.parse().unwrap();
    let fields = FieldKind::ALL
        .iter()
        .enumerate()
        .map(|(n, kind)| FieldDraft {
            key: Some(format!("f{n}_{}", kind.as_str())),
            label: Some(format!("{n}{}", long_word(99))),
            kind: Some(kind.as_str().into()),
            required: Some(n == 0),
            options: kind
                .has_options()
                .then(|| vec![format!("A{}", long_word(99)), format!("B{}", long_word(99))]),
            help: Some(long_word(300)),
            show_when: (n == 6)
                .then(|| Condition { field: "f5_select".into(), equals: format!("B{}", long_word(99)) }),
        })
        .collect();
    let draft = RequestTypeDraft {
        name: Some(long_word(100)),
        description: Some(long_word(500)),
        icon: Some("💻".into()),
        category: Some(long_word(60)),
        customer_ids: Some(vec![customer_id]),
        assignment_group_id: Some(Some(group_id.parse().unwrap())),
        fields: Some(fields),
        ..Default::default()
    };
    let created =
        portico::usecases::request_types::create_request_type(&app.core, &Actor::cli(), draft).await.unwrap();
    let (_, users) =
        app.get_json(&format!("/customers/{}/end-users", portal.customer_id), &app.admin.token).await;
    let ada = users["items"].as_array().unwrap().iter().find(|u| u["email"] == "ada@acme.example").unwrap();
    let answers = [
        ("f0_text", long_word(300)),
        ("f1_textarea", format!("{}\n{}", long_word(300), long_word(300))),
        ("f4_email", format!("{}@example.com", long_word(60).to_lowercase())),
        ("f5_select", format!("B{}", long_word(99))),
        ("f6_multiselect", format!("A{}", long_word(99))),
        ("f7_checkbox", "true".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), vec![v]))
    .collect();
    let request = portico::usecases::tickets::TicketRequest {
        draft: portico::domain::ticket::TicketDraft {
            kind: None,
            short_description: Some(long_word(200)),
            description: None,
            urgency: None,
        },
        customer_id,
        requester_id: ada["id"].as_str().unwrap().parse().unwrap(),
        assignment_group_id: None,
        source: portico::domain::ticket::ContactSource::Console,
        submission_key: None,
        typed: Some(portico::usecases::tickets::TypedRequest { request_type_id: created.id, answers }),
    };
    let ticket = portico::usecases::tickets::submit_ticket(&app.core, &Actor::cli(), request).await.unwrap();
    Typed { request_type_id: created.id, ticket_id: ticket.ticket.id }
}

/// Opens `path`, waits for it, checks axe-core and the layout at both widths.
async fn visit(browser: &Browser, url: &str, name: &str, problems: &mut Vec<String>) {
    browser.goto(url).await;
    browser.wait_until(name, "return document.readyState === 'complete'").await;
    browser.assert_accessible(name).await;
    problems.extend(browser.layout_problems_at_both_widths(&format!("layout-{name}")).await);
}

#[tokio::test]
async fn every_page_holds_hostile_text_at_phone_and_desktop_widths() {
    let Some(browser) = Browser::start().await else { return };
    let accounts = json!({"ada": {"email": "ada@acme.example", "email_verified": true,
        "name": format!("Ada {}", long_word(110))}});
    let Some(idp) = TestIdp::start(accounts).await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut data = hostile_data(&app, &idp).await;
    let portal = data.portal.clone();
    let mut problems = Vec::new();

    // The portal: its sign-in page, then every page of a signed-in end user.
    browser.goto(&app.url(&portal.path("/"))).await;
    browser.wait_until("the sign-in page", "return !!document.querySelector('a.portal-action')").await;
    problems.extend(browser.layout_problems_at_both_widths("layout-portal-sign-in").await);
    sign_in(&browser, &app, &idp, &portal).await;
    data.ticket_id = hostile_ticket(&app, &portal).await;
    // Ada manages her organisation, and shares the ticket with a colleague of the long name.
    let ada_id = app
        .store
        .active_end_users_by_email(
            &portico::domain::email::EmailAddress::parse("email", "ada@acme.example").unwrap(),
        )
        .await
        .unwrap()[0]
        .id;
    let (status, _) =
        app.patch_json(&format!("/end-users/{ada_id}"), &app.admin.token, json!({"role": "manager"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .post_json(
            &format!("/tickets/{}/followers", data.ticket_id),
            &app.technician.token,
            json!({"end_user_id": data.colleague_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // A request type full of hostile text, for the catalogue and its form.
    let (status, request_type) = app
        .post_json(
            "/request-types",
            &app.admin.token,
            json!({"name": long_word(100), "description": hostile(), "category": long_word(60), "icon": "🧪",
                "fields": [
                    {"key": "choice", "label": long_word(100), "kind": "select", "required": true,
                     "options": [long_word(100), "Other"], "help": long_word(300)},
                    {"key": "more", "label": long_word(100), "kind": "multiselect", "options": [long_word(100), "B"]},
                    {"key": "other", "label": long_word(100), "kind": "text",
                     "show_when": {"field": "choice", "equals": "Other"}},
                    {"key": "tick", "label": long_word(100), "kind": "checkbox"}
                ]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{request_type}");
    let request_form = format!("/tickets/new/{}", request_type["id"].as_str().unwrap());
    let search_long = format!("/search?q={}", long_word(300));
    let search_found = "/search?q=hostile".to_string();
    for (name, path) in [
        ("portal-landing", "/".to_string()),
        ("portal-catalogue", "/tickets/new".to_string()),
        ("portal-catalogue-search", format!("/tickets/new?q={}", long_word(300))),
        ("portal-request-form", request_form),
        ("portal-submit", "/tickets/new/other".to_string()),
        ("portal-my-tickets", "/tickets".to_string()),
        ("portal-ticket", format!("/tickets/{}", data.ticket_id)),
        ("portal-knowledge-base", "/kb".to_string()),
        ("portal-article", format!("/kb/{}", data.article_id)),
        ("portal-search-results", search_found),
        ("portal-search-nothing", search_long),
        (
            "portal-company-tickets",
            format!("/company/tickets?q={}&requester={}", long_word(200), long_word(200)),
        ),
        ("portal-company-tickets-all", "/company/tickets".to_string()),
        ("portal-people", "/people".to_string()),
        ("portal-people-search", format!("/people?q={}", long_word(300))),
        ("portal-message", "/auth/signed-out".to_string()),
    ] {
        visit(&browser, &app.url(&portal.path(&path)), name, &mut problems).await;
    }

    let typed = hostile_typed_ticket(&app, &portal, &data.group_id).await;

    // The console, signed in as an admin.
    browser.goto(&app.url("/admin/login")).await;
    problems.extend(browser.layout_problems_at_both_widths("layout-console-sign-in").await);
    browser.sign_in(&app.base, &app.admin.email, &app.admin.password).await;
    let customer = &portal.customer_id;
    for (name, path) in [
        ("console-home", "/admin".to_string()),
        ("console-tickets", "/admin/tickets?group=all".to_string()),
        ("console-ticket", format!("/admin/tickets/{}", data.ticket_id)),
        ("console-customers", "/admin/customers".to_string()),
        ("console-customers-search", format!("/admin/customers?q={}", long_word(300))),
        ("console-customer", format!("/admin/customers/{customer}")),
        ("console-customer-edit", format!("/admin/customers/{customer}/edit")),
        ("console-end-users", format!("/admin/customers/{customer}/end-users")),
        ("console-drawer-step-1", format!("/admin/customers/{customer}/portal")),
        ("console-drawer-step-2", format!("/admin/customers/{customer}/portal?step=2")),
        ("console-sso", format!("/admin/customers/{customer}/portal/sso/{}", portal.sso_id)),
        ("console-groups", "/admin/groups".to_string()),
        ("console-group", format!("/admin/groups/{}/edit", data.group_id)),
        ("console-team", "/admin/team".to_string()),
        ("console-team-member", format!("/admin/team/{}", data.member_id)),
        ("console-kb", "/admin/kb".to_string()),
        ("console-kb-editor", format!("/admin/kb/{}", data.article_id)),
        ("console-account", "/admin/account".to_string()),
        ("console-request-types", "/admin/request-types".to_string()),
        ("console-request-type", format!("/admin/request-types/{}", typed.request_type_id)),
        ("console-request-type-new", "/admin/request-types/new".to_string()),
        ("console-request-type-delete", format!("/admin/request-types/{}/delete", typed.request_type_id)),
        ("console-customer-request-types", format!("/admin/customers/{customer}/request-types")),
        ("console-typed-ticket", format!("/admin/tickets/{}", typed.ticket_id)),
        (
            "console-tickets-filtered",
            format!(
                "/admin/tickets?group=all&status=all&request_type={}&q={}",
                typed.request_type_id,
                long_word(300)
            ),
        ),
    ] {
        visit(&browser, &app.url(&path), name, &mut problems).await;
    }

    // The drawer's live preview, and the page inside it.
    browser.goto(&app.url(&format!("/admin/customers/{customer}/portal"))).await;
    browser.click("#view-preview").await;
    browser.wait_until("the preview panel", "return !document.getElementById('live-preview').hidden").await;
    problems.extend(browser.layout_problems_at_both_widths("layout-console-drawer-preview").await);
    browser.client.enter_frame(0).await.unwrap();
    browser.wait_until("the preview page", "return !!document.querySelector('.portal-buttons')").await;
    for problem in browser.layout_problems().await {
        problems.push(format!("the preview's page: {problem}"));
    }
    browser.client.enter_parent_frame().await.unwrap();

    assert!(problems.is_empty(), "{} layout problems:\n{}", problems.len(), problems.join("\n"));
    browser.close().await;
}
