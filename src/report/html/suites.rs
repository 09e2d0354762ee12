//! Tests per session instance for report.html: the totals of the suites a session's JUnit files
//! became (`INSTANCE` or `INSTANCE: ORIGINAL`, see `junit`), its failed tests with message and
//! file:line, and its ten slowest testcases.

use std::time::Duration;

use quick_junit::{Report, TestCaseStatus};

use super::super::FailedTest;
use super::super::model::SessionReport;
use super::format::duration;

/// The slowest testcases shown per session.
pub const SLOWEST: usize = 10;

/// One session's tests.
#[derive(Debug, PartialEq)]
pub struct SessionTests {
    /// Instance name.
    pub name: String,
    /// `120 tests: 117 passed, 2 failed, 0 errors, 1 skipped`.
    pub totals: String,
    /// Whether any failed or errored.
    pub failing: bool,
    /// Its failed tests (of the first ones junit.xml kept, see `failures::KEPT`).
    pub failed: Vec<FailedRow>,
    /// Failed tests not listed.
    pub failed_more: usize,
    /// Its slowest testcases, slowest first.
    pub slowest: Vec<(String, String)>,
}

/// One failed test.
#[derive(Debug, PartialEq)]
pub struct FailedRow {
    /// `classname.name` or `name`.
    pub name: String,
    /// `tests/test_x.py:7`, or "".
    pub location: String,
    /// The failure's message.
    pub message: String,
}

/// Which session instance produced `suite`: the one it is named after (the longest such name,
/// as instance names may contain `:`).
fn owner<'a>(suite: &str, sessions: &'a [SessionReport]) -> Option<&'a str> {
    sessions
        .iter()
        .map(|session| session.name.as_str())
        .filter(|name| suite == *name || suite.strip_prefix(name).is_some_and(|rest| rest.starts_with(": ")))
        .max_by_key(|name| name.len())
}

/// The tests of each session instance with a tool's suite in `junit` (every suite after forge's
/// own), in plan order.
pub fn per_session(junit: Option<&Report>, failed: &[FailedTest], sessions: &[SessionReport]) -> Vec<SessionTests> {
    let Some(junit) = junit else { return Vec::new() };
    let tools = &junit.test_suites[junit.test_suites.len().min(1)..];
    let mut out = Vec::new();
    for session in sessions {
        let suites: Vec<_> =
            tools.iter().filter(|suite| owner(suite.name.as_str(), sessions) == Some(session.name.as_str())).collect();
        if suites.is_empty() {
            continue;
        }
        let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
        let mut times: Vec<(Duration, String)> = Vec::new();
        for suite in &suites {
            (tests, failures, errors, skipped) =
                (tests + suite.tests, failures + suite.failures, errors + suite.errors, skipped + suite.skipped);
            for case in &suite.test_cases {
                if let Some(time) = case.time
                    && !matches!(case.status, TestCaseStatus::Skipped { .. })
                {
                    times
                        .push((time, case_name(case.classname.as_ref().map(|name| name.as_str()), case.name.as_str())));
                }
            }
        }
        // Slowest first; equal times by name, so the page is the same for the same run.
        times.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        times.truncate(SLOWEST);
        let mine: Vec<FailedRow> = failed
            .iter()
            .filter(|test| owner(&test.suite, sessions) == Some(session.name.as_str()))
            .map(|test| FailedRow {
                name: case_name(test.classname.as_deref(), &test.name),
                location: match (&test.file, test.line) {
                    (Some(file), Some(line)) => format!("{file}:{line}"),
                    (Some(file), None) => file.clone(),
                    _ => String::new(),
                },
                message: test.message.clone(),
            })
            .collect();
        let passed = tests.saturating_sub(failures + errors + skipped);
        out.push(SessionTests {
            name: session.name.clone(),
            totals: format!("{tests} tests: {passed} passed, {failures} failed, {errors} errors, {skipped} skipped"),
            failing: failures + errors > 0,
            failed_more: (failures + errors).saturating_sub(mine.len()),
            failed: mine,
            slowest: times.into_iter().map(|(time, name)| (name, duration(time))).collect(),
        });
    }
    out
}

fn case_name(classname: Option<&str>, name: &str) -> String {
    match classname {
        Some(classname) if !classname.is_empty() => format!("{classname}.{name}"),
        _ => name.to_owned(),
    }
}
