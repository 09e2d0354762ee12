//! `--last-failed` (`--lf`): the instances that failed, errored or were interrupted in the
//! previous run of this project, read from its `run.json`.
//!
//! pytest's `--lf` runs everything when it has no record of a previous run (its
//! `--last-failed-no-failures all` default); forge does the same for a missing or unreadable
//! run.json, and says so, so that `forge --lf` in a fresh checkout is a normal run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::input_file::{REPORT_FILE_LIMIT, read_regular};
use crate::report::RUN_FILE;
use crate::report::model::{RunReport, Status};

/// What the previous run says `--lf` starts from.
#[derive(Debug, Clone, PartialEq)]
pub enum LastFailed {
    /// The instance names that failed, errored or were interrupted (at least one), and when that
    /// run started.
    Failed {
        /// Instance names, sorted.
        names: BTreeSet<String>,
        /// The previous run's start.
        started: SystemTime,
    },
    /// The previous run (started then) had no such instance.
    NoneFailed {
        /// The previous run's start.
        started: SystemTime,
    },
    /// There is no previous run.json at this path.
    NoRecord {
        /// run.json's path.
        path: PathBuf,
    },
    /// The run.json at `path` cannot be read as one (a FIFO, too large, another tool's JSON, a
    /// newer format): `message` says why.
    Unreadable {
        /// run.json's path.
        path: PathBuf,
        /// Why, one line.
        message: String,
    },
}

/// Reads the previous run from `reports_dir/run.json`, with `input_file`'s limits (regular files
/// only, a size cap, never blocking on a FIFO).
pub fn read(reports_dir: &Path) -> LastFailed {
    let path = reports_dir.join(RUN_FILE);
    match read_regular(&path, REPORT_FILE_LIMIT) {
        Err(error) if error.is_not_found() => LastFailed::NoRecord { path },
        Err(error) => LastFailed::Unreadable { path, message: error.to_string() },
        Ok(bytes) => match RunReport::from_json(&bytes) {
            Ok(run) => from_report(&run),
            Err(message) => LastFailed::Unreadable { path, message },
        },
    }
}

/// The instances of `run` that `--lf` starts from: `failed`, `error` or `interrupted` ones.
/// Skipped instances are not among them: they never ran, and the failure that skipped them is.
pub fn from_report(run: &RunReport) -> LastFailed {
    let names: BTreeSet<String> = run
        .sessions
        .iter()
        .filter(|session| matches!(session.status, Status::Failed | Status::Error | Status::Interrupted))
        .map(|session| session.name.clone())
        .collect();
    if names.is_empty() {
        LastFailed::NoneFailed { started: run.start }
    } else {
        LastFailed::Failed { names, started: run.start }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::report::model::{FORMAT_VERSION, SessionReport};

    fn session(name: &str, status: Status) -> SessionReport {
        SessionReport {
            name: name.into(),
            session: name.into(),
            python: None,
            status,
            start_offset: None,
            duration: Duration::ZERO,
            requires: Vec::new(),
            exit_code: None,
            attempts: Vec::new(),
            env: None,
            log: None,
            message: None,
            leaked: Vec::new(),
            cache: None,
            setup_output: String::new(),
            junit: Vec::new(),
            coverage: Vec::new(),
        }
    }

    fn run(sessions: Vec<SessionReport>) -> RunReport {
        RunReport {
            format_version: FORMAT_VERSION,
            forge_version: "0.1.0".into(),
            start: SystemTime::UNIX_EPOCH + Duration::from_secs(60),
            end: SystemTime::UNIX_EPOCH + Duration::from_secs(61),
            duration: Duration::from_secs(1),
            interrupted_by: None,
            timed_out: false,
            profile: None,
            merged_from: Vec::new(),
            remote_cache: None,
            sessions,
        }
    }

    #[test]
    fn failed_errored_and_interrupted_instances_are_kept_others_not() {
        let previous = run(vec![
            session("lint", Status::Success),
            session("test-3.12", Status::Failed),
            session("types", Status::Error),
            session("slow", Status::Interrupted),
            session("docs", Status::Skipped),
        ]);
        let LastFailed::Failed { names, started } = from_report(&previous) else { panic!("failed ones") };
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["slow", "test-3.12", "types"]);
        assert_eq!(started, previous.start);
    }

    #[test]
    fn a_run_without_failures_is_none_failed() {
        let previous = run(vec![session("lint", Status::Success), session("docs", Status::Skipped)]);
        assert_eq!(from_report(&previous), LastFailed::NoneFailed { started: previous.start });
    }

    #[test]
    fn missing_foreign_and_special_files_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read(dir.path()), LastFailed::NoRecord { path } if path == dir.path().join(RUN_FILE)));
        std::fs::write(dir.path().join(RUN_FILE), b"{\"sessions\": 3}").unwrap();
        let LastFailed::Unreadable { message, .. } = read(dir.path()) else { panic!("foreign JSON") };
        assert!(message.contains("not a forge run.json"), "{message}");
        std::fs::remove_file(dir.path().join(RUN_FILE)).unwrap();
        std::fs::create_dir(dir.path().join(RUN_FILE)).unwrap();
        let LastFailed::Unreadable { message, .. } = read(dir.path()) else { panic!("a directory") };
        assert!(message.contains("directory"), "{message}");
    }

    #[test]
    fn a_written_run_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let previous = run(vec![session("test", Status::Failed)]);
        std::fs::write(dir.path().join(RUN_FILE), previous.to_json()).unwrap();
        assert!(matches!(read(dir.path()), LastFailed::Failed { names, .. } if names.contains("test")));
    }
}
