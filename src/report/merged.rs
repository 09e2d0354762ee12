//! What a written reports directory says: test counts, the coverage total, the coverage gate's
//! verdict, the failed tests and the problems met, returned by the writer so later outputs need not re-read files.

use super::ReportError;

/// The reports of one directory as written.
#[derive(Debug, Default)]
pub struct Merged {
    /// Counts of the whole junit.xml (forge's session testcases included), when it was written.
    pub junit: Option<TestCounts>,
    /// Counts of the tools' testcases only (every suite but forge's own), when any declared
    /// JUnit file was merged: what the test runner would have said of all sessions together.
    pub tests: Option<TestCounts>,
    /// The tools' failed and errored testcases, at most [`super::failures::KEPT`], in report order.
    pub failed_tests: Vec<super::FailedTest>,
    /// Merged line coverage, when coverage.xml was written (it is never written for no lines).
    pub coverage: Option<CoverageTotal>,
    /// Why the coverage gate failed (exit 1), e.g. "line coverage 79.50% is below fail-under 80%
    /// by 0.50 points".
    pub gate_failure: Option<String>,
    /// Reports that could not be read or written; exit 1.
    pub problems: Vec<ReportError>,
    /// Things worth saying that fail nothing (a corrupt history.jsonl line skipped).
    pub warnings: Vec<String>,
}

impl Merged {
    /// No problem and no gate failure.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.gate_failure.is_none()
    }
}

/// Testcase counts of a JUnit report, recomputed from its testcases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TestCounts {
    /// `<testcase>` elements.
    pub tests: usize,
    /// Testcases with `<failure>`.
    pub failures: usize,
    /// Testcases with `<error>`.
    pub errors: usize,
    /// Testcases with `<skipped>`.
    pub skipped: usize,
}

impl TestCounts {
    /// Testcases that passed: neither failed, errored nor skipped.
    pub fn passed(&self) -> usize {
        self.tests.saturating_sub(self.failures + self.errors + self.skipped)
    }
}

/// Merged line coverage; `valid` is never 0 in a [`Merged`] (no lines is a problem, not a total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverageTotal {
    /// Lines with at least one hit.
    pub covered: u64,
    /// Lines that could be hit.
    pub valid: u64,
}

impl CoverageTotal {
    /// Covered lines in percent; 0 when there are no valid lines (no data is never 100%).
    pub fn percent(&self) -> f64 {
        if self.valid == 0 { 0.0 } else { self.covered as f64 * 100.0 / self.valid as f64 }
    }
}

/// The coverage gate: a message when `total` is below `fail_under` percent, saying by how much.
pub fn gate(total: Option<CoverageTotal>, fail_under: Option<f64>) -> Option<String> {
    let (total, fail_under) = (total?, fail_under?);
    let percent = total.percent();
    if percent >= fail_under {
        return None;
    }
    let short = fail_under - percent;
    let by = if short < 0.01 { "less than 0.01 points".to_owned() } else { format!("{short:.2} points") };
    Some(format!("line coverage {percent:.2}% is below fail-under {fail_under}% by {by}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_says_by_how_much() {
        let total = Some(CoverageTotal { covered: 795, valid: 1000 });
        assert_eq!(
            gate(total, Some(80.0)).as_deref(),
            Some("line coverage 79.50% is below fail-under 80% by 0.50 points")
        );
        assert_eq!(gate(total, Some(79.5)), None);
        assert_eq!(gate(total, None), None);
        assert_eq!(gate(None, Some(80.0)), None);
        let close = Some(CoverageTotal { covered: 79_999, valid: 100_000 });
        assert!(gate(close, Some(80.0)).is_some_and(|message| message.ends_with("by less than 0.01 points")));
    }

    #[test]
    fn no_lines_is_never_full_coverage() {
        let none = CoverageTotal { covered: 0, valid: 0 };
        assert_eq!(none.percent(), 0.0);
        assert!(gate(Some(none), Some(1.0)).is_some());
    }

    #[test]
    fn passed_is_what_is_left() {
        let counts = TestCounts { tests: 908, failures: 3, errors: 1, skipped: 2 };
        assert_eq!(counts.passed(), 902);
    }

    #[test]
    fn clean_means_no_problem_and_no_gate_failure() {
        assert!(Merged::default().is_clean());
        let gated = Merged { gate_failure: Some("below".into()), ..Merged::default() };
        assert!(!gated.is_clean());
        let problem = ReportError::Message { message: "unreadable".into(), hint: None };
        assert!(!Merged { problems: vec![problem], ..Merged::default() }.is_clean());
    }
}
