//! The processes a benchmark run starts and ends itself: Portico's own server (the binary cargo
//! built), the load generator `wrk`, and nginx serving a page's bytes as the ceiling. Each is
//! ended by its own process id, never by name.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// A free port on loopback (the kernel's choice; released for the child to bind).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
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
    pub port: u16,
}

/// Starts `portico serve` and waits until `/readyz` answers: the time that took is the
/// start-up time.
pub async fn start_server(settings: &ServerSettings<'_>) -> (Process, Duration) {
    let log = std::fs::File::create(settings.data_dir.join("server.log")).unwrap();
    let started = Instant::now();
    let child = Command::new(settings.binary)
        .arg("serve")
        .env("DATABASE_URL", settings.database_url)
        .env("PORTICO_DATA_DIR", settings.data_dir)
        .env("PORTICO_ADDR", format!("127.0.0.1:{}", settings.port))
        .env("PORTICO_SECRET_KEY", "benchmark key material that is long enough")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start portico serve");
    let process = Process { child, name: "portico serve" };
    let client = {
        portico::core::tls::install_provider();
        reqwest::Client::new()
    };
    let url = format!("http://127.0.0.1:{}/readyz", settings.port);
    loop {
        if let Ok(response) = client.get(&url).send().await
            && response.status().is_success()
        {
            return (process, started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not get ready in a minute; its log: {}",
            settings.data_dir.join("server.log").display()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// nginx serving one file at every path, with as many workers as the machine has cores (as
/// Portico has threads), logging nothing.
pub fn start_nginx(folder: &Path, page: &[u8], port: u16) -> Process {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(folder).unwrap();
    // nginx's workers run as an unprivileged user when started as root: they must read this.
    std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(folder.join("page.html"), page).unwrap();
    std::fs::set_permissions(folder.join("page.html"), std::fs::Permissions::from_mode(0o644)).unwrap();
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
    let nginx = find("nginx").expect("nginx");
    let child = Command::new(nginx)
        .arg("-p")
        .arg(folder)
        .arg("-c")
        .arg(folder.join("nginx.conf"))
        .arg("-e")
        .arg(folder.join("error.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start nginx");
    let process = Process { child, name: "nginx" };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nginx did not listen; see {}/error.log", folder.display());
        std::thread::sleep(Duration::from_millis(10));
    }
    process
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
    pub requests: u64,
    pub seconds: f64,
    /// Socket errors and timeouts.
    pub errors: u64,
    /// Answers outside 2xx/3xx.
    pub bad_status: u64,
    /// Answers with a 2xx status, when the scenario counts them (writes).
    pub succeeded: Option<u64>,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        (self.requests - self.bad_status) as f64 / self.seconds.max(1e-9)
    }

    pub fn failures(&self) -> u64 {
        self.errors + self.bad_status
    }
}

/// The script wrk runs: requests from a file (one per line, tab-separated: method, path,
/// `name: value` headers, then the body), one at random per request.
const SCRIPT: &str = r#"
local threads = {}
function setup(thread)
  thread:set("seed", #threads + 1)
  table.insert(threads, thread)
end
local lines = {}
ok = 0
function init(args)
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
function done(summary, latency, requests)
  local succeeded = 0
  for _, thread in ipairs(threads) do succeeded = succeeded + (thread:get("ok") or 0) end
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), succeeded))
end
"#;

/// Added when 2xx answers are counted: wrk reads whether the script has `response` before
/// any thread starts.
const COUNTING: &str = r"
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 end
end
";

/// Runs wrk against `base` with these requests, `connections` at once for `seconds`.
pub fn wrk(
    folder: &Path,
    base: &str,
    requests: &[Request],
    connections: usize,
    seconds: f64,
    count_successes: bool,
) -> Measured {
    std::fs::create_dir_all(folder).unwrap();
    let script = folder.join("requests.lua");
    let text = if count_successes { format!("{SCRIPT}{COUNTING}") } else { SCRIPT.to_string() };
    std::fs::write(&script, text).unwrap();
    let list = folder.join("requests.tsv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&list).unwrap());
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
        .output()
        .expect("run wrk");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find(|l| l.starts_with("WRK ")).unwrap_or_else(|| {
        panic!("wrk printed no result: {stdout}\n{}", String::from_utf8_lossy(&output.stderr))
    });
    let numbers: Vec<u64> = line.split_whitespace().skip(1).map(|n| n.parse().unwrap()).collect();
    let ms = |us: u64| us as f64 / 1000.0;
    Measured {
        requests: numbers[0],
        seconds: numbers[1] as f64 / 1e6,
        errors: numbers[2],
        bad_status: numbers[3],
        succeeded: count_successes.then_some(numbers[7]),
        p50_ms: ms(numbers[4]),
        p95_ms: ms(numbers[5]),
        p99_ms: ms(numbers[6]),
    }
}
