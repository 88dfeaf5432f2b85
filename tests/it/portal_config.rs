//! The portal document through the API: round trip, concurrency, validation, preview,
//! revisions and the renderer's escaping.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, assert_problem_names, on_both_backends, send, snapshot};

on_both_backends!(
    a_new_customer_has_a_default_portal_that_round_trips,
    a_stale_or_missing_if_match_stores_nothing,
    each_portal_rule_is_refused_naming_the_field_and_nothing_is_stored,
    portal_rules_that_need_the_database_are_enforced,
    hostile_text_renders_inert_in_the_preview,
    the_preview_equals_the_live_rendering_of_the_saved_document,
    revisions_can_be_listed_and_restored_and_saves_are_audited,
    technicians_read_portals_but_cannot_change_them,
    reading_a_portal_never_writes,
);

async fn customer_with_portal(app: &TestApp, name: &str) -> (String, Value) {
    let (status, customer) = app.post_json("/customers", &app.admin.token, json!({"name": name})).await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    let id = customer["id"].as_str().unwrap().to_string();
    let (status, portal) = app.get_json(&format!("/customers/{id}/portal"), &app.admin.token).await;
    assert_eq!(status, StatusCode::OK, "{portal}");
    (id, portal)
}

async fn put_portal(app: &TestApp, id: &str, body: &Value, revision: &str) -> (StatusCode, Value) {
    send(
        app.api(Method::PUT, &format!("/customers/{id}/portal"), &app.admin.token)
            .header("if-match", revision)
            .json(body),
    )
    .await
}

async fn global_group(app: &TestApp, name: &str) -> String {
    let (_, group) = app.post_json("/assignment-groups", &app.admin.token, json!({"name": name})).await;
    group["id"].as_str().unwrap().to_string()
}

/// A document with every feature on, one link, and custom text everywhere.
fn full_document(mut portal: Value, group: &str) -> Value {
    portal["active"] = json!(true);
    portal["design"]["primary_color"] = json!("#0B5CAD");
    portal["design"]["secondary_color"] = json!("#fff");
    portal["features"] = json!({
        "ticketing": {"enabled": true, "default_assignment_group_id": group},
        "knowledge_base": {"enabled": true},
        "external_links": {"enabled": true, "links": [
            {"id": "hr", "label": "HR portal", "url": "https://hr.example/start", "description": "Holidays and payslips"}
        ]}
    });
    portal["layout"] = json!({
        "sections": [
            {"kind": "large_buttons", "headline": "What do you need?"},
            {"kind": "search", "headline": "Search"},
            {"kind": "small_buttons", "headline": ""}
        ],
        "buttons": [
            {"target": "knowledge_base", "size": "large", "label": "Guides", "description": "How-tos"},
            {"target": "submit_ticket", "size": "large", "label": "Report a problem", "description": "We answer fast"},
            {"target": "my_tickets", "size": "small", "label": "My requests", "description": ""},
            {"target": "link:hr", "size": "small", "label": "HR", "description": ""}
        ]
    });
    portal
}

async fn a_new_customer_has_a_default_portal_that_round_trips(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, portal) = customer_with_portal(&app, "Acme Corporation").await;
    assert_eq!(portal["active"], false);
    assert_eq!(portal["slug"], "acme-corporation");
    assert_eq!(portal["url"], app.url("/p/acme-corporation/"), "every address to share ends in a slash");
    assert_eq!(portal["revision"], 1);
    assert_eq!(portal["design"]["primary_color"], "#1f6feb");
    assert_eq!(portal["design"]["logo_url"], Value::Null);
    let kinds: Vec<&str> = portal["layout"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["search", "large_buttons", "small_buttons"]);
    let response =
        app.api(Method::GET, &format!("/customers/{id}/portal"), &app.admin.token).send().await.unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");

    let group = global_group(&app, "Service Desk").await;
    let body = full_document(portal.clone(), &group);
    let response = app
        .api(Method::PUT, &format!("/customers/{id}/portal"), &app.admin.token)
        .header("if-match", "\"1\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let saved: Value = response.json().await.unwrap();
    assert_eq!(saved["revision"], 2);
    assert_eq!(saved["updated_by"], "Ada Admin");
    assert_eq!(saved["design"]["primary_color"], "#0b5cad", "colours are normalised");
    assert_eq!(saved["design"]["secondary_color"], "#ffffff");
    assert_eq!(saved["layout"], body["layout"], "the layout is kept as sent");
    let mut features = body["features"].clone();
    features["ticketing"]["plain_form"] = json!(true);
    assert_eq!(saved["features"], features, "as sent, with the plain form offered when not said");

    let (_, fetched) = app.get_json(&format!("/customers/{id}/portal"), &app.admin.token).await;
    assert_eq!(fetched, saved);
    // Sending the document back unchanged (read-only fields included) stores no new revision.
    let (status, again) = put_portal(&app, &id, &fetched, "\"2\"").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["revision"], 2);

    // Enabling a feature without buttons adds its default buttons; a link without an id gets one.
    let mut added = fetched.clone();
    added["features"]["external_links"]["links"]
        .as_array_mut()
        .unwrap()
        .push(json!({"label": "Wiki", "url": "https://wiki.example"}));
    let (status, with_link) = put_portal(&app, &id, &added, "2").await;
    assert_eq!(status, StatusCode::OK, "{with_link}");
    let new_link = &with_link["features"]["external_links"]["links"][1];
    assert!(new_link["id"].as_str().is_some_and(|id| !id.is_empty()));
    let last_button = with_link["layout"]["buttons"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last_button["target"], format!("link:{}", new_link["id"].as_str().unwrap()));
    assert_eq!(last_button["size"], "small");
    assert_eq!(last_button["label"], "Wiki");

    let (_, weak) = put_portal(
        &app,
        &id,
        &{
            let mut yellow = with_link.clone();
            yellow["design"]["primary_color"] = json!("#ffff00");
            yellow
        },
        "3",
    )
    .await;
    assert!(weak["contrast_warning"].as_str().is_some_and(|w| w.contains("3:1")), "{weak}");
}

async fn a_stale_or_missing_if_match_stores_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, portal) = customer_with_portal(&app, "Globex").await;
    let mut first = portal.clone();
    first["design"]["primary_color"] = json!("#111111");
    assert_eq!(put_portal(&app, &id, &first, "\"1\"").await.0, StatusCode::OK);

    let before = (snapshot(&app.store, "portals").await, snapshot(&app.store, "portal_revisions").await);
    let mut second = portal.clone();
    second["design"]["secondary_color"] = json!("#222222");
    let (status, problem) = put_portal(&app, &id, &second, "\"1\"").await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("current revision is 2"), "{problem}");
    let (status, problem) =
        send(app.api(Method::PUT, &format!("/customers/{id}/portal"), &app.admin.token).json(&second)).await;
    assert_problem_names(status, &problem, StatusCode::PRECONDITION_REQUIRED, "If-Match");
    let (status, problem) = put_portal(&app, &id, &second, "yesterday").await;
    assert_problem_names(status, &problem, StatusCode::BAD_REQUEST, "If-Match");
    assert_eq!(
        before,
        (snapshot(&app.store, "portals").await, snapshot(&app.store, "portal_revisions").await)
    );
    let (_, now) = app.get_json(&format!("/customers/{id}/portal"), &app.admin.token).await;
    assert_eq!(now["design"]["primary_color"], "#111111");
    assert_eq!(now["design"]["secondary_color"], "#f6f8fa");
}

async fn each_portal_rule_is_refused_naming_the_field_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, portal) = customer_with_portal(&app, "Initech").await;
    let group = global_group(&app, "Desk").await;
    let valid = full_document(portal, &group);
    let before = (
        snapshot(&app.store, "portals").await,
        snapshot(&app.store, "portal_revisions").await,
        snapshot(&app.store, "audit_log").await,
    );

    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Mutation, StatusCode, &str)> = vec![
        (Box::new(|d| d["slug"] = json!("Not A Slug")), StatusCode::UNPROCESSABLE_ENTITY, "slug"),
        (Box::new(|d| d["slug"] = json!("ab")), StatusCode::UNPROCESSABLE_ENTITY, "slug"),
        (Box::new(|d| d["slug"] = json!("-acme")), StatusCode::UNPROCESSABLE_ENTITY, "slug"),
        (Box::new(|d| d["slug"] = json!("admin")), StatusCode::UNPROCESSABLE_ENTITY, "slug"),
        (
            Box::new(|d| d["design"]["primary_color"] = json!("red")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "design.primary_color",
        ),
        (
            Box::new(|d| d["design"]["secondary_color"] = json!("#fffff")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "design.secondary_color",
        ),
        (
            Box::new(|d| d["design"]["primary_color"] = json!("#fff;background:url(x)")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "design.primary_color",
        ),
        (
            Box::new(|d| d["custom_domain"] = json!("http://help.example")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "custom_domain",
        ),
        (
            Box::new(|d| d["features"]["ticketing"]["default_assignment_group_id"] = json!(null)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "features.ticketing.default_assignment_group_id",
        ),
        (
            Box::new(|d| d["features"]["external_links"]["links"][0]["url"] = json!("javascript:alert(1)")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "features.external_links.links[0].url",
        ),
        (
            Box::new(|d| {
                d["features"]["external_links"]["links"][0]["url"] =
                    json!("data:text/html;base64,PHNjcmlwdD4=");
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "features.external_links.links[0].url",
        ),
        (
            Box::new(|d| d["features"]["external_links"]["links"][0]["url"] = json!("/relative")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "features.external_links.links[0].url",
        ),
        (
            Box::new(|d| d["features"]["external_links"]["links"][0]["label"] = json!("l".repeat(81))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "features.external_links.links[0].label",
        ),
        (
            Box::new(|d| d["layout"]["buttons"][0]["label"] = json!("l".repeat(81))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "layout.buttons[0].label",
        ),
        (
            Box::new(|d| d["layout"]["buttons"][0]["description"] = json!("d".repeat(301))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "layout.buttons[0].description",
        ),
        (
            Box::new(|d| d["layout"]["sections"][0]["headline"] = json!("h".repeat(121))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "layout.sections[0].headline",
        ),
        (
            Box::new(|d| d["layout"]["sections"][1]["kind"] = json!("large_buttons")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "layout.sections",
        ),
        (
            Box::new(|d| d["layout"]["buttons"][3]["target"] = json!("link:gone")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "layout.buttons[3].target",
        ),
        (
            Box::new(|d| d["features"]["knowledge_base"]["enabled"] = json!(false)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "layout.buttons[0].target",
        ),
        (
            Box::new(|d| d["layout"]["buttons"][0]["size"] = json!("medium")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "layout.buttons[0].size",
        ),
        (Box::new(|d| d["theme"] = json!("dark")), StatusCode::BAD_REQUEST, "theme"),
        (Box::new(|d| d["design"]["font"] = json!("Comic Sans")), StatusCode::BAD_REQUEST, "design.font"),
        (Box::new(|d| d["active"] = json!("yes")), StatusCode::BAD_REQUEST, "active"),
        (
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("layout");
            }),
            StatusCode::BAD_REQUEST,
            "layout",
        ),
    ];
    for (mutate, expected, field) in cases {
        let mut body = valid.clone();
        mutate(&mut body);
        let (status, problem) = put_portal(&app, &id, &body, "1").await;
        assert_problem_names(status, &problem, expected, field);
        // The preview validates the same way.
        let (status, problem) =
            app.post_json(&format!("/customers/{id}/portal/preview"), &app.admin.token, body).await;
        assert_problem_names(status, &problem, expected, field);
    }
    let after = (
        snapshot(&app.store, "portals").await,
        snapshot(&app.store, "portal_revisions").await,
        snapshot(&app.store, "audit_log").await,
    );
    assert_eq!(before, after, "refused documents must not change anything");
}

async fn portal_rules_that_need_the_database_are_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (acme, acme_portal) = customer_with_portal(&app, "Acme").await;
    let (globex, globex_portal) = customer_with_portal(&app, "Globex").await;
    let (_, globex_group) = app
        .post_json(
            "/assignment-groups",
            &app.admin.token,
            json!({"name": "Globex desk", "customer_id": globex}),
        )
        .await;
    let (_, acme_group) = app
        .post_json("/assignment-groups", &app.admin.token, json!({"name": "Acme desk", "customer_id": acme}))
        .await;
    let field = "features.ticketing.default_assignment_group_id";

    let mut foreign = acme_portal.clone();
    foreign["features"]["ticketing"] =
        json!({"enabled": true, "default_assignment_group_id": globex_group["id"]});
    let (status, problem) = put_portal(&app, &acme, &foreign, "1").await;
    assert_problem_names(status, &problem, StatusCode::CONFLICT, field);
    foreign["features"]["ticketing"]["default_assignment_group_id"] =
        json!("0192f0c0-0000-7000-8000-0000000000cc");
    let (status, problem) = put_portal(&app, &acme, &foreign, "1").await;
    assert_problem_names(status, &problem, StatusCode::CONFLICT, field);
    foreign["features"]["ticketing"]["default_assignment_group_id"] = acme_group["id"].clone();
    let (status, saved) = put_portal(&app, &acme, &foreign, "1").await;
    assert_eq!(status, StatusCode::OK, "its own customer's group is fine: {saved}");

    // A group that is a portal's default cannot be deleted.
    let response = app
        .api(
            Method::DELETE,
            &format!("/assignment-groups/{}", acme_group["id"].as_str().unwrap()),
            &app.admin.token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);

    let mut taken = globex_portal.clone();
    taken["slug"] = json!("acme");
    let (status, problem) = put_portal(&app, &globex, &taken, "1").await;
    assert_problem_names(status, &problem, StatusCode::CONFLICT, "slug");

    let mut domain = saved.clone();
    domain["custom_domain"] = json!("Help.Acme.Example");
    let (status, with_domain) = put_portal(&app, &acme, &domain, "2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(with_domain["custom_domain"], "help.acme.example");
    assert_eq!(with_domain["url"], "https://help.acme.example/");
    let mut same_domain = globex_portal.clone();
    same_domain["custom_domain"] = json!("help.acme.example");
    let (status, problem) = put_portal(&app, &globex, &same_domain, "1").await;
    assert_problem_names(status, &problem, StatusCode::CONFLICT, "custom_domain");

    // A changed slug keeps its old address for the portal: no one else may take it.
    let mut renamed = with_domain.clone();
    renamed["slug"] = json!("acme-help");
    assert_eq!(put_portal(&app, &acme, &renamed, "3").await.0, StatusCode::OK);
    let mut squatter = globex_portal.clone();
    squatter["slug"] = json!("acme");
    let (status, problem) = put_portal(&app, &globex, &squatter, "1").await;
    assert_problem_names(status, &problem, StatusCode::CONFLICT, "slug");
    let mut back = renamed.clone();
    back["slug"] = json!("acme");
    assert_eq!(
        put_portal(&app, &acme, &back, "4").await.0,
        StatusCode::OK,
        "a portal may return to its own old slug"
    );
}

const HOSTILE: &[&str] = &[
    "<script>alert('x')</script>",
    "\"><img src=x onerror=alert(1)>",
    "</style><script>alert(2)</script>",
    "{{ 7*7 }}{% if true %}x{% endif %}",
    "' onmouseover='alert(3)",
];

async fn hostile_text_renders_inert_in_the_preview(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, portal) = customer_with_portal(&app, "<b>Evil</b> & Co").await;
    let group = global_group(&app, "Desk").await;
    for hostile in HOSTILE {
        let mut body = full_document(portal.clone(), &group);
        body["layout"]["sections"][0]["headline"] = json!(hostile);
        body["layout"]["buttons"][0]["label"] = json!(hostile);
        body["layout"]["buttons"][0]["description"] = json!(hostile);
        body["features"]["external_links"]["links"][0]["label"] = json!(hostile);
        body["layout"]["buttons"][3]["label"] = json!(hostile);
        let response = app
            .api(Method::POST, &format!("/customers/{id}/portal/preview"), &app.admin.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(
            response.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'")
        );
        let html = response.text().await.unwrap();
        assert!(!html.contains("<script"), "{hostile}");
        assert!(!html.contains("<img src=x"), "{hostile}");
        assert!(!html.contains("<img"), "no element is injected: {hostile}");
        assert!(!html.contains("</style><script"), "{hostile}");
        assert!(!html.contains("49"), "template syntax is not evaluated: {hostile}");
        assert!(!html.contains("onmouseover='alert"), "{hostile}");
        assert!(!html.contains("<b>Evil</b>"), "the customer name is escaped");
    }
}

async fn the_preview_equals_the_live_rendering_of_the_saved_document(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, portal) = customer_with_portal(&app, "Umbrella Health").await;
    let group = global_group(&app, "Desk").await;
    let body = full_document(portal, &group);
    let preview = app
        .api(Method::POST, &format!("/customers/{id}/portal/preview"), &app.admin.token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(preview.contains("class=\"preview-banner\""));
    assert!(app.store.portal(id.parse().unwrap()).await.unwrap().revision == 1, "a preview stores nothing");

    let (status, _) = put_portal(&app, &id, &body, "1").await;
    assert_eq!(status, StatusCode::OK);
    // The live page, as the customer's end user gets it over HTTP: the one the preview promised,
    // but for the viewer's own lists (the preview shows sample ones) and session.
    let (visitor, slug) = crate::sso_tokens::end_user_of(&app, &id, portico::render::SAMPLE_USER).await;
    let response = visitor.client.get(app.url(&format!("/p/{slug}/"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let live = response.text().await.unwrap();
    assert!(live.contains(&format!("<span>{}</span>", portico::render::SAMPLE_USER)), "signed in: {live}");
    let (previewed, served) = (document_driven(&preview), document_driven(&live));
    let first_difference = previewed.iter().zip(&served).position(|(a, b)| a != b);
    assert!(
        first_difference.is_none() && previewed.len() == served.len(),
        "the preview is the live page plus a banner and sample lists; they differ at line {first_difference:?}: {:?}",
        first_difference.map(|at| (&previewed[at], &served[at]))
    );
    assert!(preview.contains("T-000123") && !live.contains("T-000123"), "sample lists only in the preview");

    // The sections are in the stored order, with large buttons described and small ones not.
    let order: Vec<usize> = ["What do you need?", "portal-q", "https://hr.example/start"]
        .iter()
        .map(|needle| live.find(needle).unwrap())
        .collect();
    assert!(order[0] < order[1] && order[1] < order[2], "large buttons, search, small buttons: as stored");
    assert!(live.contains("We answer fast"), "large buttons show their description");
    assert!(live.contains("rel=\"noopener noreferrer\"") && live.contains("opens another site"));
    let theme = live.split("href=\"/assets/theme/").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(theme, "0b5cad-ffffff.css");
    let css = app.client.get(app.url(&format!("/assets/theme/{theme}"))).send().await.unwrap();
    assert_eq!(css.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(css.text().await.unwrap().contains("--primary: #0b5cad;"));
    for bad in
        ["/assets/theme/zzzzzz-ffffff.css", "/assets/theme/fff-000.css", "/assets/theme/0b5cad-ffffff;x.css"]
    {
        assert_eq!(
            app.client.get(app.url(bad)).send().await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
}

/// A landing page's lines that the portal document decides: without the preview banner, the
/// viewer's own lists (open tickets, popular articles), the session's CSRF token and the blank
/// lines the lists' conditions leave.
fn document_driven(page: &str) -> Vec<String> {
    let mut kept = Vec::new();
    let mut in_list = false;
    for line in page.lines() {
        if line.contains("class=\"portal-section portal-list\"") {
            in_list = true;
        }
        if in_list {
            in_list = !line.contains("</section>");
            continue;
        }
        if line.contains("class=\"preview-banner\"") || line.trim().is_empty() {
            continue;
        }
        let line = match line.split_once("name=\"_csrf\" value=\"") {
            Some((before, after)) => {
                format!("{before}name=\"_csrf\" value=\"…{}", &after[after.find('"').unwrap()..])
            }
            None => line.to_string(),
        };
        kept.push(line);
    }
    kept
}

async fn revisions_can_be_listed_and_restored_and_saves_are_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, portal) = customer_with_portal(&app, "Stark Industries").await;
    let mut red = portal.clone();
    red["design"]["primary_color"] = json!("#aa0000");
    put_portal(&app, &id, &red, "1").await;
    let mut active = red.clone();
    active["active"] = json!(true);
    active["design"]["primary_color"] = json!("#00aa00");
    put_portal(&app, &id, &active, "2").await;

    let (status, revisions) =
        app.get_json(&format!("/customers/{id}/portal/revisions"), &app.admin.token).await;
    assert_eq!(status, StatusCode::OK);
    let summaries: Vec<&str> =
        revisions.as_array().unwrap().iter().map(|r| r["summary"].as_str().unwrap()).collect();
    assert_eq!(summaries.len(), 3);
    assert!(
        summaries[0].contains("Activated the portal") && summaries[0].contains("#00aa00"),
        "{summaries:?}"
    );
    assert!(summaries[1].contains("#aa0000"));
    assert_eq!(summaries[2], "created the portal");
    assert_eq!(revisions[0]["actor"], "Ada Admin");

    let (status, restored) =
        send(app.api(Method::POST, &format!("/customers/{id}/portal/revisions/2/restore"), &app.admin.token))
            .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["revision"], 4);
    assert_eq!(restored["design"]["primary_color"], "#aa0000");
    assert_eq!(restored["active"], false);
    let (status, _) = send(app.api(
        Method::POST,
        &format!("/customers/{id}/portal/revisions/99/restore"),
        &app.admin.token,
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        app.api(Method::POST, &format!("/customers/{id}/portal/revisions/2/restore"), &app.admin.token)
            .header("if-match", "\"3\""),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "restore honours If-Match too");

    crate::support::events_settled(&app.store).await;

    let audit = app.store.audit_for("portal", &id, 10).await.unwrap();
    let summaries: Vec<&str> = audit.iter().map(|e| e.summary.as_str()).collect();
    assert_eq!(summaries.len(), 3, "{summaries:?}");
    assert!(summaries[0].starts_with("revision 4: restored revision 2"));
    assert!(audit.iter().all(|e| e.actor_name == "Ada Admin"));
}

async fn technicians_read_portals_but_cannot_change_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, portal) = customer_with_portal(&app, "Wayne").await;
    let tech = &app.technician.token;
    assert_eq!(app.get_json(&format!("/customers/{id}/portal"), tech).await.0, StatusCode::OK);
    assert_eq!(app.get_json(&format!("/customers/{id}/portal/revisions"), tech).await.0, StatusCode::OK);
    let response = app
        .api(Method::POST, &format!("/customers/{id}/portal/preview"), tech)
        .json(&portal)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "a preview changes nothing, so technicians may look");
    let (status, _) = send(
        app.api(Method::PUT, &format!("/customers/{id}/portal"), tech).header("if-match", "1").json(&portal),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        send(app.api(Method::POST, &format!("/customers/{id}/portal/revisions/1/restore"), tech)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let unknown = "0192f0c0-0000-7000-8000-0000000000dd";
    assert_eq!(app.get_json(&format!("/customers/{unknown}/portal"), tech).await.0, StatusCode::NOT_FOUND);
}

async fn reading_a_portal_never_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = customer_with_portal(&app, "Older Customer").await;
    // A customer from before portals were stored with the customer has no portal row.
    for table in ["portal_revisions", "portals"] {
        let sql = format!("DELETE FROM {table} WHERE customer_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&id).execute(app.store.pool()).await.unwrap();
    }
    let before = (snapshot(&app.store, "portals").await, snapshot(&app.store, "events").await);

    // Twenty first reads at once: all answer the default document, and nothing is written.
    let reads: Vec<_> = (0..20)
        .map(|_| {
            tokio::spawn(app.api(Method::GET, &format!("/customers/{id}/portal"), &app.admin.token).send())
        })
        .collect();
    let mut documents = Vec::new();
    for read in reads {
        let (status, document) = crate::support::json_of(read.await.unwrap().unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{document}");
        documents.push(document);
    }
    assert!(documents.windows(2).all(|w| w[0] == w[1]), "every read sees the same default");
    assert_eq!(documents[0]["revision"], 1);
    assert_eq!(documents[0]["slug"], "older-customer");
    assert_eq!(documents[0]["active"], false);
    assert_eq!((snapshot(&app.store, "portals").await, snapshot(&app.store, "events").await), before);

    // The first save stores it, over the revision read.
    let mut document = documents[0].clone();
    document["active"] = json!(true);
    let (status, saved) = put_portal(&app, &id, &document, "1").await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["revision"], 2);
    assert_eq!(snapshot(&app.store, "portals").await.len(), before.0.len() + 1);
}
