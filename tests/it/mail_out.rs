//! Notifications by e-mail, against a real SMTP server: who gets what, the headers and text of
//! each mail, retries, permanent failures, and a restart in the middle of delivery.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use portico::mail::settings::PolledMailbox;

use crate::smtp::{Secured, SmtpOptions, TestSmtp};
use crate::support::{Backend, TestApp, events_settled, on_both_backends};

on_both_backends!(
    each_change_mails_the_right_people_with_threaded_branded_mail,
    passing_failures_are_retried_and_refusals_are_kept_as_failed,
    a_restart_in_the_middle_of_delivery_sends_each_mail_once,
    an_event_handled_twice_queues_its_mail_once,
    a_sender_killed_mid_send_leaves_its_mail_to_the_next_instance,
);

/// A customer with an active portal whose tickets go to a group with the technician in it, and
/// one end user, Erin; mail goes through `smtp`.
pub struct Desk {
    pub app: TestApp,
    pub smtp: TestSmtp,
    pub customer_id: String,
    pub slug: String,
    pub group_id: String,
    pub erin: String,
}

pub const ERIN: &str = "erin@acme.example";

pub async fn desk(backend: Backend, options: SmtpOptions) -> Option<Desk> {
    desk_reading(backend, options, None).await
}

/// A [`desk`] that also polls the mailbox at `imap_url`.
pub async fn desk_reading(backend: Backend, options: SmtpOptions, imap_url: Option<String>) -> Option<Desk> {
    desk_configured(backend, options, imap_url, |_| {}).await
}

/// A [`desk_reading`] with more of its configuration set by `adjust`.
pub async fn desk_configured(
    backend: Backend,
    options: SmtpOptions,
    imap_url: Option<String>,
    adjust: impl FnOnce(&mut portico::config::Config),
) -> Option<Desk> {
    let smtp = TestSmtp::start(options).await?;
    let mut settings = smtp.settings();
    settings.imap = imap_url.map(|url| PolledMailbox {
        url: url.into(),
        processed_folder: "Processed".into(),
        quarantine_folder: "Rejected".into(),
        poll: Duration::from_millis(200),
    });
    let app = TestApp::spawn_with(backend, |config| {
        config.mail = settings;
        adjust(config);
    })
    .await;
    let token = &app.admin.token;
    let (_, team) = app.get_json("/team-members", token).await;
    let tech_id =
        team["items"].as_array().unwrap().iter().find(|m| m["email"] == app.technician.email).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
    let (_, group) = app
        .post_json("/assignment-groups", token, json!({"name": "Acme Desk", "member_ids": [tech_id]}))
        .await;
    let group_id = group["id"].as_str().unwrap().to_string();
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    let portal = app
        .update_portal(&customer_id, |document| {
            document["active"] = json!(true);
            document["design"]["primary_color"] = json!("#5b2a86");
            document["features"]["ticketing"] =
                json!({"enabled": true, "default_assignment_group_id": group_id});
        })
        .await;
    let (status, erin) = app
        .post_json(
            &format!("/customers/{customer_id}/end-users"),
            token,
            json!({"name": "Erin End", "email": ERIN}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{erin}");
    Some(Desk {
        slug: portal["slug"].as_str().unwrap().to_string(),
        erin: erin["id"].as_str().unwrap().to_string(),
        app,
        smtp,
        customer_id,
        group_id,
    })
}

impl Desk {
    /// A ticket for Erin, filed by the admin through the API.
    pub async fn ticket_for(&self, requester: &str, summary: &str) -> Value {
        let (status, ticket) = self
            .app
            .post_json(
                "/tickets",
                &self.app.admin.token,
                json!({"customer_id": self.customer_id, "requester_id": requester, "type": "incident",
                       "short_description": summary, "description": "The printer on floor 2 blinks red."}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{ticket}");
        ticket
    }

    pub async fn comment(&self, ticket_id: &str, body: &str, public: bool) {
        let (status, comment) = self
            .app
            .post_json(
                &format!("/tickets/{ticket_id}/comments"),
                &self.app.technician.token,
                json!({"body": body, "public": public}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{comment}");
    }
}

async fn each_change_mails_the_right_people_with_threaded_branded_mail(backend: Backend) {
    let Some(desk) = desk(backend, SmtpOptions::default()).await else { return };
    let ticket = desk.ticket_for(&desk.erin, "Printer jams").await;
    let ticket_id = ticket["id"].as_str().unwrap();
    let received = desk.smtp.wait_for(2).await;

    // Erin's acknowledgement: threaded, tagged for replies, marked automatic, multipart.
    let ack = desk.smtp.to(ERIN).pop().expect("an acknowledgement to the requester");
    assert_eq!(ack.subject(), "[T-000001] Printer jams");
    let reply_to = ack.reply_to();
    let token = reply_to
        .strip_prefix("help+t-")
        .and_then(|rest| rest.strip_suffix("@msp.example"))
        .unwrap_or_else(|| panic!("a tagged reply address, got {reply_to}"));
    assert!(
        token.len() >= 20 && token.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{token}"
    );
    assert_eq!(ack.header("Auto-Submitted").as_deref(), Some("auto-generated"));
    let thread = format!("<ticket.{}@msp.example>", ticket_id.replace('-', ""));
    assert_eq!(ack.header("In-Reply-To").as_deref(), Some(thread.as_str()));
    assert_eq!(ack.header("References").as_deref(), Some(thread.as_str()));
    assert!(ack.message_id().ends_with("@msp.example"));
    let portal_link = desk.app.url(&format!("/p/{}/tickets/{ticket_id}", desk.slug));
    let text = ack.text();
    assert!(text.contains("We received your request T-000001"), "{text}");
    assert!(text.contains("The printer on floor 2 blinks red.") && text.contains(&portal_link), "{text}");
    let html = ack.html();
    assert!(html.contains("#5b2a86") && html.contains(">Acme<"), "branded with the portal: {html}");
    assert!(html.contains(&format!("href=\"{portal_link}\"")));

    // The group hears of it, with a link to the console; the admin who filed it is not in the group.
    let tim = desk.smtp.to(&desk.app.technician.email).pop().expect("the group's member hears of the ticket");
    assert!(tim.text().contains("New ticket T-000001 from Erin End"), "{}", tim.text());
    assert!(tim.text().contains(&desk.app.url(&format!("/admin/tickets/{ticket_id}"))));
    assert_eq!(received.len(), 2);

    // An internal note mails nobody; a public reply mails Erin, never its author.
    desk.comment(ticket_id, "Internal: toner supplier is slow", false).await;
    desk.comment(ticket_id, "We are on our way with paper.", true).await;
    let received = desk.smtp.wait_for(3).await;
    let reply = &received[2];
    assert_eq!(reply.to, [ERIN]);
    assert!(
        reply.text().contains("Tim Tech replied to your request")
            && reply.text().contains("on our way with paper")
    );
    assert_eq!(reply.header("References").as_deref(), Some(thread.as_str()), "the same thread");
    assert_eq!(reply.subject(), "[T-000001] Printer jams", "the same subject keeps clients' threads");

    // Resolving tells Erin; an urgency change tells nobody.
    let (status, _) = desk
        .app
        .patch_json(&format!("/tickets/{ticket_id}"), &desk.app.admin.token, json!({"urgency": "high"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = desk
        .app
        .patch_json(&format!("/tickets/{ticket_id}"), &desk.app.admin.token, json!({"status": "resolved"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let received = desk.smtp.wait_for(4).await;
    assert_eq!(received[3].to, [ERIN]);
    assert!(received[3].text().contains("was resolved"), "{}", received[3].text());

    crate::support::mail_settled(&desk.app.store).await;
    let received = desk.smtp.received();
    assert_eq!(received.len(), 4, "nothing else is mailed");
    assert!(received.iter().all(|m| !m.text().contains("toner supplier")), "internal notes are never mailed");
    let ids: HashSet<String> = received.iter().map(super::smtp::Received::message_id).collect();
    assert_eq!(ids.len(), 4, "each mail has its own Message-ID");
    let outbox = desk.app.store.mail_of_ticket(ticket_id.parse().unwrap()).await.unwrap();
    assert_eq!(outbox.len(), 4);
    assert!(outbox.iter().all(|m| m.state.as_str() == "sent" && m.attempts == 1), "{outbox:?}");
}

async fn passing_failures_are_retried_and_refusals_are_kept_as_failed(backend: Backend) {
    let Some(desk) = desk(backend, SmtpOptions { temp_failures: 2, ..Default::default() }).await else {
        return;
    };
    let ticket = desk.ticket_for(&desk.erin, "Retry me").await;
    let received = desk.smtp.wait_for(2).await;
    assert_eq!(received.len(), 2);
    let ticket_id: uuid::Uuid = ticket["id"].as_str().unwrap().parse().unwrap();
    let outbox = desk.app.store.mail_of_ticket(ticket_id).await.unwrap();
    assert_eq!(
        outbox.iter().map(|m| m.attempts).sum::<i64>(),
        4,
        "two passing failures, then both sent: {outbox:?}"
    );
    assert!(outbox.iter().all(|m| m.state.as_str() == "sent"));

    // A mailbox the server refuses for good: kept as failed, with the server's answer.
    let (_, refused) = desk
        .app
        .post_json(
            &format!("/customers/{}/end-users", desk.customer_id),
            &desk.app.admin.token,
            json!({"name": "Rita Refused", "email": "refused@acme.example"}),
        )
        .await;
    let ticket = desk.ticket_for(refused["id"].as_str().unwrap(), "Nobody reads this").await;
    let ticket_id: uuid::Uuid = ticket["id"].as_str().unwrap().parse().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let failed = loop {
        let outbox = desk.app.store.mail_of_ticket(ticket_id).await.unwrap();
        if let Some(failed) = outbox.iter().find(|m| m.state.as_str() == "failed") {
            break failed.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "the refused mail should fail: {outbox:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(failed.recipient, "refused@acme.example");
    assert_eq!(failed.attempts, 1, "a permanent refusal is not retried");
    assert!(failed.last_error.as_deref().is_some_and(|e| e.contains("550")), "{failed:?}");
    let undelivered = desk.app.store.undelivered_mail(10).await.unwrap();
    assert_eq!(undelivered.len(), 1);

    // The console shows it on the ticket and on the dashboard, and an admin can send it again.
    let console = desk.app.console(&desk.app.admin.email, &desk.app.admin.password).await;
    let page = console.page(&format!("/admin/tickets/{ticket_id}")).await;
    assert!(
        page.contains("refused@acme.example") && page.contains("Not delivered") && page.contains("550"),
        "{page}"
    );
    let home = console.page("/admin").await;
    assert!(
        home.contains("1 mail could not be delivered") && home.contains("refused@acme.example"),
        "{home}"
    );
}

async fn a_restart_in_the_middle_of_delivery_sends_each_mail_once(backend: Backend) {
    let Some(mut desk) = desk(backend, SmtpOptions { delay_ms: 250, ..Default::default() }).await else {
        return;
    };
    for n in 0..4 {
        desk.ticket_for(&desk.erin, &format!("Ticket {n}")).await;
    }
    desk.smtp.wait_for(1).await;
    // Stop in the middle: the message in hand finishes, the rest waits in the outbox.
    desk.app.begin_shutdown();
    desk.app.stopped().await;
    let sent_before = desk.smtp.received().len();
    assert!(sent_before < 8, "the restart happens mid-delivery ({sent_before} of 8 sent)");
    let settings = desk.smtp.settings();
    let _second = desk.app.another_instance_configured(|config| config.mail = settings).await;
    desk.smtp.wait_for(8).await;
    crate::support::mail_settled(&desk.app.store).await;
    let received_after = desk.smtp.received();
    assert_eq!(received_after.len(), 8, "each of the 8 mails exactly once");
    let ids: HashSet<String> = received_after.iter().map(super::smtp::Received::message_id).collect();
    assert_eq!(ids.len(), 8);
}

async fn an_event_handled_twice_queues_its_mail_once(backend: Backend) {
    use portico::events::Consumer;
    let Some(desk) = desk(backend, SmtpOptions::default()).await else { return };
    let ticket = desk.ticket_for(&desk.erin, "Once only").await;
    desk.smtp.wait_for(2).await;
    events_settled(&desk.app.store).await;
    let ticket_id: uuid::Uuid = ticket["id"].as_str().unwrap().parse().unwrap();
    let events = desk.app.store.events_of("ticket", &ticket_id.to_string()).await.unwrap();
    let created = events.iter().find(|e| e.kind == "ticket.created").unwrap();
    // The notifier handles the event again, as after a crash before its position was saved.
    let outgoing = desk.app.config.mail.outgoing.clone().unwrap();
    let notifier = portico::mail::notifier::Notifier::new(
        desk.app.store.clone(),
        desk.app.config.addressing(),
        portico::mail::compose::Composer::new(outgoing.from, outgoing.reply_address),
        Default::default(),
    );
    notifier.deliver(created).await.unwrap();
    notifier.deliver(created).await.unwrap();
    assert_eq!(desk.app.store.mail_of_ticket(ticket_id).await.unwrap().len(), 2, "still one mail per person");
    crate::support::mail_settled(&desk.app.store).await;
    assert_eq!(desk.smtp.received().len(), 2);
}

/// The real binary, SIGKILLed while the SMTP server holds one of its messages: what it left in
/// `sending` is taken over by the next instance once the (one-second) lease runs out. Every mail
/// arrives; a mail may arrive twice only when it was in hand at the kill, and then with its own
/// Message-ID, so the receiving side can drop the repeat.
async fn a_sender_killed_mid_send_leaves_its_mail_to_the_next_instance(backend: Backend) {
    let Some(smtp) = TestSmtp::start(SmtpOptions { delay_ms: 400, ..Default::default() }).await else {
        return;
    };
    let (database, store, token) = crate::support::database_with_admin(backend).await;
    let url = smtp.url();
    let env = [
        ("PORTICO_SMTP_URL", url.as_str()),
        ("PORTICO_MAIL_FROM", "Acme Service Desk <desk@msp.example>"),
        ("PORTICO_MAIL_LEASE_SECONDS", "1"),
    ];
    let (mut first, base) = crate::support::serve_portico(&database, &env).await;

    let client = crate::support::plain_client();
    let post = |path: String, body: Value| {
        let request = client.post(format!("{base}/api/v1{path}")).bearer_auth(&token).json(&body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            assert!(status.is_success(), "{status}: {body}");
            body
        }
    };
    let customer = post("/customers".into(), json!({"name": "Killed Mid-Send"})).await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    let erin =
        post(format!("/customers/{customer_id}/end-users"), json!({"name": "Erin End", "email": ERIN})).await;
    let group = post("/assignment-groups".into(), json!({"name": "Night desk", "member_ids": []})).await;
    for n in 0..4 {
        post(
            "/tickets".into(),
            json!({"customer_id": customer_id, "requester_id": erin["id"], "type": "incident",
                   "assignment_group_id": group["id"],
                   "short_description": format!("Ticket {n}"), "description": "It blinks."}),
        )
        .await;
    }

    // Killed while a message is in the SMTP server's hands (it holds each for 400 ms).
    let in_sending = || async {
        sqlx::query_as::<_, (String, String)>(
            "SELECT id, message_id FROM mail_outbox WHERE state = 'sending'",
        )
        .fetch_all(store.pool())
        .await
        .unwrap()
    };
    // A message in `sending` that the server has not accepted yet is in its hands: the sender
    // cannot have recorded it sent, so the kill leaves it in `sending`.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let accepted: HashSet<String> = smtp.received().iter().map(|m| bare(&m.message_id())).collect();
        let in_hand = in_sending().await.into_iter().any(|(_, id)| !accepted.contains(&bare(&id)));
        if in_hand && !accepted.is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the first instance never began sending");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill();
    let stuck: HashSet<String> =
        in_sending().await.into_iter().map(|(_, message_id)| bare(&message_id)).collect();
    assert!(!stuck.is_empty(), "the kill left mail in sending");
    let sent_before = smtp.received().len();
    assert!(sent_before < 4, "killed mid-delivery ({sent_before} of 4 sent)");

    let (mut second, _) = crate::support::serve_portico(&database, &env).await;
    crate::support::mail_settled(&store).await;
    let outbox: Vec<(String, String)> =
        sqlx::query_as("SELECT message_id, state FROM mail_outbox").fetch_all(store.pool()).await.unwrap();
    assert_eq!(outbox.len(), 4, "{outbox:?}");
    assert!(outbox.iter().all(|(_, state)| state == "sent"), "{outbox:?}");
    let mut arrivals: std::collections::HashMap<String, usize> = Default::default();
    for message in smtp.received() {
        *arrivals.entry(bare(&message.message_id())).or_default() += 1;
    }
    for (message_id, _) in &outbox {
        let message_id = &bare(message_id);
        let times = arrivals.get(message_id).copied().unwrap_or_default();
        assert!(times >= 1, "{message_id} never arrived: {arrivals:?}");
        assert!(
            times == 1 || stuck.contains(message_id),
            "{message_id} arrived {times} times without being in hand at the kill"
        );
    }
    assert_eq!(arrivals.len(), 4, "nothing arrived that is not in the outbox: {arrivals:?}");
    second.kill();
    store.close().await;
}

/// A Message-ID without its angle brackets.
fn bare(message_id: &str) -> String {
    message_id.trim().trim_start_matches('<').trim_end_matches('>').to_string()
}

/// Mail to a relay with a certificate from the MSP's own CA, over STARTTLS with credentials: it
/// goes out when Portico is told to trust that CA (`PORTICO_MAIL_CA_FILE`), and not otherwise.
#[tokio::test]
async fn mail_goes_out_over_starttls_signed_in_to_a_relay_of_the_msps_own_ca() {
    let secured = || Secured {
        ca: crate::test_ca::TestCa::new(),
        user: "desk-relay".into(),
        password: "relay secret".into(),
    };
    let options = SmtpOptions { secured: Some(secured()), ..Default::default() };
    let Some(desk) = desk(Backend::Sqlite, options).await else { return };
    desk.ticket_for(&desk.erin, "Over TLS").await;
    let received = desk.smtp.wait_for(2).await;
    crate::support::mail_settled(&desk.app.store).await;
    assert!(
        received.iter().all(|m| m.secure && m.user.as_deref() == Some("desk-relay")),
        "over TLS, signed in: {:?}",
        received.iter().map(|m| (m.secure, m.user.clone())).collect::<Vec<_>>()
    );

    // The same kind of relay, but Portico trusts only the public roots: nothing goes out, and
    // the attempt says why.
    let options = SmtpOptions { secured: Some(secured()), ..Default::default() };
    let untrusting = |config: &mut portico::config::Config| config.mail.trusted_authorities = None;
    let Some(desk) = desk_configured(Backend::Sqlite, options, None, untrusting).await else { return };
    let ticket = desk.ticket_for(&desk.erin, "Unknown issuer").await;
    let ticket_id: uuid::Uuid = ticket["id"].as_str().unwrap().parse().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let refused = loop {
        let outbox = desk.app.store.mail_of_ticket(ticket_id).await.unwrap();
        if let Some(tried) = outbox.iter().find(|m| m.attempts >= 1 && m.last_error.is_some()) {
            break tried.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "no attempt recorded: {outbox:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let error = refused.last_error.unwrap_or_default().to_lowercase();
    assert!(error.contains("certificate") || error.contains("issuer"), "{error}");
    assert!(desk.smtp.received().is_empty(), "nothing is sent to a server Portico cannot verify");

    // Trusted, but with the wrong password: refused by the relay (535), kept as failed.
    let options = SmtpOptions { secured: Some(secured()), ..Default::default() };
    let wrong_password = |config: &mut portico::config::Config| {
        if let Some(outgoing) = &mut config.mail.outgoing {
            let url =
                secrecy::ExposeSecret::expose_secret(&outgoing.smtp_url).replace("relay%20secret", "guessed");
            outgoing.smtp_url = url.into();
        }
    };
    let Some(desk) = desk_configured(Backend::Sqlite, options, None, wrong_password).await else { return };
    let ticket = desk.ticket_for(&desk.erin, "Wrong password").await;
    let ticket_id: uuid::Uuid = ticket["id"].as_str().unwrap().parse().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let failed = loop {
        let outbox = desk.app.store.mail_of_ticket(ticket_id).await.unwrap();
        if let Some(tried) = outbox.iter().find(|m| m.last_error.is_some()) {
            break tried.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "no attempt recorded: {outbox:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(failed.last_error.as_deref().unwrap_or_default().contains("535"), "{failed:?}");
    assert!(desk.smtp.received().is_empty());
}
