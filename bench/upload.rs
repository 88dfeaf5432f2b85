//! Memory while a large attachment arrives: uploads stream to a staging file, so a 25 MB file
//! should cost the process about as much memory as a 1 MB one, the baseline measured in the
//! same run. The client streams its body too (it runs in this process), so the figure is the
//! server's. Peak memory is Linux's VmHWM, reset before each upload through `clear_refs`.
//!
//! `cargo bench --bench upload` (`cargo test` runs it with small files as a smoke test). Under
//! `cargo bench` a MISS exits with 3, as the load benchmark does; the smoke run never asserts it.

// A benchmark is a test harness: a failed step should stop the run at the line that failed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use bytes::Bytes;
use portico::app;
use portico::config::{Config, ServeArgs};
use portico::store::{Store, StoreOptions};
use portico::web::state::AppState;
use reqwest::multipart::{Form, Part};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

#[derive(clap::Parser)]
struct Serve {
    #[command(flatten)]
    args: ServeArgs,
}

const MB: usize = 1024 * 1024;

/// A body of `size` bytes made as it is sent, in 64 KiB chunks.
fn streamed(size: usize) -> reqwest::Body {
    const CHUNK: usize = 64 * 1024;
    let chunks = (0..size.div_ceil(CHUNK)).map(move |n| {
        let len = CHUNK.min(size - n * CHUNK);
        let byte = (n % 251) as u8;
        Ok::<_, std::io::Error>(Bytes::from(vec![byte; len]))
    });
    reqwest::Body::wrap_stream(futures::stream::iter(chunks))
}

/// A field of /proc/self/status, in MiB.
fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Resets the peak the next reading reports; without it every figure after the first would be
/// the whole run's peak, so a failure stops the benchmark.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("resetting the peak memory (/proc/self/clear_refs)");
}

#[tokio::main]
async fn main() {
    use clap::Parser;
    let bench = std::env::args().any(|arg| arg == "--bench");
    let sizes = if bench { [1, 25] } else { [1, 2] };
    let data_dir =
        std::env::temp_dir().join(format!("portico-bench-upload-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = Serve::parse_from([
        "portico",
        "--addr",
        &addr.to_string(),
        "--data-dir",
        &data_dir.display().to_string(),
        "--secret-key",
        "benchmark key material that is long enough",
    ]);
    let config = Config::from_args(&serve.args).expect("settings");
    let store = Store::connect(config.database_url.expose_secret(), &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let core = portico::core::Context::new(config, store.clone()).unwrap();
    portico::cli::create_team_member(&core, "bench@msp.example", "Bench", "admin", None).await.unwrap();
    let (_, token) = portico::cli::create_token(&core, "bench@msp.example", "bench").await.unwrap();
    tokio::spawn(app::serve(listener, AppState::new(core), std::future::pending()));

    let base = format!("http://{addr}/api/v1");
    let client = {
        portico::core::tls::install_provider();
        reqwest::Client::new()
    };
    let post =
        |path: &str, body: Value| client.post(format!("{base}{path}")).bearer_auth(&token).json(&body).send();
    let group: Value =
        post("/assignment-groups", json!({"name": "Desk"})).await.unwrap().json().await.unwrap();
    let customer: Value = post("/customers", json!({"name": "Acme"})).await.unwrap().json().await.unwrap();
    let customer_id = customer["id"].as_str().unwrap();
    let user: Value = post(
        &format!("/customers/{customer_id}/end-users"),
        json!({"name": "Erin", "email": "erin@acme.example"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let ticket: Value = post(
        "/tickets",
        json!({"customer_id": customer_id, "requester_id": user["id"], "type": "incident",
               "short_description": "Logs", "assignment_group_id": group["id"]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let ticket_id = ticket["id"].as_str().unwrap();

    let mut rows = Vec::new();
    for size_mb in sizes {
        let size = size_mb * MB;
        reset_peak();
        let before = status_mib("VmRSS:");
        let started = Instant::now();
        let part =
            Part::stream_with_length(streamed(size), size as u64).file_name(format!("dump-{size_mb}mb.bin"));
        let response = client
            .post(format!("{base}/tickets/{ticket_id}/attachments"))
            .bearer_auth(&token)
            .multipart(Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        assert_eq!(status.as_u16(), 201, "the upload of {size_mb} MB failed: {body}");
        assert_eq!(body["size"].as_u64(), Some(size as u64));
        let seconds = started.elapsed().as_secs_f64();
        let growth = status_mib("VmHWM:") - before;
        rows.push((size_mb, seconds, growth));
    }

    println!("\n### Attachment upload memory (SQLite, local store; client streams in the same process)\n");
    println!("| File | Time | Throughput | Peak memory growth |");
    println!("|---:|---:|---:|---:|");
    for (size_mb, seconds, growth) in &rows {
        println!(
            "| {size_mb} MB | {:.0} ms | {:.0} MB/s | {growth:.1} MiB |",
            seconds * 1000.0,
            *size_mb as f64 / seconds
        );
    }
    let (small, large) = (rows[0].2, rows[1].2);
    let flat = large - small < 8.0;
    println!(
        "\n{} memory stays flat: the {} MB upload grew the peak by {:.1} MiB more than the {} MB baseline (target: < 8 MiB)",
        if flat { "PASS" } else { "MISS" },
        rows[1].0,
        large - small,
        rows[0].0
    );
    std::fs::remove_dir_all(&data_dir).ok();
    // As the load benchmark: a MISS fails `cargo bench` (and so `bench/run`), never the smoke run.
    if bench && !flat {
        std::process::exit(3);
    }
}
