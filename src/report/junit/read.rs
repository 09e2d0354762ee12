//! Reading other tools' JUnit XML leniently into `quick-junit` suites.
//!
//! Accepted shapes (pytest, Surefire, nextest, Jest, go-junit-report…): a `<testsuites>` root or a
//! bare `<testsuite>` root; nested `<testsuite>`s are flattened into one suite each; testcases
//! directly under `<testsuites>` are gathered into one suite. Counts in the file are ignored and
//! recomputed from the testcases. `time` accepts thousands separators (`"1,234.5"`). Every text is
//! sanitized for XML 1.0 (see [`crate::report::sanitize`]).

use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestRerun, TestSuite};

use crate::report::xml::{self, Element};
use crate::report::{ReportError, read_input, sanitize};

/// Parses a JUnit document into flattened suites (each with at least one testcase or output).
///
/// # Errors
/// The document is not XML or its root is neither `<testsuites>` nor `<testsuite>`.
pub fn parse_junit(bytes: &[u8]) -> Result<Vec<TestSuite>, String> {
    let root = xml::parse(bytes)?;
    let mut suites = Vec::new();
    match root.name.as_str() {
        "testsuite" => flatten(&root, &mut suites),
        "testsuites" => {
            for child in root.children_named("testsuite") {
                flatten(child, &mut suites);
            }
            let loose: Vec<TestCase> = root.children_named("testcase").map(test_case).collect();
            if !loose.is_empty() {
                let mut suite = TestSuite::new(root.attr("name").map_or_else(String::new, sanitize::one_line));
                suite.add_test_cases(loose);
                suites.push(suite);
            }
        }
        other => {
            return Err(format!("root element is <{other}>, expected <testsuites> or <testsuite>"));
        }
    }
    Ok(suites)
}

/// Reads and parses the JUnit file at `path`: `Ok(None)` when it does not exist.
///
/// # Errors
/// [`ReportError::Unreadable`] (not a regular file of bounded size) or [`ReportError::Read`]
/// (not a JUnit document).
pub fn read_junit(path: &Path) -> Result<Option<Vec<TestSuite>>, ReportError> {
    let Some(bytes) = read_input(path)? else { return Ok(None) };
    parse_junit(&bytes).map(Some).map_err(|message| ReportError::Read { path: path.to_path_buf(), message })
}

/// Adds `element` (a `<testsuite>`) and its nested suites to `out`, depth first; a suite with
/// neither testcases nor output is dropped (a pure container).
fn flatten(element: &Element, out: &mut Vec<TestSuite>) {
    let mut suite = TestSuite::new(element.attr("name").map_or_else(String::new, sanitize::one_line));
    suite.add_test_cases(element.children_named("testcase").map(test_case));
    for property in element.child("properties").into_iter().flat_map(|properties| properties.children_named("property"))
    {
        let value = property.attr("value").map_or_else(|| sanitize::text(&property.text), sanitize::text);
        suite.add_property(Property::new(sanitize::one_line(property.attr("name").unwrap_or_default()), value));
    }
    if let Some(out) = element.child("system-out").filter(|out| !out.text.trim().is_empty()) {
        suite.set_system_out(output(&out.text));
    }
    if let Some(err) = element.child("system-err").filter(|err| !err.text.trim().is_empty()) {
        suite.set_system_err(output(&err.text));
    }
    let own_time = element.attr("time").and_then(parse_time);
    let case_time: Duration = suite.test_cases.iter().filter_map(|case| case.time).sum();
    suite.set_time(own_time.unwrap_or(case_time));
    let nested: Vec<&Element> = element.children_named("testsuite").collect();
    if !suite.test_cases.is_empty() || suite.system_out.is_some() || suite.system_err.is_some() || nested.is_empty() {
        out.push(suite);
    }
    for child in nested {
        flatten(child, out);
    }
}

fn test_case(element: &Element) -> TestCase {
    let mut status = TestCaseStatus::success();
    let mut reruns: Vec<(bool, TestRerun)> = Vec::new();
    for child in &element.children {
        match child.name.as_str() {
            "failure" | "error" if matches!(status, TestCaseStatus::Success { .. }) => {
                let kind = if child.name == "failure" { NonSuccessKind::Failure } else { NonSuccessKind::Error };
                status = TestCaseStatus::non_success(kind);
                describe(&mut status, child);
            }
            "skipped" if matches!(status, TestCaseStatus::Success { .. }) => {
                status = TestCaseStatus::skipped();
                describe(&mut status, child);
            }
            "flakyFailure" | "flakyError" | "rerunFailure" | "rerunError" => {
                let kind =
                    if child.name.ends_with("Failure") { NonSuccessKind::Failure } else { NonSuccessKind::Error };
                reruns.push((child.name.starts_with("flaky"), rerun(child, kind)));
            }
            _ => {}
        }
    }
    match &mut status {
        TestCaseStatus::Success { flaky_runs } => flaky_runs.extend(reruns.into_iter().map(|(_, run)| run)),
        TestCaseStatus::NonSuccess { .. } => {
            for (_, run) in reruns {
                status.add_rerun(run);
            }
        }
        TestCaseStatus::Skipped { .. } => {}
    }
    let mut case = TestCase::new(sanitize::one_line(element.attr("name").unwrap_or_default()), status);
    if let Some(classname) = element.attr("classname") {
        case.set_classname(sanitize::one_line(classname));
    }
    if let Some(time) = element.attr("time").and_then(parse_time) {
        case.set_time(time);
    }
    // pytest's xunit1 says where a test is; kept for annotations (and in the merged file).
    for key in ["file", "line"] {
        if let Some(value) = element.attr(key) {
            case.extra.insert(key.into(), sanitize::one_line(value).into());
        }
    }
    if let Some(out) = element.child("system-out").filter(|out| !out.text.is_empty()) {
        case.set_system_out(output(&out.text));
    }
    if let Some(err) = element.child("system-err").filter(|err| !err.text.is_empty()) {
        case.set_system_err(output(&err.text));
    }
    case
}

fn describe(status: &mut TestCaseStatus, element: &Element) {
    if let Some(message) = element.attr("message") {
        status.set_message(sanitize::one_line(message));
    }
    if let Some(ty) = element.attr("type") {
        status.set_type(sanitize::one_line(ty));
    }
    if !element.text.trim().is_empty() {
        status.set_description(output(&element.text));
    }
}

fn rerun(element: &Element, kind: NonSuccessKind) -> TestRerun {
    let mut run = TestRerun::new(kind);
    run.set_type(sanitize::one_line(element.attr("type").unwrap_or("rerun")));
    if let Some(message) = element.attr("message") {
        run.set_message(sanitize::one_line(message));
    }
    if let Some(trace) = element.child("stackTrace") {
        run.set_stack_trace(output(&trace.text));
    }
    if let Some(out) = element.child("system-out") {
        run.set_system_out(output(&out.text));
    }
    if let Some(err) = element.child("system-err") {
        run.set_system_err(output(&err.text));
    }
    if !element.text.trim().is_empty() {
        run.set_description(output(&element.text));
    }
    run
}

fn output(text: &str) -> String {
    sanitize::cap_tail(&sanitize::text(text), sanitize::OUTPUT_CAP)
}

/// Parses a JUnit `time` attribute in seconds: `"0.5"`, `"1,234.5"` (Surefire's thousands
/// separators), surrounding spaces; negative, non-finite or unparseable values are `None`.
pub fn parse_time(text: &str) -> Option<Duration> {
    let cleaned: String = text.trim().chars().filter(|c| *c != ',').collect();
    let seconds: f64 = cleaned.trim_end_matches('s').parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e9)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(suite: &TestSuite) -> (usize, usize, usize, usize) {
        (suite.tests, suite.failures, suite.errors, suite.skipped)
    }

    #[test]
    fn pytest_shape_with_wrong_counts_is_recounted() {
        let xml = br#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="9" failures="9" skipped="9" tests="99" time="1,234.5" timestamp="2024-01-01T00:00:00" hostname="h"><testcase classname="t.test_a" name="test_ok" time="0.001" /><testcase classname="t.test_a" name="test_bad" time="0.002"><failure message="assert 1 == 2">def test_bad():
&gt;       assert 1 == 2</failure></testcase><testcase classname="t.test_a" name="test_skip" time="0.000"><skipped type="pytest.skip" message="no reason">/t/test_a.py:9: no reason</skipped></testcase><testcase classname="t.test_a" name="test_err"><error message="fixture &#x27;x&#x27; not found">E</error><system-out>out</system-out></testcase></testsuite></testsuites>"#;
        let suites = parse_junit(xml).expect("parses");
        assert_eq!(suites.len(), 1);
        assert_eq!(suites[0].name.as_str(), "pytest");
        assert_eq!(counts(&suites[0]), (4, 1, 1, 1));
        assert_eq!(suites[0].time, Some(Duration::from_secs_f64(1234.5)));
        let failure = &suites[0].test_cases[1];
        match &failure.status {
            TestCaseStatus::NonSuccess { kind, message, description, .. } => {
                assert_eq!(*kind, NonSuccessKind::Failure);
                assert_eq!(message.as_ref().map(|m| m.as_str()), Some("assert 1 == 2"));
                assert!(description.as_ref().is_some_and(|d| d.as_str().contains(">       assert 1 == 2")));
            }
            other => panic!("unexpected status {other:?}"),
        }
        assert_eq!(suites[0].test_cases[3].system_out.as_ref().map(|s| s.as_str()), Some("out"));
    }

    #[test]
    fn bare_and_nested_suites_are_flattened() {
        let xml = br#"<testsuite name="outer"><testsuite name="inner1"><testcase name="a"/></testsuite><testsuite name="inner2"><testcase name="b"><failure/></testcase><testsuite name="deep"><testcase name="c"><skipped/></testcase></testsuite></testsuite></testsuite>"#;
        let suites = parse_junit(xml).expect("parses");
        let names: Vec<&str> = suites.iter().map(|suite| suite.name.as_str()).collect();
        assert_eq!(names, ["inner1", "inner2", "deep"]);
        assert_eq!(counts(&suites[1]), (1, 1, 0, 0));
        assert_eq!(counts(&suites[2]), (1, 0, 0, 1));
    }

    #[test]
    fn reruns_are_kept() {
        let xml = br#"<testsuites><testsuite name="s"><testcase name="flaky"><flakyFailure message="m" type="T"><stackTrace>st</stackTrace></flakyFailure></testcase><testcase name="bad"><failure message="x"/><rerunFailure type="T"/><rerunError type="T"/></testcase></testsuite></testsuites>"#;
        let suites = parse_junit(xml).expect("parses");
        match &suites[0].test_cases[0].status {
            TestCaseStatus::Success { flaky_runs } => assert_eq!(flaky_runs.len(), 1),
            other => panic!("unexpected {other:?}"),
        }
        match &suites[0].test_cases[1].status {
            TestCaseStatus::NonSuccess { reruns, .. } => assert_eq!(reruns.runs.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn hostile_text_is_sanitized() {
        let xml = "<testsuite name=\"s\"><testcase name=\"n&#10;two\"><failure message=\"a&#10;b\">\u{1b}[31mred\u{1b}[0m \u{fffe}</failure></testcase></testsuite>";
        let suites = parse_junit(xml.as_bytes()).expect("parses");
        let case = &suites[0].test_cases[0];
        assert_eq!(case.name.as_str(), "n two");
        match &case.status {
            TestCaseStatus::NonSuccess { message, description, .. } => {
                assert_eq!(message.as_ref().map(|m| m.as_str()), Some("a b"));
                assert_eq!(description.as_ref().map(|d| d.as_str()), Some("red "));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn times_tolerate_separators_and_junk() {
        assert_eq!(parse_time("1,234.5"), Some(Duration::from_secs_f64(1234.5)));
        assert_eq!(parse_time(" 0.25 "), Some(Duration::from_millis(250)));
        assert_eq!(parse_time("-1"), None);
        assert_eq!(parse_time("NaN"), None);
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn suites_nested_to_the_depth_limit_flatten_within_a_small_stack() {
        // The reader recurses once per nested suite: at the limit it must fit a 2 MiB thread
        // stack (the default for spawned threads, and what these tests run on).
        let depth = crate::report::xml::MAX_DEPTH - 1;
        let xml = format!(
            "<testsuites>{}<testcase name=\"t\"/>{}</testsuites>",
            "<testsuite name=\"s\">".repeat(depth),
            "</testsuite>".repeat(depth)
        );
        let suites = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || parse_junit(xml.as_bytes()).map(|suites| suites.len()))
            .expect("thread")
            .join()
            .expect("no overflow");
        assert_eq!(suites, Ok(1));
    }

    #[test]
    fn other_roots_are_rejected() {
        assert!(parse_junit(b"<coverage/>").is_err());
        assert!(parse_junit(b"not xml at all").is_err());
    }
}
