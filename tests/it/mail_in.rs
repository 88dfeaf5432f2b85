//! Mail coming in through `POST /api/v1/inbound-email`: replies land on the right ticket only
//! from people allowed to reply, new messages from known end users become tickets, machines and
//! strangers are turned away, and nothing malformed ever gets a 500.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::imap::TestImap;
use crate::mail_out::{Desk, ERIN, desk, desk_configured, desk_reading};
use crate::smtp::{SmtpOptions, TRUSTED_AUTHSERV_ID};
use crate::support::{Backend, TestApp, events_settled, on_both_backends, send, this_tests_logs};

on_both_backends!(
    replies_land_on_their_ticket_only_from_people_allowed_to_reply,
    new_mail_from_a_known_end_user_becomes_a_ticket_and_strangers_are_refused,
    bad_messages_are_refused_clearly_and_change_nothing,
    a_polled_mailbox_is_handled_like_the_endpoint_and_emptied,
    a_mailbox_that_cannot_be_read_is_shown_on_the_console_home,
    mail_is_bounded_in_files_and_refused_for_archived_customers,
);

/// A message from Erin with `count` small text files attached.
fn with_files(headers: &[(&str, &str)], count: usize, size: usize) -> Vec<u8> {
    let mut raw = String::new();
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"f\"\r\n\r\n");
    raw.push_str("--f\r\nContent-Type: text/plain\r\n\r\nFiles attached.\r\n");
    for n in 0..count {
        raw.push_str(&format!(
            "--f\r\nContent-Type: text/plain; name=\"log{n}.txt\"\r\nContent-Disposition: attachment; filename=\"log{n}.txt\"\r\n\r\n{}\r\n",
            "x".repeat(size)
        ));
    }
    raw.push_str("--f--\r\n");
    raw.into_bytes()
}

async fn mail_is_bounded_in_files_and_refused_for_archived_customers(backend: Backend) {
    let limited = |config: &mut portico::config::Config| config.attachments.max_ticket_bytes = 1024 * 1024;
    let Some(desk) = desk_configured(backend, SmtpOptions::default(), None, limited).await else { return };
    let admin = desk.app.admin.token.clone();
    // More files than a form may carry: refused whole, in one answer, nothing written.
    let many = with_files(
        &[
            ("From", ERIN),
            ("To", "help@msp.example"),
            ("Subject", "Logs"),
            ("Message-ID", "<many@acme.example>"),
        ],
        2000,
        1,
    );
    let (_, outcome) = hand_over(&desk.app, &admin, many).await;
    assert_eq!(outcome["outcome"], "rejected", "{outcome}");
    assert_eq!(outcome["reason"], "the message carries more than 10 files");
    assert!(desk.app.get_json("/tickets", &admin).await.1["items"].as_array().unwrap().is_empty());
    let ten = with_files(
        &[
            ("From", ERIN),
            ("To", "help@msp.example"),
            ("Subject", "Ten logs"),
            ("Message-ID", "<ten@acme.example>"),
        ],
        10,
        1,
    );
    assert_eq!(hand_over(&desk.app, &admin, ten).await.1["outcome"], "ticket_created");

    // A reply whose files push the ticket over its total is refused with the reason and
    // remembered, never left to be tried forever.
    let ticket = desk.ticket_for(&desk.erin, "Printer jams").await;
    desk.smtp.wait_for(4).await;
    let reply_address = desk
        .smtp
        .to(ERIN)
        .into_iter()
        .find(|m| m.subject().contains(ticket["number"].as_str().unwrap()))
        .unwrap()
        .reply_to();
    let over = with_files(
        &[
            ("From", ERIN),
            ("To", &reply_address),
            ("Subject", "Re: big"),
            ("Message-ID", "<over@acme.example>"),
        ],
        3,
        400 * 1024,
    );
    let (status, outcome) = hand_over(&desk.app, &admin, over.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{outcome}");
    assert_eq!(outcome["outcome"], "rejected", "{outcome}");
    assert!(outcome["reason"].as_str().unwrap().contains("1 MB"), "the reason names the limit: {outcome}");
    let record = desk.app.store.inbound_record("<over@acme.example>").await.unwrap().expect("remembered");
    assert_eq!(record.outcome, "rejected");
    assert_eq!(hand_over(&desk.app, &admin, over).await.1["outcome"], "rejected", "the same answer again");

    // An archived customer's people open nothing and add nothing by mail.
    let (status, _) = desk
        .app
        .patch_json(&format!("/customers/{}", desk.customer_id), &admin, json!({"archived": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let new = message(
        &[
            ("From", ERIN),
            ("To", "help@msp.example"),
            ("Subject", "Still here"),
            ("Message-ID", "<archived-1@acme.example>"),
        ],
        "Hello?",
    );
    let (_, outcome) = hand_over(&desk.app, &admin, new).await;
    assert_eq!(outcome["outcome"], "rejected", "{outcome}");
    assert!(outcome["reason"].as_str().unwrap().contains("archived"), "{outcome}");
    let reply = message(
        &[
            ("From", ERIN),
            ("To", &reply_address),
            ("Subject", "Re: x"),
            ("Message-ID", "<archived-2@acme.example>"),
        ],
        "Any news?",
    );
    let (_, outcome) = hand_over(&desk.app, &admin, reply).await;
    assert_eq!(outcome["outcome"], "rejected", "{outcome}");
}

/// A raw message with these headers and a plain-text body.
pub fn message(headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut raw = String::new();
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("MIME-Version: 1.0\r\n");
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
        raw.push_str("Content-Type: text/plain; charset=utf-8\r\n");
    }
    raw.push_str("\r\n");
    raw.push_str(&body.replace('\n', "\r\n"));
    raw.into_bytes()
}

pub async fn hand_over(app: &TestApp, token: &str, raw: Vec<u8>) -> (StatusCode, Value) {
    send(app.api(Method::POST, "/inbound-email", token).header("content-type", "message/rfc822").body(raw))
        .await
}

async fn comment_bodies(desk: &Desk, ticket_id: &str) -> Vec<(String, String)> {
    let (_, comments) =
        desk.app.get_json(&format!("/tickets/{ticket_id}/comments"), &desk.app.admin.token).await;
    comments["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["author_name"].as_str().unwrap().to_string(), c["body"].as_str().unwrap().to_string()))
        .collect()
}

async fn replies_land_on_their_ticket_only_from_people_allowed_to_reply(backend: Backend) {
    let Some(desk) = desk(backend, SmtpOptions::default()).await else { return };
    let admin = desk.app.admin.token.clone();
    let ticket = desk.ticket_for(&desk.erin, "Printer jams").await;
    let ticket_id = ticket["id"].as_str().unwrap().to_string();
    desk.smtp.wait_for(2).await;
    let ack = desk.smtp.to(ERIN).pop().unwrap();
    let reply_address = ack.reply_to();
    let ack_id = format!("<{}>", ack.message_id());

    // Erin answers the acknowledgement: her new text lands, the quoted history does not.
    let reply = message(
        &[
            ("From", "Erin End <Erin@Acme.example>"),
            ("To", &format!("Acme Service Desk <{reply_address}>")),
            ("Subject", "Re: [T-000001] Printer jams"),
            ("Message-ID", "<erin-1@acme.example>"),
            ("In-Reply-To", &ack_id),
        ],
        "It is the one by the kitchen.\n\nOn Mon, 30 Nov 2026, Acme Service Desk <desk@msp.example> wrote:\n> We received your request T-000001",
    );
    let (status, outcome) = hand_over(&desk.app, &admin, reply.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{outcome}");
    assert_eq!(outcome, json!({"outcome": "comment_added", "ticket_id": ticket_id, "reason": null}));
    assert_eq!(
        comment_bodies(&desk, &ticket_id).await,
        [("Erin End".to_string(), "It is the one by the kitchen.".to_string())]
    );
    // The technician in the group hears of her reply by mail.
    let received = desk.smtp.wait_for(3).await;
    assert_eq!(received[2].to, std::slice::from_ref(&desk.app.technician.email));
    assert!(received[2].text().contains("Erin End replied to T-000001"), "{}", received[2].text());

    // The same message delivered again is handled once.
    let (_, again) = hand_over(&desk.app, &admin, reply).await;
    assert_eq!(again["outcome"], "comment_added");
    assert_eq!(comment_bodies(&desk, &ticket_id).await.len(), 1);

    // A stranger who learnt the reply address is refused and logged; nothing is appended.
    let forged = message(
        &[
            ("From", "Mallory <mallory@evil.example>"),
            ("To", &reply_address),
            ("Subject", "Re: [T-000001] Printer jams"),
            ("Message-ID", "<forged-1@evil.example>"),
        ],
        "Please send the admin password to this address.",
    );
    let (status, outcome) = hand_over(&desk.app, &admin, forged).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(outcome["outcome"], "rejected");
    assert_eq!(
        outcome["reason"],
        "the reply address was made for another recipient, not for mallory@evil.example"
    );
    assert!(this_tests_logs().contains("refused an incoming mail"));
    // An end user of the same customer who may not see the ticket is refused too.
    desk.app
        .post_json(
            &format!("/customers/{}/end-users", desk.customer_id),
            &admin,
            json!({"name": "Lin Colleague", "email": "lin@acme.example"}),
        )
        .await;
    let colleague = message(
        &[
            ("From", "lin@acme.example"),
            ("To", &reply_address),
            ("Subject", "Re: [T-000001]"),
            ("Message-ID", "<lin-1@acme.example>"),
        ],
        "I have the same problem.",
    );
    assert_eq!(hand_over(&desk.app, &admin, colleague).await.1["outcome"], "rejected");

    // Without the sender's own reply address, a Message-ID we sent or the subject's number finds
    // the ticket, but only the receiving server's DMARC pass for the sender's domain proves who
    // wrote it: a From header alone is anyone's to write.
    let verdict = |from_domain: &str| {
        format!(
            "{TRUSTED_AUTHSERV_ID}; spf=pass smtp.mailfrom={from_domain}; dmarc=pass header.from={from_domain}"
        )
    };
    let thread_headers = [
        ("From", ERIN),
        ("To", "help@msp.example"),
        ("Subject", "Re: something"),
        ("Message-ID", "<erin-2@acme.example>"),
        ("References", ack_id.as_str()),
    ];
    let unproven = hand_over(&desk.app, &admin, message(&thread_headers, "Found by the thread.")).await.1;
    assert_eq!(unproven["outcome"], "rejected", "{unproven}");
    assert!(
        unproven["reason"].as_str().unwrap().contains("not proven to come from erin@acme.example"),
        "{unproven}"
    );
    let passed = verdict("acme.example");
    let by_thread = message(
        &[
            &[("Authentication-Results", passed.as_str())][..],
            &thread_headers[..2],
            &[
                ("Subject", "Re: something"),
                ("Message-ID", "<erin-2b@acme.example>"),
                ("References", ack_id.as_str()),
            ],
        ]
        .concat(),
        "Found by the thread.",
    );
    assert_eq!(hand_over(&desk.app, &admin, by_thread).await.1["ticket_id"], ticket_id.as_str());
    let by_subject = message(
        &[
            ("Authentication-Results", &passed),
            ("From", ERIN),
            ("To", "help@msp.example"),
            ("Subject", "RE: [T-000001] Printer jams"),
            ("Message-ID", "<erin-3@acme.example>"),
        ],
        "Found by the number.",
    );
    assert_eq!(hand_over(&desk.app, &admin, by_subject).await.1["outcome"], "comment_added");
    // A verdict from another server, or for another domain, or below the server's own, proves nothing.
    let technician = desk.app.technician.email.clone();
    let tech_domain = technician.rsplit_once('@').unwrap().1.to_string();
    for (n, results) in [
        vec![format!("mx.evil.example; dmarc=pass header.from={tech_domain}")],
        vec![verdict("evil.example")],
        vec![format!("{TRUSTED_AUTHSERV_ID}; dmarc=fail header.from={tech_domain}"), verdict(&tech_domain)],
    ]
    .into_iter()
    .enumerate()
    {
        let mut headers: Vec<(&str, &str)> =
            results.iter().map(|r| ("Authentication-Results", r.as_str())).collect();
        let id = format!("<forged-tech-{n}@evil.example>");
        headers.extend([
            ("From", technician.as_str()),
            ("To", "help@msp.example"),
            ("Subject", "Re: [T-000001] Printer jams"),
            ("Message-ID", id.as_str()),
        ]);
        let outcome =
            hand_over(&desk.app, &admin, message(&headers, "Pay the invoice at https://evil.example"))
                .await
                .1;
        assert_eq!(outcome["outcome"], "rejected", "{n}: {outcome}");
    }
    // A technician's address on Erin's reply address is refused: tokens are per recipient.
    let tech_on_erins_token = message(
        &[
            ("From", technician.as_str()),
            ("To", &reply_address),
            ("Subject", "Re: [T-000001]"),
            ("Message-ID", "<forged-tech-9@evil.example>"),
        ],
        "Pay the invoice at https://evil.example",
    );
    assert_eq!(hand_over(&desk.app, &admin, tech_on_erins_token).await.1["outcome"], "rejected");
    // Two From headers leave the sender open: refused, whatever else the message carries.
    let two_senders = message(
        &[
            ("From", technician.as_str()),
            ("From", ERIN),
            ("To", &reply_address),
            ("Subject", "Re: [T-000001]"),
            ("Message-ID", "<two-from@evil.example>"),
        ],
        "Which of us wrote this?",
    );
    let outcome = hand_over(&desk.app, &admin, two_senders).await.1;
    assert!(outcome["reason"].as_str().unwrap().contains("more than one From"), "{outcome}");

    // A technician answering by mail through the reply address of the mail he was sent writes
    // a public reply, which Erin is mailed.
    let to_tech = desk.smtp.to(&technician);
    let tech_reply_address = to_tech.last().expect("the technician was told of Erin's reply").reply_to();
    assert_ne!(tech_reply_address, reply_address, "each recipient has a reply address of their own");
    let from_tech = message(
        &[
            ("From", &technician),
            ("To", &tech_reply_address),
            ("Subject", "Re: [T-000001]"),
            ("Message-ID", "<tim-1@msp.example>"),
        ],
        "Coming with paper at noon.",
    );
    assert_eq!(hand_over(&desk.app, &admin, from_tech).await.1["outcome"], "comment_added");
    // An out-of-office answer is ignored: no reply, no mail back.
    let away = message(
        &[
            ("From", ERIN),
            ("To", &reply_address),
            ("Subject", "Automatic reply: [T-000001]"),
            ("Message-ID", "<ooo-1@acme.example>"),
            ("Auto-Submitted", "auto-replied"),
        ],
        "I am away until Monday.",
    );
    let (_, outcome) = hand_over(&desk.app, &admin, away).await;
    assert_eq!(outcome["outcome"], "ignored");
    assert!(outcome["reason"].as_str().unwrap().contains("Auto-Submitted"), "{outcome}");
    // A token that belongs to no ticket names nothing.
    let unknown = message(
        &[
            ("From", ERIN),
            ("To", "help+t-doesnotexist2345@msp.example"),
            ("Subject", "Re: x"),
            ("Message-ID", "<erin-4@acme.example>"),
        ],
        "Hello?",
    );
    assert_eq!(hand_over(&desk.app, &admin, unknown).await.1["outcome"], "rejected");

    let bodies: Vec<String> =
        comment_bodies(&desk, &ticket_id).await.into_iter().map(|(_, body)| body).collect();
    assert_eq!(
        bodies,
        [
            "It is the one by the kitchen.",
            "Found by the thread.",
            "Found by the number.",
            "Coming with paper at noon."
        ]
    );
    events_settled(&desk.app.store).await;
    // Three more replies of Erin reached the technician; his reply reached her.
    let to_erin = desk.smtp.wait_for(6).await;
    assert!(
        to_erin.iter().any(|m| m.to == [ERIN] && m.text().contains("Coming with paper at noon.")),
        "Erin is mailed the technician's reply"
    );
    assert!(!to_erin.iter().any(|m| m.text().contains("I am away")), "an auto-reply is never answered");
}

async fn new_mail_from_a_known_end_user_becomes_a_ticket_and_strangers_are_refused(backend: Backend) {
    let Some(desk) = desk(backend, SmtpOptions::default()).await else { return };
    let admin = desk.app.admin.token.clone();
    let new_mail = message(
        &[
            ("From", "ERIN@acme.example"),
            ("To", "help@msp.example"),
            ("Subject", "Fwd: VPN is down"),
            ("Message-ID", "<vpn-1@acme.example>"),
            ("Content-Type", "text/html; charset=utf-8"),
        ],
        "<p>Since 9:00 the <b>VPN</b> refuses me.</p><script>alert(1)</script>",
    );
    let (status, outcome) = hand_over(&desk.app, &admin, new_mail.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{outcome}");
    assert_eq!(outcome["outcome"], "ticket_created", "{outcome}");
    let ticket_id = outcome["ticket_id"].as_str().unwrap().to_string();
    let (_, ticket) = desk.app.get_json(&format!("/tickets/{ticket_id}"), &admin).await;
    assert_eq!(ticket["contact_source"], "email");
    assert_eq!(ticket["short_description"], "VPN is down");
    assert_eq!(ticket["requester_id"], desk.erin.as_str());
    assert_eq!(ticket["assignment_group_id"], desk.group_id.as_str(), "the portal's default group");
    let description = ticket["description"].as_str().unwrap();
    assert!(
        description.contains("Since 9:00 the VPN refuses me.") && !description.contains('<'),
        "{description}"
    );
    // Erin is acknowledged, the group is told.
    let received = desk.smtp.wait_for(2).await;
    assert!(
        received.iter().any(|m| m.to == [ERIN]
            && m.subject() == format!("[{}] VPN is down", ticket["number"].as_str().unwrap()))
    );

    // Delivered again: the same ticket, not a second one.
    let (_, again) = hand_over(&desk.app, &admin, new_mail).await;
    assert_eq!(again["ticket_id"], ticket_id.as_str());
    let (_, tickets) = desk.app.get_json("/tickets", &admin).await;
    assert_eq!(tickets["items"].as_array().unwrap().len(), 1);

    // Someone no customer knows never opens a ticket in anyone's queue.
    let stranger = message(
        &[
            ("From", "someone@unknown.example"),
            ("To", "help@msp.example"),
            ("Subject", "Buy now"),
            ("Message-ID", "<spam-1@unknown.example>"),
        ],
        "Cheap printers.",
    );
    let (_, outcome) = hand_over(&desk.app, &admin, stranger).await;
    assert_eq!(outcome["outcome"], "rejected");
    assert_eq!(outcome["reason"], "someone@unknown.example is not an active end user of any customer");
    // A deactivated end user neither.
    let (_, _) =
        desk.app.patch_json(&format!("/end-users/{}", desk.erin), &admin, json!({"active": false})).await;
    let from_inactive = message(
        &[
            ("From", ERIN),
            ("To", "help@msp.example"),
            ("Subject", "Another"),
            ("Message-ID", "<vpn-2@acme.example>"),
        ],
        "Still me.",
    );
    assert_eq!(hand_over(&desk.app, &admin, from_inactive).await.1["outcome"], "rejected");
    let (_, tickets) = desk.app.get_json("/tickets", &admin).await;
    assert_eq!(tickets["items"].as_array().unwrap().len(), 1);
}

async fn bad_messages_are_refused_clearly_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.mail.max_inbound_bytes = 64 * 1024).await;
    let admin = app.admin.token.clone();
    for (raw, expected) in [
        (Vec::new(), "the message is empty"),
        (b"\x00\xff\xfe\x01 not mail at all".to_vec(), "not a readable e-mail message"),
        (vec![b'a'; 70 * 1024], "larger than the limit"),
        (
            b"From: =?utf-8?B?!!!?= <odd@@example>\r\nTo: help@msp.example\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nbroken"
                .to_vec(),
            "the sender's address is not valid",
        ),
    ] {
        let (status, outcome) = hand_over(&app, &admin, raw).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{outcome}");
        assert_eq!(outcome["outcome"], "rejected", "{outcome}");
        assert!(outcome["reason"].as_str().unwrap().contains(expected), "{outcome}");
    }
    let (_, outcome) = hand_over(&app, &admin, vec![b'x'; 70 * 1024]).await;
    assert_eq!(outcome["reason"], "the message is larger than the limit of 64 KB");

    // The wrong media type, a technician, or no token: refused before anything is read.
    let raw = message(&[("From", ERIN), ("To", "help@msp.example"), ("Subject", "x")], "x");
    let (status, problem) = send(
        app.api(Method::POST, "/inbound-email", &admin)
            .header("content-type", "text/plain")
            .body(raw.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");
    assert!(problem.to_string().contains("Content-Type: message/rfc822"), "{problem}");
    assert_eq!(hand_over(&app, &app.technician.token, raw.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(hand_over(&app, "not-a-token", raw).await.0, StatusCode::UNAUTHORIZED);
    let (_, tickets) = app.get_json("/tickets", &admin).await;
    assert!(tickets["items"].as_array().unwrap().is_empty());
}

async fn a_polled_mailbox_is_handled_like_the_endpoint_and_emptied(backend: Backend) {
    let Some(imap) = TestImap::start().await else { return };
    let Some(desk) = desk_reading(backend, SmtpOptions::default(), Some(imap.url())).await else { return };
    let ticket = desk.ticket_for(&desk.erin, "Printer jams").await;
    let ticket_id = ticket["id"].as_str().unwrap().to_string();
    desk.smtp.wait_for(2).await;
    let reply_address = desk.smtp.to(ERIN).pop().unwrap().reply_to();

    // First in the inbox: 60,000 enclosed messages (it crashed the server once, for good, since
    // it stayed in the inbox) — refused and set aside, and nothing behind it waits.
    let mut bomb = format!(
        "From: {ERIN}\r\nTo: help@msp.example\r\nSubject: Nest\r\nMessage-ID: <bomb@evil.example>\r\n"
    );
    for _ in 0..60_000 {
        bomb.push_str(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n",
        );
    }
    bomb.push_str("Subject: inner\r\n\r\nbottom\r\n");
    imap.deliver(bomb.as_bytes());
    // A Message-ID of 3,000 characters is kept as a digest (PostgreSQL's index refused it).
    let long_id = format!("<{}@acme.example>", "x".repeat(3000));
    imap.deliver(&message(
        &[
            ("From", ERIN),
            ("To", &reply_address),
            ("Subject", "Re: [T-000001] Printer jams"),
            ("Message-ID", &long_id),
        ],
        "Answered through the mailbox.\n\n> quoted",
    ));
    imap.deliver(&message(
        &[
            ("From", ERIN),
            ("To", "help@msp.example"),
            ("Subject", "Monitor flickers"),
            ("Message-ID", "<imap-2@acme.example>"),
        ],
        "Since this morning.",
    ));
    imap.deliver(&message(
        &[
            ("From", ERIN),
            ("To", &reply_address),
            ("Subject", "Out of office"),
            ("Message-ID", "<imap-3@acme.example>"),
            ("Precedence", "auto_reply"),
        ],
        "Away.",
    ));
    imap.deliver(&message(
        &[
            ("From", "mallory@evil.example"),
            ("To", &reply_address),
            ("Subject", "Re: [T-000001]"),
            ("Message-ID", "<imap-4@evil.example>"),
        ],
        "Let me in.",
    ));
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while imap.count("Processed") < 3 || imap.count("Rejected") < 2 || imap.count("") > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the mailbox should be worked through: {} in the inbox, {} processed, {} rejected",
            imap.count(""),
            imap.count("Processed"),
            imap.count("Rejected")
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let bodies: Vec<String> =
        comment_bodies(&desk, &ticket_id).await.into_iter().map(|(_, body)| body).collect();
    assert_eq!(bodies, ["Answered through the mailbox."]);
    let (_, tickets) = desk.app.get_json("/tickets", &desk.app.admin.token).await;
    let summaries: Vec<&str> = tickets["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["short_description"].as_str().unwrap())
        .collect();
    assert_eq!(summaries.len(), 2, "{summaries:?}");
    assert!(summaries.contains(&"Monitor flickers"));
    // Each message was handled once and is remembered with its outcome.
    let long_key = portico::mail::inbound::bounded_id(&long_id);
    assert!(long_key.len() < 120, "{long_key}");
    for (id, outcome) in [
        (long_key.as_str(), "comment_added"),
        ("<imap-2@acme.example>", "ticket_created"),
        ("<imap-3@acme.example>", "ignored"),
        ("<imap-4@evil.example>", "rejected"),
    ] {
        let record =
            desk.app.store.inbound_record(id).await.unwrap().unwrap_or_else(|| panic!("{id} was handled"));
        assert_eq!(record.outcome, outcome, "{id}");
    }
    let console = desk.app.console(&desk.app.admin.email, &desk.app.admin.password).await;
    let home = console.page("/admin").await;
    assert!(home.contains("Mailbox last read at") && home.contains("read from its mailbox"), "{home}");
}

async fn a_mailbox_that_cannot_be_read_is_shown_on_the_console_home(backend: Backend) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = TestApp::spawn_with(backend, |config| {
        config.mail.imap = Some(portico::mail::settings::PolledMailbox {
            url: format!("imap://desk:secret@127.0.0.1:{closed}/INBOX").into(),
            processed_folder: "Processed".into(),
            quarantine_folder: "Rejected".into(),
            poll: std::time::Duration::from_millis(100),
        });
    })
    .await;
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let home = console.page("/admin").await;
        if home.contains("The mailbox could not be read at") {
            assert!(home.contains(&format!("cannot connect to 127.0.0.1:{closed}")), "{home}");
            assert!(home.contains("E-mail is off"), "no SMTP server is set: {home}");
            assert!(!home.contains("secret"), "the mailbox password never reaches a page");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the failed poll should show: {home}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A mailbox behind IMAPS whose certificate comes from the MSP's own CA: polled and emptied when
/// Portico trusts that CA (`PORTICO_MAIL_CA_FILE`); left untouched, with the reason on the
/// console's home page, when it trusts only the public roots.
#[tokio::test]
async fn a_mailbox_over_imaps_is_read_only_through_a_trusted_certificate() {
    let ca = crate::test_ca::TestCa::new();
    let Some(imap) = TestImap::start_tls(&ca).await else { return };
    let trusting =
        |config: &mut portico::config::Config| config.mail.trusted_authorities = Some(ca.trusted());
    let Some(desk) =
        desk_configured(Backend::Sqlite, SmtpOptions::default(), Some(imap.url()), trusting).await
    else {
        return;
    };
    let over_tls = |id: &str| {
        message(
            &[("From", ERIN), ("To", "help@msp.example"), ("Subject", "Read over IMAPS"), ("Message-ID", id)],
            "The scanner is offline.",
        )
    };
    imap.deliver(&over_tls("<imaps-1@acme.example>"));
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while imap.count("Processed") < 1 || imap.count("") > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the IMAPS mailbox was never read");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (_, tickets) = desk.app.get_json("/tickets", &desk.app.admin.token).await;
    assert!(
        tickets["items"].as_array().unwrap().iter().any(|t| t["short_description"] == "Read over IMAPS"),
        "{tickets}"
    );

    // Another desk on a server of the same kind, trusting only the public roots.
    let other_ca = crate::test_ca::TestCa::new();
    let Some(untrusted) = TestImap::start_tls(&other_ca).await else { return };
    let Some(desk) = desk_reading(Backend::Sqlite, SmtpOptions::default(), Some(untrusted.url())).await
    else {
        return;
    };
    untrusted.deliver(&over_tls("<imaps-2@acme.example>"));
    let console = desk.app.console(&desk.app.admin.email, &desk.app.admin.password).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let home = console.page("/admin").await;
        if home.contains("The mailbox could not be read at") {
            assert!(home.contains("TLS with the IMAP server failed"), "{home}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the refused certificate should show: {home}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(untrusted.count(""), 1, "the message waits in the inbox");
    assert_eq!(untrusted.count("Processed"), 0);
}
