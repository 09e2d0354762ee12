//! The bad-config corpus: malformed and hostile sessions.toml files. Each one must make forge exit
//! 2 with a one-line `error:` naming the key, session or line at fault, never panic, and run
//! nothing.

use crate::support::{Run, Test};

mod cases;
mod v2_cases;

use cases::{CASES, Case, Input};

/// Writes the case's project, runs `forge -f sessions.toml ARGS`, and returns the run.
fn run_case(case: &Case) -> Run {
    let test = Test::new();
    let path = test.root().join("sessions.toml");
    match case.input {
        Input::Text(text) => std::fs::write(&path, text).unwrap(),
        Input::Bytes(bytes) => std::fs::write(&path, bytes).unwrap(),
        Input::Directory => std::fs::create_dir(&path).unwrap(),
    }
    let mut args = vec!["-f", "sessions.toml"];
    args.extend_from_slice(case.args);
    test.args(&args).run()
}

#[test]
fn every_bad_config_exits_2_with_a_specific_one_line_error() {
    let mut failures = Vec::new();
    for case in CASES.iter().chain(v2_cases::V2_CASES) {
        let run = run_case(case);
        let stderr = run.redacted(&run.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        let mut problems = Vec::new();
        if run.code != Some(2) {
            problems.push(format!("exit code {:?}, expected 2", run.code));
        }
        if !first.starts_with("error: ") {
            problems.push("stderr does not start with `error: `".to_owned());
        }
        if !first.contains(case.expected) {
            problems.push(format!("the error line does not contain {:?}", case.expected));
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            problems.push("forge panicked".to_owned());
        }
        if stderr.lines().skip(1).any(|line| !line.starts_with("hint: ")) {
            problems.push("more than an error line and a hint line".to_owned());
        }
        if run.root.join(".forge").exists() {
            problems.push("something ran: .forge/ exists".to_owned());
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}\n    stderr: {stderr:?}", case.name, problems.join("; ")));
        }
    }
    assert!(CASES.len() >= 30, "the corpus has {} cases", CASES.len());
    let total = CASES.len() + v2_cases::V2_CASES.len();
    assert!(failures.is_empty(), "{} of {total} cases failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn an_empty_file_lists_nothing_but_runs_nothing_with_status_2() {
    let test = Test::new().sessions("");
    let run = test.args(&["-l"]).run();
    run.assert_code(0);
    assert!(!run.stdout.lines().any(|line| line.starts_with("* ") || line.starts_with("- ")), "{}", run.stdout);
    let run = Test::new().sessions("").run();
    run.assert_code(2);
    assert!(!run.root.join(".forge/reports/run.json").exists(), "nothing ran");
}

fn stderr_of(text: &str) -> String {
    let run = Test::new().sessions(text).args(&["-l"]).run();
    run.assert_code(2);
    run.redacted(&run.stderr)
}

#[test]
fn representative_messages_read_well() {
    insta::assert_snapshot!(stderr_of("[sessions.lint]\ncommands = [\"ruff\"]\ndep = [\"ruff\"]\n"), @r"
    error: [ROOT]/sessions.toml:3:1: unknown key `dep` in [sessions.lint]
    hint: did you mean `deps`?
    ");
    insta::assert_snapshot!(stderr_of("[sessions.test]\npython = 3.10\n"), @r#"
    error: [ROOT]/sessions.toml:2:10: `sessions.test.python`: invalid type: float `3.1`, expected a version string such as "3.12" or an array of them
    hint: quote the version: python = "3.12" (unquoted, 3.10 would be read as 3.1)
    "#);
    insta::assert_snapshot!(stderr_of("[sessions.\"../../etc\"]\ncommands = [\"true\"]\n"), @r#"
    error: [ROOT]/sessions.toml:1: [sessions."../../etc"]: invalid session name: the name contains `/`
    hint: names use letters, digits, `-`, `_`, `:` and `.`, at most 100 characters, and do not start with `.` or `-`
    "#);
    insta::assert_snapshot!(stderr_of("[sessions.a]\nrequires = [\"b\"]\n[sessions.b]\nrequires = [\"c\"]\n[sessions.c]\nrequires = [\"a\"]\n"), @r"
    error: [ROOT]/sessions.toml:2: `requires` forms a cycle: a -> b -> c -> a
    hint: remove one of these `requires` entries (lines 2, 4, 6)
    ");
    insta::assert_snapshot!(stderr_of("[sessions.lint]\n[sessions.check]\nrequires = [\"lnit\"]\n"), @r"
    error: [ROOT]/sessions.toml:3: [sessions.check] requires: unknown session `lnit`
    hint: did you mean `lint`?
    ");
    insta::assert_snapshot!(stderr_of("[sessions.build.package]\ncommands = [\"uv build\"]\n"), @r#"
    error: [ROOT]/sessions.toml:1:17: unknown key `package` in [sessions.build]
    hint: a session name with a `.` must be quoted: [sessions."build.package"]
    "#);
    insta::assert_snapshot!(stderr_of("[sessions.lint]\ncommands = [\"- ruff check .\"]\n"), @r#"
    error: [ROOT]/sessions.toml:2: [sessions.lint] commands: `- ruff check .`: a leading `-` (tox's "ignore the exit status") is not supported
    hint: to ignore a failure, run the command through a shell: `sh -c 'ruff check . || true'`
    "#);
    insta::assert_snapshot!(stderr_of("[sessions.a]\ncommands = [\"pytest {pyhton} -x\"]\n"), @r"
    error: [ROOT]/sessions.toml:2: [sessions.a] commands: unknown placeholder `{pyhton}` at column 8 in `pytest {pyhton} -x`
    hint: did you mean `{python}`?
    ");
    insta::assert_snapshot!(stderr_of("[sessions.a]\njunit = [\"../victim.txt\"]\n"), @r"
    error: [ROOT]/sessions.toml:2: [sessions.a] junit: `../victim.txt`: `..` would leave the directory
    hint: write the path relative to the project root, or start it with `{reports}/` or `{root}/`
    ");
    insta::assert_snapshot!(stderr_of("[sessions.\"x.y\"]\nvenv = false\ncommands = [\"true\"]\nrequires = [\"x.y\"]\n"), @r#"
    error: [ROOT]/sessions.toml:4: [sessions."x.y"] requires: session `x.y` requires itself
    "#);
    insta::assert_snapshot!(stderr_of("[sessions.a]\ntimeout = 90\n"), @r#"
    error: [ROOT]/sessions.toml:2:11: `sessions.a.timeout`: invalid type: integer `90`, expected a duration string such as "90s", "10m" or "1h 30m"
    hint: write a duration with a unit: timeout = "90s"
    "#);
}

#[test]
fn hostile_values_stay_on_one_short_line() {
    let long_name = "x".repeat(5000);
    let text = format!("[sessions.a]\ncommands = [\"echo \\n\\u001b[2J {{{long_name}\"]\n");
    let run = Test::new().sessions(&text).args(&["-l"]).run();
    run.assert_code(2);
    let first = run.stderr.lines().next().unwrap();
    assert!(first.starts_with("error: ") && first.contains("unclosed `{`"), "{first}");
    assert!(first.chars().count() < 300, "{} characters", first.chars().count());
    assert!(!run.stderr.contains('\u{1b}'), "the escape character is shown escaped");
}

#[test]
fn a_huge_file_is_refused_without_reading_it_all() {
    let test = Test::new();
    let file = std::fs::File::create(test.root().join("sessions.toml")).unwrap();
    file.set_len(17 * 1024 * 1024).unwrap();
    let run = test.args(&["-l"]).run();
    run.assert_code(2);
    assert!(run.stderr.contains("is larger than 16 MiB"), "{}", run.stderr);
}

#[test]
fn a_missing_file_names_the_path() {
    let run = Test::new().args(&["-f", "nope/sessions.toml"]).run();
    run.assert_code(2);
    assert!(run.stderr.starts_with("error: cannot read "), "{}", run.stderr);
    assert!(run.stderr.contains("hint: check the path given to `-f`"), "{}", run.stderr);
}

#[test]
fn absurd_durations_on_the_command_line_are_usage_errors() {
    let test = Test::new().sessions("[sessions.a]\nvenv = false\ncommands = [[\"true\"]]\n");
    for flag in ["--timeout", "--grace"] {
        let run = test.command().args([flag, "500000000000y"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{flag}: {stderr}");
        assert!(stderr.contains("longer than the maximum of 365 days"), "{flag}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_deeply_nested_keyword_expression_is_an_error_not_a_crash() {
    let expression = "(".repeat(60_000);
    let run = Test::new().sessions("[sessions.a]\n").args(&["-n", "-k", &expression]).run();
    run.assert_code(2);
    assert!(
        run.stderr.starts_with("error: invalid keyword expression"),
        "{}",
        &run.stderr[..run.stderr.len().min(300)]
    );
}

#[test]
fn a_report_path_outside_the_project_is_refused_and_nothing_is_deleted() {
    // The project is a subdirectory, so `..` leads to a file the test owns.
    let session = "[sessions.a]\nvenv = false\ncommands = [\"true\"]\njunit = [\"../victim.txt\"]\n";
    let test = Test::new()
        .file("project/sessions.toml", session)
        .file("victim.txt", "keep me\n")
        .args(&["-f", "project/sessions.toml"]);
    let run = test.run();
    run.assert_code(2);
    assert!(
        run.stderr.starts_with("error: ") && run.stderr.contains("`..` would leave the directory"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(test.root().join("victim.txt")).unwrap(), "keep me\n");
    assert!(!test.root().join("project/.forge").exists(), "nothing ran");
}

#[test]
fn a_missing_requirements_file_stops_only_the_sessions_that_need_it() {
    let sessions = "[sessions.docs]\ncommands = [\"true\"]\nrequirements = [\"docs/requirements.txt\"]\n\n[sessions.lint]\nvenv = false\ncommands = [[\"echo\", \"lint ran\"]]\n";
    let mut test = Test::new().sessions(sessions);
    let run = test.rerun(&["-s", "docs", "-n"]);
    run.assert_code(2);
    assert_eq!(
        run.redacted(&run.stderr),
        "error: [ROOT]/sessions.toml:3: [sessions.docs] requirements: `docs/requirements.txt` does not exist\n\
         hint: requirements files are relative to the project root: create it or correct the path\n"
    );
    assert!(!run.root.join(".forge").exists(), "nothing ran");
    // A session that does not use the file runs, and listing works.
    test.rerun(&["-s", "lint"]).assert_code(0);
    test.rerun(&["-l"]).assert_code(0);
}

#[test]
fn a_fifo_given_as_sessions_toml_is_refused_without_blocking() {
    let test = Test::new().args(&["-f", "sessions.toml", "-l"]);
    let fifo = test.root().join("sessions.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let mut child = test.command().stderr(std::process::Stdio::piped()).spawn().unwrap();
    // Opening a FIFO for reading blocks until a writer comes: a forge that did would never end.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("forge blocked on a FIFO given as sessions.toml");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("sessions.toml is not a regular file (a FIFO)"),
        "{stderr}"
    );
}
