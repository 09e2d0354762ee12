//! Exit statuses and the top-level error: the one place where errors become exit codes.

use crate::config::ConfigError;
use crate::init::InitError;
use crate::plan::PlanError;
use crate::report::{InputError, Merged, ReportError};
use crate::runner::{RunOutcome, SessionStatus};
use crate::venv::VenvError;

/// forge's exit status, per the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: every selected session succeeded.
    Success,
    /// 1: a session failed, or a quality gate (coverage fail-under) failed.
    Failure,
    /// 2: usage or configuration error; nothing was run.
    Usage,
    /// 3: forge itself went wrong.
    Internal,
    /// 128+N: stopped by signal N (130 for SIGINT, 143 for SIGTERM).
    Signal(i32),
}

impl ExitStatus {
    /// The status a finished run ends with: 128+N when a signal stopped it, 3 when forge failed
    /// internally, 1 when a session failed, errored or was interrupted, the run's `--timeout`
    /// expired or a report or the coverage gate failed (`reports_failed`), else 0.
    pub fn of_run(run: &RunOutcome, reports_failed: bool) -> Self {
        if let Some(signal) = run.signal {
            return ExitStatus::Signal(signal);
        }
        if run.internal_error {
            return ExitStatus::Internal;
        }
        let failed = run.timed_out
            || reports_failed
            || run
                .sessions
                .iter()
                .any(|session| session.status.is_failure() || session.status == SessionStatus::Interrupted);
        if failed { ExitStatus::Failure } else { ExitStatus::Success }
    }

    /// The status `forge report` ends with: 1 when a report could not be read or written or the
    /// coverage gate failed, else 0.
    pub fn of_reports(reports: &Merged) -> Self {
        if reports.is_clean() { ExitStatus::Success } else { ExitStatus::Failure }
    }

    /// The numeric status for the OS.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Internal => 3,
            ExitStatus::Signal(signal) => u8::try_from(128 + signal).unwrap_or(255),
        }
    }
}

/// Everything that stops forge before or instead of a normal run summary.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// sessions.toml cannot be found, read or accepted.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The selection or the `requires` graph is wrong.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A tool forge needs is missing, before anything ran (e.g. `uv` not found).
    #[error(transparent)]
    Venv(#[from] VenvError),
    /// A report could not be read or written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A `forge report` input is not a report directory, or is given twice.
    #[error(transparent)]
    ReportInput(#[from] InputError),
    /// `forge init` cannot write its file.
    #[error(transparent)]
    Init(#[from] InitError),
    /// `--changed` could not list the changed files (no git, not a work tree, a bad REF).
    #[error(transparent)]
    Git(#[from] crate::changes::GitError),
    /// `--watch` could not start watching.
    #[error(transparent)]
    Watch(#[from] crate::watch::WatchError),
    /// A usage error found after argument parsing.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// What to do instead.
        hint: Option<String>,
    },
    /// Anything unexpected: a bug or an environment problem forge cannot classify.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// The exit status this error ends the run with.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Config(_)
            | Error::Plan(_)
            | Error::Usage { .. }
            | Error::Venv(_)
            | Error::ReportInput(_)
            | Error::Git(_) => ExitStatus::Usage,
            Error::Watch(_) => ExitStatus::Internal,
            Error::Report(_) => ExitStatus::Failure,
            Error::Init(InitError::Write { .. }) => ExitStatus::Internal,
            Error::Init(_) => ExitStatus::Usage,
            Error::Internal(_) => ExitStatus::Internal,
        }
    }
}

/// The `hint:` line under an `error:` (uv's and ripgrep's shape): what to do about it, one line,
/// or `None` when there is nothing useful to say. Every boundary's error enum implements it.
pub trait Hint {
    /// The hint, if any.
    fn hint(&self) -> Option<String>;
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        let inner: &dyn Hint = match self {
            Error::Config(error) => error,
            Error::Plan(error) => error,
            Error::Venv(error) => error,
            Error::Report(error) => error,
            Error::ReportInput(error) => error,
            Error::Init(error) => error,
            Error::Git(error) => error,
            Error::Watch(error) => error,
            Error::Usage { hint, .. } => return hint.clone(),
            Error::Internal(_) => return None,
        };
        inner.hint()
    }
}
