//! `junit.xml`: forge's own testsuite plus every JUnit file the sessions declared, merged, written
//! with `quick-junit`.
//!
//! Each merged suite is renamed `INSTANCE: ORIGINAL` (or `INSTANCE`) so that the same test run by
//! two sessions stays two results; counts are always recomputed from the testcases.

mod read;
mod sessions;

pub use read::{parse_junit, parse_time, read_junit};
pub use sessions::{CLASSNAME, session_case};

use std::path::PathBuf;

use quick_junit::{Report, TestSuite};

use super::model::RunReport;
use super::{ReportError, TestCounts};

/// The `<property>` of forge's suite that names the `--profile` applied.
pub const PROFILE_PROPERTY: &str = "forge.profile";

/// The name of forge's own suite (and of the `<testsuites>` root).
pub const FORGE_SUITE: &str = "forge";

/// Builds the run's JUnit report: `<testsuite name="forge">` first, then each session's declared
/// suites in plan order. A declared file that is missing is noted in its session's testcase; one
/// that cannot be read or parsed is also returned as a problem.
pub fn run_report(run: &RunReport) -> (Report, Vec<ReportError>) {
    let mut problems = Vec::new();
    let mut forge = TestSuite::new(FORGE_SUITE);
    let mut merged = Vec::new();
    for session in &run.sessions {
        let mut notes = Vec::new();
        if session.ran() {
            for path in &session.junit {
                match read_junit(path) {
                    Ok(Some(suites)) => merged.extend(suites.into_iter().map(|suite| renamed(suite, &session.name))),
                    Ok(None) => notes.push(format!("declared JUnit file {} was not written", path.display())),
                    Err(problem) => {
                        notes.push(format!(
                            "declared JUnit file {} could not be read: {}",
                            path.display(),
                            reason(&problem)
                        ));
                        problems.push(problem);
                    }
                }
            }
        }
        forge.add_test_case(session_case(session, &notes));
    }
    forge.set_time(run.duration);
    if let Some(profile) = &run.profile {
        forge.add_property(quick_junit::Property::new(PROFILE_PROPERTY, profile.as_str()));
    }
    (assemble(forge, merged), problems)
}

/// Why a JUnit file could not be read, without its path (the note names it already).
fn reason(problem: &ReportError) -> String {
    match problem {
        ReportError::Read { message, .. } => message.clone(),
        ReportError::Unreadable { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// Merges forge `junit.xml` files (from `forge report`): their `forge` suites become one, other
/// suites are kept in input order. Unreadable inputs are returned as problems.
pub fn merge_files(paths: &[PathBuf]) -> (Report, Vec<ReportError>) {
    let mut problems = Vec::new();
    let mut forge = TestSuite::new(FORGE_SUITE);
    let mut forge_time = std::time::Duration::ZERO;
    let mut merged = Vec::new();
    for path in paths {
        match read_junit(path) {
            Ok(None) => problems.push(ReportError::Read { path: path.clone(), message: "it no longer exists".into() }),
            Ok(Some(suites)) => {
                for suite in suites {
                    if suite.name.as_str() == FORGE_SUITE {
                        forge_time += suite.time.unwrap_or_default();
                        forge.add_test_cases(suite.test_cases);
                    } else {
                        merged.push(suite);
                    }
                }
            }
            Err(problem) => problems.push(problem),
        }
    }
    forge.set_time(forge_time);
    (assemble(forge, merged), problems)
}

/// `report` as XML bytes.
///
/// # Errors
/// What quick-junit said (it writes to memory, so only a malformed report can fail).
pub fn to_bytes(report: &Report) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    report.serialize(&mut bytes).map_err(|error| error.to_string())?;
    Ok(bytes)
}

/// The counts of the whole report and of the tools' suites alone (all but forge's own, which
/// [`run_report`] and [`merge_files`] put first); the latter `None` when there are none.
pub fn counts(report: &Report) -> (TestCounts, Option<TestCounts>) {
    let all =
        TestCounts { tests: report.tests, failures: report.failures, errors: report.errors, skipped: report.skipped };
    let tools = &report.test_suites[report.test_suites.len().min(1)..];
    let tools = (!tools.is_empty()).then(|| {
        tools.iter().fold(TestCounts::default(), |sum, suite| TestCounts {
            tests: sum.tests + suite.tests,
            failures: sum.failures + suite.failures,
            errors: sum.errors + suite.errors,
            skipped: sum.skipped + suite.skipped,
        })
    });
    (all, tools)
}

fn assemble(forge: TestSuite, merged: Vec<TestSuite>) -> Report {
    let mut report = Report::new(FORGE_SUITE);
    let time = forge.time.unwrap_or_default();
    report.add_test_suite(forge);
    report.add_test_suites(merged);
    report.set_time(time);
    report
}

/// `suite` renamed after the session instance that produced it, counts recomputed.
fn renamed(suite: TestSuite, instance: &str) -> TestSuite {
    let name = if suite.name.as_str().is_empty() {
        instance.to_owned()
    } else {
        format!("{instance}: {}", suite.name.as_str())
    };
    let mut out = TestSuite::new(name);
    out.time = suite.time;
    out.properties = suite.properties;
    out.system_out = suite.system_out;
    out.system_err = suite.system_err;
    out.add_test_cases(suite.test_cases);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::from_outcome;
    use crate::runner::{Attempt, RunOutcome, SessionOutcome, SessionStatus};
    use std::time::{Duration, SystemTime};

    fn outcome(name: &str, status: SessionStatus) -> SessionOutcome {
        let mut outcome = SessionOutcome::not_run(name, name, status, String::new());
        outcome.message = None;
        outcome
    }

    fn attempt(number: u32, status: SessionStatus, tail: &[u8]) -> Attempt {
        Attempt {
            number,
            status,
            duration: Duration::from_millis(10),
            exit_code: Some(i32::from(status != SessionStatus::Success)),
            message: None,
            output_tail: tail.to_vec(),
        }
    }

    #[test]
    fn sessions_become_testcases_and_declared_suites_are_renamed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let declared = dir.path().join("pytest.xml");
        std::fs::write(&declared, r#"<testsuites><testsuite name="pytest" tests="7"><testcase classname="m" name="t1"/><testcase classname="m" name="t2"><failure message="no"/></testcase></testsuite></testsuites>"#).expect("write");
        let mut ok = outcome("test-3.11", SessionStatus::Success);
        ok.attempts = vec![
            attempt(1, SessionStatus::Failed, b"first \x1b[31mtry\x1b[0m"),
            attempt(2, SessionStatus::Success, b""),
        ];
        ok.junit = vec![declared.clone(), dir.path().join("missing.xml")];
        let mut failed = outcome("lint", SessionStatus::Failed);
        failed.exit_code = Some(3);
        failed.output_tail = b"bad ]]> \x00\xff".to_vec();
        failed.attempts = vec![attempt(1, SessionStatus::Failed, b"a"), attempt(2, SessionStatus::Failed, b"b")];
        let mut skipped = outcome("docs", SessionStatus::Skipped);
        skipped.message = Some("requirement lint failed".into());
        skipped.junit = vec![declared];
        let run = RunOutcome {
            started: SystemTime::UNIX_EPOCH,
            finished: SystemTime::UNIX_EPOCH,
            duration: std::time::Duration::ZERO,
            sessions: vec![ok, failed, skipped],
            signal: None,
            timed_out: false,
            internal_error: false,
            remote_cache: None,
        };
        let (report, problems) = run_report(&from_outcome(&run));
        assert!(problems.is_empty());
        assert_eq!((report.tests, report.failures, report.errors, report.skipped), (5, 2, 0, 1));
        let names: Vec<&str> = report.test_suites.iter().map(|suite| suite.name.as_str()).collect();
        assert_eq!(names, ["forge", "test-3.11: pytest"]);
        let text = report.to_string().expect("serializes");
        assert!(
            text.contains(r#"message="attempt 1: failed" type="exit status 1""#) && text.contains("<flakyFailure"),
            "{text}"
        );
        assert!(text.contains("first try"));
        assert!(text.contains(r#"<failure message="exited with status 3" type="exit status 3">"#), "{text}");
        assert!(text.contains("bad ]]&gt; \u{fffd}"), "{text}");
        assert_eq!(text.matches("<rerunFailure").count(), 1);
        assert!(text.contains("declared JUnit file") && text.contains("missing.xml was not written"));
        assert!(text.contains(r#"<skipped message="requirement lint failed"/>"#), "{text}");
        crate::report::xml::parse(text.as_bytes()).expect("well-formed");
    }

    #[test]
    fn forge_suites_of_several_files_merge_into_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let one = dir.path().join("one.xml");
        let two = dir.path().join("two.xml");
        std::fs::write(&one, r#"<testsuites><testsuite name="forge" time="1"><testcase classname="forge.sessions" name="a"/></testsuite><testsuite name="a: pytest"><testcase name="t"/></testsuite></testsuites>"#).expect("write");
        std::fs::write(&two, r#"<testsuites><testsuite name="forge" time="2"><testcase classname="forge.sessions" name="b"><failure/></testcase></testsuite></testsuites>"#).expect("write");
        let (report, problems) = merge_files(&[one, two, dir.path().join("absent.xml")]);
        assert_eq!(problems.len(), 1);
        let (all, tools) = counts(&report);
        assert_eq!(all, TestCounts { tests: 3, failures: 1, errors: 0, skipped: 0 });
        assert_eq!(tools, Some(TestCounts { tests: 1, failures: 0, errors: 0, skipped: 0 }));
        assert_eq!(report.test_suites.len(), 2);
        assert_eq!((report.test_suites[0].tests, report.test_suites[0].failures), (2, 1));
        assert_eq!(report.test_suites[0].time, Some(Duration::from_secs(3)));
        assert_eq!(report.tests, 3);
    }

    #[test]
    fn a_cached_session_is_a_passed_testcase_that_says_so_and_keeps_its_suites() {
        let dir = tempfile::tempdir().expect("tempdir");
        let declared = dir.path().join("pytest.xml");
        std::fs::write(&declared, r#"<testsuite name="pytest"><testcase classname="m" name="t1"/></testsuite>"#)
            .expect("write");
        let mut cached = outcome("test", SessionStatus::Cached);
        cached.junit = vec![declared];
        let run = RunOutcome {
            started: SystemTime::UNIX_EPOCH,
            finished: SystemTime::UNIX_EPOCH,
            duration: Duration::ZERO,
            sessions: vec![cached, outcome("lint", SessionStatus::Unchanged)],
            signal: None,
            timed_out: false,
            internal_error: false,
            remote_cache: None,
        };
        let (report, problems) = run_report(&from_outcome(&run));
        assert!(problems.is_empty());
        assert_eq!((report.tests, report.failures, report.errors, report.skipped), (3, 0, 0, 0));
        let text = report.to_string().expect("serializes");
        assert!(text.contains(r#"<property name="forge.status" value="cached"/>"#), "{text}");
        assert!(text.contains(r#"<property name="forge.status" value="unchanged"/>"#), "{text}");
    }
}
