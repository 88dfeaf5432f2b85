//! Files on tickets, on both databases and both stores (local files and a real S3-compatible
//! server): the round trip with its hash, the types decided from the bytes, safe downloads, the
//! limits, redaction and the clean-up of unused contents; and who may see which file in the
//! portal and the console.

use std::io::Cursor;

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::html_form::{form_pairs, set, value};
use crate::idp::{TestIdp, Visitor};
use crate::mail_in::{hand_over, message};
use crate::s3::TestS3;
use crate::support::{Backend, TestApp, events_settled, on_both_backends, send};
use crate::tickets::{accounts, ticketing_portal};

on_both_backends!(
    files_round_trip_under_the_api_rules_on_local_files,
    files_round_trip_under_the_api_rules_on_s3,
    portal_users_see_only_the_public_files_of_their_own_tickets,
    a_mailed_file_lands_on_its_ticket,
);

const KB: u64 = 1024;

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x * 3 % 256) as u8, (y * 7 % 256) as u8, 120, 255])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A customer whose portal takes tickets, an end user, and a ticket of hers.
async fn ticket_fixture(app: &TestApp) -> (String, String) {
    let token = &app.admin.token;
    let (_, group) = app.post_json("/assignment-groups", token, json!({"name": "Desk"})).await;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    app.update_portal(&customer_id, |document| {
        document["active"] = json!(true);
        document["features"]["ticketing"] =
            json!({"enabled": true, "default_assignment_group_id": group["id"]});
    })
    .await;
    let (_, erin) = app
        .post_json(
            &format!("/customers/{customer_id}/end-users"),
            token,
            json!({"name": "Erin", "email": "erin@acme.example"}),
        )
        .await;
    let (status, ticket) = app
        .post_json(
            "/tickets",
            token,
            json!({"customer_id": customer_id, "requester_id": erin["id"], "type": "incident", "short_description": "Printer"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    (customer_id, ticket["id"].as_str().unwrap().to_string())
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    ticket_id: &str,
    name: &str,
    bytes: Vec<u8>,
    public: Option<&str>,
) -> (StatusCode, Value) {
    // The part claims to be plain text: the server must not believe it.
    let mut form = Form::new()
        .part("file", Part::bytes(bytes).file_name(name.to_string()).mime_str("text/plain").unwrap());
    if let Some(public) = public {
        form = form.text("public", public.to_string());
    }
    send(app.api(Method::POST, &format!("/tickets/{ticket_id}/attachments"), token).multipart(form)).await
}

async fn files_round_trip_under_the_api_rules_on_local_files(backend: Backend) {
    round_trip(backend, None).await;
}

async fn files_round_trip_under_the_api_rules_on_s3(backend: Backend) {
    let s3 = TestS3::start().await;
    round_trip(backend, Some(&s3)).await;
    let objects = s3.objects();
    assert!(
        objects.iter().any(|path| path.to_string_lossy().contains("desk/attachments/content/")),
        "the contents are in the bucket, under the prefix: {objects:?}"
    );
}

/// A file larger than an S3 part (5 MiB) goes up in parts, through S3's multipart upload, and
/// comes back whole.
#[tokio::test]
async fn a_file_larger_than_a_part_goes_to_s3_in_parts_and_comes_back_whole() {
    let s3 = TestS3::start().await;
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.attachments = s3.settings(16 * 1024 * KB, 32 * 1024 * KB);
    })
    .await;
    let (_, ticket_id) = ticket_fixture(&app).await;
    // 12 MiB that do not compress: three parts (5, 5 and 2 MiB).
    let mut bytes = Vec::with_capacity(12 * 1024 * 1024);
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    while bytes.len() < 12 * 1024 * 1024 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    let (status, file) =
        upload(&app, &app.admin.token, &ticket_id, "disk-image.bin", bytes.clone(), None).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["size"], bytes.len());
    assert_eq!(file["sha256"], sha256(&bytes));

    let requests = s3.requests();
    let started = requests.iter().filter(|r| r.starts_with("POST ") && r.contains("uploads")).count();
    let parts = requests.iter().filter(|r| r.starts_with("PUT ") && r.contains("partNumber=")).count();
    let completed = requests
        .iter()
        .filter(|r| r.starts_with("POST ") && r.contains("uploadId=") && !r.contains("partNumber"))
        .count();
    assert_eq!((started, parts, completed), (1, 3, 1), "one multipart upload of three parts: {requests:#?}");
    let stored: Vec<u64> = s3
        .objects()
        .iter()
        .filter(|path| path.to_string_lossy().contains("desk/attachments/content/"))
        .map(|path| std::fs::metadata(path).unwrap().len())
        .collect();
    assert_eq!(stored, [bytes.len() as u64], "one object, whole, under the prefix");

    let response = app
        .api(Method::GET, &format!("/attachments/{}/content", file["id"].as_str().unwrap()), &app.admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let downloaded = response.bytes().await.unwrap();
    assert_eq!(downloaded.len(), bytes.len());
    assert_eq!(sha256(&downloaded), sha256(&bytes), "the same bytes come back");
}

async fn round_trip(backend: Backend, s3: Option<&TestS3>) {
    let settings = |data_dir: &std::path::Path| match s3 {
        Some(s3) => s3.settings(64 * KB, 160 * KB),
        None => {
            let mut local = portico::attachments::settings::AttachmentSettings::local(data_dir);
            local.max_file_bytes = 64 * KB;
            local.max_ticket_bytes = 160 * KB;
            local
        }
    };
    let app = TestApp::spawn_with(backend, |config| config.attachments = settings(&config.data_dir)).await;
    let admin = app.admin.token.clone();
    let (_, ticket_id) = ticket_fixture(&app).await;

    // A screenshot: named as the uploader said (without its path), typed from its bytes.
    let screenshot = png(200, 120);
    let (status, file) =
        upload(&app, &app.technician.token, &ticket_id, "../../screen shot.png", screenshot.clone(), None)
            .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["filename"], "screen shot.png");
    assert_eq!(file["content_type"], "image/png", "decided from the bytes, not the part's text/plain");
    assert_eq!(file["sha256"], sha256(&screenshot));
    assert_eq!(file["size"], screenshot.len());
    assert_eq!(
        (file["public"].as_bool(), file["ticket_id"].as_str()),
        (Some(true), Some(ticket_id.as_str()))
    );
    let response = app
        .api(Method::GET, &format!("/attachments/{}/content", file["id"].as_str().unwrap()), &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_safe_download(&headers, "the API's download");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"screen shot.png\"; filename*=UTF-8''screen%20shot.png"
    );
    let downloaded = response.bytes().await.unwrap();
    assert_eq!(sha256(&downloaded), sha256(&screenshot), "the same bytes come back");

    // A web page disguised as an image is recognised, kept internal, and only ever downloaded.
    let page = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>".to_vec();
    let (status, html) = upload(&app, &admin, &ticket_id, "holiday.png", page.clone(), Some("false")).await;
    assert_eq!(status, StatusCode::CREATED, "{html}");
    assert_eq!((html["content_type"].as_str(), html["public"].as_bool()), (Some("text/html"), Some(false)));
    let response = app
        .api(Method::GET, &format!("/attachments/{}/content", html["id"].as_str().unwrap()), &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/octet-stream");
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");

    // Over the file limit: refused, naming it, and nothing stored or left behind.
    let (status, problem) =
        upload(&app, &admin, &ticket_id, "big.bin", vec![7u8; 70 * KB as usize], None).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert!(problem.to_string().contains("The file is larger than the limit of 64 KB."), "{problem}");
    let staging = app.data_dir.join("uploads");
    assert_eq!(
        std::fs::read_dir(&staging).map_or(0, std::iter::Iterator::count),
        0,
        "no staged upload is left behind"
    );
    // Over the ticket's limit: the same.
    for n in 0..2 {
        let (status, body) =
            upload(&app, &admin, &ticket_id, &format!("log{n}.txt"), vec![b'x'; 60 * KB as usize], None)
                .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, problem) =
        upload(&app, &admin, &ticket_id, "log3.txt", vec![b'y'; 60 * KB as usize], None).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert!(problem.to_string().contains("160 KB per ticket"), "{problem}");
    let (_, list) = app.get_json(&format!("/tickets/{ticket_id}/attachments"), &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 4);

    // Redaction is for admins; the file disappears, the record stays in the audit trail.
    let html_id = html["id"].as_str().unwrap();
    let (status, _) =
        send(app.api(Method::DELETE, &format!("/attachments/{html_id}"), &app.technician.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(app.api(Method::DELETE, &format!("/attachments/{html_id}"), &admin)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get_json(&format!("/attachments/{html_id}/content"), &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.get_json(&format!("/tickets/{ticket_id}/attachments"), &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    events_settled(&app.store).await;
    let (_, events) = app.get_json("/events?limit=200", &admin).await;
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["type"] == "ticket.attachment_redacted"));

    // Housekeeping removes the redacted content, and only it.
    let attachments =
        portico::attachments::Attachments::open(&app.config.attachments, &app.data_dir).unwrap();
    let before = attachments.blobs.stored().await.unwrap().len();
    let removed =
        portico::usecases::attachments::remove_orphans(&app.core, time::Duration::ZERO).await.unwrap();
    assert_eq!(removed, 1);
    let stored: Vec<String> =
        attachments.blobs.stored().await.unwrap().into_iter().map(|(sha, _)| sha).collect();
    assert_eq!(stored.len(), before - 1);
    assert!(!stored.contains(&sha256(&page)) && stored.contains(&sha256(&screenshot)));

    // Bad requests name the problem.
    let (status, problem) = send(
        app.api(Method::POST, &format!("/tickets/{ticket_id}/attachments"), &admin)
            .multipart(Form::new().text("public", "true")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, _) =
        send(app.api(Method::POST, &format!("/tickets/{ticket_id}/attachments"), &admin).json(&json!({})))
            .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(
        upload(&app, &admin, &unknown.to_string(), "x.txt", b"x".to_vec(), None).await.0,
        StatusCode::NOT_FOUND
    );
}

async fn portal_users_see_only_the_public_files_of_their_own_tickets(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn_with(backend, |config| {
        config.attachments.max_file_bytes = 64 * KB;
    })
    .await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    let (globex, _) = ticketing_portal(&app, &idp, "Globex").await;
    let ada = Visitor::new(&app);
    assert_eq!(ada.sign_in(&acme, "ada").await.0, StatusCode::OK);

    // Ada submits with a screenshot: the ticket page shows its preview.
    let page =
        ada.client.get(app.url(&acme.path("/tickets/new"))).send().await.unwrap().text().await.unwrap();
    let mut pairs = form_pairs(&page, "ticket-form");
    set(&mut pairs, "type", "incident");
    set(&mut pairs, "short_description", "Error dialog on start");
    let mut form = Form::new();
    for (name, value) in pairs {
        form = form.text(name, value);
    }
    let form = form.part("files", Part::bytes(png(640, 400)).file_name("error.png"));
    let submitted = ada.client.post(app.url(&acme.path("/tickets"))).multipart(form).send().await.unwrap();
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let ticket_path = submitted.headers()["location"].to_str().unwrap().to_string();
    let ticket_id = ticket_path.split('/').next_back().unwrap().split('?').next().unwrap().to_string();
    let (_, files) = app.get_json(&format!("/tickets/{ticket_id}/attachments"), &app.admin.token).await;
    let screenshot = files["items"][0]["id"].as_str().unwrap().to_string();
    let page = ada.client.get(app.url(&ticket_path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("error.png") && page.contains(&format!("/files/{screenshot}/thumbnail")), "{page}");

    // The team adds an internal file and a public one.
    let (_, internal) = upload(
        &app,
        &app.technician.token,
        &ticket_id,
        "diagnosis.txt",
        b"disk failing".to_vec(),
        Some("false"),
    )
    .await;
    let (_, public) =
        upload(&app, &app.technician.token, &ticket_id, "steps.txt", b"1. restart".to_vec(), None).await;
    let file_path = |portal: &crate::idp::SsoPortal, id: &Value| {
        portal.path(&format!("/tickets/{ticket_id}/files/{}", id.as_str().unwrap()))
    };
    let get = |visitor: &Visitor, path: String| {
        let client = visitor.client.clone();
        let url = app.url(&path);
        async move { client.get(url).send().await.unwrap() }
    };
    let response = get(&ada, file_path(&acme, &public["id"])).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_safe_download(response.headers(), "the portal's download");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"1. restart");
    assert_eq!(
        get(&ada, file_path(&acme, &internal["id"])).await.status(),
        StatusCode::NOT_FOUND,
        "internal files never reach the portal"
    );
    let thumbnail = get(&ada, format!("{}/thumbnail", file_path(&acme, &json!(screenshot)))).await;
    assert_eq!(
        (thumbnail.status(), thumbnail.headers()["content-type"].to_str().unwrap()),
        (StatusCode::OK, "image/png")
    );
    assert_safe_download(thumbnail.headers(), "the portal's preview");
    let page = ada.client.get(app.url(&ticket_path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("steps.txt") && !page.contains("diagnosis.txt"));

    // A colleague of the same customer and a user of another customer find nothing.
    let lin = Visitor::new(&app);
    assert_eq!(lin.sign_in(&acme, "lin").await.0, StatusCode::OK);
    assert_eq!(get(&lin, file_path(&acme, &public["id"])).await.status(), StatusCode::NOT_FOUND);
    let zed = Visitor::new(&app);
    assert_eq!(zed.sign_in(&globex, "zed").await.0, StatusCode::OK);
    assert_eq!(get(&zed, file_path(&globex, &public["id"])).await.status(), StatusCode::NOT_FOUND);

    // A reply with a file over the limit comes back with Ada's text kept and the limit named.
    let page = ada.client.get(app.url(&ticket_path)).send().await.unwrap().text().await.unwrap();
    let csrf = value(&form_pairs(&page, "reply-form"), "_csrf").to_string();
    let form = Form::new()
        .text("_csrf", csrf)
        .text("body", "Here is the full memory dump.")
        .part("files", Part::bytes(vec![0u8; 70 * KB as usize]).file_name("dump.bin"));
    let refused = ada
        .client
        .post(app.url(&acme.path(&format!("/tickets/{ticket_id}/comments"))))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Here is the full memory dump.") && page.contains("larger than the limit of 64 KB"),
        "{page}"
    );
    let (_, files) = app.get_json(&format!("/tickets/{ticket_id}/attachments"), &app.admin.token).await;
    assert_eq!(files["items"].as_array().unwrap().len(), 3, "nothing was added");

    // The technician sees every file, internal ones marked, with the preview, in the console.
    let console = app.console(&app.technician.email, &app.technician.password).await;
    let page = console.page(&format!("/admin/tickets/{ticket_id}")).await;
    assert!(
        page.contains("diagnosis.txt")
            && page.contains("Internal")
            && page.contains(&format!("/admin/files/{screenshot}/thumbnail"))
    );
    let download = console.get(&format!("/admin/files/{}", internal["id"].as_str().unwrap())).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_safe_download(download.headers(), "the console's download");
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"disk failing");
    let preview = console.get(&format!("/admin/files/{screenshot}/thumbnail")).await;
    assert_eq!(preview.status(), StatusCode::OK);
    assert_safe_download(preview.headers(), "the console's preview");
}

/// Every way out of a stored file carries the same guards: never sniffed, never run as a page
/// (a sandbox with nothing allowed), never cached, never embedded by another site.
fn assert_safe_download(headers: &reqwest::header::HeaderMap, what: &str) {
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(
        headers["content-security-policy"], "sandbox; default-src 'none'; frame-ancestors 'none'",
        "{what}"
    );
    assert_eq!(headers["cache-control"], "private, no-store", "{what}");
    assert_eq!(headers["cross-origin-resource-policy"], "same-origin", "{what}");
}

async fn a_mailed_file_lands_on_its_ticket(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _) = ticket_fixture(&app).await;
    let raw = message(
        &[
            ("From", "erin@acme.example"),
            ("To", "help@msp.example"),
            ("Subject", "VPN log attached"),
            ("Message-ID", "<log-1@acme.example>"),
            ("Content-Type", "multipart/mixed; boundary=\"b\""),
        ],
        "--b\nContent-Type: text/plain\n\nThe log is attached.\n--b\nContent-Type: application/octet-stream; name=\"vpn.log\"\n\
         Content-Disposition: attachment; filename=\"vpn.log\"\nContent-Transfer-Encoding: base64\n\nZXJyb3IgNDI=\n--b--\n",
    );
    let (status, outcome) = hand_over(&app, &app.admin.token, raw).await;
    assert_eq!(
        (status, outcome["outcome"].as_str()),
        (StatusCode::ACCEPTED, Some("ticket_created")),
        "{outcome}"
    );
    let ticket_id = outcome["ticket_id"].as_str().unwrap();
    let (_, files) = app.get_json(&format!("/tickets/{ticket_id}/attachments"), &app.admin.token).await;
    let file = &files["items"][0];
    assert_eq!((file["filename"].as_str(), file["size"].as_i64()), (Some("vpn.log"), Some(8)), "{files}");
    assert_eq!(file["content_type"], "text/plain");
}
