//! The failed testcases of a merged JUnit report, with where each failed, for outputs that point
//! at the failing line (GitHub annotations) without re-reading junit.xml.

use quick_junit::{Report, TestCaseStatus};

/// The most failed testcases kept in a [`crate::report::Merged`]; the counts say how many there were.
pub const KEPT: usize = 100;

/// One failed or errored testcase of a tool's suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedTest {
    /// The merged suite's name, `INSTANCE: ORIGINAL` or `INSTANCE` (see `junit`).
    pub suite: String,
    /// The testcase's `name`.
    pub name: String,
    /// The testcase's `classname`, when it has one.
    pub classname: Option<String>,
    /// The source file, relative as the tool wrote it (`tests/test_x.py`).
    pub file: Option<String>,
    /// The 1-based line in `file`.
    pub line: Option<u32>,
    /// The failure's `message` (one line), else its text's last non-empty line.
    pub message: String,
}

/// The first [`KEPT`] failed or errored testcases of `report`'s tools' suites (every suite but
/// forge's own, which comes first). The location is the testcase's `file`/`line` attributes
/// (pytest's xunit1) or, failing those, the last `PATH.py:LINE:` of the failure text whose module
/// the classname names (pytest's default xunit2 writes `tests/test_x.py:5: AssertionError`).
pub fn failed_tests(report: &Report) -> Vec<FailedTest> {
    let tools = &report.test_suites[report.test_suites.len().min(1)..];
    let mut out = Vec::new();
    for suite in tools {
        for case in &suite.test_cases {
            let TestCaseStatus::NonSuccess { message, description, .. } = &case.status else { continue };
            if out.len() == KEPT {
                return out;
            }
            let text = description.as_ref().map_or("", |text| text.as_str());
            let classname = case.classname.as_ref().map(|name| name.as_str().to_owned());
            let attribute = |key: &str| case.extra.get(key).map(|value| value.as_str().to_owned());
            let (mut file, mut line) = (attribute("file"), attribute("line").and_then(|line| line.parse().ok()));
            if file.is_none()
                && let Some((path, number)) = classname.as_deref().and_then(|classname| located(classname, text))
            {
                (file, line) = (Some(path), Some(number));
            }
            let message = match message {
                Some(message) if !message.trim().is_empty() => message.as_str().to_owned(),
                _ => text.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or_default().trim().to_owned(),
            };
            out.push(FailedTest {
                suite: suite.name.as_str().to_owned(),
                name: case.name.as_str().to_owned(),
                classname,
                file,
                line,
                message,
            });
        }
    }
    out
}

/// The last `PATH.py:LINE:` in `text` whose dotted module (`tests/test_x.py` → `tests.test_x`)
/// is `classname` or its prefix (`tests.test_x.TestClass`).
fn located(classname: &str, text: &str) -> Option<(String, u32)> {
    let mut found = None;
    for line in text.lines() {
        let Some((path, rest)) = line.split_once(".py:") else { continue };
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || !rest[digits.len()..].starts_with(':') {
            continue;
        }
        let path = path.trim_start();
        let module = path.replace('/', ".");
        let names = classname == module || classname.strip_prefix(&module).is_some_and(|rest| rest.starts_with('.'));
        if names && let Ok(number) = digits.parse() {
            found = Some((format!("{path}.py"), number));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_frame_in_the_classnames_module_is_the_location() {
        let text = "def test_x():\n>       helper()\n\ntests/test_x.py:4: \n\
                    def helper():\n>       assert 1 == 2\nE       assert 1 == 2\n\ntests/helpers.py:2: AssertionError";
        assert_eq!(located("tests.test_x", text), Some(("tests/test_x.py".to_owned(), 4)));
        assert_eq!(located("tests.test_x.TestClass", text), Some(("tests/test_x.py".to_owned(), 4)));
        assert_eq!(located("tests.test_xy", text), None);
        assert_eq!(located("tests.test_x", "tests/test_x.py:nope: x"), None);
        // A line number must end with `:`; pytest's node ids (`path.py::test`) are no location.
        assert_eq!(located("tests.test_x", "tests/test_x.py:12x"), None);
        assert_eq!(located("tests.test_x", "FAILED tests/test_x.py::test_x - assert"), None);
    }

    #[test]
    fn attributes_win_and_success_is_not_a_failure() {
        let bytes = br#"<testsuites><testsuite name="forge"/><testsuite name="s: pytest">
            <testcase classname="tests.test_x" name="ok"/>
            <testcase classname="tests.test_x" name="bad" file="tests/test_x.py" line="7">
              <failure message="assert 1 == 2">tests/test_x.py:9: AssertionError</failure></testcase>
            <testcase classname="tests.test_x" name="blank"><failure message="  ">first
last line</failure></testcase>
            <testcase classname="tests.test_x" name="worse"><error>boom
tests/test_x.py:12: RuntimeError</error></testcase>
            </testsuite></testsuites>"#;
        let mut report = Report::new("forge");
        report.add_test_suites(crate::report::junit::parse_junit(bytes).unwrap());
        let failed = failed_tests(&report);
        assert_eq!(failed.len(), 3);
        // A blank message gives way to the text's last line.
        assert_eq!(failed[1].message, "last line");
        let failed = [failed[0].clone(), failed[2].clone()];
        assert_eq!((failed[0].file.as_deref(), failed[0].line), (Some("tests/test_x.py"), Some(7)));
        assert_eq!(failed[0].message, "assert 1 == 2");
        assert_eq!(failed[0].suite, "s: pytest");
        assert_eq!((failed[1].file.as_deref(), failed[1].line), (Some("tests/test_x.py"), Some(12)));
        assert_eq!(failed[1].message, "tests/test_x.py:12: RuntimeError");
    }
}
