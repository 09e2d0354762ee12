//! Events the runner emits while it works. The reporter consumes them synchronously, in order.

use super::{SessionOutcome, SessionStatus};
use crate::venv::RebuildReason;

/// What is happening to a session's env.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvProgress {
    /// Another process holds the env's lock; waiting for it.
    WaitingForLock,
    /// Up to date: nothing to install.
    Reused,
    /// `--no-install`: used as it is although it is out of date, for this reason.
    ReusedStale(RebuildReason),
    /// Being built (interpreter version), for this reason.
    Building(String, RebuildReason),
    /// Built.
    Built,
}

/// One thing that happened in a run.
#[derive(Debug, Clone)]
pub enum Event {
    /// The run begins: the plan's instances (names in plan order; events name them by index),
    /// at most `jobs` at once.
    RunStarted {
        /// Instance names, indexed as the plan is.
        names: Vec<String>,
        /// Parallelism.
        jobs: usize,
    },
    /// An instance started (index into the plan).
    SessionStarted {
        /// Plan index.
        index: usize,
    },
    /// Env progress of an instance.
    Env {
        /// Plan index.
        index: usize,
        /// What happened.
        progress: EnvProgress,
    },
    /// A command (or uv step) is about to run.
    CommandStarted {
        /// Plan index.
        index: usize,
        /// The command after substitution, shell-quoted.
        command: String,
    },
    /// Output of an instance (stdout and stderr interleaved as they arrived).
    Output {
        /// Plan index.
        index: usize,
        /// Raw bytes, possibly not UTF-8.
        bytes: Vec<u8>,
    },
    /// An attempt failed and the session will be retried after `delay_seconds`.
    Retrying {
        /// Plan index.
        index: usize,
        /// The attempt that failed (1-based).
        attempt: u32,
        /// How it failed.
        status: SessionStatus,
        /// Back-off before the next attempt, in seconds.
        delay_seconds: f64,
    },
    /// An instance finished (or was skipped without starting).
    SessionFinished {
        /// Plan index.
        index: usize,
        /// Its record.
        outcome: Box<SessionOutcome>,
    },
    /// A signal arrived; `count` is how many so far (the second kills at once).
    Signal {
        /// Signal number.
        signal: i32,
        /// Signals received so far.
        count: usize,
    },
    /// The run's `--timeout` expired.
    RunTimedOut,
    /// `--max-fail` was reached: no new session starts.
    MaxFailReached {
        /// The limit.
        count: usize,
    },
}
