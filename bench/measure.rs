//! Running one scenario: concurrent clients for a while, every latency kept.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one scenario measured.
pub struct Stats {
    pub name: &'static str,
    pub requests: usize,
    pub failures: usize,
    pub elapsed: Duration,
    /// Sorted.
    latencies: Vec<Duration>,
}

impl Stats {
    /// Successful requests per second: a scenario failing fast must not look fast.
    pub fn per_second(&self) -> f64 {
        (self.requests - self.failures) as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p / 100.0).round() as usize;
        self.latencies[index]
    }
}

/// A tiny deterministic generator (xorshift64*): runs are repeatable and need no extra crate.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

/// Runs `request` from `concurrency` workers for `duration` after a short warm-up (a quarter of
/// it, at most half a second). A request
/// answers `true` when it got what it should; anything else counts as a failure.
pub async fn run<F, Fut>(name: &'static str, concurrency: usize, duration: Duration, request: F) -> Stats
where
    F: Fn(usize, &mut Dice) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let warm_up = (duration / 4).min(Duration::from_millis(500));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let request = request.clone();
        workers.spawn(async move {
            let mut dice = Dice::new(worker as u64 + 1);
            let mut latencies = Vec::new();
            let mut failures = 0;
            while started.elapsed() < warm_up + duration {
                let sent = Instant::now();
                let ok = request(worker, &mut dice).await;
                if sent >= started + warm_up {
                    latencies.push(sent.elapsed());
                    failures += usize::from(!ok);
                }
            }
            (latencies, failures)
        });
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    while let Some(done) = workers.join_next().await {
        let (mine, failed) = done.expect("a worker panicked");
        latencies.extend(mine);
        failures += failed;
    }
    let elapsed = started.elapsed() - warm_up;
    latencies.sort_unstable();
    Stats { name, requests: latencies.len(), failures, elapsed, latencies }
}
