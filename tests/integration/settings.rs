//! Settings precedence (command line > `FORGE_*` > `[forge]` > default), forge driven in-process,
//! and `FORGE_LOG` diagnostics kept apart from the display.

use crate::support::Test;

const JOBS: &str = r#"
[forge]
jobs = 3

[sessions.a]
venv = false
commands = ["true"]
"#;

fn planned_jobs(test: Test) -> String {
    let run = test.args(&["-n"]).run();
    run.assert_code(0);
    run.stdout.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn the_command_line_beats_the_environment_which_beats_the_file() {
    assert_eq!(
        planned_jobs(Test::new().sessions(JOBS)),
        "Plan: 1 session(s), at most 3 at once (dry run: nothing is run)"
    );
    assert_eq!(
        planned_jobs(Test::new().sessions(JOBS).env("FORGE_JOBS", "2")),
        "Plan: 1 session(s), at most 2 at once (dry run: nothing is run)"
    );
    assert_eq!(
        planned_jobs(Test::new().sessions(JOBS).env("FORGE_JOBS", "2").args(&["-j", "1"])),
        "Plan: 1 session(s), at most 1 at once (dry run: nothing is run)"
    );
}

#[test]
fn a_bad_forge_variable_is_a_usage_error_naming_it() {
    let run = Test::new().sessions(JOBS).env("FORGE_JOBS", "many").args(&["-n"]).run();
    run.assert_code(2);
    assert!(run.stderr.contains("invalid value 'many' for '--jobs <N>'"), "{}", run.stderr);
}

#[test]
fn the_reports_directory_comes_from_the_environment_when_the_command_line_names_none() {
    let test = Test::new().sessions(JOBS).env("FORGE_REPORTS_DIR", "from-env");
    let run = test.run();
    run.assert_code(0);
    assert!(run.root.join("from-env/run.json").is_file());
    assert!(!run.root.join(".forge/reports/run.json").exists());
    let run = test.args(&["--reports-dir", "from-cli"]).run();
    run.assert_code(0);
    assert!(run.root.join("from-cli/run.json").is_file());
}

#[test]
fn forge_can_be_driven_in_process() {
    let test = Test::new().sessions(JOBS);
    let file = test.root().join("sessions.toml");
    let file = file.to_str().unwrap();
    assert_eq!(forge::run(["forge", "-l", "-f", file]), std::process::ExitCode::SUCCESS);
    assert_eq!(forge::run(["forge", "-s", "nope", "-f", file]), std::process::ExitCode::from(2));
    assert_eq!(forge::run(["forge", "--no-such-flag"]), std::process::ExitCode::from(2));
}

#[test]
fn forge_log_shows_decisions_on_stderr_and_leaves_the_display_alone() {
    let test = Test::new().sessions(JOBS).args(&["-s", "a"]);
    let quiet = test.run();
    quiet.assert_code(0);
    assert!(!quiet.stderr.contains("planned"), "{}", quiet.stderr);
    let logged = Test::new().sessions(JOBS).args(&["-s", "a"]).env("FORGE_LOG", "debug").run();
    logged.assert_code(0);
    assert!(logged.stderr.contains("planned") && logged.stderr.contains("spawned"), "{}", logged.stderr);
    assert_eq!(logged.stdout, quiet.stdout);
    let display: Vec<&str> = logged.stderr.lines().filter(|line| !line.contains("forge::")).collect();
    assert_eq!(display.len(), quiet.stderr.lines().count(), "{}", logged.stderr);
}
