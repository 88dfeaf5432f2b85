//! Two-step sign-in for the console: enrolling an authenticator app (codes computed here from the
//! secret the page shows, as an app would), signing in with a code or a recovery code, refusing
//! wrong and replayed codes, the half-signed-in browser, "required" for everyone, resets by admins,
//! and where API tokens were last used.

use reqwest::{Response, StatusCode};

use portico::domain::email::EmailAddress;

use crate::support::{
    Backend, Console, TestApp, events_settled, hidden_value, location, location_path, on_both_backends,
    snapshot,
};

on_both_backends!(
    a_member_enrols_an_app_and_signs_in_with_its_codes_once_each,
    a_recovery_code_signs_in_once_only_and_new_codes_replace_the_old,
    a_half_signed_in_browser_reaches_no_console_page_and_changes_nothing,
    wrong_codes_count_against_the_sign_in_limit,
    when_required_members_without_it_can_only_enrol,
    admins_reset_a_members_second_step_and_technicians_cannot,
    api_token_use_is_recorded_with_time_and_address,
    resets_and_the_setting_record_the_same_events_through_the_console_or_the_api,
    one_code_sent_twice_at_once_signs_in_once,
    a_copied_pending_sign_in_opens_no_second_session,
);

/// The code an authenticator app shows `offset` seconds from now for the base32 `secret`.
pub fn code_for(secret: &str, offset: i64) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    totp.generate(now.checked_add_signed(offset).unwrap()).to_string()
}

/// A code that is not the current one at any accepted step.
pub fn wrong_code(secret: &str) -> String {
    let taken: Vec<String> = [-30, 0, 30, 60].iter().map(|offset| code_for(secret, *offset)).collect();
    (0..1000).map(|n| format!("{:06}", 123_000 + n)).find(|candidate| !taken.contains(candidate)).unwrap()
}

fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let from = page.find(start).unwrap_or_else(|| panic!("no {start} in page")) + start.len();
    &page[from..from + page[from..].find(end).unwrap()]
}

fn recovery_codes_in(page: &str) -> Vec<String> {
    let list = between(page, "id=\"recovery-codes\"", "</ul>");
    list.split("<code>").skip(1).map(|part| part.split("</code>").next().unwrap().to_string()).collect()
}

async fn member_id(app: &TestApp, email: &str) -> uuid::Uuid {
    app.store.team_member_by_email(&EmailAddress::parse("email", email).unwrap()).await.unwrap().id
}

/// Enrols the console's member with an app: returns the secret and the recovery codes shown.
pub async fn enrol(console: &Console) -> (String, Vec<String>) {
    let response = console.submit("/admin/account/mfa", "/admin/account/mfa/setup", &[]).await;
    assert_eq!(location(&response), "/admin/account/mfa");
    let page = console.page("/admin/account/mfa").await;
    let secret = between(&page, "id=\"totp-secret\">", "</code>").to_string();
    let uri = between(&page, "id=\"otpauth-uri\" class=\"pre\">", "</code>").replace("&#38;", "&");
    assert!(uri.starts_with("otpauth://totp/Portico:"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(
        page.contains("id=\"totp-qr\"") && page.contains("src=\"data:image/svg+xml;base64,"),
        "a QR code"
    );

    // Not on until a code confirms it: a wrong one changes nothing.
    let csrf = hidden_value(&page, "_csrf");
    let refused = console
        .post_form("/admin/account/mfa/confirm", &[("_csrf", &csrf), ("code", &wrong_code(&secret))])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("This code is not right"));
    assert!(console.page("/admin/account/mfa").await.contains("id=\"totp-secret\""), "still waiting");

    let confirmed = console
        .post_form("/admin/account/mfa/confirm", &[("_csrf", &csrf), ("code", &code_for(&secret, 0))])
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(confirmed.headers()["cache-control"], "no-store");
    let codes = recovery_codes_in(&confirmed.text().await.unwrap());
    assert_eq!(codes.len(), 10);
    assert!(console.page("/admin/account/mfa").await.contains("id=\"mfa-status\">On"));
    (secret, codes)
}

/// The second step of a sign-in, as the code page posts it.
pub async fn enter_code(console: &Console, code: &str) -> Response {
    let page = console.page("/admin/login/code").await;
    let csrf = hidden_value(&page, "_csrf");
    console.post_form("/admin/login/code", &[("_csrf", &csrf), ("code", code)]).await
}

/// A new browser that gets past the password: it is now between the two steps.
async fn past_the_password(app: &TestApp, email: &str, password: &str) -> Console {
    past_the_password_with_cookie(app, email, password).await.0
}

/// [`past_the_password`], with the value of the pending cookie it was given.
async fn past_the_password_with_cookie(app: &TestApp, email: &str, password: &str) -> (Console, String) {
    let console = Console::anonymous(&app.base);
    let response = console.sign_in(email, password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin/login/code", "the code is asked for");
    let cookies: Vec<&str> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(!cookies.iter().any(|c| c.starts_with("portico_console=")), "no session yet: {cookies:?}");
    let pending =
        cookies.iter().find(|c| c.starts_with("portico_console_pending=")).expect("a pending cookie");
    assert!(pending.contains("HttpOnly") && pending.contains("Path=/admin/login"), "{pending}");
    let value = pending.trim_start_matches("portico_console_pending=").split(';').next().unwrap().to_string();
    (console, value)
}

async fn a_member_enrols_an_app_and_signs_in_with_its_codes_once_each(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tech = app.console(&app.technician.email, &app.technician.password).await;
    let (secret, _) = enrol(&tech).await;

    // A wrong code is refused; the right one (the app's next, as the one shown at enrolment
    // is spent) signs in.
    let browser = past_the_password(&app, &app.technician.email, &app.technician.password).await;
    let wrong = enter_code(&browser, &wrong_code(&secret)).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("This code is not right"));
    assert_eq!(location_path(&browser.get("/admin").await), "/admin/login", "still not signed in");
    let code = code_for(&secret, 30);
    let signed_in = enter_code(&browser, &code).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_in), "/admin");
    assert!(browser.page("/admin").await.contains("Tim Tech"));

    // The same code again, from another browser that knows the password: refused.
    let replay = past_the_password(&app, &app.technician.email, &app.technician.password).await;
    let again = enter_code(&replay, &code).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "a code works once");
    assert_eq!(location_path(&replay.get("/admin").await), "/admin/login");
    // An older code (the one used at enrolment, still inside the skew) is refused too.
    let older = enter_code(&replay, &code_for(&secret, 0)).await;
    assert_eq!(older.status(), StatusCode::UNAUTHORIZED, "never an older step");

    // The secret is sealed at rest, never stored as typed.
    let rows = snapshot(&app.store, "team_member_totp").await.join("\n");
    assert!(!rows.contains(&secret), "the secret is stored in the clear: {rows}");
    let audit = snapshot(&app.store, "audit_log").await.join("\n");
    assert!(audit.contains("turned on two-step sign-in"), "{audit}");
    assert!(!audit.contains(&secret) && !audit.contains(&code));
}

async fn a_recovery_code_signs_in_once_only_and_new_codes_replace_the_old(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.console(&app.admin.email, &app.admin.password).await;
    let (_, codes) = enrol(&admin).await;

    let browser = past_the_password(&app, &app.admin.email, &app.admin.password).await;
    let used = enter_code(&browser, &codes[0].to_uppercase()).await;
    assert_eq!(used.status(), StatusCode::SEE_OTHER, "a recovery code stands in for the app");
    assert!(browser.page("/admin/account/mfa").await.contains("9 unused recovery codes left"));

    let again = past_the_password(&app, &app.admin.email, &app.admin.password).await;
    assert_eq!(enter_code(&again, &codes[0]).await.status(), StatusCode::UNAUTHORIZED, "used once only");

    // New codes (proven with an unused one): the old ones stop working, the new ones work.
    let response = browser
        .submit("/admin/account/mfa", "/admin/account/mfa/recovery-codes", &[("code", &codes[1])])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let renewed = recovery_codes_in(&response.text().await.unwrap());
    assert_eq!(renewed.len(), 10);
    assert!(renewed.iter().all(|code| !codes.contains(code)));
    assert_eq!(enter_code(&again, &codes[2]).await.status(), StatusCode::UNAUTHORIZED, "old codes are gone");
    assert_eq!(enter_code(&again, &renewed[0]).await.status(), StatusCode::SEE_OTHER);

    let stored = snapshot(&app.store, "recovery_codes").await.join("\n");
    assert!(renewed.iter().all(|code| !stored.contains(&code.replace('-', ""))), "hashed at rest");
    let audit = snapshot(&app.store, "audit_log").await.join("\n");
    for said in ["signed in with a recovery code (9 left)", "made new recovery codes"] {
        assert!(audit.contains(said), "audit log lacks '{said}'");
    }
}

async fn a_half_signed_in_browser_reaches_no_console_page_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.console(&app.admin.email, &app.admin.password).await;
    let (secret, codes) = enrol(&admin).await;
    let csrf = hidden_value(&admin.page("/admin/customers").await, "_csrf");

    let (half, pending_value) =
        past_the_password_with_cookie(&app, &app.admin.email, &app.admin.password).await;
    let before = snapshot(&app.store, "customers").await;
    let team_before = snapshot(&app.store, "console_settings").await;
    for path in ["/admin", "/admin/customers", "/admin/team", "/admin/account", "/admin/account/mfa"] {
        let response = half.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "GET {path}");
        assert_eq!(location_path(&response), "/admin/login", "GET {path}");
    }
    // Even with a CSRF token of a real session, nothing is done.
    for (action, fields) in [
        ("/admin/customers", vec![("_csrf", csrf.as_str()), ("name", "Sneaky"), ("slug", "sneaky")]),
        ("/admin/team/mfa-required", vec![("_csrf", csrf.as_str()), ("required", "on")]),
        ("/admin/account/mfa/off", vec![("_csrf", csrf.as_str()), ("code", "123456")]),
        ("/admin/account/mfa/setup", vec![("_csrf", csrf.as_str())]),
    ] {
        let response = half.post_form(action, &fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "POST {action}");
        assert_eq!(location_path(&response), "/admin/login", "POST {action}");
    }
    // The pending cookie's value, presented as a session cookie, is no session either.
    let forged =
        crate::support::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = forged
        .get(app.url("/admin"))
        .header("cookie", format!("portico_console={pending_value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(location_path(&response), "/admin/login");
    assert_eq!(snapshot(&app.store, "customers").await, before, "nothing changed");
    assert_eq!(snapshot(&app.store, "console_settings").await, team_before, "nothing changed");
    assert!(admin.page("/admin/account/mfa").await.contains("id=\"mfa-status\">On"), "still on");

    // And the second step done, the same browser is in.
    assert_eq!(enter_code(&half, &code_for(&secret, 30)).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(half.get("/admin").await.status(), StatusCode::OK);

    // A password reset between the two steps voids the half-done sign-in, even with a good code.
    let stale = past_the_password(&app, &app.admin.email, &app.admin.password).await;
    portico::cli::reset_password(&app.core, &app.admin.email, Some("a brand new long password".into()))
        .await
        .unwrap();
    let response = enter_code(&stale, &codes[0]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin/login", "back to the password");
    let admin_id = member_id(&app, &app.admin.email).await;
    assert_eq!(app.store.recovery_codes_left(admin_id).await.unwrap(), 10, "the code was not spent");
    assert_eq!(location_path(&stale.get("/admin").await), "/admin/login");
}

async fn wrong_codes_count_against_the_sign_in_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tech = app.console(&app.technician.email, &app.technician.password).await;
    let (secret, _) = enrol(&tech).await;
    let browser = past_the_password(&app, &app.technician.email, &app.technician.password).await;
    let limit = app.config.sign_in_limits.per_account;
    // The wrong code tried while enrolling counts too: one failure is on record already.
    for _ in 0..limit - 1 {
        assert_eq!(enter_code(&browser, &wrong_code(&secret)).await.status(), StatusCode::UNAUTHORIZED);
    }
    // The password again does not reset the count of wrong codes.
    let again = Console::anonymous(&app.base);
    assert_eq!(
        again.sign_in(&app.technician.email, &app.technician.password).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let limited = enter_code(&browser, &code_for(&secret, 30)).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "even the right code waits");
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(location_path(&browser.get("/admin").await), "/admin/login");
}

async fn when_required_members_without_it_can_only_enrol(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.console(&app.admin.email, &app.admin.password).await;
    enrol(&admin).await;
    let tech = app.console(&app.technician.email, &app.technician.password).await;

    // Through the API: technicians read the setting and cannot change it.
    let (status, settings) = app.get_json("/console-settings", &app.technician.token).await;
    assert_eq!((status, settings["mfa_required"].as_bool()), (StatusCode::OK, Some(false)));
    let change = serde_json::json!({"mfa_required": true});
    let (status, _) = app.patch_json("/console-settings", &app.technician.token, change.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = app
        .patch_json("/console-settings", &app.admin.token, serde_json::json!({"mfa_required": "yes"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let (status, settings) = app.patch_json("/console-settings", &app.admin.token, change).await;
    assert_eq!((status, settings["mfa_required"].as_bool()), (StatusCode::OK, Some(true)));
    let (_, settings) = app
        .patch_json("/console-settings", &app.admin.token, serde_json::json!({"mfa_required": false}))
        .await;
    assert_eq!(settings["mfa_required"], false);

    // Technicians cannot require it in the console either.
    let refused = tech.submit("/admin/team", "/admin/team/mfa-required", &[("required", "on")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(!app.store.console_mfa_required().await.unwrap());

    let saved = admin.submit("/admin/team", "/admin/team/mfa-required", &[("required", "on")]).await;
    assert_eq!(location_path(&saved), "/admin/team");
    assert!(app.store.console_mfa_required().await.unwrap());

    // The technician, already signed in, and a new sign-in alike: only enrolment is open.
    let fresh = app.console(&app.technician.email, &app.technician.password).await;
    let before = snapshot(&app.store, "customers").await;
    for console in [&tech, &fresh] {
        for path in ["/admin", "/admin/customers", "/admin/account", "/admin/team"] {
            let response = console.get(path).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "GET {path}");
            assert_eq!(location(&response), "/admin/account/mfa", "GET {path}");
        }
    }
    let page = tech.page("/admin/account/mfa").await;
    assert!(page.contains("id=\"mfa-required-notice\""));
    assert!(!page.contains("href=\"/admin/customers\""), "the console's sections are not offered");
    let csrf = hidden_value(&page, "_csrf");
    let response =
        tech.post_form("/admin/customers", &[("_csrf", &csrf), ("name", "Sneaky"), ("slug", "sneaky")]).await;
    assert_eq!(location(&response), "/admin/account/mfa");
    assert_eq!(snapshot(&app.store, "customers").await, before, "nothing changed");

    // Enrolled, the console opens; turning it off is refused while it is required.
    let (secret, _) = enrol(&tech).await;
    assert_eq!(tech.get("/admin").await.status(), StatusCode::OK);
    let page = tech.page("/admin/account/mfa").await;
    assert!(page.contains("id=\"mfa-off-refused\""));
    let csrf = hidden_value(&page, "_csrf");
    let off =
        tech.post_form("/admin/account/mfa/off", &[("_csrf", &csrf), ("code", &code_for(&secret, 30))]).await;
    assert_eq!(off.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(off.text().await.unwrap().contains("cannot be turned off"));
    assert!(tech.page("/admin/account/mfa").await.contains("id=\"mfa-status\">On"));

    // No longer required: it may be turned off (proven with a code).
    admin.submit("/admin/team", "/admin/team/mfa-required", &[]).await;
    assert!(!app.store.console_mfa_required().await.unwrap());
    let off = tech
        .submit("/admin/account/mfa", "/admin/account/mfa/off", &[("code", &code_for(&secret, 30))])
        .await;
    assert_eq!(location_path(&off), "/admin/account/mfa");
    assert!(tech.page("/admin/account/mfa").await.contains("id=\"mfa-status\">Off"));

    let audit = snapshot(&app.store, "audit_log").await.join("\n");
    for said in [
        "required two-step sign-in for the console",
        "stopped requiring two-step sign-in for the console",
        "turned off two-step sign-in",
    ] {
        assert!(audit.contains(said), "audit log lacks '{said}'");
    }
}

async fn admins_reset_a_members_second_step_and_technicians_cannot(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.console(&app.admin.email, &app.admin.password).await;
    let (_, _) = enrol(&admin).await;
    let tech = app.console(&app.technician.email, &app.technician.password).await;
    let (_, tech_codes) = enrol(&tech).await;
    let (admin_id, tech_id) =
        (member_id(&app, &app.admin.email).await, member_id(&app, &app.technician.email).await);

    // The API says who has it.
    let (_, listed) = app.get_json("/team-members", &app.technician.token).await;
    let flags: Vec<(String, bool)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["email"].as_str().unwrap().to_string(), m["mfa_enabled"].as_bool().unwrap()))
        .collect();
    assert!(
        flags.contains(&(app.admin.email.clone(), true))
            && flags.contains(&(app.technician.email.clone(), true))
    );
    let (_, shown) = app.get_json(&format!("/team-members/{tech_id}"), &app.admin.token).await;
    assert_eq!(shown["mfa_enabled"], true);

    // A technician cannot reset anyone's.
    let path = format!("/admin/team/{admin_id}/mfa/reset");
    let csrf = hidden_value(&tech.page("/admin/team").await, "_csrf");
    let refused = tech.post_form(&path, &[("_csrf", &csrf)]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(app.store.mfa_state(admin_id).await.unwrap().is_on());

    // An admin resets the technician's: signed out, app and recovery codes gone, the
    // password alone signs in again.
    let member_page = format!("/admin/team/{tech_id}");
    assert!(admin.page(&member_page).await.contains("id=\"member-mfa-status\">On"));
    let reset = admin.submit(&member_page, &format!("/admin/team/{tech_id}/mfa/reset"), &[]).await;
    assert_eq!(location_path(&reset), member_page);
    assert!(admin.page(&location(&reset)).await.contains("was reset"));
    assert!(!app.store.mfa_state(tech_id).await.unwrap().is_on());
    assert_eq!(app.store.recovery_codes_left(tech_id).await.unwrap(), 0);
    assert_eq!(location_path(&tech.get("/admin").await), "/admin/login", "signed out");
    let back = Console::anonymous(&app.base);
    let response = back.sign_in(&app.technician.email, &app.technician.password).await;
    assert_eq!(location(&response), "/admin", "no second step any more");
    assert!(!tech_codes.is_empty());

    // Through the API alike: technicians cannot, admins can (and it is then off).
    let (status, _) = crate::support::send(app.api(
        reqwest::Method::POST,
        &format!("/team-members/{admin_id}/mfa/reset"),
        &app.technician.token,
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = crate::support::send(app.api(
        reqwest::Method::POST,
        &format!("/team-members/{tech_id}/mfa/reset"),
        &app.admin.token,
    ))
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left to reset: {problem}");
    let (_, shown) = app.get_json(&format!("/team-members/{tech_id}"), &app.admin.token).await;
    assert_eq!(shown["mfa_enabled"], false, "reset");

    // An admin resets their own through "turn off", not here.
    let own = admin.submit("/admin/team", &format!("/admin/team/{admin_id}/mfa/reset"), &[]).await;
    assert_eq!(own.status(), StatusCode::CONFLICT);
    assert!(app.store.mfa_state(admin_id).await.unwrap().is_on());

    // An admin locked out alone gets back in through the server's command line.
    portico::cli::reset_mfa(&app.core, &app.admin.email).await.unwrap();
    assert!(!app.store.mfa_state(admin_id).await.unwrap().is_on());
    assert_eq!(location_path(&admin.get("/admin").await), "/admin/login", "signed out");
    let err = portico::cli::reset_mfa(&app.core, &app.admin.email).await.unwrap_err();
    assert!(err.to_string().contains("no two-step sign-in to reset"), "{err}");

    events_settled(&app.store).await;
    let audit = snapshot(&app.store, "audit_log").await;
    let entry = audit
        .iter()
        .find(|row| row.contains("reset two-step sign-in of tech@msp.example"))
        .expect("the reset is audited");
    assert!(entry.contains("reset_mfa") && entry.contains(&admin_id.to_string()), "{entry}");
    let by_cli = audit
        .iter()
        .find(|row| row.contains("reset two-step sign-in of admin@msp.example"))
        .expect("the command line's reset is audited");
    assert!(by_cli.contains("cli"), "{by_cli}");
}

async fn api_token_use_is_recorded_with_time_and_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin_id = member_id(&app, &app.admin.email).await;
    let before = app.store.api_tokens_of(admin_id).await.unwrap();
    assert!(before[0].last_used_at.is_none() && before[0].last_used_ip.is_none());
    let console = app.console(&app.admin.email, &app.admin.password).await;
    assert!(console.page("/admin/account").await.contains("never"));

    assert_eq!(app.get_json("/customers", &app.admin.token).await.0, StatusCode::OK);
    let used = app.store.api_tokens_of(admin_id).await.unwrap();
    let first_use = used[0].last_used_at.expect("the use is recorded");
    assert_eq!(used[0].last_used_ip.as_deref(), Some("127.0.0.1"));

    // A hot token writes at most once a minute.
    for _ in 0..3 {
        assert_eq!(app.get_json("/customers", &app.admin.token).await.0, StatusCode::OK);
    }
    assert_eq!(app.store.api_tokens_of(admin_id).await.unwrap()[0].last_used_at, Some(first_use));

    // The owner sees it on their account, admins on the member's page.
    let page = console.page("/admin/account").await;
    let table = between(&page, "id=\"api-tokens\"", "</table>");
    assert!(table.contains("tests") && table.contains("127.0.0.1"), "{table}");
    let tech_id = member_id(&app, &app.technician.email).await;
    let tech_page = console.page(&format!("/admin/team/{tech_id}")).await;
    assert!(between(&tech_page, "id=\"api-tokens\"", "</table>").contains("never"));

    // And the API lists them, for the member and admins only, never with the token.
    let (status, listed) =
        app.get_json(&format!("/team-members/{admin_id}/api-tokens"), &app.admin.token).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed[0]["label"], "tests");
    assert_eq!(listed[0]["last_used_ip"], "127.0.0.1");
    assert!(listed[0]["last_used_at"].is_string());
    assert!(!listed.to_string().contains(&app.admin.token), "never the token");
    let (status, _) =
        app.get_json(&format!("/team-members/{admin_id}/api-tokens"), &app.technician.token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not another member's");
    let (status, own) =
        app.get_json(&format!("/team-members/{tech_id}/api-tokens"), &app.technician.token).await;
    assert_eq!((status, own[0]["last_used_ip"].as_str()), (StatusCode::OK, Some("127.0.0.1")), "{own}");
}

async fn resets_and_the_setting_record_the_same_events_through_the_console_or_the_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.console(&app.admin.email, &app.admin.password).await;
    let mut ids = Vec::new();
    for email in ["una@msp.example", "udo@msp.example"] {
        let body = serde_json::json!({"email": email, "name": "Un Enrolled", "role": "technician"});
        let (status, created) = app.post_json("/team-members", &app.admin.token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let member = app.console(email, created["password"].as_str().unwrap()).await;
        enrol(&member).await;
        ids.push(created["id"].as_str().unwrap().to_string());
    }
    let (by_console, by_api) = (&ids[0], &ids[1]);
    let page = format!("/admin/team/{by_console}");
    let reset = admin.submit(&page, &format!("{page}/mfa/reset"), &[]).await;
    assert_eq!(location_path(&reset), page);
    let (status, _) = crate::support::send(app.api(
        reqwest::Method::POST,
        &format!("/team-members/{by_api}/mfa/reset"),
        &app.admin.token,
    ))
    .await;
    assert_eq!(status, StatusCode::OK);

    let resets = |events: Vec<portico::domain::event::Event>| -> Vec<portico::domain::event::Event> {
        events.into_iter().filter(|e| e.kind == "team_member.mfa_reset").collect()
    };
    let console_resets = resets(app.store.events_of("team_member", by_console).await.unwrap());
    let api_resets = resets(app.store.events_of("team_member", by_api).await.unwrap());
    assert_eq!(console_resets.len(), 1);
    assert_eq!(crate::same_events::shape(&console_resets), crate::same_events::shape(&api_resets));
    assert_eq!(
        (console_resets[0].actor.kind.as_str(), api_resets[0].actor.kind.as_str()),
        ("team_member", "api_token")
    );

    admin.submit("/admin/team", "/admin/team/mfa-required", &[("required", "on")]).await;
    let (status, _) = app
        .patch_json("/console-settings", &app.admin.token, serde_json::json!({"mfa_required": false}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let settings = app.store.events_of("console_settings", "console").await.unwrap();
    assert_eq!(settings.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["console_settings.updated"; 2]);
    let shapes = crate::same_events::shape(&settings);
    assert_eq!(shapes[0], shapes[1]);
    assert_eq!(
        (settings[0].payload["mfa_required"].as_bool(), settings[1].payload["mfa_required"].as_bool()),
        (Some(true), Some(false))
    );
}

async fn one_code_sent_twice_at_once_signs_in_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.console(&app.admin.email, &app.admin.password).await;
    let (secret, _) = enrol(&admin).await;
    let first = past_the_password(&app, &app.admin.email, &app.admin.password).await;
    let second = past_the_password(&app, &app.admin.email, &app.admin.password).await;
    let code = code_for(&secret, 30);
    let (a, b) = tokio::join!(enter_code(&first, &code), enter_code(&second, &code));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED], "one wins, one is a replay");
}

async fn a_copied_pending_sign_in_opens_no_second_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.console(&app.admin.email, &app.admin.password).await;
    let (secret, codes) = enrol(&admin).await;
    let (first, pending) = past_the_password_with_cookie(&app, &app.admin.email, &app.admin.password).await;
    let done = enter_code(&first, &code_for(&secret, 30)).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_ne!(location(&done), "/admin/login", "signed in");
    // Someone who copied the pending cookie has no password, only a recovery code they stole.
    let copier = Console::anonymous(&app.base);
    let page = copier.page("/admin/login").await;
    let csrf = hidden_value(&page, "_csrf");
    let reused = copier
        .client
        .post(app.url("/admin/login/code"))
        .header("cookie", format!("portico_console_pending={pending}; portico_login_csrf={csrf}"))
        .form(&[("_csrf", csrf.as_str()), ("code", codes[0].as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&reused), "/admin/login", "the spent pending sign-in sends back to the password");
    let cookies: Vec<&str> =
        reused.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(!cookies.iter().any(|c| c.starts_with("portico_console=")), "no session: {cookies:?}");
}
