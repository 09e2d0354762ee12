//! `history.jsonl` beside the reports: one JSON line per run, the last [`KEPT`] shown, for the
//! trends of `report.html`. Read leniently (a corrupt line is skipped with a warning: history is
//! a nicety, never a reason to fail a run). A run appends its line; the file is rewritten whole
//! (the last [`KEPT`], through a temporary file and a rename) only once it holds twice that many,
//! or a line of it is not an entry. Both happen under the reports directory's lock, so two runs
//! never interleave their lines.

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

/// Reads `dir`'s history (none yet is empty) and records `entry` in it; returns the last
/// [`KEPT`] entries, `entry` last, and the warnings met reading.
///
/// The line is appended, which costs a run one small write instead of rewriting the file, unless
/// the file holds [`KEPT`] × 2 entries, has a line that is no entry (so its warning is shown once)
/// or does not end with a newline (a run killed mid-write): then it is rewritten with the last
/// [`KEPT`].
///
/// # Errors
/// The history could not be written (the entries are still returned, for the page).
pub fn record(dir: &Path, entry: HistoryEntry) -> (Vec<HistoryEntry>, Vec<String>, Option<ReportError>) {
    let path = dir.join(HISTORY_FILE);
    let (mut entries, mut warnings, appendable) = match read_regular(&path, REPORT_FILE_LIMIT) {
        Ok(bytes) => {
            let (entries, warnings) = parse(&String::from_utf8_lossy(&bytes));
            let appendable = warnings.is_empty() && bytes.last().is_none_or(|&last| last == b'\n');
            (entries, warnings, appendable)
        }
        Err(error) if error.is_not_found() => (Vec::new(), Vec::new(), true),
        Err(error) => (Vec::new(), vec![format!("{HISTORY_FILE} not read ({error}); it starts anew")], false),
    };
    // A derived Serialize of strings and numbers cannot fail.
    let line = |entry: &HistoryEntry| {
        let mut bytes = serde_json::to_vec(entry).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    };
    let rewrite = || {
        let kept = &entries[entries.len().saturating_sub(KEPT - 1)..];
        let bytes: Vec<u8> = kept.iter().chain([&entry]).flat_map(line).collect();
        write_atomically(&path, &bytes)
    };
    // An append that fails (a symlink there) falls back to replacing the file.
    let appended = appendable && entries.len() < 2 * KEPT && append(&path, &line(&entry)).is_ok();
    let problem = if appended { None } else { rewrite().err() };
    entries.push(entry);
    entries.drain(..entries.len().saturating_sub(KEPT));
    warnings.truncate(10);
    (entries, warnings, problem)
}

/// Appends `line` to the history at `path`, creating it. A symlink there is not followed: the
/// file is forge's own, and [`record`] then replaces the link with a file.
fn append(path: &Path, line: &[u8]) -> Result<(), ReportError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
        .and_then(|mut file| file.write_all(line))
        .map_err(|source| ReportError::Write { path: path.to_path_buf(), source })
}

/// Reads `dir`'s history without changing it (for `forge report`, which records no run).
pub fn read(dir: &Path) -> (Vec<HistoryEntry>, Vec<String>) {
    let (mut entries, warnings) = match read_regular(&dir.join(HISTORY_FILE), REPORT_FILE_LIMIT) {
        Ok(bytes) => parse(&String::from_utf8_lossy(&bytes)),
        Err(_) => (Vec::new(), Vec::new()),
    };
    entries.drain(..entries.len().saturating_sub(KEPT));
    (entries, warnings)
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
    fn the_last_hundred_are_shown_oldest_first_and_the_file_is_trimmed_at_twice_that() {
        let dir = tempfile::tempdir().unwrap();
        let lines = || std::fs::read_to_string(dir.path().join(HISTORY_FILE)).unwrap().lines().count();
        for run in 0..2 * KEPT {
            let (entries, warnings, problem) = record(dir.path(), entry(run as f64));
            assert!(warnings.is_empty() && problem.is_none());
            assert_eq!(entries.len(), (run + 1).min(KEPT));
            assert_eq!(entries.last().unwrap().duration, run as f64);
            assert_eq!(lines(), run + 1, "appended");
        }
        let (entries, _) = read(dir.path());
        assert_eq!(entries.len(), KEPT);
        assert_eq!((entries[0].duration, entries[99].duration), (100.0, 199.0));
        // The 201st run rewrites the file with the last hundred, itself included.
        let (entries, _, _) = record(dir.path(), entry(200.0));
        assert_eq!((entries.len(), entries[0].duration, entries[99].duration), (KEPT, 101.0, 200.0));
        assert_eq!(lines(), KEPT);
        assert_eq!(read(dir.path()).0, entries);
    }

    #[test]
    fn a_corrupt_or_unterminated_history_is_rewritten_so_its_warning_shows_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(HISTORY_FILE);
        let good = serde_json::to_string(&entry(1.0)).unwrap();
        std::fs::write(&path, format!("{good}\n{{not json\n")).unwrap();
        let (entries, warnings, _) = record(dir.path(), entry(2.0));
        assert_eq!((entries.len(), warnings.len()), (2, 1));
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2, "the corrupt line is gone");
        assert!(record(dir.path(), entry(3.0)).1.is_empty());
        // Cut mid-line (a run killed while appending): the partial line is dropped.
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &text[..text.len() - 5]).unwrap();
        let (entries, warnings, _) = record(dir.path(), entry(4.0));
        assert_eq!(warnings.len(), 1);
        assert_eq!(entries.iter().map(|entry| entry.duration).collect::<Vec<_>>(), [1.0, 2.0, 4.0]);
        let (entries, warnings) = read(dir.path());
        assert!(warnings.is_empty());
        assert_eq!(entries.len(), 3);
    }

    #[test]
    fn a_history_that_cannot_be_read_starts_anew_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(HISTORY_FILE)).unwrap();
        let (entries, warnings, problem) = record(dir.path(), entry(1.0));
        assert_eq!(entries.len(), 1);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("history.jsonl not read ("), "{warnings:?}");
        // A directory there is not forge's to replace: the write fails and says so.
        assert!(problem.is_some());
        assert!(dir.path().join(HISTORY_FILE).is_dir());
    }

    #[test]
    fn a_symlink_planted_as_the_history_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        let planted = format!("{}\n", serde_json::to_string(&entry(1.0)).unwrap());
        std::fs::write(&target, &planted).unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(HISTORY_FILE)).unwrap();
        let (entries, warnings, problem) = record(dir.path(), entry(2.0));
        assert!(warnings.is_empty() && problem.is_none(), "{problem:?}");
        assert_eq!(entries.len(), 2);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), planted, "the link's target is untouched");
        assert!(!dir.path().join(HISTORY_FILE).is_symlink(), "the link was replaced by forge's file");
    }
}
