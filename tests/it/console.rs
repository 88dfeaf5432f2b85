//! The console: sign-in, sessions, CSRF, rate limits, and managing customers, end users and groups.

use reqwest::StatusCode;

use crate::support::{
    Backend, Console, TestApp, hidden_value, location, location_path, on_both_backends, snapshot,
};

on_both_backends!(
    signing_in_and_out_guards_the_console,
    console_forms_without_the_csrf_token_are_refused_and_change_nothing,
    repeated_failed_sign_ins_are_rate_limited,
    the_per_address_limit_believes_forwarded_addresses_only_from_trusted_proxies,
    customers_are_managed_through_the_console,
    end_users_are_added_and_deactivated_in_the_console,
    groups_are_managed_through_the_console,
    technicians_see_settings_but_cannot_change_them,
    hostile_text_is_escaped_in_console_pages,
);

async fn signing_in_and_out_guards_the_console(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let visitor = Console::anonymous(&app.base);
    let response = visitor.get("/admin/customers?q=acme").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin/login?next=%2Fadmin%2Fcustomers%3Fq%3Dacme");

    let wrong = visitor.sign_in(&app.admin.email, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("The e-mail address or password is not right."));
    let unknown = visitor.sign_in("nobody@msp.example", "whatever it is").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED, "unknown accounts look like wrong passwords");

    let signed_in = visitor.sign_in(&app.admin.email, &app.admin.password).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_in), "/admin");
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("portico_console="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/admin"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http test server");

    let page = visitor.page("/admin/customers").await;
    assert!(page.contains("Ada Admin"));
    let csrf = hidden_value(&page, "_csrf");
    let out = visitor.post_form("/admin/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(location(&out), "/admin/login");
    assert_eq!(visitor.get("/admin/customers").await.status(), StatusCode::SEE_OTHER, "signed out");

    // After sign-in, only console paths are followed.
    let page = visitor.page("/admin/login").await;
    let csrf = hidden_value(&page, "_csrf");
    let response = visitor
        .client
        .post(format!("{}/admin/login", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", &app.admin.email),
            ("password", &app.admin.password),
            ("next", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/admin");
}

async fn console_forms_without_the_csrf_token_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let before = snapshot(&app.store, "customers").await;
    for csrf in ["", "csrf_forged"] {
        let response =
            console.post_form("/admin/customers", &[("_csrf", csrf), ("name", "Forged Ltd")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(response.text().await.unwrap().contains("CSRF"));
    }
    let response = console.post_form("/admin/customers", &[("name", "Forged Ltd")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(before, snapshot(&app.store, "customers").await);

    // Another member's token is no good either.
    let other = app.console(&app.technician.email, &app.technician.password).await;
    let foreign = hidden_value(&other.page("/admin/customers").await, "_csrf");
    let response =
        console.post_form("/admin/customers", &[("_csrf", &foreign), ("name", "Forged Ltd")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // The sign-in form is protected too (double-submit cookie).
    let fresh = Console::anonymous(&app.base);
    let response = fresh
        .post_form(
            "/admin/login",
            &[("_csrf", "x"), ("email", &app.admin.email), ("password", &app.admin.password)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(before, snapshot(&app.store, "customers").await);
}

/// A failed sign-in (to a made-up account, so only the per-address limit counts) as relayed by
/// a proxy that says the client is `forwarded_for`.
async fn failed_sign_in_via(app: &TestApp, forwarded_for: &str) -> StatusCode {
    let console = Console::anonymous(&app.base);
    let csrf = hidden_value(&console.page("/admin/login").await, "_csrf");
    let email = format!("{}@nowhere.example", uuid::Uuid::now_v7().simple());
    let form = [("_csrf", csrf.as_str()), ("email", &email), ("password", "guess guess guess"), ("next", "")];
    let response = console
        .client
        .post(app.url("/admin/login"))
        .header("x-forwarded-for", forwarded_for)
        .form(&form)
        .send()
        .await
        .unwrap();
    response.status()
}

async fn the_per_address_limit_believes_forwarded_addresses_only_from_trusted_proxies(backend: Backend) {
    let limit = |config: &mut portico::config::Config| {
        config.sign_in_limits.per_address = 3;
        config.sign_in_limits.per_account = 100;
    };
    // Behind a trusted proxy, each client has its own allowance, whatever it claims further left.
    let proxied = TestApp::spawn_with(backend, |config| {
        limit(config);
        config.trusted_proxies = portico::proxies::TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    for claimed in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let relayed = format!("{claimed}, 203.0.113.7");
        assert_eq!(failed_sign_in_via(&proxied, &relayed).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(failed_sign_in_via(&proxied, "203.0.113.7").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        failed_sign_in_via(&proxied, "203.0.113.8").await,
        StatusCode::UNAUTHORIZED,
        "a neighbour is not limited"
    );

    // Without trusted proxies the header is the client's own words: changing it escapes nothing.
    let direct = TestApp::spawn_with(backend, limit).await;
    for claimed in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        assert_eq!(failed_sign_in_via(&direct, claimed).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(failed_sign_in_via(&direct, "198.51.100.4").await, StatusCode::TOO_MANY_REQUESTS);
}

async fn repeated_failed_sign_ins_are_rate_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let attacker = Console::anonymous(&app.base);
    for _ in 0..5 {
        assert_eq!(
            attacker.sign_in(&app.admin.email, "guess guess guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = attacker.sign_in(&app.admin.email, &app.admin.password).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert!(limited.text().await.unwrap().contains("Too many attempts"));

    // Other accounts are not locked by it.
    let colleague = Console::anonymous(&app.base);
    assert_eq!(
        colleague.sign_in(&app.technician.email, &app.technician.password).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn customers_are_managed_through_the_console(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;

    let refused = console
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &[("name", ""), ("slug", "Bad Slug"), ("contact_email", "it@acme.example"), ("notes", "keep me")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains("must not be empty"), "the name error is shown");
    assert!(page.contains("may contain only lowercase letters"), "the slug error is shown");
    assert!(page.contains("value=\"it@acme.example\"") && page.contains("keep me"), "typed values are kept");
    assert_eq!(app.store.count_customers().await.unwrap(), 0);

    let created = console
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &[("name", "Acme Corporation"), ("slug", ""), ("website", "https://acme.example")],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let profile_path = location_path(&created);
    let profile = console.page(&profile_path).await;
    for card in ["Customer Details", "End Users", "Service Management", "End User Portal"] {
        assert!(profile.contains(card), "the profile shows {card}");
    }
    assert!(profile.contains("acme-corporation"));
    let id = profile_path.rsplit('/').next().unwrap();
    let portal = console.page(&format!("/admin/customers/{id}/portal")).await;
    assert!(
        portal.contains("End User Portal") && portal.contains("Portal Design Settings"),
        "the drawer opens from the profile"
    );

    let edit_path = format!("/admin/customers/{id}/edit");
    let saved = console
        .submit(
            &edit_path,
            &profile_path,
            &[("name", "Acme Corp"), ("slug", "acme"), ("phone", "+1 555"), ("website", ""), ("notes", "")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let customer = app.store.customer(id.parse().unwrap()).await.unwrap();
    assert_eq!(
        (
            customer.name.as_str(),
            customer.slug.as_str(),
            customer.phone.as_deref(),
            customer.website.as_deref()
        ),
        ("Acme Corp", "acme", Some("+1 555"), None)
    );

    let list = console.page("/admin/customers?q=acme").await;
    assert!(list.contains("Acme Corp"));
    let archived = console.submit(&profile_path, &format!("/admin/customers/{id}/archive"), &[]).await;
    assert_eq!(archived.status(), StatusCode::SEE_OTHER);
    assert!(
        !console.page("/admin/customers").await.contains("Acme Corp"),
        "archived customers leave the list"
    );
    assert!(console.page("/admin/customers?archived=1").await.contains("Acme Corp"));
    console.submit(&profile_path, &format!("/admin/customers/{id}/restore"), &[]).await;
    assert!(!app.store.customer(id.parse().unwrap()).await.unwrap().archived);

    for n in 0..30 {
        let name = format!("Customer {n:02}");
        console.submit("/admin/customers/new", "/admin/customers", &[("name", name.as_str())]).await;
    }
    let first = console.page("/admin/customers").await;
    assert!(first.contains("Next page"));
    let next = first
        .split("class=\"pager\"><a href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    let second = console.page(&next).await;
    assert!(second.contains("Customer 29") && !second.contains("Customer 00"));
}

async fn end_users_are_added_and_deactivated_in_the_console(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let created = console.submit("/admin/customers/new", "/admin/customers", &[("name", "Globex")]).await;
    let profile_path = location_path(&created);
    let users_path = format!("{profile_path}/end-users");

    let refused =
        console.submit(&profile_path, &users_path, &[("name", "Hank"), ("email", "not-an-email")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains("must be an e-mail address") && page.contains("value=\"Hank\""));

    let added = console
        .submit(&profile_path, &users_path, &[("name", "Hank Scorpio"), ("email", "hank@globex.example")])
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let duplicate = console
        .submit(&profile_path, &users_path, &[("name", "Hank Again"), ("email", "HANK@globex.example")])
        .await;
    assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        duplicate
            .text()
            .await
            .unwrap()
            .contains("Another end user of this customer has this e-mail address.")
    );

    let profile = console.page(&profile_path).await;
    assert!(profile.contains("Hank Scorpio") && profile.contains("1 active of 1"));
    let customer_id = profile_path.rsplit('/').next().unwrap().parse().unwrap();
    let user =
        app.store.list_end_users(customer_id, None, &Default::default()).await.unwrap().items.remove(0);
    let deactivated = console
        .submit(&profile_path, &format!("/admin/end-users/{}/active", user.id), &[("active", "false")])
        .await;
    assert_eq!(location_path(&deactivated), profile_path);
    assert!(!app.store.end_user(user.id).await.unwrap().active);
    let listing = console.page(&users_path).await;
    assert!(listing.contains("Deactivated"));
    let found = console.page(&format!("{users_path}?q=scorp")).await;
    assert!(found.contains("Hank Scorpio"));
}

async fn groups_are_managed_through_the_console(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let tech = app
        .store
        .team_member_by_email(
            &portico::domain::email::EmailAddress::parse("email", &app.technician.email).unwrap(),
        )
        .await
        .unwrap();
    let tech_id = tech.id.to_string();

    let list = console.page("/admin/groups").await;
    assert!(list.contains("Everyone") && list.contains("cannot be changed"));
    let refused = console
        .submit("/admin/groups/new", "/admin/groups", &[("name", ""), ("manager_id", tech_id.as_str())])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let created = console
        .submit(
            "/admin/groups/new",
            "/admin/groups",
            &[
                ("name", "Network Ops"),
                ("customer_id", ""),
                ("manager_id", tech_id.as_str()),
                ("member_ids", tech_id.as_str()),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let groups = app.store.list_groups(&Default::default(), &Default::default()).await.unwrap().items;
    let group = groups.iter().find(|g| g.name == "Network Ops").unwrap();
    assert_eq!(group.member_ids, vec![tech.id]);
    assert_eq!(group.manager_id, Some(tech.id));

    let edit_path = format!("/admin/groups/{}/edit", group.id);
    let form = console.page(&edit_path).await;
    assert!(form.contains("checked"), "current members are ticked");
    let saved = console
        .submit(
            &edit_path,
            &format!("/admin/groups/{}", group.id),
            &[("name", "Network Operations"), ("manager_id", "")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let changed = app.store.group(group.id).await.unwrap();
    assert_eq!(
        (changed.name.as_str(), changed.manager_id, changed.member_ids.len()),
        ("Network Operations", None, 0)
    );

    let everyone = "/admin/groups/00000000-0000-7000-8000-000000000001/edit";
    assert_eq!(console.get(everyone).await.status(), StatusCode::FORBIDDEN);
    let deleted = console.submit("/admin/groups", &format!("/admin/groups/{}/delete", group.id), &[]).await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert!(app.store.group(group.id).await.is_err());
    let team = console.page("/admin/team").await;
    assert!(team.contains("Tim Tech") && team.contains("technician"));
}

async fn technicians_see_settings_but_cannot_change_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.console(&app.admin.email, &app.admin.password).await;
    let created = admin.submit("/admin/customers/new", "/admin/customers", &[("name", "Initech")]).await;
    let profile_path = location_path(&created);

    let tech = app.console(&app.technician.email, &app.technician.password).await;
    let list = tech.page("/admin/customers").await;
    assert!(list.contains("Initech") && !list.contains("New customer"));
    let profile = tech.page(&profile_path).await;
    assert!(!profile.contains("Archive") && !profile.contains("Add an end user"));
    assert_eq!(tech.get("/admin/customers/new").await.status(), StatusCode::FORBIDDEN);
    let before = snapshot(&app.store, "customers").await;
    let refused = tech.submit("/admin/customers", "/admin/customers", &[("name", "Sneaky")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused = tech.submit(&profile_path, &format!("{profile_path}/archive"), &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(before, snapshot(&app.store, "customers").await);
}

async fn hostile_text_is_escaped_in_console_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let created = console
        .submit("/admin/customers/new", "/admin/customers", &[("name", hostile), ("notes", hostile)])
        .await;
    let profile_path = location_path(&created);
    console
        .submit(
            &profile_path,
            &format!("{profile_path}/end-users"),
            &[("name", hostile), ("email", "x@y.example")],
        )
        .await;
    for path in [profile_path.clone(), "/admin/customers".to_string(), format!("{profile_path}/end-users")] {
        let page = console.page(&path).await;
        assert!(!page.contains("<script>alert(1)"), "{path} must escape");
        assert!(!page.contains("<img src=x"), "{path} must escape");
        assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{path} shows the text");
    }
}
