//! The load benchmark's tables: what wrk measured, the latencies at a constant rate, the wrong
//! answers seen, and every target with PASS or MISS.

use crate::open_loop::Latency;
use crate::{LANDING_PAGE, Outcome, SEARCH, Scenario, TICKET_CREATION, WORST_SEARCH, backend_name};

/// The targets' table: prints each with PASS or MISS and remembers whether any missed.
struct Targets {
    missed: bool,
}

impl Targets {
    fn start() -> Self {
        println!("\n| Target | Measured | Result |\n|---|---|---|");
        Self { missed: false }
    }

    fn row(&mut self, target: &str, measured: &str, pass: bool) {
        self.missed |= !pass;
        println!("| {target} | {measured} | {} |", if pass { "PASS" } else { "MISS" });
    }

    /// A latency target, measured at a constant rate: a MISS also when the server did not keep
    /// up with the rate offered.
    fn latency(&mut self, target: &str, latency: &Latency, quantile: &str, figure: f64, limit_ms: f64) {
        let kept_up = if latency.kept_up() { "" } else { ", did not keep up" };
        self.row(
            target,
            &format!(
                "{quantile} {figure:.1} ms at {:.0}/s offered, {:.0}/s achieved{kept_up}",
                latency.offered, latency.achieved
            ),
            figure < limit_ms && latency.kept_up(),
        );
    }
}

/// Prints a data set's tables; returns whether a target missed.
pub fn report(
    outcome: &Outcome,
    standard: Option<&Outcome>,
    connections: usize,
    writers: usize,
    seconds: f64,
    share: f64,
) -> bool {
    let shape = &outcome.shape;
    println!(
        "\n### {}: {} customers, {} end users, {} tickets, {} articles; {seconds} s per scenario\n",
        backend_name(),
        shape.customers,
        shape.customers * shape.end_users_per_customer,
        shape.customers * shape.tickets_per_customer,
        shape.articles,
    );
    println!("Durability: {}.", outcome.durability);
    println!(
        "Generated in {:.0} s. Start-up to ready on this data: {:.0} ms. Peak RSS of the server: {:.0} MiB.\n",
        outcome.generation.as_secs_f64(),
        outcome.start_up.as_secs_f64() * 1000.0,
        outcome.peak_rss_mib
    );
    println!("Throughput (wrk, closed loop; its latencies hide queueing and are not the targets'):\n");
    println!(
        "| Scenario | Connections | Requests/s | nginx, same bytes | vs nginx | p50 ms | p95 ms | p99 ms | Failures |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &outcome.rows {
        let m = &row.measured;
        let (nginx, share) = match &row.nginx {
            Some(n) => (format!("{:.0}", n.per_second()), format!("{:.2}×", m.per_second() / n.per_second())),
            None => (String::new(), String::new()),
        };
        let nginx_failures = match &row.nginx {
            Some(n) if n.failures() > 0 => format!(" (nginx: {} of {})", n.failures(), n.requests),
            _ => String::new(),
        };
        println!(
            "| {} | {} | {:.0} | {nginx} | {share} | {:.1} | {:.1} | {:.1} | {} of {}{nginx_failures} |",
            row.name,
            row.connections,
            m.per_second(),
            m.p50_ms,
            m.p95_ms,
            m.p99_ms,
            m.failures(),
            m.requests
        );
    }
    let timed: Vec<(String, usize, &Latency)> = outcome
        .rows
        .iter()
        .flat_map(|row| {
            let nginx = format!("{}: nginx, same bytes, same rate", row.name);
            [(row.name.to_string(), row.latency.as_ref()), (nginx, row.nginx_latency.as_ref())]
                .into_iter()
                .filter_map(move |(name, latency)| Some((name, row.connections, latency?)))
        })
        .collect();
    if !timed.is_empty() {
        println!(
            "\nLatency at a constant rate ({:.0}% of wrk's throughput for the scenario; open loop, each request timed from when it was due):\n",
            share * 100.0
        );
        println!(
            "| Scenario | Connections | Offered /s | Achieved /s | p50 ms | p95 ms | p99 ms | max ms | Failures |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (name, connections, l) in &timed {
            let unsent = if l.unsent > 0 { format!(", {} unsent", l.unsent) } else { String::new() };
            println!(
                "| {name} | {connections} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} of {}{unsent} |",
                l.offered,
                l.achieved,
                l.p50_ms,
                l.p95_ms,
                l.p99_ms,
                l.max_ms,
                l.failures(),
                l.succeeded + l.rejected + l.errors
            );
        }
    }
    for row in &outcome.rows {
        let samples = [
            row.precheck.clone().map(|why| ("checked before the load", why)),
            row.measured.rejected_sample.clone().map(|answer| ("under wrk", answer)),
            row.nginx.as_ref().and_then(|n| n.rejected_sample.clone()).map(|answer| ("from nginx", answer)),
            row.latency
                .as_ref()
                .and_then(|l| l.rejected_sample.clone())
                .map(|answer| ("at a constant rate", answer)),
            row.nginx_latency
                .as_ref()
                .and_then(|l| l.rejected_sample.clone())
                .map(|answer| ("from nginx at a constant rate", answer)),
        ];
        for (when, answer) in samples.into_iter().flatten() {
            println!("\nA wrong answer to {} ({when}): {answer}", row.name);
        }
    }

    let mut targets = Targets::start();
    let share_of_nginx = |name: &str| {
        outcome.row(name).and_then(|r| Some(r.measured.per_second() / r.nginx.as_ref()?.per_second()))
    };
    for (name, target) in [
        (LANDING_PAGE, 0.7),
        ("portal my tickets", 0.5),
        ("portal article page", 0.6),
        ("portal knowledge base", 0.6),
        ("portal new-ticket form", 0.6),
    ] {
        if let Some(share) = share_of_nginx(name) {
            targets.row(&format!("{name}: ≥ {target}× nginx"), &format!("{share:.2}×"), share >= target);
        }
    }
    if let Some(l) = outcome.row(LANDING_PAGE).and_then(|r| r.latency.as_ref()) {
        let target =
            format!("portal landing page: p99 < 10 ms at a constant rate, {connections} connections");
        targets.latency(&target, l, "p99", l.p99_ms, 10.0);
    }
    for name in [SEARCH, WORST_SEARCH] {
        if let Some(l) = outcome.row(name).and_then(|r| r.latency.as_ref()) {
            let target = format!("{name}: p95 < 20 ms at a constant rate, {writers} connections");
            targets.latency(&target, l, "p95", l.p95_ms, 20.0);
        }
    }
    if let Some(row) = outcome.row(TICKET_CREATION) {
        let floor = if backend_name() == "sqlite" { 3000.0 } else { 2000.0 };
        let rate = row.measured.per_second();
        targets.row(&format!("ticket creation: ≥ {floor:.0}/s"), &format!("{rate:.0}/s"), rate >= floor);
        if let Some(l) = &row.latency {
            let target = format!("ticket creation: p99 < 50 ms at a constant rate, {writers} writers");
            targets.latency(&target, l, "p99", l.p99_ms, 50.0);
        }
    }
    if let Some(w) = &outcome.writes {
        targets.row(
            "tickets: none lost, none numbered twice",
            &format!(
                "{} answered 2xx, {} rows created (at most {} unanswered may add), {} duplicate numbers, {} gaps",
                w.answered, w.created, w.unanswered, w.duplicates, w.gaps
            ),
            w.holds(),
        );
    }
    targets.row(
        "peak RSS < 256 MB under load",
        &format!("{:.0} MiB", outcome.peak_rss_mib),
        outcome.peak_rss_mib < 256.0,
    );
    let start_ms = outcome.start_up.as_secs_f64() * 1000.0;
    targets.row("start-up to ready < 1 s", &format!("{start_ms:.0} ms"), start_ms < 1000.0);
    if let Some(standard) = standard {
        let generation_minutes = outcome.generation.as_secs_f64() / 60.0;
        targets.row(
            "data set generated in minutes",
            &format!("{generation_minutes:.1} min"),
            generation_minutes < 30.0,
        );
        let p95 = |row: &Scenario| row.latency.as_ref().map_or(row.measured.p95_ms, |l| l.p95_ms);
        for (name, higher_is_better) in [(LANDING_PAGE, true), (SEARCH, false)] {
            let (Some(large), Some(small)) = (outcome.row(name), standard.row(name)) else { continue };
            let (now, before, unit) = if higher_is_better {
                (large.measured.per_second(), small.measured.per_second(), "requests/s")
            } else {
                (p95(large), p95(small), "ms p95")
            };
            let change = (now - before) / before;
            let flat = if higher_is_better { change >= -0.10 } else { change <= 0.10 };
            targets.row(
                &format!(
                    "{name} at {} customers within 10% of {}",
                    outcome.shape.customers, standard.shape.customers
                ),
                &format!("{now:.1} against {before:.1} {unit} ({:+.0}%)", change * 100.0),
                flat,
            );
        }
    }
    targets.missed
}
