//! Two-step sign-in in real Chromium: setting up an app from the account page, the recovery
//! codes, and signing in with a code, with axe-core on every new page.

use crate::browser::Browser;
use crate::mfa::{code_for, wrong_code};
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn a_member_sets_up_an_app_and_signs_in_with_its_code() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    browser.sign_in(&app.base, &app.technician.email, &app.technician.password).await;

    browser.click_and_load("a[href='/admin/account']").await;
    browser.click_and_load("#manage-mfa").await;
    browser.assert_accessible("the two-step sign-in page, off").await;
    browser.click_and_load("form.card button.primary").await;
    browser.wait_until("the key", "return !!document.getElementById('totp-secret')").await;
    browser.assert_accessible("the set-up page").await;
    browser.assert_layout("console-mfa-setup").await;
    let secret = browser.text_of("#totp-secret").await;

    browser.type_into("#confirm-code", &wrong_code(&secret)).await;
    browser.click_and_load("form[action='/admin/account/mfa/confirm'] button").await;
    browser.wait_until("the refusal", "return !!document.getElementById('confirm-code-error')").await;
    browser.assert_accessible("the set-up page with a wrong code").await;
    browser.type_into("#confirm-code", &code_for(&secret, 0)).await;
    browser.click_and_load("form[action='/admin/account/mfa/confirm'] button").await;
    browser.wait_until("the recovery codes", "return !!document.getElementById('recovery-codes')").await;
    browser.assert_accessible("the recovery codes page").await;
    let codes = browser.find("#recovery-codes").await.text().await.unwrap();
    assert_eq!(codes.lines().filter(|line| !line.trim().is_empty()).count(), 10, "{codes}");

    // Signed out, the password then asks for a code.
    browser.click_and_load("form[action='/admin/logout'] button").await;
    browser.type_into("#email", &app.technician.email).await;
    browser.type_into("#password", &app.technician.password).await;
    browser.click_and_load("button[type=submit]").await;
    browser.wait_until("the code page", "return location.pathname === '/admin/login/code'").await;
    browser.assert_accessible("the code page").await;
    browser.assert_layout("console-mfa-code").await;
    browser.type_into("#code", &wrong_code(&secret)).await;
    browser.click_and_load("button[type=submit]").await;
    browser.wait_until("the refusal", "return !!document.getElementById('code-error')").await;
    browser.assert_accessible("the code page with a wrong code").await;
    browser.type_into("#code", &code_for(&secret, 30)).await;
    browser.click_and_load("button[type=submit]").await;
    browser.wait_until("the console", "return location.pathname === '/admin'").await;
    browser.goto(&app.url("/admin/account/mfa")).await;
    browser
        .wait_until("the status", "return document.getElementById('mfa-status')?.innerText === 'On'")
        .await;
    browser.assert_accessible("the two-step sign-in page, on").await;
    browser.close().await;
}
