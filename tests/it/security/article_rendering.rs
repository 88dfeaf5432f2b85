//! Item 2: Markdown bodies are rendered once, when saved, within bounds; views read the HTML.

use reqwest::StatusCode;
use serde_json::json;

use crate::idp::{TestIdp, Visitor};
use crate::support::{Backend, Console, TestApp, assert_problem_names, on_both_backends, snapshot};

on_both_backends!(
    item2_articles_render_once_when_saved_and_deep_nesting_is_refused,
    item2_articles_saved_before_are_rendered_in_the_background_under_the_same_bounds,
);

const DEEP_QUOTES: usize = 5_000;

async fn item2_articles_render_once_when_saved_and_deep_nesting_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Deeply nested quotes, far under the body limit: refused by the depth count, before any
    // rendering (the message is the depth check's, not the rendering budget's).
    let deep = "> ".repeat(DEEP_QUOTES) + "x";
    let (status, problem) = app
        .post_json(
            "/kb/articles",
            &app.technician.token,
            json!({"title": "Deep", "body": deep, "published": true}),
        )
        .await;
    assert_problem_names(status, &problem, StatusCode::UNPROCESSABLE_ENTITY, "body");
    assert!(problem.to_string().contains("at most 32 levels"), "{problem}");
    assert!(snapshot(&app.store, "articles").await.is_empty(), "nothing saved");
    // The console says the same, on the body field.
    let console = Console::anonymous(&app.base);
    console.sign_in(&app.technician.email, &app.technician.password).await;
    let page = console
        .submit("/admin/kb/new", "/admin/kb", &[("title", "Deep"), ("body", &deep), ("visibility", "all")])
        .await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().await.unwrap().contains("at most 32 levels"));

    // A view reads the HTML stored at save time and never renders the body again.
    let (status, article) = app
        .post_json(
            "/kb/articles",
            &app.technician.token,
            json!({"title": "VPN", "body": "Press **Reset**.", "published": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{article}");
    let id: uuid::Uuid = article["id"].as_str().unwrap().parse().unwrap();
    let stored = app.store.article(id).await.unwrap();
    assert_eq!(stored.body_html.as_deref(), Some("<p>Press <strong>Reset</strong>.</p>\n"));
    sqlx::query("UPDATE articles SET body = $1 WHERE id = $2")
        .bind("Changed *behind* the renderer")
        .bind(id.to_string())
        .execute(app.store.pool())
        .await
        .unwrap();
    let Some(idp) = TestIdp::start(crate::tickets::accounts()).await else { return };
    let (portal, _) = crate::tickets::ticketing_portal(&app, &idp, "Acme").await;
    crate::kb::with_knowledge_base(&app, &portal).await;
    let ada = Visitor::new(&app);
    ada.sign_in(&portal, "ada").await;
    let view = ada.client.get(app.url(&portal.path(&format!("/kb/{id}")))).send().await.unwrap();
    assert_eq!(view.status(), StatusCode::OK);
    let view = view.text().await.unwrap();
    assert!(view.contains("<strong>Reset</strong>") && !view.contains("behind"), "the stored HTML is shown");
}

async fn item2_articles_saved_before_are_rendered_in_the_background_under_the_same_bounds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ids = Vec::new();
    for body in ["Use **MFA**.", "Deep follows."] {
        let (status, article) =
            app.post_json("/kb/articles", &app.technician.token, json!({"title": "Old", "body": body})).await;
        assert_eq!(status, StatusCode::CREATED);
        ids.push(article["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap());
    }
    // As saved before bodies were rendered at save time, one of them far too deep to render.
    sqlx::query("UPDATE articles SET body_html = NULL").execute(app.store.pool()).await.unwrap();
    sqlx::query("UPDATE articles SET body = $1 WHERE id = $2")
        .bind("> ".repeat(DEEP_QUOTES) + "<x>")
        .bind(ids[1].to_string())
        .execute(app.store.pool())
        .await
        .unwrap();
    let _restarted = app.another_instance().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let (rendered, deep) = loop {
        let (a, b) = (app.store.article(ids[0]).await.unwrap(), app.store.article(ids[1]).await.unwrap());
        if let (Some(a), Some(b)) = (a.body_html, b.body_html) {
            break (a, b);
        }
        assert!(std::time::Instant::now() < deadline, "not rendered at start");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(rendered, "<p>Use <strong>MFA</strong>.</p>\n");
    assert!(
        deep.starts_with("<pre class=\"kb-plain\">&gt; &gt;") && deep.contains("&lt;x&gt;"),
        "shown as text"
    );
}
