//! The latency driver: requests sent at a constant rate (an open loop), each timed from the
//! moment it was due, not from when it went out. wrk (a closed loop) sends a request only when
//! a connection's previous one has answered, so while the server stalls it sends nothing, and
//! the requests that would have waited are never measured ("coordinated omission"). Here the
//! schedule goes on: a request that finds every connection busy waits, and that wait is part of
//! its latency, so a stall counts against every request due during it.
//!
//! `connections` tasks each keep one connection (a client of their own). Request `i` is due at
//! `start + i / rate`; a free task takes the next due request, waits for its time if it has not
//! come, sends it and records the time from its due moment until the whole body arrived. Every
//! answer must be a 2xx carrying the scenario's marker, as under wrk. Requests due after the end
//! of the window are not sent; those due in it are all sent, however late, until a hard stop
//! (the window again, at least 10 s, after it), and any left then are recorded as if answered
//! at the hard stop. The achieved rate is the answers that passed divided by the time from the
//! start to the last of them: a server that falls behind shows a rate short of the offered one.
//!
//! tokio's timers tick in milliseconds, so a request may go out up to about 1 ms after it was
//! due; that counts in its latency (against the server, never for it).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;
use reqwest::{Client, Method};
use tokio::time::Instant;

use crate::tools::Request;
use crate::vocabulary::Dice;

/// How long one request may take before it counts as an error (as wrk's `--timeout`).
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the open loop measured.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    /// Requests per second the schedule offered.
    pub offered: f64,
    /// Answers that passed per second, from the start to the last answer.
    pub achieved: f64,
    pub succeeded: u64,
    /// Answers without a 2xx status or without the marker.
    pub rejected: u64,
    /// Connection errors and timeouts.
    pub errors: u64,
    /// Requests due in the window that were still unsent at the hard stop.
    pub unsent: u64,
    pub rejected_sample: Option<String>,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// Requests that failed or were answered wrongly.
    pub fn failures(&self) -> u64 {
        self.errors + self.rejected
    }

    /// Whether any request failed, or none succeeded.
    pub fn failed(&self) -> bool {
        self.failures() > 0 || self.succeeded == 0
    }

    /// Whether the server kept up with the offered rate (within 5%): if not, the latencies
    /// were measured at a lower load than the row states.
    pub fn kept_up(&self) -> bool {
        self.achieved >= 0.95 * self.offered && self.unsent == 0
    }
}

/// What one connection's task saw.
struct Tally {
    histogram: Histogram<u64>,
    succeeded: u64,
    rejected: u64,
    errors: u64,
    unsent: u64,
    rejected_sample: Option<String>,
    last_answer: Option<Instant>,
}

impl Tally {
    fn new() -> Self {
        Self {
            // Microseconds, from 1 µs to an hour, three significant digits.
            histogram: Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds"),
            succeeded: 0,
            rejected: 0,
            errors: 0,
            unsent: 0,
            rejected_sample: None,
            last_answer: None,
        }
    }

    fn record(&mut self, latency: Duration) {
        self.histogram.saturating_record(latency.as_micros().max(1) as u64);
    }
}

/// The schedule the tasks share.
struct Schedule {
    base: String,
    requests: Arc<Vec<Request>>,
    marker: Vec<u8>,
    interval: Duration,
    start: Instant,
    window_end: Instant,
    hard_stop: Instant,
    next: AtomicU64,
}

impl Schedule {
    fn due(&self, index: u64) -> Instant {
        self.start + self.interval.mul_f64(index as f64)
    }
}

/// Sends `requests` (one at random each time) to `base` at `rate` per second for `seconds`, over
/// `connections` connections, and checks every answer for a 2xx status and `marker`.
pub async fn run(
    base: &str,
    requests: Arc<Vec<Request>>,
    marker: &str,
    rate: f64,
    connections: usize,
    seconds: f64,
) -> Latency {
    assert!(rate > 0.0 && !requests.is_empty(), "an open loop needs a rate and requests");
    // Connections are opened before the schedule starts (with `/healthz`, which writes
    // nothing), so the first requests do not pay for connecting.
    let mut warm = tokio::task::JoinSet::new();
    for _ in 0..connections.max(1) {
        let url = format!("{base}/healthz");
        warm.spawn(async move {
            let client = Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(TIMEOUT)
                // A redirect is a wrong answer, as under wrk, not a page to follow.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            if let Ok(response) = client.get(&url).send().await {
                let _ = response.bytes().await;
            }
            client
        });
    }
    let clients: Vec<Client> = warm.join_all().await;

    let start = Instant::now() + Duration::from_millis(10);
    let window = Duration::from_secs_f64(seconds);
    let schedule = Arc::new(Schedule {
        base: base.to_string(),
        requests,
        marker: marker.as_bytes().to_vec(),
        interval: Duration::from_secs_f64(1.0 / rate),
        start,
        window_end: start + window,
        hard_stop: start + window + window.max(Duration::from_secs(10)),
        next: AtomicU64::new(0),
    });
    let mut tasks = tokio::task::JoinSet::new();
    for (task, client) in clients.into_iter().enumerate() {
        tasks.spawn(connection(schedule.clone(), client, task as u64 + 1));
    }
    let mut total = Tally::new();
    for tally in tasks.join_all().await {
        total.histogram.add(&tally.histogram).expect("histograms of the same bounds add up");
        total.succeeded += tally.succeeded;
        total.rejected += tally.rejected;
        total.errors += tally.errors;
        total.unsent += tally.unsent;
        total.rejected_sample = total.rejected_sample.or(tally.rejected_sample);
        total.last_answer = total.last_answer.max(tally.last_answer);
    }
    let took = total.last_answer.map_or(0.0, |last| (last - start).as_secs_f64());
    let ms = |quantile: f64| total.histogram.value_at_quantile(quantile) as f64 / 1000.0;
    Latency {
        offered: rate,
        achieved: if took > 0.0 { total.succeeded as f64 / took } else { 0.0 },
        succeeded: total.succeeded,
        rejected: total.rejected,
        errors: total.errors,
        unsent: total.unsent,
        rejected_sample: total.rejected_sample,
        p50_ms: ms(0.50),
        p95_ms: ms(0.95),
        p99_ms: ms(0.99),
        max_ms: total.histogram.max() as f64 / 1000.0,
    }
}

/// One connection: takes the next due request until the window's schedule is used up.
async fn connection(schedule: Arc<Schedule>, client: Client, seed: u64) -> Tally {
    let mut tally = Tally::new();
    let mut dice = Dice::new(seed);
    loop {
        let due = schedule.due(schedule.next.fetch_add(1, Ordering::Relaxed));
        if due >= schedule.window_end {
            return tally;
        }
        if Instant::now() >= schedule.hard_stop {
            tally.unsent += 1;
            tally.record(schedule.hard_stop - due);
            continue;
        }
        tokio::time::sleep_until(due).await;
        let request = &schedule.requests[dice.below(schedule.requests.len())];
        let answer = send(&client, &schedule.base, request).await;
        let answered = Instant::now();
        match answer {
            Ok((status, body)) if status.is_success() && contains(&body, &schedule.marker) => {
                tally.succeeded += 1;
                tally.record(answered - due);
                tally.last_answer = tally.last_answer.max(Some(answered));
            }
            Ok((status, body)) => {
                tally.rejected += 1;
                tally
                    .rejected_sample
                    .get_or_insert_with(|| format!("{status} {}", crate::tools::sample(&body)));
            }
            Err(_) => tally.errors += 1,
        }
    }
}

async fn send(
    client: &Client,
    base: &str,
    request: &Request,
) -> reqwest::Result<(reqwest::StatusCode, bytes::Bytes)> {
    let method = Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::GET);
    let mut sent = client.request(method, format!("{base}{}", request.path));
    for (name, value) in &request.headers {
        sent = sent.header(name, value);
    }
    if let Some(body) = &request.body {
        sent = sent.body(body.clone());
    }
    let response = sent.send().await?;
    let status = response.status();
    Ok((status, response.bytes().await?))
}

fn contains(body: &[u8], marker: &[u8]) -> bool {
    marker.is_empty() || body.windows(marker.len()).any(|window| window == marker)
}
