//! `run.json`: the run as data for scripts.

use std::path::Path;

use serde::Serialize;

use super::{ReportError, write_atomically};
use crate::runner::{RunOutcome, SessionOutcome};

#[derive(Serialize)]
struct RunJson<'a> {
    forge_version: &'static str,
    /// RFC 3339, UTC.
    start: String,
    /// RFC 3339, UTC.
    end: String,
    /// Seconds.
    duration: f64,
    /// `null`, or the signal that interrupted the run ("SIGINT").
    interrupted_by: Option<String>,
    timed_out: bool,
    sessions: &'a [SessionOutcome],
}

/// Writes `run.json` into `reports_dir`.
///
/// # Errors
/// [`ReportError::Write`].
pub fn write_run_json(reports_dir: &Path, run: &RunOutcome) -> Result<(), ReportError> {
    let document = RunJson {
        forge_version: env!("CARGO_PKG_VERSION"),
        start: humantime::format_rfc3339_millis(run.started).to_string(),
        end: humantime::format_rfc3339_millis(run.finished).to_string(),
        duration: (run.duration.as_secs_f64() * 1000.0).round() / 1000.0,
        interrupted_by: run.signal.map(crate::runner::signal_name),
        timed_out: run.timed_out,
        sessions: &run.sessions,
    };
    let mut text = serde_json::to_vec_pretty(&document).unwrap_or_default();
    text.push(b'\n');
    write_atomically(&reports_dir.join("run.json"), &text)
}
