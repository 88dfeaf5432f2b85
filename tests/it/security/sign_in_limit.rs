//! Item 5: the console's sign-in limit holds against a burst of parallel guesses.

use std::collections::HashMap;

use reqwest::StatusCode;

use crate::support::{Backend, Console, TestApp, hidden_value, on_both_backends, snapshot};

on_both_backends!(item5_a_burst_of_wrong_passwords_gets_no_more_checks_than_the_limit,);

async fn item5_a_burst_of_wrong_passwords_gets_no_more_checks_than_the_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = Console::anonymous(&app.base);
    let csrf = hidden_value(&console.page("/admin/login").await, "_csrf");
    let attempts: Vec<_> = (0..40)
        .map(|_| {
            let (client, url, csrf, email) =
                (console.client.clone(), app.url("/admin/login"), csrf.clone(), app.admin.email.clone());
            tokio::spawn(async move {
                let form = [
                    ("_csrf", csrf.as_str()),
                    ("email", email.as_str()),
                    ("password", "wrong guess"),
                    ("next", ""),
                ];
                client.post(url).form(&form).send().await.unwrap().status()
            })
        })
        .collect();
    let mut statuses = HashMap::new();
    for attempt in attempts {
        *statuses.entry(attempt.await.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(statuses.get(&StatusCode::UNAUTHORIZED), Some(&5), "five password checks: {statuses:?}");
    assert_eq!(statuses.get(&StatusCode::TOO_MANY_REQUESTS), Some(&35), "{statuses:?}");
    assert_eq!(snapshot(&app.store, "sign_in_failures").await.len(), 5);
    // The right password is refused too while limited; nothing was let through.
    let right = console.sign_in(&app.admin.email, &app.admin.password).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
}
