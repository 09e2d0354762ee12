//! `history.jsonl` beside the reports: one JSON line per run, the last [`KEPT`] kept, for the
//! trends of `report.html`. Read leniently (a corrupt line is skipped with a warning: history is
//! a nicety, never a reason to fail a run) and rewritten whole through a temporary file and a
//! rename, under the reports directory's lock, so two runs never interleave their lines.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::model::RunReport;
use super::{Merged, ReportError, write_atomically};
use crate::input_file::{REPORT_FILE_LIMIT, read_regular};

/// The file name, in the reports directory.
pub const HISTORY_FILE: &str = "history.jsonl";
/// The most runs kept (Allure keeps 20 by default; 100 covers a few weeks of CI).
pub const KEPT: usize = 100;

/// One run, as the trends need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When the run started; RFC 3339 in UTC.
    pub start: String,
    /// Wall time in seconds.
    pub duration: f64,
    /// `passed`, `failed`, `interrupted` or `timed out` (see [`verdict`]).
    pub verdict: String,
    /// The `--profile` applied, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Merged line coverage in percent, when measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
    /// Every session instance: name, status, seconds.
    #[serde(default)]
    pub sessions: Vec<SessionEntry>,
}

/// One session instance of a [`HistoryEntry`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEntry {
    /// Instance name.
    pub name: String,
    /// Its status, as in run.json (`success`, `failed`…, and statuses of later forges).
    pub status: String,
    /// Wall time in seconds.
    pub duration: f64,
}

/// The run's verdict, as its exit status says it: `interrupted` by a signal, `timed out` by
/// `--timeout`, `failed` when a session failed or errored, the coverage gate failed or a report
/// could not be written, else `passed` (cached and unchanged sessions pass).
pub fn verdict(run: &RunReport, merged: &Merged) -> &'static str {
    if run.interrupted_by.is_some() {
        "interrupted"
    } else if run.timed_out {
        "timed out"
    } else if run.sessions.iter().any(|session| is_failure(session.status.as_str()))
        || merged.gate_failure.is_some()
        || !merged.problems.is_empty()
    {
        "failed"
    } else {
        "passed"
    }
}

/// Whether a status (run.json's name) fails the run.
pub fn is_failure(status: &str) -> bool {
    matches!(status, "failed" | "error")
}

impl HistoryEntry {
    /// The entry of `run` as `merged` describes its reports.
    pub fn of_run(run: &RunReport, merged: &Merged) -> Self {
        Self {
            start: humantime::format_rfc3339_millis(run.start).to_string(),
            duration: rounded(run.duration.as_secs_f64()),
            verdict: verdict(run, merged).to_owned(),
            profile: run.profile.clone(),
            coverage: merged.coverage.map(|total| rounded(total.percent())),
            sessions: run
                .sessions
                .iter()
                .map(|session| SessionEntry {
                    name: session.name.clone(),
                    status: session.status.as_str().to_owned(),
                    duration: rounded(session.duration.as_secs_f64()),
                })
                .collect(),
        }
    }
}

fn rounded(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// The entries of `text`, oldest first, and a warning per line that is not one (1-based).
pub fn parse(text: &str) -> (Vec<HistoryEntry>, Vec<String>) {
    let (mut entries, mut warnings) = (Vec::new(), Vec::new());
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(entry) => entries.push(entry),
            Err(error) => warnings.push(format!("{HISTORY_FILE} line {} skipped: {error}", index + 1)),
        }
    }
    (entries, warnings)
}

/// Reads `dir`'s history (none yet is empty), appends `entry`, keeps the last [`KEPT`] and writes
/// it back atomically; returns the entries written and the warnings met reading.
///
/// # Errors
/// The history could not be written (the entries are still returned, for the page).
pub fn record(dir: &Path, entry: HistoryEntry) -> (Vec<HistoryEntry>, Vec<String>, Option<ReportError>) {
    let path = dir.join(HISTORY_FILE);
    let (mut entries, mut warnings) = match read_regular(&path, REPORT_FILE_LIMIT) {
        Ok(bytes) => parse(&String::from_utf8_lossy(&bytes)),
        Err(error) if error.is_not_found() => (Vec::new(), Vec::new()),
        Err(error) => (Vec::new(), vec![format!("{HISTORY_FILE} not read ({error}); it starts anew")]),
    };
    entries.push(entry);
    let excess = entries.len().saturating_sub(KEPT);
    entries.drain(..excess);
    let mut bytes = Vec::new();
    for entry in &entries {
        // A derived Serialize of strings and numbers cannot fail.
        bytes.extend(serde_json::to_vec(entry).unwrap_or_default());
        bytes.push(b'\n');
    }
    let problem = write_atomically(&path, &bytes).err();
    warnings.truncate(10);
    (entries, warnings, problem)
}

/// Reads `dir`'s history without changing it (for `forge report`, which records no run).
pub fn read(dir: &Path) -> (Vec<HistoryEntry>, Vec<String>) {
    match read_regular(&dir.join(HISTORY_FILE), REPORT_FILE_LIMIT) {
        Ok(bytes) => parse(&String::from_utf8_lossy(&bytes)),
        Err(_) => (Vec::new(), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(duration: f64) -> HistoryEntry {
        HistoryEntry {
            start: "2026-01-01T00:00:00.000Z".into(),
            duration,
            verdict: "passed".into(),
            profile: None,
            coverage: Some(80.0),
            sessions: vec![SessionEntry { name: "test".into(), status: "success".into(), duration }],
        }
    }

    #[test]
    fn a_corrupt_line_is_skipped_with_a_warning() {
        let good = serde_json::to_string(&entry(1.0)).unwrap();
        let text = format!("{good}\n{{not json\n\n{good}\n");
        let (entries, warnings) = parse(&text);
        assert_eq!(entries.len(), 2);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("history.jsonl line 2 skipped: "), "{warnings:?}");
    }

    #[test]
    fn the_last_hundred_are_kept_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        for run in 0..105 {
            let (entries, warnings, problem) = record(dir.path(), entry(f64::from(run)));
            assert!(warnings.is_empty() && problem.is_none());
            assert_eq!(entries.len(), (run as usize + 1).min(KEPT));
        }
        let (entries, _) = read(dir.path());
        assert_eq!(entries.len(), KEPT);
        assert_eq!((entries[0].duration, entries[99].duration), (5.0, 104.0));
        let text = std::fs::read_to_string(dir.path().join(HISTORY_FILE)).unwrap();
        assert_eq!(text.lines().count(), KEPT);
    }
}
