//! forge's own `<testsuite name="forge">`: one `<testcase classname="forge.sessions">` per session
//! instance, following the Surefire/Jenkins JUnit schema (`junit-10.xsd`) for `<failure>`,
//! `<error>`, `<skipped>`, `<flakyFailure>` and `<rerunFailure>`.

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestRerun};

use crate::report::model::{AttemptReport, SessionReport, Status};
use crate::report::sanitize;

/// The `classname` of every session testcase.
pub const CLASSNAME: &str = "forge.sessions";

/// The testcase for one session instance. `notes` (e.g. a declared JUnit file that was not
/// written) go to its `<system-err>`; its log path goes to `<system-out>`.
///
/// - success → passed, with one `<flakyFailure>`/`<flakyError>` per failed earlier attempt;
/// - failed → `<failure type="exit status N">` with the output tail, `<rerunFailure>` per failed
///   earlier attempt;
/// - error → `<error>`; interrupted → `<error message="interrupted: …">`;
/// - skipped → `<skipped message=REASON>`;
/// - cached / unchanged → passed, with `<property name="forge.status" value="cached"/>` (or
///   `unchanged`): the result stands, but nothing ran this time.
pub fn session_case(outcome: &SessionReport, notes: &[String]) -> TestCase {
    let earlier = outcome.attempts.split_last().map_or(&[][..], |(_, earlier)| earlier);
    let reruns = || earlier.iter().filter(|attempt| attempt.status != Status::Success).map(rerun);
    let tail = outcome.final_output();
    let status = match outcome.status {
        Status::Success | Status::Cached | Status::Unchanged => {
            TestCaseStatus::Success { flaky_runs: reruns().collect() }
        }
        Status::Failed | Status::Error | Status::Interrupted => {
            let kind = if outcome.status == Status::Failed { NonSuccessKind::Failure } else { NonSuccessKind::Error };
            let mut status = TestCaseStatus::non_success(kind);
            let message = outcome.message.clone().unwrap_or_else(|| default_message(outcome));
            if outcome.status == Status::Interrupted {
                status.set_message(sanitize::one_line(&format!("interrupted: {message}")));
                status.set_type("interrupted");
            } else {
                status.set_message(sanitize::one_line(&message));
                status.set_type(match (outcome.status, outcome.exit_code) {
                    (Status::Failed, Some(code)) => format!("exit status {code}"),
                    (Status::Failed, None) => "failure".to_owned(),
                    _ => "error".to_owned(),
                });
            }
            if !tail.trim().is_empty() {
                status.set_description(tail.to_owned());
            }
            status.add_reruns(reruns());
            status
        }
        Status::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(sanitize::one_line(outcome.message.as_deref().unwrap_or("not run")));
            status
        }
    };
    let mut case = TestCase::new(sanitize::one_line(&outcome.name), status);
    case.set_classname(CLASSNAME);
    case.set_time(outcome.duration);
    if matches!(outcome.status, Status::Cached | Status::Unchanged) {
        // A passed testcase that did not run this time: a property says why, as JUnit readers
        // (Jenkins, GitLab) show properties and have no status for it.
        case.add_property(Property::new("forge.status", outcome.status.as_str()));
    }
    if let Some(log) = &outcome.log {
        case.set_system_out(sanitize::text(&format!("log: {}", log.display())));
    }
    if !notes.is_empty() {
        case.set_system_err(sanitize::text(&notes.join("\n")));
    }
    case
}

fn default_message(outcome: &SessionReport) -> String {
    match (outcome.status, outcome.exit_code) {
        (Status::Failed, Some(code)) => format!("exited with status {code}"),
        (Status::Interrupted, _) => "stopped by a signal".to_owned(),
        _ => "forge could not run the session".to_owned(),
    }
}

/// A `<flakyFailure>`/`<rerunFailure>` (or `…Error`) for a failed attempt. No `time`: the
/// schema's `rerunType` allows only `message` and `type` (required) attributes.
fn rerun(attempt: &AttemptReport) -> TestRerun {
    let kind = if attempt.status == Status::Failed { NonSuccessKind::Failure } else { NonSuccessKind::Error };
    let mut run = TestRerun::new(kind);
    run.set_type(match attempt.exit_code {
        Some(code) => format!("exit status {code}"),
        None => attempt.status.as_str().to_owned(),
    });
    let message = attempt.message.clone().unwrap_or_else(|| attempt.status.as_str().to_owned());
    run.set_message(sanitize::one_line(&format!("attempt {}: {message}", attempt.number)));
    if !attempt.output_tail.trim().is_empty() {
        run.set_system_out(attempt.output_tail.clone());
    }
    run
}
