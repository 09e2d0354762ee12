//! Selection, listing, the DAG and configuration errors: `venv = false` sessions, so they are fast.

use crate::support::Test;

const SIMPLE: &str = r#"
[forge]
default = ["lint"]

[sessions.lint]
description = "Lint"
venv = false
tags = ["check"]
commands = [["echo", "lint ran"]]

[sessions.typecheck]
venv = false
tags = ["check"]
commands = [["echo", "typecheck ran"]]

[sessions.test]
description = "Tests"
python = ["3.11", "3.12"]
venv = false
requires = ["lint"]
commands = [["echo", "test {python}"]]

[sessions.slow-test]
venv = false
commands = [["echo", "slow"]]
"#;

#[test]
fn list_marks_defaults_and_expands_instances() {
    let run = Test::new().sessions(SIMPLE).args(&["-l"]).run();
    run.assert_code(0);
    insta::assert_snapshot!(run.redacted(&run.stdout), @r"
    Sessions defined in [ROOT]/sessions.toml:

    * lint       Lint
    - typecheck  
    - test-3.11  Tests
    - test-3.12  Tests
    - slow-test  

    sessions marked with * are selected by default; run them with `forge`, or one with `forge -s NAME`
    ");
}

#[test]
fn list_json_is_a_ci_matrix() {
    let run = Test::new().sessions(SIMPLE).args(&["-l", "--json", "-s", "test"]).run();
    run.assert_code(0);
    insta::assert_snapshot!(run.stdout, @r#"
    [
      {
        "name": "test-3.11",
        "session": "test",
        "python": "3.11",
        "description": "Tests",
        "tags": [],
        "requires": [
          "lint"
        ],
        "default": false
      },
      {
        "name": "test-3.12",
        "session": "test",
        "python": "3.12",
        "description": "Tests",
        "tags": [],
        "requires": [
          "lint"
        ],
        "default": false
      }
    ]
    "#);
}

#[test]
fn bare_forge_runs_the_defaults() {
    let run = Test::new().sessions(SIMPLE).run();
    run.assert_code(0);
    assert_eq!(run.session_names(), ["lint"]);
    assert!(run.stdout.contains("lint ran"), "{}", run.stdout);
}

#[test]
fn selection_by_name_tag_keyword_and_python() {
    let test = Test::new().sessions(SIMPLE);
    let mut test = test;
    // A base name selects every instance, and requirements come first.
    assert_eq!(test.rerun(&["-s", "test"]).assert_code(0).session_names(), ["lint", "test-3.11", "test-3.12"]);
    // An instance name selects one instance.
    assert_eq!(test.rerun(&["-s", "test-3.12"]).assert_code(0).session_names(), ["lint", "test-3.12"]);
    assert_eq!(test.rerun(&["-t", "check"]).assert_code(0).session_names(), ["lint", "typecheck"]);
    assert_eq!(test.rerun(&["-k", "lint or typecheck"]).assert_code(0).session_names(), ["lint", "typecheck"]);
    assert_eq!(test.rerun(&["-k", "not test and not lint"]).assert_code(0).session_names(), ["typecheck"]);
    assert_eq!(test.rerun(&["-s", "test", "-p", "3.12"]).assert_code(0).session_names(), ["lint", "test-3.12"]);
    assert_eq!(test.rerun(&["-s", "test", "--no-deps"]).assert_code(0).session_names(), ["test-3.11", "test-3.12"]);
}

#[test]
fn unknown_session_is_a_usage_error_with_the_nearest_name() {
    let run = Test::new().sessions(SIMPLE).args(&["-s", "tset"]).run();
    run.assert_code(2);
    insta::assert_snapshot!(run.stderr, @r"
    error: unknown session `tset`
    hint: did you mean `test`?
    ");
    assert!(!run.root.join(".forge/reports/run.json").exists(), "nothing ran");
}

#[test]
fn the_summary_shows_status_duration_and_how_to_rerun_failures() {
    let sessions = r#"
[sessions.good]
venv = false
commands = [["echo", "fine"]]

[sessions.bad]
venv = false
commands = ["sh -c 'echo something broke; exit 3'"]

[sessions.after-bad]
venv = false
requires = ["bad"]
commands = [["echo", "never"]]
"#;
    let run = Test::new().sessions(sessions).args(&["-j", "2"]).run();
    run.assert_code(1);
    // Without a terminal: no spinners, a line per finished session (in finishing order, which
    // two parallel sessions do not fix), then the summary in plan order.
    let stderr = run.redacted(&run.stderr);
    let (streamed, summary) = stderr.split_once("────────────\n").expect("a summary");
    let mut streamed: Vec<&str> = streamed.lines().collect();
    streamed.sort_unstable();
    assert_eq!(
        streamed,
        [
            "       FAIL [DURATION] bad (`sh -c 'echo something broke; exit 3'` exited with status 3)",
            "       PASS [DURATION] good",
            "       SKIP            after-bad (requirement `bad` failed)",
        ]
    );
    // The summary lists what needs a look, as nextest's does.
    insta::assert_snapshot!(summary, @r"
        Summary [DURATION] 3 sessions: 1 succeeded, 1 failed, 1 skipped
           FAIL [DURATION] bad (`sh -c 'echo something broke; exit 3'` exited with status 3)
           SKIP            after-bad (requirement `bad` failed)
    To re-run the failure alone:
      forge -s bad --no-deps
    ");
    // Each failure's output is shown as one block.
    insta::assert_snapshot!(run.redacted(&run.stdout), @r"
    ──── output of bad ────
    $ sh -c 'echo something broke; exit 3'
    something broke
    forge: `sh -c 'echo something broke; exit 3'` exited with status 3
    ──── end of bad (log: [ROOT]/.forge/reports/logs/bad.log) ────
    ");
}

#[test]
fn sessions_toml_is_found_from_a_subdirectory() {
    let run =
        Test::new().sessions(SIMPLE).file("src/pkg/module.py", "").current_dir("src/pkg").args(&["-s", "lint"]).run();
    run.assert_code(0);
    assert!(run.stdout.contains("lint ran"), "{}", run.stdout);
    assert!(run.root.join(".forge/reports/run.json").exists(), "reports go next to sessions.toml");
}

#[test]
fn no_sessions_toml_is_a_usage_error() {
    let run = Test::new().args(&["-l"]).run();
    run.assert_code(2);
    assert!(run.stderr.starts_with("error: no sessions.toml in "), "{}", run.stderr);
    assert!(run.stderr.contains("hint: create a sessions.toml"), "{}", run.stderr);
}

#[test]
fn the_rerun_hint_keeps_the_posargs() {
    let sessions = "[sessions.\"build:1\"]\nvenv = false\ncommands = [\"sh -c 'exit 1' {posargs}\"]\n";
    let run = Test::new().sessions(sessions).args(&["-s", "build:1", "--", "-k", "a b"]).run();
    run.assert_code(1);
    assert!(run.stderr.contains("forge -s build:1 --no-deps -- -k 'a b'"), "{}", run.stderr);
}

#[test]
fn python_filter_matching_no_instance_is_a_usage_error() {
    let run = Test::new().sessions(SIMPLE).args(&["-s", "test", "lint", "-p", "3.99"]).run();
    run.assert_code(2);
    assert!(run.stderr.starts_with("error: no session matches -s test lint, -p 3.99"), "{}", run.stderr);
}

#[test]
fn python_filter_reaches_through_sessions_that_name_no_interpreter() {
    let sessions = r#"
[forge]
python = "3.11"

[sessions.unit]
python = ["3.11", "3.12"]
venv = false
commands = [["echo", "unit {python}"]]

[sessions.lint]
commands = ["python -c pass"]

[sessions.check]
requires = ["unit", "lint"]

[sessions.release]
venv = false
requires = ["check"]
commands = [["echo", "release"]]
"#;
    let mut test = Test::new().sessions(sessions);
    // `release` and `check` name no interpreter; `lint` runs on [forge] python, 3.11.
    let planned = test.rerun(&["-s", "release", "-p", "3.12", "-n"]).assert_code(0).stdout.clone();
    assert!(planned.contains("unit-3.12") && !planned.contains("unit-3.11") && !planned.contains("lint"), "{planned}");
    let planned = test.rerun(&["-s", "release", "-p", "3.11", "-n"]).assert_code(0).stdout.clone();
    assert!(planned.contains("unit-3.11") && planned.contains("lint") && !planned.contains("unit-3.12"), "{planned}");
}
