//! The End User Portal drawer without JavaScript: plain form posts do everything.

use reqwest::StatusCode;
use serde_json::json;

use crate::html_form::{decode, form_pairs, set, unset, value};
use crate::support::{Backend, Console, TestApp, location, on_both_backends, snapshot};

on_both_backends!(
    the_drawer_saves_every_field_with_plain_form_posts,
    reordering_and_feature_changes_work_without_javascript,
    invalid_settings_are_shown_beside_their_fields_and_nothing_is_stored,
    a_stale_save_shows_the_conflict_and_loses_neither_change,
    view_preview_renders_the_unsaved_form,
    a_logo_uploaded_in_the_drawer_is_saved_with_the_portal,
    revisions_are_restored_from_the_drawer,
    technicians_may_look_and_preview_but_not_save,
);

pub(crate) struct Drawer {
    pub console: Console,
    pub path: String,
    pub customer_id: String,
}

pub(crate) async fn open_drawer(app: &TestApp) -> Drawer {
    let (_, customer) =
        app.post_json("/customers", &app.admin.token, json!({"name": "Acme Corporation"})).await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    let console = app.console(&app.admin.email, &app.admin.password).await;
    Drawer { console, path: format!("/admin/customers/{customer_id}/portal"), customer_id }
}

impl Drawer {
    pub async fn pairs(&self, path: &str) -> Vec<(String, String)> {
        form_pairs(&self.console.page(path).await, "drawer-form")
    }

    pub async fn post(&self, pairs: &[(String, String)], action: &str) -> reqwest::Response {
        let mut form = pairs.to_vec();
        form.push(("action".into(), action.into()));
        self.console
            .client
            .post(format!("{}{}", self.console.base, self.path))
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

async fn desk(app: &TestApp) -> String {
    let (_, group) =
        app.post_json("/assignment-groups", &app.admin.token, json!({"name": "Service Desk"})).await;
    group["id"].as_str().unwrap().to_string()
}

async fn the_drawer_saves_every_field_with_plain_form_posts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let group = desk(&app).await;
    let drawer = open_drawer(&app).await;
    let profile = drawer.console.page(&format!("/admin/customers/{}", drawer.customer_id)).await;
    assert!(
        profile.contains(&drawer.path),
        "Service Management → End Users → End User Portal leads to the drawer"
    );

    let mut step1 = drawer.pairs(&drawer.path).await;
    assert_eq!(value(&step1, "slug"), "acme-corporation");
    set(&mut step1, "active", "on");
    set(&mut step1, "slug", "acme-help");
    set(&mut step1, "custom_domain", "Help.Acme.Example");
    set(&mut step1, "primary_color", "#0B5CAD");
    set(&mut step1, "secondary_color", "#fff");
    set(&mut step1, "ticketing", "on");
    set(&mut step1, "ticketing_group", &group);
    set(&mut step1, "knowledge_base", "on");
    set(&mut step1, "external_links", "on");
    let added = drawer.post(&step1, "add_link").await;
    assert_eq!(added.status(), StatusCode::OK);
    let mut with_link = form_pairs(&added.text().await.unwrap(), "drawer-form");
    set(&mut with_link, "link.0.label", "HR portal");
    set(&mut with_link, "link.0.url", "https://hr.example/start");
    set(&mut with_link, "link.0.description", "Holidays and payslips");

    let next = drawer.post(&with_link, "next").await;
    assert_eq!(next.status(), StatusCode::OK);
    let page = next.text().await.unwrap();
    assert!(
        page.contains("id=\"step-1\" hidden") && !page.contains("id=\"step-2\" hidden"),
        "Next shows step 2"
    );
    assert!(
        page.contains("This portal is active, but no single sign-on configuration is enabled"),
        "the SSO warning shows"
    );
    let mut step2 = form_pairs(&page, "drawer-form");
    let targets: Vec<String> =
        (0..4).map(|i| value(&step2, &format!("button.{i}.target")).to_string()).collect();
    let link_id = value(&step2, "link.0.id").to_string();
    assert!(!link_id.is_empty(), "the new link got an id");
    assert_eq!(
        targets,
        ["submit_ticket", "my_tickets", "knowledge_base", format!("link:{link_id}").as_str()]
    );
    set(&mut step2, "button.1.size", "small");
    set(&mut step2, "button.0.label", "Report a problem");
    set(&mut step2, "button.0.description", "We answer within the hour");
    set(&mut step2, "section.0.headline", "What do you need?");
    set(&mut step2, "section.2.headline", "");

    let saved = drawer.post(&step2, "save").await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert!(location(&saved).ends_with("?step=2&done=portal-saved&of=2"), "{}", location(&saved));
    let after = drawer.console.page(&location(&saved)).await;
    assert!(after.contains("Portal saved as revision 2."));

    let portal = app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap();
    let settings = &portal.settings;
    assert!(settings.active);
    assert_eq!(settings.slug.as_str(), "acme-help");
    assert_eq!(settings.custom_domain.as_ref().unwrap().as_str(), "help.acme.example");
    assert_eq!(settings.design.primary_color.to_string(), "#0b5cad");
    assert_eq!(settings.design.secondary_color.to_string(), "#ffffff");
    assert_eq!(settings.features.ticketing.default_assignment_group_id.unwrap().to_string(), group);
    assert!(settings.features.knowledge_base.enabled && settings.features.external_links.enabled);
    let link = &settings.features.external_links.links[0];
    assert_eq!(
        (link.label.as_str(), link.url.as_str(), link.description.as_str()),
        ("HR portal", "https://hr.example/start", "Holidays and payslips")
    );
    let buttons = &settings.layout.buttons;
    assert_eq!(
        (buttons[0].label.as_str(), buttons[0].description.as_str()),
        ("Report a problem", "We answer within the hour")
    );
    assert_eq!(buttons[1].size.as_str(), "small");
    assert_eq!(settings.layout.sections[0].headline, "What do you need?");
    assert_eq!(settings.layout.sections[2].headline, "");
    assert_eq!(portal.updated_by, "Ada Admin");
}

async fn reordering_and_feature_changes_work_without_javascript(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let group = desk(&app).await;
    let drawer = open_drawer(&app).await;
    let mut step1 = drawer.pairs(&drawer.path).await;
    set(&mut step1, "ticketing", "on");
    set(&mut step1, "ticketing_group", &group);
    set(&mut step1, "knowledge_base", "on");
    let step2 = form_pairs(&drawer.post(&step1, "next").await.text().await.unwrap(), "drawer-form");

    let moved =
        form_pairs(&drawer.post(&step2, "move.button.2.up").await.text().await.unwrap(), "drawer-form");
    let order: Vec<&str> = (0..3).map(|i| value(&moved, &format!("button.{i}.target"))).collect();
    assert_eq!(order, ["submit_ticket", "knowledge_base", "my_tickets"]);
    let moved =
        form_pairs(&drawer.post(&moved, "move.section.0.down").await.text().await.unwrap(), "drawer-form");
    let sections: Vec<&str> = (0..3).map(|i| value(&moved, &format!("section.{i}.kind"))).collect();
    assert_eq!(sections, ["large_buttons", "search", "small_buttons"]);
    assert_eq!(drawer.post(&moved, "save").await.status(), StatusCode::SEE_OTHER);
    let saved = app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap().settings;
    let order: Vec<String> = saved.layout.buttons.iter().map(|b| b.target.to_string()).collect();
    assert_eq!(order, ["submit_ticket", "knowledge_base", "my_tickets"]);
    assert_eq!(saved.layout.sections[0].kind.as_str(), "large_buttons");

    // Switching Knowledge Base off in step 1 removes its button on the way to step 2.
    let mut again = drawer.pairs(&drawer.path).await;
    unset(&mut again, "knowledge_base");
    let step2 = form_pairs(&drawer.post(&again, "next").await.text().await.unwrap(), "drawer-form");
    let targets: Vec<&str> =
        step2.iter().filter(|(k, _)| k.ends_with(".target")).map(|(_, v)| v.as_str()).collect();
    assert_eq!(targets, ["submit_ticket", "my_tickets"]);
    let back = drawer.post(&step2, "back").await.text().await.unwrap();
    assert!(back.contains("id=\"step-2\" hidden"), "Back returns to step 1");
}

async fn invalid_settings_are_shown_beside_their_fields_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drawer = open_drawer(&app).await;
    app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap();
    let before = (snapshot(&app.store, "portals").await, snapshot(&app.store, "portal_revisions").await);
    let mut step1 = drawer.pairs(&drawer.path).await;
    set(&mut step1, "slug", "Not Valid!");
    set(&mut step1, "primary_color", "blue-ish");
    set(&mut step1, "ticketing", "on");
    set(&mut step1, "external_links", "on");
    let with_link = form_pairs(&drawer.post(&step1, "add_link").await.text().await.unwrap(), "drawer-form");
    let mut bad = with_link.clone();
    set(&mut bad, "link.0.label", "Evil");
    set(&mut bad, "link.0.url", "javascript:alert(1)");

    for action in ["next", "save"] {
        let response = drawer.post(&bad, action).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{action}");
        let page = response.text().await.unwrap();
        assert!(page.contains("Nothing was saved. Please correct:"));
        for expected in [
            "href=\"#slug\"",
            "may contain only lowercase letters",
            "href=\"#primary_color\"",
            "must be a colour like #1f6feb",
            "href=\"#ticketing_group\"",
            "is required when Ticketing is enabled",
            "href=\"#link-0-url\"",
            "must be an http:// or https:// address",
        ] {
            assert!(decode(&page).contains(expected), "{action}: missing {expected}");
        }
        let kept = form_pairs(&page, "drawer-form");
        assert_eq!(value(&kept, "slug"), "Not Valid!", "typed values are kept");
        assert_eq!(value(&kept, "link.0.url"), "javascript:alert(1)");
        assert!(page.contains("id=\"step-2\" hidden"), "errors of step 1 show on step 1");
    }
    assert_eq!(
        before,
        (snapshot(&app.store, "portals").await, snapshot(&app.store, "portal_revisions").await)
    );
}

async fn a_stale_save_shows_the_conflict_and_loses_neither_change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drawer = open_drawer(&app).await;
    portico::cli::create_team_member(
        &app.core,
        "bea@msp.example",
        "Bea Admin",
        "admin",
        Some("another long password".into()),
    )
    .await
    .unwrap();
    let other = Drawer {
        console: app.console("bea@msp.example", "another long password").await,
        path: drawer.path.clone(),
        customer_id: drawer.customer_id.clone(),
    };
    let mine = drawer.pairs(&drawer.path).await;
    let theirs = other.pairs(&other.path).await;

    let mut their_change =
        form_pairs(&other.post(&theirs, "next").await.text().await.unwrap(), "drawer-form");
    set(&mut their_change, "primary_color", "#aa0000");
    assert_eq!(other.post(&their_change, "save").await.status(), StatusCode::SEE_OTHER);

    let mut my_change = form_pairs(&drawer.post(&mine, "next").await.text().await.unwrap(), "drawer-form");
    set(&mut my_change, "section.0.headline", "Ask us anything");
    let conflict = drawer.post(&my_change, "save").await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    let page = conflict.text().await.unwrap();
    assert!(page.contains("Someone else saved this portal while you were editing"));
    assert!(page.contains("Bea Admin") && page.contains("#aa0000"), "what they changed is shown");
    let kept = form_pairs(&page, "drawer-form");
    assert_eq!(value(&kept, "section.0.headline"), "Ask us anything", "my change is still in the form");
    assert_eq!(value(&kept, "revision"), "2");
    let stored = app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap();
    assert_eq!(
        (stored.revision, stored.settings.design.primary_color.to_string()),
        (2, "#aa0000".to_string()),
        "nothing of mine was stored yet"
    );

    // Saving again, knowingly, stores my version; theirs stays in the history.
    assert_eq!(drawer.post(&kept, "save").await.status(), StatusCode::SEE_OTHER);
    let stored = app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap();
    assert_eq!(stored.revision, 3);
    assert_eq!(stored.settings.layout.sections[0].headline, "Ask us anything");
    let history = app.store.portal_revisions(drawer.customer_id.parse().unwrap()).await.unwrap();
    assert!(
        history.iter().any(|r| r.revision == 2 && r.actor == "Bea Admin" && r.summary.contains("#aa0000"))
    );
}

async fn view_preview_renders_the_unsaved_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drawer = open_drawer(&app).await;
    let mut pairs = drawer.pairs(&drawer.path).await;
    set(&mut pairs, "primary_color", "#123456");
    set(&mut pairs, "section.0.headline", "Unsaved headline");
    set(&mut pairs, "action", "preview");
    let preview_path = format!("{}/preview", drawer.path);
    let response = drawer
        .console
        .post_form(&preview_path, &pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'self'")
    );
    let html = response.text().await.unwrap();
    assert!(
        html.contains("preview-banner")
            && html.contains("Unsaved headline")
            && html.contains("/assets/theme/123456-")
    );
    assert_eq!(
        app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap().revision,
        1,
        "nothing saved"
    );

    set(&mut pairs, "primary_color", "nope");
    let response = drawer
        .console
        .post_form(&preview_path, &pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>())
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = decode(&response.text().await.unwrap());
    assert!(
        page.contains("Primary colour") && page.contains("must be a colour like"),
        "validation messages instead of a broken page"
    );

    let forged: Vec<(&str, &str)> = vec![("_csrf", "nope"), ("action", "preview")];
    assert_eq!(drawer.console.post_form(&preview_path, &forged).await.status(), StatusCode::FORBIDDEN);
}

pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(width, height, image::Rgba([10, 120, 200, 255]));
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

async fn a_logo_uploaded_in_the_drawer_is_saved_with_the_portal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drawer = open_drawer(&app).await;
    let pairs = drawer.pairs(&drawer.path).await;
    let multipart = |pairs: &[(String, String)], action: &str, file: Option<Vec<u8>>| {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in pairs {
            form = form.text(k.clone(), v.clone());
        }
        form = form.text("action", action.to_string());
        if let Some(bytes) = file {
            form = form.part(
                "logo",
                reqwest::multipart::Part::bytes(bytes).file_name("logo.png").mime_str("image/png").unwrap(),
            );
        }
        form
    };
    let url = format!("{}{}", drawer.console.base, drawer.path);
    let uploaded = drawer
        .console
        .client
        .post(&url)
        .multipart(multipart(&pairs, "upload_logo", Some(png(1000, 500))))
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::OK);
    let page = uploaded.text().await.unwrap();
    assert!(page.contains("Logo uploaded (512×256)"));
    let with_logo = form_pairs(&page, "drawer-form");
    let logo_id = value(&with_logo, "logo_id").to_string();
    assert_eq!(logo_id.len(), 64);
    assert!(
        app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap().logo_id.is_none(),
        "not saved yet"
    );

    let refused = drawer
        .console
        .client
        .post(&url)
        .multipart(multipart(&with_logo, "upload_logo", Some(b"<svg/>".to_vec())))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("SVG images are not accepted"));

    let step2 = form_pairs(&drawer.post(&with_logo, "next").await.text().await.unwrap(), "drawer-form");
    assert_eq!(drawer.post(&step2, "save").await.status(), StatusCode::SEE_OTHER);
    let portal = app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap();
    assert_eq!(portal.logo_id.as_deref(), Some(logo_id.as_str()));

    let mut removed = drawer.pairs(&drawer.path).await;
    let page = drawer.post(&removed, "remove_logo").await.text().await.unwrap();
    removed = form_pairs(&page, "drawer-form");
    assert_eq!(value(&removed, "logo_id"), "");
    let step2 = form_pairs(&drawer.post(&removed, "next").await.text().await.unwrap(), "drawer-form");
    assert_eq!(drawer.post(&step2, "save").await.status(), StatusCode::SEE_OTHER);
    assert!(app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap().logo_id.is_none());
}

async fn revisions_are_restored_from_the_drawer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drawer = open_drawer(&app).await;
    let mut pairs = drawer.pairs(&drawer.path).await;
    set(&mut pairs, "primary_color", "#00aa00");
    let step2 = form_pairs(&drawer.post(&pairs, "next").await.text().await.unwrap(), "drawer-form");
    drawer.post(&step2, "save").await;
    let page = drawer.console.page(&drawer.path).await;
    assert!(page.contains("Revision 2") && page.contains("Revision 1"));
    let restore = format!("{}/revisions/1/restore", drawer.path);
    assert!(page.contains(&restore));
    let csrf = value(&form_pairs(&page, "drawer-form"), "_csrf").to_string();
    let response = drawer.console.post_form(&restore, &[("_csrf", csrf.as_str()), ("revision", "2")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let portal = app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap();
    assert_eq!(
        (portal.revision, portal.settings.design.primary_color.to_string()),
        (3, "#1f6feb".to_string())
    );
    let stale = drawer.console.post_form(&restore, &[("_csrf", csrf.as_str()), ("revision", "2")]).await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
}

async fn technicians_may_look_and_preview_but_not_save(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drawer = open_drawer(&app).await;
    let tech = Drawer {
        console: app.console(&app.technician.email, &app.technician.password).await,
        path: drawer.path.clone(),
        customer_id: drawer.customer_id.clone(),
    };
    let page = tech.console.page(&tech.path).await;
    assert!(page.contains("only admins can save them"));
    let pairs = form_pairs(&page, "drawer-form");
    let step2 = tech.post(&pairs, "next").await;
    assert_eq!(step2.status(), StatusCode::OK, "technicians may walk through the steps");
    let preview = tech
        .console
        .post_form(
            &format!("{}/preview", tech.path),
            &pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    assert_eq!(tech.post(&pairs, "save").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.portal(drawer.customer_id.parse().unwrap()).await.unwrap().revision, 1);
}

/// The `Address to share` the drawer shows.
pub(crate) fn shared_address(page: &str) -> String {
    let start = page.find("id=\"portal-url\"").expect("the address output");
    let start = page[start..].find('>').unwrap() + start + 1;
    let end = page[start..].find('<').unwrap() + start;
    decode(&page[start..end])
}

#[tokio::test]
async fn the_drawer_shows_the_address_the_api_and_the_portal_use() {
    let app =
        TestApp::spawn_with(Backend::Sqlite, |config| config.portal_domain = Some("portals.test".into()))
            .await;
    let drawer = open_drawer(&app).await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let page = drawer.console.page(&drawer.path).await;
    assert_eq!(
        shared_address(&page),
        format!("http://acme-corporation.portals.test:{port}/"),
        "subdomain mode"
    );
    let (_, config) = app
        .post_json(
            &format!("/customers/{}/portal/sso-configs", drawer.customer_id),
            &app.admin.token,
            json!({"label": "Okta", "provider": "oidc", "discovery_url": "http://127.0.0.1:9/.well-known/openid-configuration",
                "client_id": "x", "client_secret": "y"}),
        )
        .await;
    let redirect = config["redirect_uri"].as_str().unwrap();
    assert!(redirect.starts_with(&shared_address(&page)), "{redirect}");

    // While the custom domain is not a host name there is no address to share, only a note
    // (it once read `https://http://help.acme.example/`).
    let mut pairs = drawer.pairs(&drawer.path).await;
    set(&mut pairs, "custom_domain", "http://help.acme.example");
    let refused = drawer.post(&pairs, "next").await.text().await.unwrap();
    assert_eq!(shared_address(&refused), "None yet: the custom domain is not a valid host name.");
    assert!(refused.contains("data-copy=\"#portal-url\" hidden disabled"), "nothing to copy");
    set(&mut pairs, "custom_domain", "");
    set(&mut pairs, "slug", "Not Valid!");
    let refused = drawer.post(&pairs, "next").await.text().await.unwrap();
    assert_eq!(shared_address(&refused), "None yet: the Portal URL is not valid.");
    set(&mut pairs, "slug", "acme-corporation");
    set(&mut pairs, "custom_domain", "help.acme.example");
    let accepted = drawer.post(&pairs, "next").await.text().await.unwrap();
    assert_eq!(shared_address(&accepted), "https://help.acme.example/");
}
