//! What a run produced: per-session outcomes with their attempts, and the run as a whole. These
//! feed the terminal summary, junit.xml and run.json.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::Serialize;

/// A session instance's final status (the names are run.json's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    /// Every command exited 0.
    Success,
    /// A command exited non-zero.
    Failed,
    /// forge could not run it: env build failed, interpreter missing, timeout, command not found.
    Error,
    /// Not run: a requirement did not succeed, `--max-fail` was reached, or (with
    /// `--skip-missing-interpreters`) its interpreter is missing.
    Skipped,
    /// Stopped by a signal.
    Interrupted,
    /// Not run: a stored result under the same cache key was restored (outputs, reports, log).
    Cached,
    /// Not run: `--changed` found none of its inputs changed (nothing is restored).
    Unchanged,
}

impl SessionStatus {
    /// Whether a session that requires this one may start: it succeeded, was cached or unchanged.
    pub fn satisfies_requirement(self) -> bool {
        matches!(self, SessionStatus::Success | SessionStatus::Cached | SessionStatus::Unchanged)
    }

    /// Whether this counts towards `--max-fail` and exit status 1.
    pub fn is_failure(self) -> bool {
        matches!(self, SessionStatus::Failed | SessionStatus::Error)
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Success => "success",
            SessionStatus::Failed => "failed",
            SessionStatus::Error => "error",
            SessionStatus::Skipped => "skipped",
            SessionStatus::Interrupted => "interrupted",
            SessionStatus::Cached => "cached",
            SessionStatus::Unchanged => "unchanged",
        }
    }
}

/// Whether a session's env was reused or built in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvState {
    /// Up to date: nothing installed.
    Reused,
    /// Created and filled in this run.
    Built,
}

/// Where a cached result came from (run.json's `cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheSource {
    /// This machine's store.
    Local,
    /// The remote cache (then kept in the local store too).
    Remote,
}

impl CacheSource {
    /// `local` or `remote`.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheSource::Local => "local",
            CacheSource::Remote => "remote",
        }
    }
}

/// One attempt at a session (more than one with `retries`).
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// 1-based.
    pub number: u32,
    /// How it ended.
    pub status: SessionStatus,
    /// Wall time in seconds.
    #[serde(rename = "duration", serialize_with = "seconds")]
    pub duration: Duration,
    /// Exit code of the failing command, if it exited.
    pub exit_code: Option<i32>,
    /// Why it failed, if it did.
    pub message: Option<String>,
    /// The last bytes of its output (bounded), for JUnit `flakyFailure`/`rerunFailure`.
    #[serde(skip)]
    pub output_tail: Vec<u8>,
}

/// The final record of one session instance.
#[derive(Debug, Clone, Serialize)]
pub struct SessionOutcome {
    /// Instance name.
    pub name: String,
    /// Base name.
    pub session: String,
    /// Interpreter version used ("3.11.7"), when known.
    pub python: Option<String>,
    /// Final status.
    pub status: SessionStatus,
    /// Wall time in seconds, all attempts included.
    #[serde(serialize_with = "seconds")]
    pub duration: Duration,
    /// When its executor started, from the run's start (monotonic); `None` when it never
    /// started. Set by the dispatcher.
    #[serde(skip)]
    pub start: Option<Duration>,
    /// The plan instances it required, by name. Set by the dispatcher.
    #[serde(skip)]
    pub requires: Vec<String>,
    /// Exit code of the last failing command, 0 on success, absent when nothing ran.
    pub exit_code: Option<i32>,
    /// Every attempt.
    pub attempts: Vec<Attempt>,
    /// Env reuse, absent for `venv = false` or when no env was prepared.
    pub env: Option<EnvState>,
    /// Why the env was built, or (reused under `--no-install`) why it is stale.
    #[serde(skip)]
    pub env_reason: Option<crate::venv::RebuildReason>,
    /// The session log, absent when the session never started.
    pub log: Option<PathBuf>,
    /// Why it failed, errored or was skipped.
    pub message: Option<String>,
    /// Something the user should see after the summary even though the run may pass (e.g. an
    /// instance skipped under `--skip-missing-interpreters`).
    #[serde(skip)]
    pub warning: Option<String>,
    /// Processes its commands left running (outside their process group) that forge killed
    /// when it ended, e.g. `pid 4242 (sleep)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub leaked: Vec<String>,
    /// The last bytes of its output.
    #[serde(skip)]
    pub output_tail: Vec<u8>,
    /// JUnit files it declared, rendered (absolute).
    #[serde(skip)]
    pub junit: Vec<PathBuf>,
    /// Coverage files it declared, rendered (absolute).
    #[serde(skip)]
    pub coverage: Vec<PathBuf>,
    /// Its cache key's digest, for a session with `inputs` (the sessions requiring it hash it
    /// into theirs).
    #[serde(skip)]
    pub cache_key: Option<String>,
    /// What the cache said: `cached`, or why the session ran (`input src/a.py changed`).
    #[serde(skip)]
    pub cache_verdict: Option<String>,
    /// For a `cached` instance, which cache restored it.
    #[serde(skip)]
    pub cache_source: Option<CacheSource>,
}

impl SessionOutcome {
    /// An outcome for an instance that never started.
    pub fn not_run(name: &str, session: &str, status: SessionStatus, message: String) -> Self {
        Self {
            name: name.to_owned(),
            session: session.to_owned(),
            python: None,
            status,
            duration: Duration::ZERO,
            start: None,
            requires: Vec::new(),
            exit_code: None,
            attempts: Vec::new(),
            env: None,
            env_reason: None,
            log: None,
            message: Some(message),
            warning: None,
            leaked: Vec::new(),
            output_tail: Vec::new(),
            junit: Vec::new(),
            coverage: Vec::new(),
            cache_key: None,
            cache_verdict: None,
            cache_source: None,
        }
    }

    /// Passed after at least one failed attempt.
    pub fn is_flaky(&self) -> bool {
        self.status == SessionStatus::Success && self.attempts.len() > 1
    }
}

/// A finished (or interrupted) run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// When the run started.
    pub started: SystemTime,
    /// When it ended.
    pub finished: SystemTime,
    /// How long it took, from a monotonic clock (a wall-clock step during the run does not change
    /// it).
    pub duration: Duration,
    /// Outcomes in plan order.
    pub sessions: Vec<SessionOutcome>,
    /// The signal that interrupted the run, if one did.
    pub signal: Option<i32>,
    /// Whether the run's `--timeout` expired.
    pub timed_out: bool,
    /// Whether forge itself failed while running a session (exit status 3).
    pub internal_error: bool,
    /// What the remote cache did, when one was configured (set once uploads are done).
    pub remote_cache: Option<crate::cache::RemoteSummary>,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((duration.as_secs_f64() * 1000.0).round() / 1000.0)
}
