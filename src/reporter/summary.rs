//! The summary printed after every run: one line per session and how to re-run each failure.

use std::io::Write;

use crate::error::Hint as _;

use super::display::status_line;
use super::style::{BOLD, ERROR, SUCCESS};
use crate::report::{Merged, TestCounts};
use crate::runner::{CacheSource, RunOutcome, SessionStatus};

/// Prints the summary to stderr: the session counts; the tools' test counts merged over every
/// session (`908 tests: 905 passed, 3 failed`, what one test run would have said) and the coverage
/// total, from the written `reports`; a line per session that did not simply pass; and the
/// command that re-runs each failure alone (`rerun_prefix -s NAME --no-deps rerun_suffix`, e.g.
/// `forge -f ci/sessions.toml` and ` -- -k slow`).
pub fn print_summary(run: &RunOutcome, (rerun_prefix, rerun_suffix): (&str, &str), reports: &Merged) {
    let mut stderr = anstream::stderr().lock();
    let count = |status: SessionStatus| run.sessions.iter().filter(|outcome| outcome.status == status).count();
    let elapsed = run.duration.as_secs_f64();
    let mut parts = vec![format!("{} succeeded", count(SessionStatus::Success))];
    for (status, word) in [
        (SessionStatus::Failed, "failed"),
        (SessionStatus::Error, "errored"),
        (SessionStatus::Skipped, "skipped"),
        (SessionStatus::Interrupted, "interrupted"),
        (SessionStatus::Cached, "cached"),
        (SessionStatus::Unchanged, "unchanged"),
    ] {
        if status == SessionStatus::Cached && run.remote_cache.is_some() {
            // With a remote cache, where each hit came from.
            for source in [CacheSource::Remote, CacheSource::Local] {
                let hits = run.sessions.iter().filter(|outcome| outcome.cache_source == Some(source)).count();
                if hits > 0 {
                    parts.push(format!("{hits} cached ({})", source.as_str()));
                }
            }
        } else if count(status) > 0 {
            parts.push(format!("{} {word}", count(status)));
        }
    }
    let flaky = run.sessions.iter().filter(|outcome| outcome.is_flaky()).count();
    if flaky > 0 {
        parts.push(format!("{flaky} flaky"));
    }
    let style =
        if run.sessions.iter().any(|outcome| !outcome.status.satisfies_requirement()) { ERROR } else { SUCCESS };
    let _ = writeln!(stderr, "────────────");
    let elapsed = format!(" [{elapsed:>7.3}s] ");
    let _ = writeln!(
        stderr,
        "{style}    Summary{style:#}{elapsed}{} session{}: {}",
        run.sessions.len(),
        if run.sessions.len() == 1 { "" } else { "s" },
        parts.join(", ")
    );
    // Under the session counts.
    let indent = " ".repeat("    Summary".len() + elapsed.len());
    if let Some(tests) = reports.tests {
        let _ = writeln!(stderr, "{indent}{}", test_counts(tests));
    }
    if let Some(total) = reports.coverage {
        let _ = writeln!(stderr, "{indent}coverage: {}/{} lines, {:.2}%", total.covered, total.valid, total.percent());
    }
    if let Some(remote) = &run.remote_cache {
        let _ = writeln!(stderr, "{indent}remote cache: {}", remote.counts());
    }
    // As nextest does: the sessions that need a look (each finished session already had its line).
    for outcome in run
        .sessions
        .iter()
        .filter(|outcome| !outcome.status.satisfies_requirement() || outcome.is_flaky() || !outcome.leaked.is_empty())
    {
        let _ = writeln!(stderr, "{}", status_line(outcome));
    }
    let failures: Vec<&str> = run
        .sessions
        .iter()
        .filter(|outcome| outcome.status.is_failure() || outcome.status == SessionStatus::Interrupted)
        .map(|outcome| outcome.name.as_str())
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(
            stderr,
            "To re-run {}:",
            if failures.len() == 1 { "the failure alone" } else { "each failure alone" }
        );
        for name in failures {
            let name = shlex::try_quote(name).unwrap_or_default();
            let _ = writeln!(stderr, "  {BOLD}{rerun_prefix} -s {name} --no-deps{rerun_suffix}{BOLD:#}");
        }
    }
}

/// `908 tests: 905 passed, 3 failed, 1 errored, 2 skipped` (counts of 0 left out, but passed).
pub(super) fn test_counts(counts: TestCounts) -> String {
    let mut parts = vec![format!("{} passed", counts.passed())];
    for (count, word) in [(counts.failures, "failed"), (counts.errors, "errored"), (counts.skipped, "skipped")] {
        if count > 0 {
            parts.push(format!("{count} {word}"));
        }
    }
    format!("{} test{}: {}", counts.tests, if counts.tests == 1 { "" } else { "s" }, parts.join(", "))
}

/// Prints the merged junit.xml's counts on stdout (`forge report`).
pub fn print_junit_counts(reports: &Merged) {
    if let Some(counts) = reports.junit {
        let (tests, failures, errors, skipped) = (counts.tests, counts.failures, counts.errors, counts.skipped);
        let _ = writeln!(
            anstream::stdout(),
            "junit.xml: {tests} tests, {failures} failures, {errors} errors, {skipped} skipped"
        );
    }
}

/// Prints the coverage `TOTAL` line on stdout (the form CI coverage regexes read), the gate's
/// verdict and every report that could not be read or written.
pub fn print_reports(reports: &Merged) {
    if let Some(total) = reports.coverage {
        let _ = writeln!(anstream::stdout(), "TOTAL {}/{} lines {:.2}%", total.covered, total.valid, total.percent());
    }
    if let Some(failure) = &reports.gate_failure {
        let _ = writeln!(anstream::stderr(), "{ERROR}error:{ERROR:#} {failure}");
    }
    for problem in &reports.problems {
        super::diagnostic::print_diagnostic(&problem.to_string(), &[], problem.hint().as_deref());
    }
    for warning in &reports.warnings {
        super::diagnostic::print_warning(warning);
    }
}
