//! Every console save lands on a page that says what was done, in a status region, naming what
//! was saved as the store has it; the query that carries it is never echoed.

use reqwest::{Response, StatusCode};
use serde_json::json;

use portico::store::kb::ArticleOrder;

use crate::html_form::{decode, form_pairs, set, value};
use crate::support::{Backend, Console, TestApp, hidden_value, location, location_path, on_both_backends};

on_both_backends!(
    customers_and_end_users_saves_are_confirmed,
    groups_team_and_article_saves_are_confirmed,
    portal_and_sso_saves_are_confirmed,
    only_known_confirmations_are_shown_and_names_come_from_the_store,
);

/// Follows a save's redirect and returns the page, which must confirm `expected`.
async fn confirmed(console: &Console, response: Response, expected: &str) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", response.text().await.unwrap());
    let page = console.page(&location(&response)).await;
    let flash = format!("<p class=\"alert ok flash\" role=\"status\" id=\"flash\">{expected}</p>");
    assert!(page.contains(&flash), "expected {flash} in the page:\n{page}");
    assert_eq!(page.matches("id=\"flash\"").count(), 1, "one confirmation");
    page
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn customers_and_end_users_saves_are_confirmed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;

    let created = console.submit("/admin/customers/new", "/admin/customers", &[("name", "Acme")]).await;
    let profile = location_path(&created);
    confirmed(&console, created, "Customer “Acme” created.").await;
    let saved = console
        .submit(&format!("{profile}/edit"), &profile, &[("name", "Acme Corp"), ("slug", "acme")])
        .await;
    confirmed(&console, saved, "Customer “Acme Corp” saved.").await;
    let archived = console.submit(&profile, &format!("{profile}/archive"), &[]).await;
    confirmed(&console, archived, "Customer “Acme Corp” archived. It no longer shows in the customer list.")
        .await;
    let restored = console.submit(&profile, &format!("{profile}/restore"), &[]).await;
    let page = confirmed(&console, restored, "Customer “Acme Corp” restored.").await;
    assert!(page.contains("<h1"), "the confirmation sits on the customer's own page");

    let users = format!("{profile}/end-users");
    let added =
        console.submit(&profile, &users, &[("name", "Hank Scorpio"), ("email", "hank@acme.example")]).await;
    confirmed(&console, added, "End user “Hank Scorpio” added.").await;

    // From a filtered list, the list comes back as it was, with the confirmation.
    let listing = format!("{users}?q=hank");
    let page = console.page(&listing).await;
    let action = |ending: &str| {
        page.split("action=\"/admin/end-users/")
            .skip(1)
            .map(|part| part.split('"').next().unwrap())
            .find(|action| action.ends_with(ending))
            .map(|action| format!("/admin/end-users/{action}"))
            .unwrap_or_else(|| panic!("a form ending in {ending}: {page}"))
    };
    let (role_action, action) = (action("/role"), action("/active"));
    let return_to = decode(&hidden_value(&page, "return_to"));
    assert_eq!(return_to, listing, "the list's search is kept");
    let csrf = hidden_value(&page, "_csrf");
    let mut form = vec![
        ("_csrf".to_string(), csrf),
        ("return_to".to_string(), return_to),
        ("active".to_string(), "false".to_string()),
    ];
    let deactivated = console.post_form(&action, &pairs(&form)).await;
    assert!(location(&deactivated).starts_with(&format!("{listing}&done=end-user-deactivated")));
    confirmed(
        &console,
        deactivated,
        "End user “Hank Scorpio” deactivated. They can no longer sign in to the portal.",
    )
    .await;
    set(&mut form, "active", "true");
    let reactivated = console.post_form(&action, &pairs(&form)).await;
    confirmed(&console, reactivated, "End user “Hank Scorpio” reactivated.").await;
    let mut form: Vec<(String, String)> = form
        .into_iter()
        .filter(|(name, _)| name != "active")
        .chain([("role".to_string(), "manager".to_string())])
        .collect();
    let promoted = console.post_form(&role_action, &pairs(&form)).await;
    assert!(location(&promoted).starts_with(&format!("{listing}&done=end-user-role")));
    confirmed(
        &console,
        promoted,
        "End user “Hank Scorpio” is now a manager. They see every ticket of their organisation in the portal.",
    )
    .await;
    set(&mut form, "role", "member");
    let demoted = console.post_form(&role_action, &pairs(&form)).await;
    confirmed(
        &console,
        demoted,
        "End user “Hank Scorpio” is now a member. They see their own tickets and those shared with them.",
    )
    .await;
}

async fn groups_team_and_article_saves_are_confirmed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;

    let created = console.submit("/admin/groups/new", "/admin/groups", &[("name", "Network Ops")]).await;
    confirmed(&console, created, "Assignment group “Network Ops” created.").await;
    let group = app
        .store
        .list_groups(&Default::default(), &Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|g| g.name == "Network Ops")
        .unwrap();
    let saved = console
        .submit(
            &format!("/admin/groups/{}/edit", group.id),
            &format!("/admin/groups/{}", group.id),
            &[("name", "Network Operations")],
        )
        .await;
    confirmed(&console, saved, "Assignment group “Network Operations” saved.").await;
    let deleted = console.submit("/admin/groups", &format!("/admin/groups/{}/delete", group.id), &[]).await;
    confirmed(&console, deleted, "Assignment group deleted.").await;

    let tech = app
        .store
        .team_member_by_email(
            &portico::domain::email::EmailAddress::parse("email", &app.technician.email).unwrap(),
        )
        .await
        .unwrap();
    let path = format!("/admin/team/{}", tech.id);
    let saved = console
        .submit(&path, &path, &[("name", "Tim Technician"), ("role", "technician"), ("active", "on")])
        .await;
    confirmed(&console, saved, "Team member “Tim Technician” saved.").await;

    let article = [("title", "Resetting your VPN"), ("body", "Open the app."), ("visibility", "all")];
    let published =
        console.submit("/admin/kb/new", "/admin/kb", &[&article[..], &[("published", "on")]].concat()).await;
    confirmed(&console, published, "Article “Resetting your VPN” published.").await;
    let draft = console
        .submit(
            "/admin/kb/new",
            "/admin/kb",
            &[("title", "Printers"), ("body", "Soon."), ("visibility", "all")],
        )
        .await;
    confirmed(
        &console,
        draft,
        "Article “Printers” saved as a draft. End users do not see it until it is published.",
    )
    .await;
    let printers = app.store.list_articles(None, ArticleOrder::Recent, &Default::default()).await.unwrap();
    let printers = printers.items.iter().find(|a| a.title == "Printers").unwrap().id;
    let deleted = console.submit("/admin/kb", &format!("/admin/kb/{printers}/delete"), &[]).await;
    confirmed(&console, deleted, "Article deleted.").await;

    let fields = [
        ("current_password", app.admin.password.as_str()),
        ("new_password", "another long passphrase"),
        ("confirm_password", "another long passphrase"),
    ];
    let changed = console.submit("/admin/account", "/admin/account/password", &fields).await;
    confirmed(&console, changed, "Your password was changed. Your other sessions have been signed out.")
        .await;
}

async fn portal_and_sso_saves_are_confirmed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drawer = crate::drawer::open_drawer(&app).await;
    let console = &drawer.console;
    let customer_id = drawer.customer_id.clone();

    let step1 = drawer.pairs(&drawer.path).await;
    let step2 = form_pairs(&drawer.post(&step1, "next").await.text().await.unwrap(), "drawer-form");
    let saved = drawer.post(&step2, "save").await;
    confirmed(console, saved, "Portal saved as revision 1.").await;
    let mut step1 = drawer.pairs(&drawer.path).await;
    set(&mut step1, "primary_color", "#00aa00");
    let step2 = form_pairs(&drawer.post(&step1, "next").await.text().await.unwrap(), "drawer-form");
    let page = confirmed(console, drawer.post(&step2, "save").await, "Portal saved as revision 2.").await;
    assert!(
        page.find("id=\"flash\"").unwrap() > page.find("id=\"drawer-title\"").unwrap(),
        "the drawer confirms inside itself"
    );
    let csrf = value(&form_pairs(&page, "drawer-form"), "_csrf").to_string();
    let restored = console
        .post_form(
            &format!("{}/revisions/1/restore", drawer.path),
            &[("_csrf", csrf.as_str()), ("revision", "2")],
        )
        .await;
    confirmed(console, restored, "Earlier revision restored: the portal is now at revision 3.").await;

    let new_path = format!("/admin/customers/{customer_id}/portal/sso");
    let mut form = form_pairs(&console.page(&new_path).await, "sso-form");
    form.retain(|(k, _)| k != "action");
    set(&mut form, "provider", "okta");
    set(&mut form, "label", "Sign in with Acme ID");
    set(&mut form, "okta_domain", "acme.okta.com");
    set(&mut form, "client_id", "portal");
    set(&mut form, "client_secret", "a-client-secret");
    let added = console.post_form(&new_path, &pairs(&form)).await;
    let edit = location_path(&added);
    confirmed(
        console,
        added,
        "SSO configuration “Sign in with Acme ID” added. Use Test to check it against the identity provider.",
    )
    .await;
    let mut form = form_pairs(&console.page(&edit).await, "sso-form");
    form.retain(|(k, _)| k != "action");
    set(&mut form, "label", "Acme ID");
    let saved = console.post_form(&edit, &pairs(&form)).await;
    confirmed(console, saved, "SSO configuration “Acme ID” saved.").await;
    let removed = console.submit(&edit, &format!("{edit}/delete"), &[]).await;
    confirmed(console, removed, "SSO configuration removed.").await;
    let (_, configs) =
        app.get_json(&format!("/customers/{customer_id}/portal/sso-configs"), &app.admin.token).await;
    assert_eq!(configs["items"], json!([]), "{configs}");
}

async fn only_known_confirmations_are_shown_and_names_come_from_the_store(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let hostile = "<script>alert(1)</script>";
    let (_, customer) = app.post_json("/customers", &app.admin.token, json!({"name": hostile})).await;
    let id = customer["id"].as_str().unwrap();

    for query in [
        "done=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "done=customer-saved&of=%3Cscript%3E",
        "done=Customer%20Evil%20saved",
        "flash=Customer%20saved",
    ] {
        let page = console.page(&format!("/admin/customers/{id}?{query}")).await;
        assert!(!page.contains("id=\"flash\""), "{query} confirms nothing");
        assert!(!page.contains("Evil") && !page.contains("<script>alert"), "{query} is not echoed");
    }
    let page = console.page(&format!("/admin/customers/{id}?done=customer-saved&of={id}")).await;
    assert!(
        page.contains("Customer “&#60;script&#62;alert(1)&#60;/script&#62;” saved."),
        "the stored name, escaped"
    );
    let unknown = uuid::Uuid::now_v7();
    let page = console.page(&format!("/admin/customers/{id}?done=customer-saved&of={unknown}")).await;
    assert!(page.contains(">Customer saved.</p>"), "a subject not found is not named");
}
