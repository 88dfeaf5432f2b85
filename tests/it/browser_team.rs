//! Managing the team in real Chromium: adding a member, the one-time password, editing, and
//! one's own account, with axe-core on every page.

use crate::browser::Browser;
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn an_admin_adds_a_technician_who_then_changes_their_password() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    browser.sign_in(&app.base, &app.admin.email, &app.admin.password).await;

    browser.goto(&app.url("/admin/team")).await;
    browser.assert_accessible("the team list").await;
    browser.click("a[href='/admin/team/new']").await;
    browser.wait_until("the add form", "return !!document.getElementById('email')").await;
    browser.type_into("#name", "Theo Tech").await;
    browser.type_into("#email", "not an address").await;
    browser.click("form.form button[type=submit]").await;
    browser.wait_until("the refusal", "return !!document.getElementById('email-error')").await;
    browser.assert_accessible("the add form with an error").await;
    browser.type_into("#email", "theo@msp.example").await;
    browser.click("form.form button[type=submit]").await;
    browser.wait_until("the password page", "return !!document.getElementById('one-time-password')").await;
    browser.assert_accessible("the one-time password page").await;
    browser.assert_layout("console-team-password").await;
    let password = browser.text_of("#one-time-password").await;

    let (_, found) = app.get_json("/team-members?q=theo", &app.admin.token).await;
    let theo_id = found["items"][0]["id"].as_str().unwrap().to_string();
    browser.goto(&app.url("/admin/team")).await;
    browser.click(&format!("a[href='/admin/team/{theo_id}']")).await;
    browser.wait_until("the edit form", "return !!document.querySelector('input[name=active]')").await;
    browser.assert_accessible("the edit form").await;
    browser.assert_layout("console-team-edit").await;

    // Theo signs in with it and sets his own.
    let theo = Browser::start().await.unwrap();
    theo.sign_in(&app.base, "theo@msp.example", &password).await;
    theo.click("a[href='/admin/account']").await;
    theo.wait_until("the account page", "return !!document.getElementById('current_password')").await;
    theo.assert_accessible("the account page").await;
    theo.type_into("#current_password", &password).await;
    theo.type_into("#new_password", "theo's own passphrase").await;
    theo.type_into("#confirm_password", "theo's own passphrase").await;
    theo.click("form.form button[type=submit]").await;
    theo.wait_until(
        "the confirmation",
        "return document.body.innerText.includes('Your password was changed')",
    )
    .await;
    theo.assert_accessible("the account page after the change").await;
    theo.assert_layout("console-account").await;
    theo.close().await;
    browser.close().await;
}
