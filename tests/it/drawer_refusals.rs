//! What the drawer refuses, without JavaScript: a refused colour stays refused, an oversized
//! or missing logo comes back to the drawer with every edit kept, and an address another
//! portal has is found at Next.

use reqwest::StatusCode;
use serde_json::json;

use crate::drawer::{Drawer, open_drawer, png};
use crate::html_form::{decode, form_pairs, set, value};
use crate::support::{Backend, TestApp, on_both_backends, snapshot};

on_both_backends!(
    a_refused_colour_stays_refused_until_it_is_changed,
    an_oversized_or_missing_logo_comes_back_with_the_edits_kept,
    a_slug_or_domain_another_portal_has_is_found_at_next,
);

async fn a_refused_colour_stays_refused_until_it_is_changed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drawer = open_drawer(&app).await;
    let before = snapshot(&app.store, "portals").await;
    let mut pairs = drawer.pairs(&drawer.path).await;
    set(&mut pairs, "primary_color", "#12345z");

    // Refused the first time, and every time after: the picker beside it can only show black,
    // which once replaced the refused value on the second Next.
    for attempt in 1..=3 {
        let response = drawer.post(&pairs, "next").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "attempt {attempt}");
        let page = decode(&response.text().await.unwrap());
        assert!(page.contains("must be a colour like"), "attempt {attempt}");
        pairs = form_pairs(&page, "drawer-form");
        assert_eq!(value(&pairs, "primary_color"), "#12345z", "attempt {attempt}: the typed value stays");
        assert_eq!(value(&pairs, "primary_color_picker"), "#000000");
    }
    assert_eq!(before, snapshot(&app.store, "portals").await);

    // Changing the picker (without JavaScript nothing copies it into the field) counts.
    set(&mut pairs, "primary_color_picker", "#336699");
    let page = drawer.post(&pairs, "next").await.text().await.unwrap();
    let step2 = form_pairs(&page, "drawer-form");
    assert_eq!(value(&step2, "primary_color"), "#336699");
    assert!(page.contains("id=\"step-1\" hidden"), "on to step 2");

    // The picker is always given a value it can hold (`#rrggbb`): given `#abc` or a refused
    // value, a browser would show and send black instead.
    let mut pairs = drawer.pairs(&drawer.path).await;
    set(&mut pairs, "secondary_color", "#abc");
    let page = drawer.post(&pairs, "stay").await.text().await.unwrap();
    let kept = form_pairs(&page, "drawer-form");
    assert_eq!(
        (value(&kept, "secondary_color"), value(&kept, "secondary_color_picker")),
        ("#abc", "#aabbcc")
    );
    let page = drawer.post(&kept, "next").await.text().await.unwrap();
    assert_eq!(value(&form_pairs(&page, "drawer-form"), "secondary_color"), "#aabbcc");
}

/// The drawer's fields in document order, with `file` in the logo field's place (before the
/// colour fields, as a browser sends them), and the button pressed.
fn multipart(pairs: &[(String, String)], action: &str, file: Option<Vec<u8>>) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    let mut file = Some(file);
    for (name, value) in pairs {
        if name == "primary_color_picker"
            && let Some(file) = file.take()
        {
            // A browser sends an empty, nameless file part when no file was chosen.
            let (name, mime) =
                if file.is_some() { ("logo.png", "image/png") } else { ("", "application/octet-stream") };
            let part = reqwest::multipart::Part::bytes(file.unwrap_or_default())
                .file_name(name)
                .mime_str(mime)
                .unwrap();
            form = form.part("logo", part);
        }
        form = form.text(name.clone(), value.clone());
    }
    form.text("action", action.to_string())
}

async fn upload(drawer: &Drawer, pairs: &[(String, String)], file: Option<Vec<u8>>) -> reqwest::Response {
    drawer
        .console
        .client
        .post(format!("{}{}", drawer.console.base, drawer.path))
        .multipart(multipart(pairs, "upload_logo", file))
        .send()
        .await
        .unwrap()
}

async fn an_oversized_or_missing_logo_comes_back_with_the_edits_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drawer = open_drawer(&app).await;
    let mut edits = drawer.pairs(&drawer.path).await;
    set(&mut edits, "slug", "acme-help");
    set(&mut edits, "custom_domain", "help.acme.example");
    set(&mut edits, "primary_color", "#7b2cbf");
    set(&mut edits, "knowledge_base", "on");
    let kept = |page: &str| {
        let pairs = form_pairs(page, "drawer-form");
        for field in ["slug", "custom_domain", "primary_color", "knowledge_base"] {
            assert_eq!(value(&pairs, field), value(&edits, field), "{field} is kept");
        }
    };

    // Upload without a file says so.
    let response = upload(&drawer, &edits, None).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = decode(&response.text().await.unwrap());
    assert!(page.contains("No logo file was chosen"), "{page}");
    assert!(page.contains("id=\"logo-error\""), "beside the field too");
    kept(&page);

    // A file over 2 MB (a 3 MB one; axum's 2 MB body limit once ended on a bare 413 page).
    let mut large = png(64, 64);
    large.resize(3 * 1024 * 1024, 0);
    let response = upload(&drawer, &edits, Some(large)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = decode(&response.text().await.unwrap());
    assert!(page.contains("The logo file is 3.0 MB; logos may be at most 2 MB."), "{page}");
    kept(&page);
    assert_eq!(value(&form_pairs(&page, "drawer-form"), "logo_id"), "", "no logo chosen");

    // And a proper one still works from there.
    let response = upload(&drawer, &form_pairs(&page, "drawer-form"), Some(png(300, 100))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("Logo uploaded (300×100)"));
    kept(&page);
}

/// Beyond what the drawer reads at all, the page names the limit and says the edits are
/// still in the form the browser goes back to.
#[tokio::test]
async fn a_form_beyond_the_drawers_limit_gets_a_page_naming_the_logo_limit() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let drawer = open_drawer(&app).await;
    let pairs = drawer.pairs(&drawer.path).await;
    let response = upload(&drawer, &pairs, Some(vec![0; 40 * 1024 * 1024])).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = decode(&response.text().await.unwrap());
    assert!(
        page.contains("Logos may be at most 2 MB")
            && page.contains("your other changes are still in the form"),
        "{page}"
    );
}

async fn a_slug_or_domain_another_portal_has_is_found_at_next(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, globex) = app.post_json("/customers", &app.admin.token, json!({"name": "Globex"})).await;
    let globex = globex["id"].as_str().unwrap().to_string();
    app.update_portal(&globex, |document| {
        document["slug"] = json!("globex-old");
    })
    .await;
    app.update_portal(&globex, |document| {
        document["slug"] = json!("globex-help");
        document["custom_domain"] = json!("help.globex.example");
    })
    .await;
    let drawer = open_drawer(&app).await;
    let before = snapshot(&app.store, "portals").await;

    for (field, typed, says) in [
        ("slug", "globex-help", "Slug is already the address of another portal."),
        ("slug", "globex-old", "Slug is an earlier address of another portal"),
        (
            "custom_domain",
            "Help.Globex.Example",
            "Custom domain is already the custom domain of another portal.",
        ),
    ] {
        let mut pairs = drawer.pairs(&drawer.path).await;
        set(&mut pairs, field, typed);
        let response = drawer.post(&pairs, "next").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field} {typed}");
        let page = decode(&response.text().await.unwrap());
        assert!(page.contains(says), "{typed}: {page}");
        assert!(page.contains("id=\"step-2\" hidden"), "it shows on step 1, beside the field");
        assert_eq!(value(&form_pairs(&page, "drawer-form"), field), typed, "as typed");
    }
    // The portal's own addresses are its own.
    let pairs = drawer.pairs(&drawer.path).await;
    assert_eq!(drawer.post(&pairs, "next").await.status(), StatusCode::OK);
    assert_eq!(before, snapshot(&app.store, "portals").await);
}
