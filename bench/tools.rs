//! The processes a benchmark run starts and ends itself: Portico's own server (the binary cargo
//! built), the load generator `wrk`, and nginx serving a page's bytes as the ceiling. Each is
//! ended by its own process id, never by name. Nothing here waits by sleeping: each wait polls
//! what it waits for (a log line, an exact answer, the process's exit), with a bound.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::{Duration, Instant};

/// What a tool that is missing is called in Debian, to say how to get it.
pub fn missing_tools() -> Vec<&'static str> {
    [("wrk", "wrk"), ("nginx", "nginx-light")]
        .into_iter()
        .filter(|(binary, _)| find(binary).is_none())
        .map(|(_, package)| package)
        .collect()
}

fn find(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
}

/// One child process, ended (by its id) when dropped.
pub struct Process {
    child: Child,
    name: &'static str,
}

impl Process {
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Asks the process to stop (SIGTERM: Portico's graceful stop; nginx's fast stop) and
    /// waits for it.
    pub fn stop(mut self) {
        terminate(&mut self.child);
    }

    /// The process's peak resident memory so far, in MiB (`VmHWM`).
    pub fn peak_memory_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            eprintln!("(ending {} by its id {})", self.name, self.child.id());
            terminate(&mut self.child);
        }
    }
}

fn terminate(child: &mut Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `perf record` sampling a process while it lives; stopped (SIGINT, so it writes its file)
/// when dropped.
pub struct Profile(Option<Child>);

impl Profile {
    pub fn start(folder: &Path, scenario: &str, process: u32) -> Self {
        std::fs::create_dir_all(folder).unwrap();
        let name: String =
            scenario.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        let child = Command::new("perf")
            .args(["record", "-F", "999", "-g", "-o"])
            .arg(folder.join(format!("{name}.data")))
            .arg("-p")
            .arg(process.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match child {
            Ok(child) => Self(Some(child)),
            Err(error) => {
                eprintln!("perf could not start ({error}): install Debian's linux-perf to profile");
                Self(None)
            }
        }
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = Command::new("kill").arg("-INT").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }
}

/// How to start Portico's server on a database.
pub struct ServerSettings<'a> {
    pub binary: &'a Path,
    pub database_url: &'a str,
    pub data_dir: &'a Path,
}

/// A running `portico serve`.
pub struct Server {
    pub process: Process,
    /// `http://127.0.0.1:PORT`, with the port the server bound.
    pub base: String,
    /// From starting the process until `/readyz` answered.
    pub start_up: Duration,
}

/// Starts `portico serve` on `127.0.0.1:0`: the server binds first and logs the port the
/// system gave it (`Portico is serving … addr=127.0.0.1:PORT`), so no port is handed over that
/// another process could take in between. Ready when `/readyz` answers; the time that took is
/// the start-up time. The server's standard error goes on being copied to `server.log` in the
/// data folder for as long as it runs, so its pipe never fills.
pub async fn start_server(settings: &ServerSettings<'_>) -> Server {
    let log_path = settings.data_dir.join("server.log");
    let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).unwrap();
    let started = Instant::now();
    let mut child = Command::new(settings.binary)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("DATABASE_URL", settings.database_url)
        .env("PORTICO_DATA_DIR", settings.data_dir)
        .env("PORTICO_SECRET_KEY", "benchmark key material that is long enough")
        // Warnings, and the line that names the port (logged by the `portico` binary at info).
        .env("RUST_LOG", "warn,portico=info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start portico serve");
    let stderr = child.stderr.take().expect("the server's standard error, piped");
    let mut process = Process { child, name: "portico serve" };
    let (sender, bound) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || copy_server_log(stderr, log, sender));
    let port = match tokio::time::timeout(Duration::from_secs(60), bound).await {
        Ok(Ok(port)) => port,
        Ok(Err(_)) => {
            panic!("the server ended before it said where it listens; its log: {}", log_path.display())
        }
        Err(_) => {
            panic!("the server did not say where it listens in a minute; its log: {}", log_path.display())
        }
    };
    let base = format!("http://127.0.0.1:{port}");
    let client = {
        portico::core::tls::install_provider();
        reqwest::Client::new()
    };
    let url = format!("{base}/readyz");
    loop {
        if let Ok(response) = client.get(&url).send().await
            && response.status().is_success()
        {
            return Server { process, base, start_up: started.elapsed() };
        }
        if let Ok(Some(status)) = process.child.try_wait() {
            panic!("the server ended ({status}) before it was ready; its log: {}", log_path.display());
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not get ready in a minute; its log: {}",
            log_path.display()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Copies the server's standard error to its log until the server closes it, and sends the port
/// named by the line that says where it serves.
fn copy_server_log(stderr: ChildStderr, mut log: File, sender: tokio::sync::oneshot::Sender<u16>) {
    let mut sender = Some(sender);
    let mut reader = BufReader::new(stderr);
    let mut line = Vec::new();
    while matches!(reader.read_until(b'\n', &mut line), Ok(read) if read > 0) {
        let _ = log.write_all(&line);
        if let Some(port) = serving_port(&String::from_utf8_lossy(&line))
            && let Some(sender) = sender.take()
        {
            let _ = sender.send(port);
        }
        line.clear();
    }
}

/// The port in tracing's text line `… Portico is serving addr=127.0.0.1:PORT public_url=…`,
/// coloured or not.
fn serving_port(line: &str) -> Option<u16> {
    if !line.contains("Portico is serving") {
        return None;
    }
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // An escape sequence (`ESC [ … m`): skip to its final letter.
            chars.by_ref().find(char::is_ascii_alphabetic);
        } else {
            plain.push(c);
        }
    }
    let addr = plain.split_whitespace().find_map(|field| field.strip_prefix("addr="))?;
    addr.parse::<SocketAddr>().ok().map(|addr| addr.port())
}

/// nginx serving one file at every path, with as many workers as the machine has cores (as
/// Portico has threads), logging nothing but errors. Returns it with its base URL.
///
/// nginx cannot be given port 0 and tell which port it got, so it gets a candidate at random
/// below Linux's ephemeral range (32768 and up, where the system picks ports for outgoing
/// connections and for port-0 listeners), and another when nginx reports the address in use.
/// It is ready when it answers with the page's exact bytes, not when anything answers.
pub async fn start_nginx(folder: &Path, page: &[u8]) -> (Process, String) {
    use std::hash::BuildHasher;
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(folder).unwrap();
    // nginx's workers run as an unprivileged user when started as root: they must read this.
    std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(folder.join("page.html"), page).unwrap();
    std::fs::set_permissions(folder.join("page.html"), std::fs::Permissions::from_mode(0o644)).unwrap();
    portico::core::tls::install_provider();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().unwrap();
    const TRIES: u64 = 20;
    for attempt in 0..TRIES {
        // RandomState is keyed at random, so this is a random number per attempt.
        let port = 20_000 + (std::hash::RandomState::new().hash_one(attempt) % 12_000) as u16;
        if let Some(nginx) = try_nginx(folder, page, port, &client).await {
            return (nginx, format!("http://127.0.0.1:{port}"));
        }
        eprintln!("(port {port} is in use: nginx tries another)");
    }
    panic!("nginx found no free port in {TRIES} tries; see {}", folder.join("error.log").display());
}

/// nginx on `port`, once it serves the page; `None` when the port is in use.
async fn try_nginx(folder: &Path, page: &[u8], port: u16, client: &reqwest::Client) -> Option<Process> {
    let config = format!(
        "worker_processes {cores};
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp;
  proxy_temp_path {dir}/tmp;
  fastcgi_temp_path {dir}/tmp;
  uwsgi_temp_path {dir}/tmp;
  scgi_temp_path {dir}/tmp;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    root {dir};
    location / {{ default_type text/html; try_files /page.html =404; }}
  }}
}}
",
        cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
        dir = folder.display(),
    );
    std::fs::write(folder.join("nginx.conf"), config).unwrap();
    let (error_log, stderr_log) = (folder.join("error.log"), folder.join("stderr.log"));
    let _ = std::fs::remove_file(&error_log);
    let child = Command::new(find("nginx").expect("nginx"))
        .arg("-p")
        .arg(folder)
        .arg("-c")
        .arg(folder.join("nginx.conf"))
        .arg("-e")
        .arg(&error_log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&stderr_log).unwrap())
        .spawn()
        .expect("start nginx");
    let mut process = Process { child, name: "nginx" };
    let said = || {
        let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
        format!("{}{}", read(&error_log), read(&stderr_log))
    };
    let url = format!("http://127.0.0.1:{port}/");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // nginx retries a bind that failed for a few seconds before it gives up: no need to wait.
        if said().contains("Address already in use") {
            process.stop();
            return None;
        }
        if let Ok(Some(status)) = process.child.try_wait() {
            let said = said();
            if said.contains("Address already in use") {
                return None;
            }
            panic!("nginx ended ({status}): {said}");
        }
        if let Ok(response) = client.get(&url).send().await
            && response.status() == 200
            && response.bytes().await.is_ok_and(|body| body == page)
        {
            return Some(process);
        }
        assert!(
            Instant::now() < deadline,
            "nginx did not serve the page's bytes on port {port} in 10 s: {}",
            said()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
/// One request a scenario sends: wrk picks one of a scenario's at random for each request.
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Request {
    pub fn get(path: String, headers: Vec<(String, String)>) -> Self {
        Self { method: "GET", path, headers, body: None }
    }
}

/// What wrk measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Answers wrk read to the end.
    pub requests: u64,
    pub seconds: f64,
    /// Socket errors and timeouts.
    pub errors: u64,
    /// Answers with a 2xx status and the scenario's marker in the body.
    pub succeeded: u64,
    /// Every other answer: another status (a redirect, an error), or a body without the marker
    /// (an empty page, a search that found nothing).
    pub rejected: u64,
    /// The first rejected answer: its status and the start of its body.
    pub rejected_sample: Option<String>,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl Measured {
    /// Answers that passed the check, per second: a failed answer never counts as throughput.
    pub fn per_second(&self) -> f64 {
        self.succeeded as f64 / self.seconds.max(1e-9)
    }

    /// Requests that failed or were answered wrongly.
    pub fn failures(&self) -> u64 {
        self.errors + self.rejected
    }

    /// Whether any request failed, or none succeeded.
    pub fn failed(&self) -> bool {
        self.failures() > 0 || self.succeeded == 0
    }
}

/// What to show of a wrong answer's body: from `<main` when it is a page (the head says
/// little), whitespace collapsed, 300 characters at most.
pub fn sample(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let from = text.find("<main").unwrap_or(0);
    text[from..].split_whitespace().collect::<Vec<_>>().join(" ").chars().take(300).collect()
}

/// The script wrk runs: requests from a file (one per line, tab-separated: method, path,
/// `name: value` headers, then the body), one at random per request. Every answer is checked:
/// a 2xx status and the scenario's marker (the second argument) somewhere in the body, or it
/// is counted as rejected. Defining `response` makes wrk keep each body for it, on nginx too.
const SCRIPT: &str = r#"
local threads = {}
function setup(thread)
  thread:set("seed", #threads + 1)
  table.insert(threads, thread)
end
local lines = {}
local marker
ok = 0
rejected = 0
sample = ""
function init(args)
  marker = args[2]
  for line in io.lines(args[1]) do
    local fields = {}
    for field in string.gmatch(line, "[^\t]+") do fields[#fields + 1] = field end
    local headers, body = {}, nil
    for i = 3, #fields do
      local name, value = string.match(fields[i], "^([%w-]+): (.*)$")
      if name then headers[name] = value else body = fields[i] end
    end
    lines[#lines + 1] = wrk.format(fields[1], fields[2], headers, body)
  end
  math.randomseed(seed * 7919 + os.time())
end
function request()
  return lines[math.random(#lines)]
end
function response(status, headers, body)
  if status >= 200 and status < 300 and string.find(body, marker, 1, true) then
    ok = ok + 1
  else
    rejected = rejected + 1
    if sample == "" then
      local from = string.find(body, "<main", 1, true) or 1
      sample = status .. " " .. string.sub(body, from, from + 299)
    end
  end
end
function done(summary, latency, requests)
  local succeeded, bad, first = 0, 0, ""
  for _, thread in ipairs(threads) do
    succeeded = succeeded + (thread:get("ok") or 0)
    bad = bad + (thread:get("rejected") or 0)
    if first == "" then first = thread:get("sample") or "" end
  end
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), succeeded, bad))
  if first ~= "" then io.write("REJECTED " .. (string.gsub(first, "%s+", " ")) .. "\n") end
end
"#;

/// Runs wrk against `base` with these requests, `connections` at once for `seconds`; each
/// answer must be a 2xx carrying `marker`.
pub fn wrk(
    folder: &Path,
    base: &str,
    requests: &[Request],
    marker: &str,
    connections: usize,
    seconds: f64,
) -> Measured {
    std::fs::create_dir_all(folder).unwrap();
    let script = folder.join("requests.lua");
    std::fs::write(&script, SCRIPT).unwrap();
    let list = folder.join("requests.tsv");
    let mut file = std::io::BufWriter::new(File::create(&list).unwrap());
    for request in requests {
        let mut line = format!("{}\t{}", request.method, request.path);
        for (name, value) in &request.headers {
            line.push_str(&format!("\t{name}: {value}"));
        }
        if let Some(body) = &request.body {
            line.push('\t');
            line.push_str(body);
        }
        assert!(!line.contains('\n'), "a request must fit on one line");
        writeln!(file, "{line}").unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let threads =
        std::thread::available_parallelism().map_or(2, std::num::NonZero::get).min(connections.max(1));
    let output = Command::new(find("wrk").expect("wrk"))
        .arg(format!("-t{threads}"))
        .arg(format!("-c{}", connections.max(threads)))
        .arg(format!("-d{}s", seconds.ceil().max(1.0) as u64))
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(&script)
        .arg(base)
        .arg("--")
        .arg(&list)
        .arg(marker)
        .output()
        .expect("run wrk");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find(|l| l.starts_with("WRK ")).unwrap_or_else(|| {
        panic!("wrk printed no result: {stdout}\n{}", String::from_utf8_lossy(&output.stderr))
    });
    let numbers: Vec<u64> = line.split_whitespace().skip(1).map(|n| n.parse().unwrap()).collect();
    let ms = |us: u64| us as f64 / 1000.0;
    let (requests, succeeded) = (numbers[0], numbers[6]);
    Measured {
        requests,
        seconds: numbers[1] as f64 / 1e6,
        errors: numbers[2],
        succeeded,
        // Every answer wrk read went through the check; whatever did not pass, failed.
        rejected: numbers[7].max(requests.saturating_sub(succeeded)),
        rejected_sample: stdout.lines().find_map(|l| l.strip_prefix("REJECTED ")).map(str::to_string),
        p50_ms: ms(numbers[3]),
        p95_ms: ms(numbers[4]),
        p99_ms: ms(numbers[5]),
    }
}
