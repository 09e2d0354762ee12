//! Why a run stops starting sessions, and what the dispatcher asks of running ones.

use std::fmt;

/// Why no new session starts. Ordered by severity: when several causes arise, the most severe
/// one is kept (a signal after `--max-fail` was reached makes the run an interrupted one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StopCause {
    /// `--max-fail N` (or `-x`, N = 1) failures were reached.
    MaxFail {
        /// The limit.
        count: usize,
    },
    /// The caller cancelled the run (a `--watch` cycle superseded by a change).
    Cancelled,
    /// The run's `--timeout` expired.
    RunTimeout,
    /// A signal (its number) arrived.
    Signal(i32),
}

impl StopCause {
    /// What a session that was never started because of this cause is told, e.g. `not started:
    /// run interrupted by SIGINT`.
    pub fn not_started(self) -> String {
        format!("not started: {self}")
    }
}

impl fmt::Display for StopCause {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopCause::MaxFail { count } => write!(formatter, "--max-fail {count} reached"),
            StopCause::Cancelled => write!(formatter, "the run was cancelled"),
            StopCause::RunTimeout => write!(formatter, "the run's --timeout expired"),
            StopCause::Signal(number) => write!(formatter, "run interrupted by {}", signal_name(*number)),
        }
    }
}

/// What the dispatcher asks of running sessions (broadcast to every executor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopRequest {
    /// Keep going.
    None,
    /// Send this signal to each session's process group, SIGKILL after the grace period.
    Terminate(i32),
    /// SIGKILL now (a second signal); carries the first signal's number.
    Kill(i32),
    /// The run's `--timeout` expired: SIGTERM, then SIGKILL after the grace period.
    RunTimeout,
}

/// "SIGINT" for 2, and so on; "signal N" for a number that names no signal.
pub fn signal_name(number: i32) -> String {
    nix::sys::signal::Signal::try_from(number)
        .map_or_else(|_| format!("signal {number}"), |signal| signal.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_ordered_by_severity() {
        assert!(StopCause::MaxFail { count: 1 } < StopCause::RunTimeout);
        assert!(StopCause::RunTimeout < StopCause::Signal(2));
        assert_eq!(StopCause::Signal(15).not_started(), "not started: run interrupted by SIGTERM");
        assert_eq!(StopCause::MaxFail { count: 2 }.not_started(), "not started: --max-fail 2 reached");
    }
}
