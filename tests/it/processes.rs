//! The helper programs the tests start (chromedriver and the Chromium it starts, the Node IdP
//! and SMTP server, Dovecot): each runs in a process group of its own, which ends — the helper
//! with everything it started — when its owner is dropped, also when a test fails.
//!
//! While a group runs it is recorded as a file in `target/test-processes/` (named by the group
//! id, holding the program and its start time); the record goes with the group. A test binary
//! that is killed outright cannot end its groups: `scripts/test` then ends exactly the groups
//! still recorded (see `scripts/lib/processes.sh`), never processes found by a name pattern.

use std::path::PathBuf;

use tokio::process::{Child, ChildStdout, Command};

/// Where running helper groups are recorded: `$CARGO_TARGET_DIR/test-processes`, or
/// `target/test-processes` in the crate.
fn records() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("test-processes")
}

/// The start time of a process, in clock ticks since boot (`/proc/{pid}/stat`, field 22): with
/// the group id, it tells the recorded group from a later one that reuses the number.
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19).map(str::to_string)
}

/// Records the group led by `group` as running `program`.
fn record(group: u32, program: &str) -> Option<PathBuf> {
    let dir = records();
    let record = std::fs::create_dir_all(&dir).ok().map(|_| dir.join(group.to_string()));
    if let Some(record) = &record {
        let started = start_time(group).unwrap_or_default();
        std::fs::write(record, format!("{program} {started}\n")).ok();
    }
    record
}

/// Portico's own binary run by a test, in its own process group, recorded like a helper and
/// killed when dropped (also when the test fails). A std process: its logs are read on a thread.
pub struct ServerProcess {
    child: std::process::Child,
    record: Option<PathBuf>,
}

impl ServerProcess {
    pub fn spawn(mut command: std::process::Command) -> std::io::Result<Self> {
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn()?;
        let record = record(child.id(), "portico");
        Ok(Self { child, record })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn take_stderr(&mut self) -> Option<std::process::ChildStderr> {
        self.child.stderr.take()
    }

    /// Sends a signal (`STOP`, `CONT`, `TERM` …) to the server.
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name} {}", self.child.id());
    }

    pub fn take_stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.child.stdout.take()
    }

    /// Waits (bounded) for the server to end by itself, and answers how it ended.
    pub fn wait_for_exit(&mut self, limit: std::time::Duration) -> std::process::ExitStatus {
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the server's state") {
                if let Some(record) = self.record.take() {
                    std::fs::remove_file(record).ok();
                }
                return status;
            }
            assert!(started.elapsed() < limit, "the server did not stop within {limit:?}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL, as a crash would, and waits for it to be gone.
    pub fn kill(&mut self) {
        if !self.has_exited() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        if let Some(record) = self.record.take() {
            std::fs::remove_file(record).ok();
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A helper program running in its own process group.
pub struct Helper {
    child: Child,
    group: u32,
    record: Option<PathBuf>,
    ended: bool,
}

impl Helper {
    /// Starts `command` as the leader of a new process group and records the group.
    pub fn spawn(mut command: Command, program: &str) -> std::io::Result<Self> {
        command.process_group(0).kill_on_drop(true);
        let child = command.spawn()?;
        let group = child.id().expect("a child that was just started has an id");
        let record = record(group, program);
        Ok(Self { child, group, record, ended: false })
    }

    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }

    /// Ends the whole group now (idempotent). The leader is not reaped before, so its id, and
    /// the group's, cannot have been given to another process.
    pub fn end(&mut self) {
        if std::mem::replace(&mut self.ended, true) {
            return;
        }
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.group)])
            .stderr(std::process::Stdio::null())
            .status();
        if let Some(record) = self.record.take() {
            std::fs::remove_file(record).ok();
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.end();
    }
}
