//! Request types in the console: the builder (every kind, conditional fields, add, move and
//! remove without script, the draft kept until saved, refusals at the field they name), read-only
//! for technicians, tailoring per customer, and tickets filed through a type in the queue and on
//! the ticket page.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use portico::domain::actor::Actor;
use portico::domain::request_type::{FieldKind, RawAnswers};
use portico::domain::ticket::{ContactSource, TicketDraft};
use portico::usecases::request_types;
use portico::usecases::tickets::{self, TicketRequest, TypedRequest};

use crate::html_form::{decode, form_pairs, set, value};
use crate::support::{Backend, Console, TestApp, location, on_both_backends};

on_both_backends!(
    a_type_with_every_kind_and_a_condition_is_built_through_the_forms,
    edits_keep_the_unsaved_draft_and_refusals_show_at_their_field,
    technicians_see_request_types_but_cannot_change_them,
    a_customer_hides_one_type_and_routes_another,
    the_queue_finds_typed_tickets_and_the_ticket_page_shows_the_answers,
);

type Pairs = Vec<(String, String)>;

/// Posts the builder's form as the page holds it, with `action` as the button pressed.
async fn press(console: &Console, path: &str, pairs: &Pairs, action: &str) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    form.push(("action", action));
    console.post_form(path, &form).await
}

/// Presses `action` and reads the re-rendered builder.
async fn edit(console: &Console, path: &str, pairs: &Pairs, action: &str) -> (String, Pairs) {
    let response = press(console, path, pairs, action).await;
    assert_eq!(response.status(), StatusCode::OK, "{action}");
    let page = response.text().await.unwrap();
    let pairs = form_pairs(&page, "builder");
    (page, pairs)
}

fn keys(pairs: &Pairs) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k.ends_with("].key")).map(|(_, v)| v.clone()).collect()
}

/// The eight kinds, and a ninth field shown only when the model is "Other".
const FIELDS: &[(&str, &str, &str)] = &[
    ("reason", "Why is it needed", "text"),
    ("details", "Details", "textarea"),
    ("count", "How many", "number"),
    ("needed_by", "Needed by", "date"),
    ("manager_email", "Manager's e-mail", "email"),
    ("model", "Model", "select"),
    ("extras", "Extras", "multiselect"),
    ("urgent", "Someone cannot work", "checkbox"),
    ("other_model", "Which model", "text"),
];

/// Builds the laptop type through the builder, one "Add a field" at a time; returns its id.
async fn build_laptop(console: &Console, group_id: Option<&str>) -> Uuid {
    let page = console.page("/admin/request-types/new").await;
    let mut pairs = form_pairs(&page, "builder");
    assert_eq!(keys(&pairs), ["field_1"], "a new type starts with one field");
    set(&mut pairs, "name", "Laptop request");
    set(&mut pairs, "icon", "💻");
    set(&mut pairs, "category", "Hardware");
    set(&mut pairs, "description", "A laptop for a new starter or a replacement.");
    set(&mut pairs, "assignment_group_id", group_id.unwrap_or_default());
    for (index, (key, label, kind)) in FIELDS.iter().enumerate() {
        if index > 0 {
            let (page, next) = edit(console, "/admin/request-types", &pairs, "add").await;
            assert!(page.contains(&format!("id=\"f{index}-label\"")), "the new field is there");
            assert!(page.contains("autofocus"), "and has the focus");
            assert_eq!(keys(&next).len(), index + 1);
            assert_eq!(keys(&next)[..index], keys(&pairs)[..], "the draft is kept");
            assert_eq!(value(&next, "name"), "Laptop request");
            pairs = next;
        }
        let name = |part: &str| format!("fields[{index}].{part}");
        set(&mut pairs, &name("key"), key);
        set(&mut pairs, &name("label"), label);
        set(&mut pairs, &name("kind"), kind);
        match *key {
            "model" => {
                set(&mut pairs, &name("options"), "Standard\nDeveloper\nOther");
                set(&mut pairs, &name("required"), "true");
            }
            "extras" => set(&mut pairs, &name("options"), "Dock\r\nHeadset\r\n"),
            "urgent" => set(&mut pairs, &name("help"), "Tick when someone cannot work without it."),
            "other_model" => {
                set(&mut pairs, &name("show_when.field"), "model");
                set(&mut pairs, &name("show_when.equals"), "Other");
                set(&mut pairs, &name("required"), "true");
            }
            _ => {}
        }
    }
    // The preview is the portal's rendering of the draft.
    let (page, pairs) = edit(console, "/admin/request-types", &pairs, "refresh").await;
    assert!(page.contains(r#"name="fields[model]""#) && page.contains(r#"<option value="Other">"#), "{page}");
    assert!(page.contains("Only if Model is “Other”."), "the condition is said in words");
    assert!(page.contains(r#"data-show-when="model""#));
    let saved = press(console, "/admin/request-types", &pairs, "save").await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "{}", saved.text().await.unwrap());
    let to = location(&saved);
    assert!(to.starts_with("/admin/request-types?done=request-type-created&of="), "{to}");
    let list = console.page(&to).await;
    assert!(list.contains("Request type “Laptop request” created."), "{list}");
    to.rsplit('=').next().unwrap().parse().unwrap()
}

async fn a_type_with_every_kind_and_a_condition_is_built_through_the_forms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let id = build_laptop(&console, None).await;
    let saved = request_types::request_type(&app.core, &Actor::cli(), id).await.unwrap().settings;
    assert_eq!(saved.name, "Laptop request");
    assert_eq!(saved.icon, "💻");
    assert_eq!(saved.category, "Hardware");
    let kinds: Vec<FieldKind> = saved.fields.iter().map(|f| f.kind).collect();
    assert_eq!(&kinds[..8], FieldKind::ALL);
    let model = &saved.fields[5];
    assert_eq!(model.options, ["Standard", "Developer", "Other"]);
    assert!(model.required);
    assert_eq!(saved.fields[6].options, ["Dock", "Headset"]);
    let condition = saved.fields[8].show_when.as_ref().unwrap();
    assert_eq!((condition.field.as_str(), condition.equals.as_str()), ("model", "Other"));
    assert!(saved.customer_ids.is_empty(), "for all customers");

    // The list names it; the builder shows it as saved.
    let list = console.page("/admin/request-types").await;
    for expected in ["Laptop request", "Hardware", "All customers", ">9<", "Portal&#39;s default group"] {
        assert!(list.contains(expected) || list.contains(&expected.replace("&#39;", "'")), "{expected}");
    }
    let page = console.page(&format!("/admin/request-types/{id}")).await;
    let pairs = form_pairs(&page, "builder");
    assert_eq!(keys(&pairs), FIELDS.iter().map(|f| f.0).collect::<Vec<_>>());
    assert_eq!(value(&pairs, "fields[5].options"), "Standard\nDeveloper\nOther");

    // Saving it for chosen customers, then deleting it after a confirmation.
    let (_, customer) = app.post_json("/customers", &app.admin.token, json!({"name": "Acme"})).await;
    let customer_id = customer["id"].as_str().unwrap();
    let mut pairs = pairs;
    set(&mut pairs, "audience", "chosen");
    pairs.push(("customer_ids".into(), customer_id.into()));
    let saved = press(&console, &format!("/admin/request-types/{id}"), &pairs, "save").await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let list = console.page(&location(&saved)).await;
    assert!(list.contains("Request type “Laptop request” saved.") && list.contains("1 chosen customer"));
    let confirm = console.page(&format!("/admin/request-types/{id}/delete")).await;
    assert!(confirm.contains("Delete “Laptop request”?") && confirm.contains("keep their answers"));
    let deleted = console
        .submit(
            &format!("/admin/request-types/{id}/delete"),
            &format!("/admin/request-types/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let list = console.page(&location(&deleted)).await;
    assert!(list.contains("Request type deleted.") && list.contains("No request types yet."), "{list}");
    assert!(request_types::request_type(&app.core, &Actor::cli(), id).await.is_err());
}

async fn edits_keep_the_unsaved_draft_and_refusals_show_at_their_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let id = build_laptop(&console, None).await;
    let path = format!("/admin/request-types/{id}");
    let before = request_types::request_type(&app.core, &Actor::cli(), id).await.unwrap();
    let page = console.page(&path).await;
    let pairs = form_pairs(&page, "builder");

    // Move the first field down and back up, remove the last: the draft follows, nothing is saved.
    let (_, moved) = edit(&console, &path, &pairs, "down.0").await;
    assert_eq!(keys(&moved)[..2], ["details", "reason"]);
    assert_eq!(value(&moved, "fields[1].label"), "Why is it needed", "each field's inputs move with it");
    let (page, back) = edit(&console, &path, &moved, "up.1").await;
    assert!(page.contains(r#"id="f0-down" autofocus"#), "the moved field's button keeps the focus");
    assert_eq!(keys(&back), keys(&pairs));
    let (page, removed) = edit(&console, &path, &back, "remove.8").await;
    assert_eq!(keys(&removed).len(), 8);
    assert!(!page.contains(r#"name="fields[other_model]""#), "the preview follows");
    let (_, typed) = {
        let mut changed = removed.clone();
        set(&mut changed, "name", "Changed but unsaved");
        edit(&console, &path, &changed, "add").await
    };
    assert_eq!(value(&typed, "name"), "Changed but unsaved");
    assert_eq!(request_types::request_type(&app.core, &Actor::cli(), id).await.unwrap(), before);

    // A refused draft: each message at its field, the input kept, nothing saved.
    let mut bad = pairs.clone();
    set(&mut bad, "fields[6].options", "Dock\nDock");
    set(&mut bad, "fields[2].key", "How Many");
    set(&mut bad, "fields[8].show_when.field", "urgent");
    set(&mut bad, "fields[8].show_when.equals", "perhaps");
    let refused = press(&console, &path, &bad, "save").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    let message_at = |id: &str| {
        let start = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}: {page}"));
        decode(&page[start..start + page[start..].find("</p>").unwrap()])
    };
    assert!(message_at("f6-options-error").contains("Line 2: The option 'Dock' is listed twice."));
    assert!(message_at("f2-key-error").contains("lowercase letter"));
    assert!(message_at("f8-show-equals-error").contains("true or false"));
    assert!(page.contains(r#"aria-describedby="f6-options-hint f6-options-error" aria-invalid="true""#));
    let kept = form_pairs(&page, "builder");
    assert_eq!(value(&kept, "fields[6].options"), "Dock\nDock");
    assert_eq!(value(&kept, "fields[2].key"), "How Many");
    assert_eq!(request_types::request_type(&app.core, &Actor::cli(), id).await.unwrap(), before);

    // A condition on a field moved below it is refused at the condition.
    let mut swapped = pairs.clone();
    for from in 5..8 {
        swapped = edit(&console, &path, &swapped, &format!("down.{from}")).await.1;
    }
    assert_eq!(keys(&swapped)[7..], ["other_model", "model"]);
    let refused = press(&console, &path, &swapped, "save").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains(r#"id="f7-show-field-error""#), "{page}");
    assert!(page.contains("model (not an earlier field)"), "the choice is kept");

    // A new type without a name creates nothing.
    let page = console.page("/admin/request-types/new").await;
    let mut pairs = form_pairs(&page, "builder");
    set(&mut pairs, "fields[0].label", "Anything");
    let refused = press(&console, "/admin/request-types", &pairs, "save").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains(r#"id="name-error">Name must not be empty."#));
    assert_eq!(request_types::list_request_types(&app.core, &Actor::cli()).await.unwrap().len(), 1);
}

async fn technicians_see_request_types_but_cannot_change_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.console(&app.admin.email, &app.admin.password).await;
    let id = build_laptop(&admin, None).await;
    let before = request_types::request_type(&app.core, &Actor::cli(), id).await.unwrap();
    let tech = app.console(&app.technician.email, &app.technician.password).await;
    let list = tech.page("/admin/request-types").await;
    assert!(list.contains("Laptop request") && !list.contains("New request type"));
    let path = format!("/admin/request-types/{id}");
    let page = tech.page(&path).await;
    assert!(
        page.contains("only admins can change it")
            && page.contains("<fieldset class=\"builder-body\" disabled>")
    );
    assert!(!page.contains("Save changes") && page.contains(r#"name="fields[model]""#), "the preview shows");
    let mut pairs = form_pairs(&page, "builder");
    pairs.push(("name".into(), "Renamed".into()));
    for action in ["save", "add", "remove.0"] {
        assert_eq!(press(&tech, &path, &pairs, action).await.status(), StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(press(&tech, "/admin/request-types", &pairs, "save").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(tech.get("/admin/request-types/new").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(tech.get(&format!("{path}/delete")).await.status(), StatusCode::FORBIDDEN);
    let csrf = crate::support::hidden_value(&page, "_csrf");
    let delete = tech.post_form(&format!("{path}/delete"), &[("_csrf", csrf.as_str())]).await;
    assert_eq!(delete.status(), StatusCode::FORBIDDEN);
    assert_eq!(request_types::request_type(&app.core, &Actor::cli(), id).await.unwrap(), before);
}

/// A customer with an end user; returns (customer id, end user id).
async fn customer(app: &TestApp, name: &str) -> (String, String) {
    let (status, customer) = app.post_json("/customers", &app.admin.token, json!({"name": name})).await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    let id = customer["id"].as_str().unwrap().to_string();
    let email = format!("ada@{}.example", name.to_lowercase());
    let (status, user) = app
        .post_json(
            &format!("/customers/{id}/end-users"),
            &app.admin.token,
            json!({"name": "Ada", "email": email}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    (id, user["id"].as_str().unwrap().to_string())
}

async fn group(app: &TestApp, name: &str, customer_id: Option<&str>) -> String {
    let (status, group) = app
        .post_json("/assignment-groups", &app.admin.token, json!({"name": name, "customer_id": customer_id}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    group["id"].as_str().unwrap().to_string()
}

async fn a_customer_hides_one_type_and_routes_another(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let (acme, _) = customer(&app, "Acme").await;
    let (globex, _) = customer(&app, "Globex").await;
    let globex_desk = group(&app, "Globex Desk", Some(&globex)).await;
    let laptop = build_laptop(&console, None).await;

    let acme_page = format!("/admin/customers/{acme}/request-types");
    let profile = console.page(&format!("/admin/customers/{acme}")).await;
    assert!(profile.contains(&format!("href=\"{acme_page}\"")), "the profile links to it");
    let page = console.page(&acme_page).await;
    assert!(page.contains("Laptop request") && page.contains("For all customers"));
    assert!(!page.contains("Globex Desk"), "only groups that serve the customer are offered");
    let hidden = console
        .submit(
            &acme_page,
            &format!("{acme_page}/{laptop}"),
            &[("hidden", "true"), ("assignment_group_id", "")],
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::SEE_OTHER);
    let page = console.page(&location(&hidden)).await;
    assert!(page.contains("Request type “Laptop request” saved for this customer."));
    assert!(page.contains(r#"name="hidden" value="true" checked"#));

    let globex_page = format!("/admin/customers/{globex}/request-types");
    let page = console.page(&globex_page).await;
    assert!(page.contains("Globex Desk"));
    let routed = console
        .submit(&globex_page, &format!("{globex_page}/{laptop}"), &[("assignment_group_id", &globex_desk)])
        .await;
    assert_eq!(routed.status(), StatusCode::SEE_OTHER);
    // A group of another customer is refused on the page, and changes nothing.
    let acme_desk = group(&app, "Acme Desk", Some(&acme)).await;
    let refused = console
        .submit(&globex_page, &format!("{globex_page}/{laptop}"), &[("assignment_group_id", &acme_desk)])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("belongs to another customer"));

    let catalogue = |customer: &str| {
        let customer: Uuid = customer.parse().unwrap();
        let core = app.core.clone();
        async move { request_types::catalogue(&core, &Actor::cli(), customer).await.unwrap() }
    };
    assert!(catalogue(&acme).await.is_empty(), "hidden for Acme");
    let offered = catalogue(&globex).await;
    assert_eq!(offered.len(), 1);
    assert_eq!(offered[0].assignment_group_id, Some(globex_desk.parse().unwrap()), "routed for Globex");

    // Technicians read the tailoring but cannot change it.
    let tech = app.console(&app.technician.email, &app.technician.password).await;
    let page = tech.page(&globex_page).await;
    assert!(page.contains("Only admins can change") && page.contains("disabled"));
    let refused = tech.submit(&globex_page, &format!("{globex_page}/{laptop}"), &[("hidden", "true")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(catalogue(&globex).await.len(), 1);
}

async fn the_queue_finds_typed_tickets_and_the_ticket_page_shows_the_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let (acme, ada) = customer(&app, "Acme").await;
    let desk = group(&app, "Service Desk", None).await;
    let laptop = build_laptop(&console, Some(&desk)).await;
    let file = |typed: Option<TypedRequest>, summary: &str| {
        let request = TicketRequest {
            draft: TicketDraft {
                kind: typed.is_none().then(|| "incident".to_string()),
                short_description: Some(summary.into()),
                description: None,
                urgency: None,
            },
            customer_id: acme.parse().unwrap(),
            requester_id: ada.parse().unwrap(),
            assignment_group_id: Some(desk.parse().unwrap()),
            source: ContactSource::Console,
            submission_key: None,
            typed,
        };
        let core = app.core.clone();
        async move { tickets::submit_ticket(&core, &Actor::cli(), request).await.unwrap().ticket }
    };
    let answers: RawAnswers = [
        ("model", "Other"),
        ("other_model", "Framework Zebracorn"),
        ("needed_by", "2026-12-24"),
        ("extras", "Dock"),
        ("urgent", "true"),
        ("details", &format!("Long {}", crate::browser_layout::long_word(300))),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
    .collect();
    let typed = file(Some(TypedRequest { request_type_id: laptop, answers }), "A laptop for Bob").await;
    let plain = file(None, "The printer jams").await;

    let queue = |query: String| {
        let console = &console;
        async move { console.page(&format!("/admin/tickets?group=all&status=all&{query}")).await }
    };
    let page = queue(format!("request_type={laptop}")).await;
    assert!(page.contains(&typed.number) && !page.contains(&plain.number), "{page}");
    assert!(page.contains(&format!(r#"<option value="{laptop}" selected>Laptop request</option>"#)));
    let page = queue("q=zebracorn".into()).await;
    assert!(page.contains(&typed.number) && !page.contains(&plain.number), "a field's value is found");
    assert!(page.contains(r#"value="zebracorn""#), "the search is kept");
    assert!(
        decode(&page).contains("href=\"/admin/tickets?view=mine&q=zebracorn\""),
        "and kept in the views' links"
    );
    let page = console.page(&format!("/admin/tickets?view=unassigned&q=printer&request_type={laptop}")).await;
    assert!(page.contains("No tickets match."), "a view narrows by both too");
    let page = console.page("/admin/tickets?view=unassigned&q=printer").await;
    assert!(page.contains(&plain.number));
    assert!(console.get("/admin/tickets?request_type=nope").await.status().is_client_error());

    let page = console.page(&format!("/admin/tickets/{}", typed.id)).await;
    assert!(page.contains("<dt>Request type</dt><dd>Laptop request</dd>"), "{page}");
    for (label, shown) in [
        ("Model", "Other"),
        ("Which model", "Framework Zebracorn"),
        ("Extras", "Dock"),
        ("Someone cannot work", "Yes"),
    ] {
        assert!(page.contains(&format!("<dt>{label}</dt><dd class=\"pre\">{shown}</dd>")), "{label}: {page}");
    }
    let page = console.page(&format!("/admin/tickets/{}", plain.id)).await;
    assert!(!page.contains("<dt>Request type</dt>") && !page.contains("answers-title"));

    // Once the type is gone, the answers stay and the name goes.
    request_types::delete_request_type(&app.core, &Actor::cli(), laptop).await.unwrap();
    let page = console.page(&format!("/admin/tickets/{}", typed.id)).await;
    assert!(!page.contains("<dt>Request type</dt>") && page.contains("Framework Zebracorn"));
}
