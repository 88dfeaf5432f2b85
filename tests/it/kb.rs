//! The knowledge base and search: visibility per customer, publishing, sanitising, ranking.

use portico::store::kb::SEARCH_CANDIDATES;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::idp::{SsoPortal, TestIdp, Visitor};
use crate::support::{Backend, TestApp, assert_problem_names, on_both_backends};
use crate::tickets::{accounts, submit, ticketing_portal};

on_both_backends!(
    articles_reach_only_the_portals_they_are_for_and_render_safely,
    search_finds_words_ranks_titles_first_and_never_shows_what_is_hidden,
    articles_are_written_in_the_console_and_the_api,
    a_few_articles_make_one_list_and_many_make_most_read_and_recently_updated,
    a_search_matching_more_than_the_limit_keeps_the_best_with_marked_snippets,
    views_are_counted_without_writing_and_all_are_stored_by_a_flush_or_a_graceful_stop,
    a_changed_or_deleted_article_is_found_by_its_words_now_and_only_by_them,
);

/// Switches on the knowledge base and an external link for a portal that already takes tickets.
pub async fn with_knowledge_base(app: &TestApp, portal: &SsoPortal) {
    app.update_portal(&portal.customer_id, |document| {
        document["features"]["knowledge_base"] = json!({"enabled": true});
        document["features"]["external_links"] = json!({"enabled": true, "links": [
            {"id": "hr", "label": "HR portal", "url": "https://hr.example/start", "description": "Holidays and payslips"}]});
    })
    .await;
}

pub async fn article(app: &TestApp, body: Value) -> String {
    let (status, article) = app.post_json("/kb/articles", &app.technician.token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{article}");
    article["id"].as_str().unwrap().to_string()
}

async fn page(visitor: &Visitor, app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = visitor.client.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn articles_reach_only_the_portals_they_are_for_and_render_safely(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    let (globex, _) = ticketing_portal(&app, &idp, "Globex").await;
    with_knowledge_base(&app, &acme).await;
    with_knowledge_base(&app, &globex).await;
    let everyone = article(&app, json!({"title": "Reset your VPN token", "body": "Open the **VPN** app and press Reset.", "published": true})).await;
    let globex_only = article(
        &app,
        json!({"title": "Globex payroll calendar", "body": "Payroll runs monthly.", "published": true,
        "all_customers": false, "customer_ids": [globex.customer_id]}),
    )
    .await;
    let draft =
        article(&app, json!({"title": "Unreleased secret plan", "body": "Nobody may read this yet."})).await;
    let hostile = article(&app, json!({"title": "Hostile <b>markup</b>", "published": true,
        "body": "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n<a href=\"https://ok.example\">fine</a>"})).await;

    let ada = Visitor::new(&app);
    ada.sign_in(&acme, "ada").await;
    let (status, list) = page(&ada, &app, &acme.path("/kb")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list.contains("Reset your VPN token")
            && !list.contains("Globex payroll")
            && !list.contains("Unreleased secret")
    );
    for hidden in [&globex_only, &draft] {
        assert_eq!(page(&ada, &app, &acme.path(&format!("/kb/{hidden}"))).await.0, StatusCode::NOT_FOUND);
    }
    let (status, shown) = page(&ada, &app, &acme.path(&format!("/kb/{everyone}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown.contains("<strong>VPN</strong>"), "Markdown is rendered");
    let (_, bad) = page(&ada, &app, &acme.path(&format!("/kb/{hostile}"))).await;
    let lower = bad.to_lowercase();
    for forbidden in ["<script>alert", "onerror", "javascript:", "<b>markup"] {
        assert!(!lower.contains(forbidden), "{forbidden} must not survive");
    }
    assert!(bad.contains("rel=\"noopener noreferrer\""));

    let zed = Visitor::new(&app);
    zed.sign_in(&globex, "zed").await;
    assert_eq!(page(&zed, &app, &globex.path(&format!("/kb/{globex_only}"))).await.0, StatusCode::OK);
    let (_, search) = page(&zed, &app, &globex.path("/search?q=payroll")).await;
    assert!(search.contains("Globex payroll calendar"));
    let (_, search) = page(&ada, &app, &acme.path("/search?q=payroll")).await;
    assert!(
        !search.contains("Globex payroll") && search.contains("Nothing matches"),
        "never another customer's article"
    );
    let (_, search) = page(&ada, &app, &acme.path("/search?q=secret")).await;
    assert!(!search.contains("Unreleased"), "never an unpublished article");
    // Views are counted in memory and written every few seconds: write them now.
    app.store.flush_article_views().await.unwrap();
    let (_, views) = app.get_json(&format!("/kb/articles/{everyone}"), &app.admin.token).await;
    assert_eq!(views["views"], 1, "article views are counted for 'most read'");
}

async fn search_finds_words_ranks_titles_first_and_never_shows_what_is_hidden(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    with_knowledge_base(&app, &acme).await;
    article(&app, json!({"title": "Email signatures", "body": "Your printer is not involved here, but the footer is.", "published": true})).await;
    article(&app, json!({"title": "Printer setup on floor two", "body": "Connect to the printer queue named FLOOR2.", "published": true})).await;
    let ada = Visitor::new(&app);
    ada.sign_in(&acme, "ada").await;
    submit(
        &ada,
        &acme,
        &[
            ("type", "incident"),
            ("short_description", "Laptop battery swells"),
            ("description", "It is hot."),
        ],
    )
    .await;
    let lin = Visitor::new(&app);
    lin.sign_in(&acme, "lin").await;
    submit(
        &lin,
        &acme,
        &[("type", "incident"), ("short_description", "Battery of Lin's phone"), ("description", "")],
    )
    .await;

    let (_, results) = page(&ada, &app, &acme.path("/search?q=printer")).await;
    let title_hit = results.find("Printer setup on floor two").expect("title match found");
    let body_hit = results.find("Email signatures").expect("body match found");
    assert!(title_hit < body_hit, "a title match ranks above a body-only match");
    assert!(results.contains("<mark>"), "matches are highlighted");
    let (_, prefix) = page(&ada, &app, &acme.path("/search?q=print")).await;
    assert!(
        prefix.contains("Printer setup") && prefix.contains("Email signatures"),
        "words match as prefixes"
    );
    let (_, both) = page(&ada, &app, &acme.path("/search?q=printer+queue")).await;
    assert!(both.contains("Printer setup") && !both.contains("Email signatures"), "every word must match");

    let (_, tickets) = page(&ada, &app, &acme.path("/search?q=battery")).await;
    assert!(
        tickets.contains("Laptop battery swells")
            && !tickets.contains("Lin&#39;s phone")
            && !tickets.contains("Lin's phone"),
        "only the user's own tickets"
    );
    let (_, links) = page(&ada, &app, &acme.path("/search?q=payslips")).await;
    assert!(
        links.contains("https://hr.example/start")
            && links.contains("rel=\"noopener noreferrer\"")
            && links.contains("opens another site")
    );
    let (_, empty) = page(&ada, &app, &acme.path("/search?q=")).await;
    assert!(empty.contains("Type a few words"));
    let (_, nothing) = page(&ada, &app, &acme.path("/search?q=zebra+unicorn")).await;
    assert!(nothing.contains("Nothing matches"));
    let (status, _) = page(&ada, &app, &acme.path("/search?q=%22*%22+OR+NEAR(a+b)+%27;--")).await;
    assert_eq!(status, StatusCode::OK, "search syntax in the query is just text");
}

async fn a_search_matching_more_than_the_limit_keeps_the_best_with_marked_snippets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, acme) = app.post_json("/customers", &app.admin.token, json!({"name": "Acme"})).await;
    let (_, globex) = app.post_json("/customers", &app.admin.token, json!({"name": "Globex"})).await;
    let acme: uuid::Uuid = acme["id"].as_str().unwrap().parse().unwrap();
    for n in 0..6 {
        let body = format!("Step {n}: check the cable of the printer and try again.");
        article(&app, json!({"title": format!("Office tip {n}"), "body": body, "published": true})).await;
    }
    let best = article(
        &app,
        json!({"title": "Printer troubleshooting", "body": "When the printer jams, open tray two.", "published": true}),
    )
    .await;
    for n in 6..12 {
        let body = format!("Step {n}: check the cable of the printer and try again.");
        article(&app, json!({"title": format!("Office tip {n}"), "body": body, "published": true})).await;
    }
    let hidden = [
        article(
            &app,
            json!({"title": "Printer secrets", "body": "The printer is unreleased.", "published": false}),
        )
        .await,
        article(
            &app,
            json!({"title": "Printer of Globex", "body": "Their printer.", "published": true,
                "all_customers": false, "customer_ids": [globex["id"]]}),
        )
        .await,
    ];

    let found = app.store.search_articles(acme, "printer", 5, SEARCH_CANDIDATES).await.unwrap();
    assert_eq!(found.len(), 5, "13 visible articles match: exactly the limit comes back");
    assert_eq!(found[0].id.to_string(), best, "the title match ranks first");
    assert_eq!(found[0].title, "Printer troubleshooting");
    let mut ids: Vec<_> = found.iter().map(|hit| hit.id.to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    assert!(ids.iter().all(|id| !hidden.contains(id)), "never a draft or another customer's article");
    for hit in &found {
        assert!(hit.snippet.to_lowercase().contains("[[printer]]"), "marked: {}", hit.snippet);
    }
    let all = app.store.search_articles(acme, "printer", 50, SEARCH_CANDIDATES).await.unwrap();
    assert_eq!(all.len(), 13, "a larger limit finds every visible match");

    // Bounded: only the newest visible matches are ranked. The draft and Globex's article, the
    // two newest matches, are not among them; the title match, older than six tips, is not
    // among the four newest visible ones, and is the best of the seven newest.
    let newest = app.store.search_articles(acme, "printer", 4, 4).await.unwrap();
    assert_eq!(newest.len(), 4, "four visible candidates, though the two newest matches are hidden");
    assert!(newest.iter().all(|hit| hit.title.starts_with("Office tip ")), "{newest:?}");
    let tips: std::collections::BTreeSet<String> = newest.iter().map(|hit| hit.title.clone()).collect();
    let expected: std::collections::BTreeSet<String> = (8..12).map(|n| format!("Office tip {n}")).collect();
    assert_eq!(tips, expected, "the four newest visible matches");
    let seven = app.store.search_articles(acme, "printer", 5, 7).await.unwrap();
    assert_eq!(seven[0].id.to_string(), best, "ranked first once among the candidates");
}

async fn views_are_counted_without_writing_and_all_are_stored_by_a_flush_or_a_graceful_stop(
    backend: Backend,
) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    // No timed write during the test: only the explicit flush and the stop write views.
    let mut app = TestApp::spawn_with(backend, |config| {
        config.article_views_flush = std::time::Duration::from_secs(3600);
    })
    .await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    with_knowledge_base(&app, &acme).await;
    let guide = article(&app, json!({"title": "Guide", "body": "Steps.", "published": true})).await;
    let other = article(&app, json!({"title": "Other", "body": "More steps.", "published": true})).await;
    let id = |raw: &str| raw.parse::<uuid::Uuid>().unwrap();
    let store = app.store.clone();
    let stored = |raw: &str| {
        let (store, raw) = (store.clone(), id(raw));
        async move { store.article(raw).await.unwrap().views }
    };
    let ada = Visitor::new(&app);
    ada.sign_in(&acme, "ada").await;
    let view_many = |path: String, times: usize| {
        let requests: Vec<_> = (0..times).map(|_| ada.client.get(app.url(&path)).send()).collect();
        async move {
            for response in futures::future::join_all(requests).await {
                assert_eq!(response.unwrap().status(), StatusCode::OK);
            }
        }
    };

    view_many(acme.path(&format!("/kb/{guide}")), 12).await;
    view_many(acme.path(&format!("/kb/{other}")), 3).await;
    assert_eq!((stored(&guide).await, stored(&other).await), (0, 0), "a view writes nothing");
    assert_eq!(app.store.pending_article_views(), 15);
    assert_eq!(app.store.flush_article_views().await.unwrap(), 2, "one statement per article");
    assert_eq!((stored(&guide).await, stored(&other).await), (12, 3));
    assert_eq!(app.store.flush_article_views().await.unwrap(), 0, "nothing is written twice");

    view_many(acme.path(&format!("/kb/{guide}")), 8).await;
    app.begin_shutdown();
    app.stopped().await;
    assert_eq!(store.pending_article_views(), 0);
    assert_eq!(stored(&guide).await, 20, "a graceful stop writes what was counted");
}

async fn articles_are_written_in_the_console_and_the_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.technician.token;
    for (body, expected, field) in [
        (json!({"body": "b"}), StatusCode::UNPROCESSABLE_ENTITY, "title"),
        (json!({"title": "t"}), StatusCode::UNPROCESSABLE_ENTITY, "body"),
        (
            json!({"title": "t", "body": "b", "all_customers": false}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "customer_ids",
        ),
        (
            json!({"title": "t", "body": "b", "all_customers": false, "customer_ids": ["0192f0c0-0000-7000-8000-0000000000ee"]}),
            StatusCode::CONFLICT,
            "customer_ids",
        ),
        (json!({"title": "t", "body": "b", "tags": []}), StatusCode::BAD_REQUEST, "tags"),
    ] {
        let (status, problem) = app.post_json("/kb/articles", token, body).await;
        assert_problem_names(status, &problem, expected, field);
    }
    let id = article(&app, json!({"title": "Wi-Fi", "body": "Join **Guest**."})).await;
    let (status, changed) =
        app.patch_json(&format!("/kb/articles/{id}"), token, json!({"published": true})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((changed["published"].as_bool(), changed["title"].as_str()), (Some(true), Some("Wi-Fi")));

    let console = app.console(&app.technician.email, &app.technician.password).await;
    let preview = console
        .submit(
            "/admin/kb/new",
            "/admin/kb",
            &[
                ("title", "Printers"),
                ("body", "# Hello\n\n<script>x</script>"),
                ("visibility", "all"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let text = preview.text().await.unwrap();
    assert!(
        text.contains("Preview (not saved)")
            && text.contains("<h1>Hello</h1>")
            && !text.contains("<script>x")
    );
    let saved = console
        .submit(
            "/admin/kb/new",
            "/admin/kb",
            &[
                ("title", "Printers"),
                ("body", "# Hello"),
                ("visibility", "all"),
                ("published", "on"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let list = console.page("/admin/kb").await;
    assert!(list.contains("Printers") && list.contains("Published") && list.contains("Wi-Fi"));
    let response = app.api(Method::DELETE, &format!("/kb/articles/{id}"), token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_json(&format!("/kb/articles/{id}"), token).await.0, StatusCode::NOT_FOUND);
}

async fn a_few_articles_make_one_list_and_many_make_most_read_and_recently_updated(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    with_knowledge_base(&app, &acme).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            article(&app, json!({"title": format!("Guide number {n}"), "body": "Steps.", "published": true}))
                .await,
        );
    }
    let ada = Visitor::new(&app);
    ada.sign_in(&acme, "ada").await;
    page(&ada, &app, &acme.path(&format!("/kb/{}", ids[1]))).await;
    let (_, list) = page(&ada, &app, &acme.path("/kb")).await;
    assert!(
        list.contains(">Articles</h2>") && !list.contains("Most read"),
        "three articles make one list: {list}"
    );
    for n in 3..8 {
        ids.push(
            article(&app, json!({"title": format!("Guide number {n}"), "body": "Steps.", "published": true}))
                .await,
        );
    }
    page(&ada, &app, &acme.path(&format!("/kb/{}", ids[6]))).await;
    app.store.flush_article_views().await.unwrap();
    let (_, list) = page(&ada, &app, &acme.path("/kb")).await;
    assert!(list.contains("Most read") && list.contains("Recently updated"), "{list}");
}

async fn a_changed_or_deleted_article_is_found_by_its_words_now_and_only_by_them(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    with_knowledge_base(&app, &acme).await;
    let token = &app.technician.token;
    let first =
        article(&app, json!({"title": "Badge reader", "body": "Hold the badge still.", "published": true}))
            .await;
    let second =
        article(&app, json!({"title": "Desk phones", "body": "Dial nine first.", "published": true})).await;
    let third =
        article(&app, json!({"title": "Parking", "body": "Badge at the barrier.", "published": true})).await;
    let ada = Visitor::new(&app);
    ada.sign_in(&acme, "ada").await;
    let found = |query: &'static str| {
        let (ada, app, acme) = (&ada, &app, &acme);
        async move { page(ada, app, &acme.path(&format!("/search?q={query}"))).await.1 }
    };
    let hits = found("badge").await;
    assert!(hits.contains("Badge reader") && hits.contains("Parking") && !hits.contains("Desk phones"));

    let (status, changed) = app
        .patch_json(
            &format!("/kb/articles/{first}"),
            token,
            json!({"title": "Turnstiles", "body": "Wave the card."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let hits = found("badge").await;
    assert!(hits.contains("Parking") && !hits.contains("Turnstiles"), "the old words are gone: {hits}");
    assert!(found("turnstiles").await.contains("Turnstiles"), "the new words are found");

    let response = app.api(Method::DELETE, &format!("/kb/articles/{third}"), token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(found("badge").await.contains("Nothing matches"), "a deleted article is not found");
    assert!(found("dial").await.contains("Desk phones"), "the others stay: {second}");
    let another =
        article(&app, json!({"title": "Badge printer", "body": "Load the cards.", "published": true})).await;
    let hits = found("badge").await;
    assert!(hits.contains("Badge printer"), "an article written after a deletion is found: {another}");
}
