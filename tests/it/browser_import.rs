//! Importing end users from CSV in real Chromium, without any script of the page's own: a
//! check shows each row's outcome, then the import; axe-core on each step.

use serde_json::json;

use crate::browser::Browser;
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn an_admin_checks_a_file_then_imports_it() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, customer) = app.post_json("/customers", &app.admin.token, json!({"name": "Acme"})).await;
    let id = customer["id"].as_str().unwrap().to_string();
    browser.sign_in(&app.base, &app.admin.email, &app.admin.password).await;
    browser.goto(&app.url(&format!("/admin/customers/{id}"))).await;
    browser.click(&format!("a[href='/admin/customers/{id}/end-users/import']")).await;
    browser.wait_until("the import form", "return !!document.getElementById('import-form')").await;
    browser.assert_accessible("the import form").await;

    browser
        .type_into("#csv", "name,email,role\nAda Lovelace,ada@acme.example,manager\nBad Address,bad,\n")
        .await;
    browser.click("button[value=check]").await;
    browser.wait_until("the check result", "return !!document.getElementById('import-result')").await;
    assert!(browser.text_of("#import-result").await.contains("Line 3: E-mail must be an e-mail address"));
    browser.assert_accessible("the check result").await;
    browser.assert_layout("console-import-check").await;

    browser.type_into("#csv", "name,email,role\nAda Lovelace,ada@acme.example,manager\n").await;
    browser.click("button[value=import]").await;
    browser
        .wait_until(
            "the import",
            "return (document.getElementById('import-result') || {}).textContent?.includes('were imported')",
        )
        .await;
    browser.assert_accessible("the import result").await;
    let (_, list) = app.get_json(&format!("/customers/{id}/end-users"), &app.admin.token).await;
    assert_eq!(list["items"][0]["role"], "manager");
    browser.close().await;
}
