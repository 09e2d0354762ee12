//! What `--watch` says between runs: that it waits, what changed and what re-runs, that it ended.

use std::io::Write;
use std::path::PathBuf;

use super::style::{BOLD, DIM};

/// How many changed paths a line names before `and N more`.
const SHOWN: usize = 5;

/// `[watch] waiting for changes (Ctrl-C ends the watch)`.
pub fn print_watching() {
    let _ = writeln!(anstream::stderr(), "{DIM}[watch] waiting for changes (Ctrl-C ends the watch){DIM:#}");
}

/// `[watch] changed: a.py, b.py → re-running: lint, test`, or, when `rerun` is empty, that the
/// change affects no selected session.
pub fn print_watch_change(changed: &[PathBuf], rerun: &[&str]) {
    let mut names: Vec<String> = changed.iter().take(SHOWN).map(|path| path.display().to_string()).collect();
    if changed.len() > SHOWN {
        names.push(format!("and {} more", changed.len() - SHOWN));
    }
    let what = if rerun.is_empty() {
        "no selected session depends on it".to_owned()
    } else {
        format!("re-running: {BOLD}{}{BOLD:#}", rerun.join(", "))
    };
    let _ = writeln!(anstream::stderr(), "[watch] changed: {} → {what}", names.join(", "));
}

/// `[watch] stopped; the last run's reports are in place`.
pub fn print_watch_stopped() {
    let _ = writeln!(anstream::stderr(), "[watch] stopped; the last run's reports are in place");
}
