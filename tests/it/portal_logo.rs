//! The logo pipeline through the API: what is accepted, what is refused, how it is served.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, assert_problem_names, json_of, on_both_backends, snapshot};

on_both_backends!(
    logos_in_every_accepted_format_are_re_encoded_and_served_immutably,
    unsafe_or_oversized_logos_are_refused_and_change_nothing,
    logos_nobody_uses_are_pruned_and_every_used_one_is_kept
);

fn image_bytes(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let pixels =
        RgbaImage::from_fn(width, height, |x, y| Rgba([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 120, 255]));
    let image = match format {
        ImageFormat::Jpeg => DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(pixels).to_rgb8()),
        _ => DynamicImage::ImageRgba8(pixels),
    };
    let mut bytes = Vec::new();
    image.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
    bytes
}

/// A PNG whose header claims `width`×`height` pixels, followed by a scrap of data: a
/// decompression bomb's calling card.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    };
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(b"IHDR", &header);
    chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
    png
}

async fn upload(app: &TestApp, customer: &str, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let request = app
        .api(Method::PUT, &format!("/customers/{customer}/portal/logo"), &app.admin.token)
        .header("content-type", content_type)
        .body(bytes);
    json_of(request.send().await.unwrap()).await
}

async fn new_customer(app: &TestApp) -> String {
    let (_, customer) = app.post_json("/customers", &app.admin.token, json!({"name": "Logo Test"})).await;
    customer["id"].as_str().unwrap().to_string()
}

async fn logos_in_every_accepted_format_are_re_encoded_and_served_immutably(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = new_customer(&app).await;
    let mut revision = 1;
    for (format, content_type) in [
        (ImageFormat::Png, "image/png"),
        (ImageFormat::Jpeg, "image/jpeg"),
        (ImageFormat::WebP, "image/webp"),
        (ImageFormat::Gif, "image/gif"),
    ] {
        let (status, portal) = upload(&app, &id, content_type, image_bytes(format, 800, 200)).await;
        assert_eq!(status, StatusCode::OK, "{format:?}: {portal}");
        revision += 1;
        assert_eq!(portal["revision"], revision);
        let logo_url = portal["design"]["logo_url"].as_str().unwrap().to_string();
        assert!(logo_url.starts_with("/assets/logos/") && logo_url.ends_with(".png"));
        let served = app.client.get(app.url(&logo_url)).send().await.unwrap();
        assert_eq!(served.status(), StatusCode::OK);
        assert_eq!(served.headers()["content-type"], "image/png");
        assert_eq!(served.headers()["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(served.headers()["x-content-type-options"], "nosniff");
        let png = served.bytes().await.unwrap();
        let decoded = image::load_from_memory_with_format(&png, ImageFormat::Png).unwrap();
        assert_eq!(
            (decoded.width(), decoded.height()),
            (512, 128),
            "scaled to fit 512×512 keeping the shape"
        );
    }

    // Multipart uploads work too, as the console's file input sends them.
    let form = reqwest::multipart::Form::new().part(
        "logo",
        reqwest::multipart::Part::bytes(image_bytes(ImageFormat::Png, 40, 40))
            .file_name("logo.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let response = app
        .api(Method::PUT, &format!("/customers/{id}/portal/logo"), &app.admin.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let response = app
        .api(Method::DELETE, &format!("/customers/{id}/portal/logo"), &app.admin.token)
        .send()
        .await
        .unwrap();
    let (status, portal) = json_of(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(portal["design"]["logo_url"], Value::Null);
    let (_, revisions) = app.get_json(&format!("/customers/{id}/portal/revisions"), &app.admin.token).await;
    assert_eq!(revisions[0]["summary"], "removed the logo");
    assert!(revisions[1]["summary"].as_str().unwrap().starts_with("uploaded a logo"));
    assert_eq!(
        app.client.get(app.url("/assets/logos/nope.png")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

async fn unsafe_or_oversized_logos_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = new_customer(&app).await;
    app.store.portal(id.parse().unwrap()).await.unwrap();
    let before = (snapshot(&app.store, "portals").await, snapshot(&app.store, "logos").await);

    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>"#
            .to_vec();
    let png = image_bytes(ImageFormat::Png, 64, 64);
    let mut noise = vec![0u8; 3 * 1024 * 1024];
    noise[..png.len()].copy_from_slice(&png);
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        ("image/svg+xml", svg.clone(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "SVG"),
        ("image/png", svg, StatusCode::UNSUPPORTED_MEDIA_TYPE, "SVG"),
        (
            "image/png",
            b"This is a text file renamed logo.png".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not a PNG",
        ),
        ("image/png", png[..png.len() / 2].to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "could not be read"),
        ("image/png", png_claiming(100_000, 100_000), StatusCode::UNPROCESSABLE_ENTITY, "100000×100000"),
        ("image/png", noise, StatusCode::PAYLOAD_TOO_LARGE, "at most 2 MB"),
        ("image/png", Vec::new(), StatusCode::UNPROCESSABLE_ENTITY, "empty"),
    ];
    for (content_type, bytes, expected, says) in cases {
        let (status, problem) = upload(&app, &id, content_type, bytes).await;
        assert_problem_names(status, &problem, expected, "logo");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains(says), "{problem}");
    }
    let technician = app
        .api(Method::PUT, &format!("/customers/{id}/portal/logo"), &app.technician.token)
        .header("content-type", "image/png")
        .body(image_bytes(ImageFormat::Png, 8, 8));
    assert_eq!(technician.send().await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(before, (snapshot(&app.store, "portals").await, snapshot(&app.store, "logos").await));
}

async fn logos_nobody_uses_are_pruned_and_every_used_one_is_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = new_customer(&app).await;
    let stored = |width| portico::logo::process(&image_bytes(ImageFormat::Png, width, 40)).unwrap();
    let (first, second, orphan, fresh) = (stored(100), stored(120), stored(140), stored(160));

    // The first logo lives on only in an old revision; the second in a later one; then none.
    let (status, _) = upload(&app, &customer, "image/png", image_bytes(ImageFormat::Png, 100, 40)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = upload(&app, &customer, "image/png", image_bytes(ImageFormat::Png, 120, 40)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = json_of(
        app.api(Method::DELETE, &format!("/customers/{customer}/portal/logo"), &app.admin.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // An upload nobody saved, and one made just now.
    portico::usecases::portals::keep_logo_upload(&app.core, &portico::domain::actor::Actor::cli(), &orphan)
        .await
        .unwrap();

    let later = time::OffsetDateTime::now_utc().unix_timestamp() * 1000 + 60_000;
    assert_eq!(app.store.prune_unused_logos(later).await.unwrap(), 1, "only the unsaved upload goes");
    let day_ago = later - 24 * 3600 * 1000;
    portico::usecases::portals::keep_logo_upload(&app.core, &portico::domain::actor::Actor::cli(), &fresh)
        .await
        .unwrap();
    assert_eq!(app.store.prune_unused_logos(day_ago).await.unwrap(), 0, "a recent upload stays");

    // An old unused logo uploaded again (an unsaved drawer) counts as new.
    let again = stored(180);
    portico::usecases::portals::keep_logo_upload(&app.core, &portico::domain::actor::Actor::cli(), &again)
        .await
        .unwrap();
    sqlx::query("UPDATE logos SET created_at = 0 WHERE id = $1")
        .bind(&again.id)
        .execute(app.store.pool())
        .await
        .unwrap();
    portico::usecases::portals::keep_logo_upload(&app.core, &portico::domain::actor::Actor::cli(), &again)
        .await
        .unwrap();
    assert_eq!(app.store.prune_unused_logos(day_ago).await.unwrap(), 0, "re-uploading renews a logo");
    sqlx::query("UPDATE logos SET created_at = 0 WHERE id = $1")
        .bind(&again.id)
        .execute(app.store.pool())
        .await
        .unwrap();
    assert_eq!(app.store.prune_unused_logos(day_ago).await.unwrap(), 1, "and it would have gone otherwise");

    let served = |logo: &portico::logo::Logo| {
        app.client.get(app.url(&format!("/assets/logos/{}.png", logo.id))).send()
    };
    assert_eq!(served(&first).await.unwrap().status(), StatusCode::OK, "kept for its revision");
    assert_eq!(served(&second).await.unwrap().status(), StatusCode::OK, "kept for its revision");
    assert_eq!(served(&orphan).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(served(&fresh).await.unwrap().status(), StatusCode::OK);

    // Restoring the first revision with a logo still works.
    let (_, revisions) =
        app.get_json(&format!("/customers/{customer}/portal/revisions"), &app.admin.token).await;
    // Revision 1 is the new portal, 2 the first upload.
    let numbers: Vec<i64> =
        revisions.as_array().unwrap().iter().map(|r| r["revision"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [4, 3, 2, 1], "{revisions}");
    let with_first = 2;
    let (status, restored) = app
        .post_json(
            &format!("/customers/{customer}/portal/revisions/{with_first}/restore"),
            &app.admin.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert!(restored["design"]["logo_url"].as_str().unwrap().contains(&first.id), "{restored}");
}
