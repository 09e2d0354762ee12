//! GitHub Actions workflow commands: a `::group::` per passing session's block (failed ones
//! open), then `::error` annotations for failed sessions and failed tests, at most
//! [`ANNOTATIONS`], and one `::notice` for the rest. Escaping as GitHub's `@actions/core` does.

use std::io::Write;

use crate::report::Merged;
use crate::runner::{RunOutcome, SessionOutcome};

/// The most `::error` annotations forge writes (GitHub shows 10 per step and kind).
pub const ANNOTATIONS: usize = 10;

/// GitHub Actions output for one run.
pub struct GitHub;

impl GitHub {
    /// A session's block: grouped when it passed (or was skipped), open when it failed.
    pub fn session_finished(&mut self, outcome: &SessionOutcome) {
        let Some(block) = super::block::block_of(outcome) else { return };
        let mut stdout = anstream::stdout().lock();
        let title = data(&super::block::title(outcome));
        if super::block::stays_open(outcome) {
            let _ = writeln!(stdout, "──── output of {title} ────");
            let _ = write!(stdout, "{block}");
            let _ = writeln!(stdout, "──── end of {} ────", outcome.name);
        } else {
            let _ = writeln!(stdout, "::group::{title}");
            let _ = write!(stdout, "{block}");
            let _ = writeln!(stdout, "::endgroup::");
        }
        let _ = stdout.flush();
    }

    /// The annotations: one per failed session (title: its name; message: why), then one per
    /// failed test of the merged JUnit, with `file`/`line` where known; after [`ANNOTATIONS`],
    /// a `::notice` with how many were left out.
    pub fn finish(&self, run: &RunOutcome, reports: &Merged) {
        let mut lines = Vec::new();
        for session in run.sessions.iter().filter(|session| session.status.is_failure()) {
            let why = session.message.clone().unwrap_or_else(|| session.status.as_str().to_owned());
            lines.push(format!("::error title={}::{}", property(&session.name), data(&why)));
        }
        let sessions = lines.len();
        for test in &reports.failed_tests {
            let mut properties = Vec::new();
            if let Some(file) = &test.file {
                properties.push(format!("file={}", property(file)));
                if let Some(line) = test.line {
                    properties.push(format!("line={line}"));
                }
            }
            properties.push(format!("title={}", property(&format!("{} ({})", test.name, test.suite))));
            lines.push(format!("::error {}::{}", properties.join(","), data(&test.message)));
        }
        let tests = reports.tests.map_or(reports.failed_tests.len(), |counts| counts.failures + counts.errors);
        let total = sessions + tests.max(reports.failed_tests.len());
        let mut stdout = anstream::stdout().lock();
        for line in lines.iter().take(ANNOTATIONS) {
            let _ = writeln!(stdout, "{line}");
        }
        if total > ANNOTATIONS {
            let left = total - ANNOTATIONS;
            let _ = writeln!(
                stdout,
                "::notice title=forge::{left} more failure{} not annotated (at most {ANNOTATIONS}); see the job's log and junit.xml",
                if left == 1 { "" } else { "s" }
            );
        }
        let _ = stdout.flush();
    }
}

/// A command's data (its message, after `::`): `%`, CR and LF escaped.
pub fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A command's property value: as [`data`], and `:` and `,` too.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::{data, property};

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(data("50%\r\nnext: a, b"), "50%25%0D%0Anext: a, b");
        assert_eq!(property("a: b, 5%\n"), "a%3A b%2C 5%25%0A");
    }
}
