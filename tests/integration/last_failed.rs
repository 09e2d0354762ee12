//! `--last-failed` (`--lf`): a real failing run (pytest in a uv venv, and `venv = false`
//! sessions), then `--lf` starts from what failed, errored or was interrupted; none, no record
//! and a corrupt record.

use crate::support::{Test, take_sorted_lines};

/// `ok` passes; `flaky` fails until `fixed` exists; `broken` names a missing program (error);
/// `after` requires `ok`; `pytest` runs a real test file that fails until `fixed` exists.
const SESSIONS: &str = r#"
[sessions.ok]
venv = false
commands = ["sh -c 'echo ok >> ran.txt'"]

[sessions.flaky]
venv = false
commands = ["sh -c 'echo flaky >> ran.txt; test -e fixed'"]

[sessions.broken]
venv = false
commands = ["sh -c 'echo broken >> ran.txt; test -e fixed || exec /nonexistent/program'"]

[sessions.after]
venv = false
requires = ["ok"]
commands = ["sh -c 'echo after >> ran.txt; test -e fixed'"]

[sessions.pytest]
deps = ["pytest"]
commands = ["sh -c 'echo pytest >> ran.txt'", "python -m pytest -q -p no:cacheprovider test_it.py"]
"#;

const TEST_FILE: &str = "import os\n\n\ndef test_fixed():\n    assert os.path.exists('fixed')\n";

fn ran(test: &Test) -> Vec<String> {
    take_sorted_lines(test.root(), "ran.txt")
}

#[test]
fn lf_reruns_what_failed_then_says_none_failed() {
    let mut test = Test::new().sessions(SESSIONS).file("test_it.py", TEST_FILE).args(&["-j", "1"]);
    test.run().assert_code(1);
    assert_eq!(ran(&test), ["after", "broken", "flaky", "ok", "pytest"]);

    // The failures again, and `ok` as `after`'s requirement.
    let run = test.rerun(&["--lf", "-j", "1"]);
    run.assert_code(1);
    assert_eq!(ran(&test), ["after", "broken", "flaky", "ok", "pytest"]);
    assert_eq!(run.status_of("pytest"), "failed");

    // Intersected with -k; `--last-failed` is the long name.
    std::fs::write(test.root().join("fixed"), "").unwrap();
    let run = test.rerun(&["--last-failed", "-k", "flaky or pytest"]);
    run.assert_code(0);
    assert_eq!(ran(&test), ["flaky", "pytest"]);
    assert_eq!(run.session_names(), ["flaky", "pytest"]);

    // The previous run (the -k one) had no failure.
    let run = test.rerun(&["--lf"]);
    run.assert_code(0);
    assert!(run.stderr.contains("no instance failed in the previous run"), "{}", run.stderr);
    assert!(ran(&test).is_empty());
}

#[test]
fn lf_with_a_selection_none_of_which_failed_runs_nothing_and_a_bad_name_is_still_an_error() {
    let mut test = Test::new().sessions(SESSIONS).file("test_it.py", TEST_FILE);
    test.rerun(&["-s", "ok", "flaky"]).assert_code(1);
    ran(&test);
    let run = test.rerun(&["--lf", "-s", "ok"]);
    run.assert_code(0);
    assert!(run.stderr.contains("none of the selected instances failed in the previous run"), "{}", run.stderr);
    assert!(ran(&test).is_empty());
    // Starting from the failures, not from `[forge] default` or the whole file.
    test.rerun(&["--lf"]).assert_code(1);
    assert_eq!(ran(&test), ["flaky"]);
    let run = test.rerun(&["--lf", "-s", "nope"]);
    run.assert_code(2);
    assert!(run.stderr.contains("unknown session `nope`"), "{}", run.stderr);
}

#[test]
fn lf_without_a_readable_record_runs_the_usual_selection_and_says_why() {
    let sessions = "[forge]\ndefault = [\"ok\"]\n\n[sessions.ok]\nvenv = false\ncommands = [\"sh -c 'echo ok >> ran.txt'\"]\n\n[sessions.other]\nvenv = false\ncommands = [\"true\"]\n";
    let mut test = Test::new().sessions(sessions);
    let run = test.rerun(&["--lf"]);
    run.assert_code(0);
    assert!(run.stderr.contains("note: --last-failed: no previous run"), "{}", run.stderr);
    assert!(run.stderr.contains("running the usual selection"), "{}", run.stderr);
    assert_eq!(ran(&test), ["ok"]);

    std::fs::write(test.root().join(".forge/reports/run.json"), "{ not json").unwrap();
    let run = test.rerun(&["--lf"]);
    run.assert_code(0);
    let warning = run.stderr.lines().find(|line| line.starts_with("warning: --last-failed")).unwrap_or_default();
    assert!(warning.contains("cannot read the previous run") && warning.contains("run.json"), "{}", run.stderr);
    assert_eq!(ran(&test), ["ok"]);
}
