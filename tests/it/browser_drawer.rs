//! The drawer in real Chromium: the whole set-up journey with keyboard reordering, headline
//! editing and View Preview before saving; drag-and-drop; axe-core on both steps and the preview.

use std::time::Duration;

use fantoccini::Locator;
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::support::{Backend, TestApp};

async fn customer_and_group(app: &TestApp) -> (String, String) {
    let (_, customer) =
        app.post_json("/customers", &app.admin.token, json!({"name": "Acme Corporation"})).await;
    let (_, group) =
        app.post_json("/assignment-groups", &app.admin.token, json!({"name": "Service Desk"})).await;
    (customer["id"].as_str().unwrap().to_string(), group["id"].as_str().unwrap().to_string())
}

async fn button_targets(browser: &Browser) -> Vec<String> {
    let order = browser
        .client
        .execute("return [...document.querySelectorAll('ol.buttons input[name$=\".target\"]')].map((i) => i.name + '=' + i.value)", vec![])
        .await
        .unwrap();
    order.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn an_admin_sets_up_the_portal_and_previews_it_before_saving() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (customer_id, group_id) = customer_and_group(&app).await;

    browser.sign_in(&app.base, &app.admin.email, &app.admin.password).await;
    browser.goto(&app.url(&format!("/admin/customers/{customer_id}"))).await;
    browser.click(&format!("a[href='/admin/customers/{customer_id}/portal']")).await;
    browser.wait_until("the drawer", "return !!document.getElementById('drawer-form')").await;

    browser.type_into("#primary_color", "#7b2cbf").await;
    browser.click("#ticketing").await;
    browser.find("#ticketing_group").await.select_by_value(&group_id).await.unwrap();
    browser.click("#knowledge_base").await;
    browser.click("#active").await;
    browser.assert_accessible("drawer step 1").await;
    browser.assert_layout("drawer-step-1").await;

    browser.click("button[value=next]").await;
    browser.wait_until("step 2", "return !document.getElementById('step-2').hidden").await;
    browser.assert_accessible("drawer step 2").await;
    assert_eq!(
        button_targets(&browser).await,
        ["button.0.target=submit_ticket", "button.1.target=my_tickets", "button.2.target=knowledge_base"]
    );

    // Keyboard reordering: Enter on "Move up" of the second button.
    let move_up = browser.find("ol.buttons li:nth-child(2) button[data-direction=up]").await;
    move_up.send_keys("\u{E007}").await.unwrap();
    browser
        .wait_until("the move", "return document.querySelector('ol.buttons li input').value === 'my_tickets'")
        .await;
    assert_eq!(
        button_targets(&browser).await,
        ["button.0.target=my_tickets", "button.1.target=submit_ticket", "button.2.target=knowledge_base"]
    );
    let focused = browser.client.active_element().await.unwrap();
    assert_eq!(
        focused.attr("value").await.unwrap().as_deref(),
        Some("move.button.0.up"),
        "focus stays on the moved button"
    );
    browser
        .wait_until("the announcement", "return document.getElementById('reorder-status').textContent === 'Moved My tickets: position 1 of 3'")
        .await;

    // The headline of the Search section, through its Edit icon.
    browser.click("ol.sections li:nth-child(1) summary").await;
    browser.type_into("#section-0-headline", "Find answers fast").await;
    browser.assert_layout("drawer-step-2").await;

    // View Preview shows the unsaved state beside the drawer.
    browser.click("#view-preview").await;
    browser.wait_until("the preview panel", "return !document.getElementById('live-preview').hidden").await;
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("iframe[name=portal-preview]"))
        .await
        .unwrap();
    browser.client.enter_frame(0).await.unwrap();
    browser
        .wait_until(
            "the preview page",
            "return document.body && document.body.innerText.includes('Find answers fast')",
        )
        .await;
    let theme = browser.find("link[href^='/assets/theme/']").await.attr("href").await.unwrap().unwrap();
    assert!(theme.starts_with("/assets/theme/7b2cbf-"), "{theme}");
    let first_button = browser.text_of(".portal-buttons.large_buttons li:first-child .button-label").await;
    assert_eq!(first_button, "My tickets", "the unsaved order shows");
    browser.assert_accessible("the preview").await;
    let problems = browser.layout_problems().await;
    assert!(problems.is_empty(), "the preview's page: {problems:?}");
    browser.client.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    browser.client.enter_parent_frame().await.unwrap();
    // The frame at the top of the window: an element screenshot of a frame scrolled partly out
    // of view shows the wrong part of it.
    browser
        .client
        .execute("document.querySelector('iframe[name=portal-preview]').scrollIntoView()", vec![])
        .await
        .unwrap();
    let frame = browser.find("iframe[name=portal-preview]").await;
    let png = frame.screenshot().await.unwrap();
    std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots/portal-preview.png"),
        png,
    )
    .unwrap();
    assert_eq!(
        app.store.portal(customer_id.parse().unwrap()).await.unwrap().revision,
        1,
        "nothing saved yet"
    );

    browser.click("button[value=save]").await;
    browser
        .wait_until("the save", "return document.body.innerText.includes('Portal saved as revision 2.')")
        .await;
    browser.assert_accessible("the drawer confirming the save").await;
    browser.assert_layout("drawer-saved").await;
    let saved = app.store.portal(customer_id.parse().unwrap()).await.unwrap().settings;
    assert_eq!(saved.design.primary_color.to_string(), "#7b2cbf");
    assert!(saved.active && saved.features.ticketing.enabled && saved.features.knowledge_base.enabled);
    let order: Vec<String> = saved.layout.buttons.iter().map(|b| b.target.to_string()).collect();
    assert_eq!(order, ["my_tickets", "submit_ticket", "knowledge_base"]);
    assert_eq!(saved.layout.sections[0].headline, "Find answers fast");
    browser.close().await;
}

#[tokio::test]
async fn drag_and_drop_reorders_and_extreme_colours_stay_accessible() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (customer_id, group_id) = customer_and_group(&app).await;
    let (_, mut portal) = app.get_json(&format!("/customers/{customer_id}/portal"), &app.admin.token).await;
    portal["design"] = json!({"primary_color": "#ffff00", "secondary_color": "#ffffff"});
    portal["features"]["ticketing"] = json!({"enabled": true, "default_assignment_group_id": group_id});
    portal["features"]["knowledge_base"] = json!({"enabled": true});
    portal["layout"]["buttons"] = Value::Array(vec![]);
    let response = app
        .api(reqwest::Method::PUT, &format!("/customers/{customer_id}/portal"), &app.admin.token)
        .header("if-match", "1")
        .json(&portal)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);

    browser.sign_in(&app.base, &app.admin.email, &app.admin.password).await;
    browser.goto(&app.url(&format!("/admin/customers/{customer_id}/portal?step=2"))).await;
    browser.wait_until("step 2", "return !document.getElementById('step-2').hidden").await;
    let warning = browser
        .client
        .execute("return document.getElementById('contrast-warning').textContent", vec![])
        .await
        .unwrap();
    assert!(warning.as_str().unwrap().contains("at least 3:1"), "the weak pair is warned about: {warning}");
    browser.assert_accessible("drawer step 2 with yellow on white").await;

    // Drag the third button's handle above the first.
    let handle = browser.find("ol.buttons li:nth-child(3) .drag-handle").await;
    let first = browser.find("ol.buttons li:nth-child(1)").await;
    let (_, _, _, first_height) = first.rectangle().await.unwrap();
    let drag = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement { element: handle, duration: None, x: 0.0, y: 0.0 })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveToElement {
            element: first.clone(),
            duration: Some(Duration::from_millis(150)),
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::MoveToElement {
            element: first,
            duration: Some(Duration::from_millis(150)),
            x: 0.0,
            y: -(first_height / 2.0) + 2.0,
        })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    browser.client.perform_actions(drag).await.unwrap();
    browser
        .wait_until(
            "the drop",
            "return document.querySelector('ol.buttons li input').value === 'knowledge_base'",
        )
        .await;
    assert_eq!(
        button_targets(&browser).await,
        ["button.0.target=knowledge_base", "button.1.target=submit_ticket", "button.2.target=my_tickets"]
    );
    let radio_states = browser
        .client
        .execute("return [...document.querySelectorAll('ol.buttons input[type=radio]:checked')].map((i) => i.name + '=' + i.value)", vec![])
        .await
        .unwrap();
    assert_eq!(
        radio_states,
        json!(["button.0.size=large", "button.1.size=large", "button.2.size=large"]),
        "every row keeps its size choice"
    );

    // And the sections, with the keyboard: Small buttons up twice; focus stays on its button.
    let up = browser.find("ol.sections li:last-child button[data-direction=up]").await;
    up.send_keys("\u{E007}").await.unwrap();
    browser
        .wait_until("the first section move", "return document.activeElement.value === 'move.section.1.up'")
        .await;
    browser.client.active_element().await.unwrap().send_keys("\u{E007}").await.unwrap();
    browser
        .wait_until(
            "the second section move",
            "return document.querySelector('ol.sections li input').value === 'small_buttons'",
        )
        .await;
    browser.click("button[value=save]").await;
    browser
        .wait_until("the save", "return document.body.innerText.includes('Portal saved as revision 3.')")
        .await;
    let saved = app.store.portal(customer_id.parse().unwrap()).await.unwrap().settings;
    let order: Vec<String> = saved.layout.buttons.iter().map(|b| b.target.to_string()).collect();
    assert_eq!(order, ["knowledge_base", "submit_ticket", "my_tickets"]);
    let sections: Vec<&str> = saved.layout.sections.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(sections, ["small_buttons", "search", "large_buttons"]);

    browser.click("#view-preview").await;
    browser.wait_until("the preview panel", "return !document.getElementById('live-preview').hidden").await;
    browser.client.enter_frame(0).await.unwrap();
    browser.wait_until("the preview page", "return !!document.querySelector('.portal-buttons')").await;
    browser.assert_accessible("the preview in yellow on white").await;
    browser.client.enter_parent_frame().await.unwrap();
    browser.close().await;
}

/// The drawer in subdomain mode, with a refused sign-in to check: the address fields and the
/// alert hold at desktop and phone widths, without horizontal scrolling, and pass axe-core.
#[tokio::test]
async fn the_subdomain_address_and_refused_sign_ins_fit_at_desktop_and_phone_widths() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.portal_domain = Some("help-portals.example".into());
    })
    .await;
    let (customer_id, _) = customer_and_group(&app).await;
    let customer = customer_id.parse().unwrap();
    let mut tx = app.store.begin_write().await.unwrap();
    let summary = "refused a sign-in through 'Okta' by another identity with this end user's e-mail address";
    let event = portico::domain::event::NewEvent::new(
        portico::domain::event::EventKind::EndUserSignInConflict,
        uuid::Uuid::now_v7(),
        summary,
    )
    .for_customer(customer);
    tx.record(&portico::domain::actor::Actor::system(), event).await.unwrap();
    tx.commit().await.unwrap();

    browser.sign_in(&app.base, &app.admin.email, &app.admin.password).await;
    for (width, name) in [(1366, "drawer-subdomain-1366"), (375, "drawer-subdomain-375")] {
        browser.client.set_window_size(width, 900).await.unwrap();
        browser.goto(&app.url(&format!("/admin/customers/{customer_id}/portal"))).await;
        browser.wait_until("the drawer", "return !!document.getElementById('drawer-form')").await;
        let shared = browser.text_of("#portal-url").await;
        assert!(shared.starts_with("http://acme-corporation.help-portals.example:"), "{shared}");
        assert!(browser.text_of("#sign-in-conflicts").await.contains("Refused sign-ins to check"));
        browser.screenshot(name).await;
        let problems = browser.layout_problems().await;
        assert!(problems.is_empty(), "at {width} px: {problems:#?}");
        browser.assert_accessible(&format!("the drawer at {width} px")).await;
    }
    browser.close().await;
}

/// What the drawer refuses, in the browser: a refused colour stays refused on the next Next
/// (the colour picker, which cannot show it, once replaced it with black); an oversized logo and
/// an Upload without a file come back to the drawer with the edits kept; an invalid custom
/// domain shows no address to share (it once showed `https://http://…`).
#[tokio::test]
async fn refusals_in_the_drawer_keep_what_was_typed() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (customer_id, _) = customer_and_group(&app).await;
    browser.sign_in(&app.base, &app.admin.email, &app.admin.password).await;
    browser.goto(&app.url(&format!("/admin/customers/{customer_id}/portal"))).await;
    browser.wait_until("the drawer", "return !!document.getElementById('drawer-form')").await;

    browser.type_into("#primary_color", "#12345z").await;
    for attempt in 1..=2 {
        browser.click_and_load("button[value=next]").await;
        browser.wait_until("the refusal", "return !!document.getElementById('primary_color-error')").await;
        assert_eq!(browser.value_of("#primary_color").await, "#12345z", "attempt {attempt}");
        assert!(browser.text_of("#error-summary").await.contains("Primary colour must be a colour like"));
    }
    assert_eq!(app.store.portal(customer_id.parse().unwrap()).await.unwrap().revision, 1, "nothing saved");
    browser.type_into("#primary_color", "#7b2cbf").await;

    // A 3 MB logo, with the slug changed first.
    let large = app.data_dir.join("large-logo.png");
    let mut bytes = crate::drawer::png(64, 64);
    bytes.resize(3 * 1024 * 1024, 0);
    std::fs::write(&large, bytes).unwrap();
    browser.type_into("#slug", "acme-help").await;
    browser.find("#logo").await.send_keys(&large.display().to_string()).await.unwrap();
    browser.click("button[value=upload_logo]").await;
    browser.wait_until("the logo refusal", "return !!document.getElementById('logo-error')").await;
    assert!(browser.text_of("#logo-error").await.contains("logos may be at most 2 MB"));
    assert_eq!(browser.value_of("#slug").await, "acme-help", "the edits are kept");
    assert_eq!(browser.value_of("#primary_color").await, "#7b2cbf");
    browser.assert_accessible("the drawer with a refused logo").await;
    browser.click("button[value=upload_logo]").await;
    browser
        .wait_until(
            "the second refusal",
            "return (document.getElementById('logo-error') || {}).textContent.includes('No logo file was chosen')",
        )
        .await;
    assert_eq!(browser.value_of("#slug").await, "acme-help");

    // An invalid custom domain: no address to share, as typed and after Next.
    browser.type_into("#custom_domain", "http://help.acme.example").await;
    let note = "None yet: the custom domain is not a valid host name.";
    assert_eq!(browser.text_of("#portal-url").await, note);
    browser.click("button[value=next]").await;
    browser.wait_until("the refusal", "return !!document.getElementById('custom_domain-error')").await;
    assert_eq!(browser.text_of("#portal-url").await, note);
    let copy = browser.find("button[data-copy='#portal-url']").await;
    assert!(copy.attr("disabled").await.unwrap().is_some(), "nothing to copy");
    browser.assert_layout("drawer-refusals").await;
    browser.type_into("#custom_domain", "help.acme.example").await;
    assert_eq!(browser.text_of("#portal-url").await, "https://help.acme.example/");
    browser.click("button[value=next]").await;
    browser.wait_until("step 2", "return !document.getElementById('step-2').hidden").await;
    browser.close().await;
}
