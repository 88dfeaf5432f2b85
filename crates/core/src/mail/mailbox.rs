//! How this instance's last look at the mailbox went, kept for the console's home page.

use std::sync::{Arc, Mutex};

/// How the last look at the mailbox went (in this instance), for the console.
#[derive(Debug, Clone)]
pub struct PollReport {
    pub at: time::OffsetDateTime,
    /// Messages handled, or why the mailbox could not be read.
    pub outcome: Result<usize, String>,
}

/// The latest [`PollReport`], shared between the poller and the console.
#[derive(Debug, Clone, Default)]
pub struct LastPoll(Arc<Mutex<Option<PollReport>>>);

impl LastPoll {
    pub fn record(&self, report: PollReport) {
        // A poisoned lock only means a panic elsewhere while writing a report: the value is
        // still a whole report (or none), so it is kept and replaced.
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(report);
    }

    pub fn latest(&self) -> Option<PollReport> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}
