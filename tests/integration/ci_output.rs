//! `--ci`: GitHub Actions groups, annotations and job summary, GitLab sections, under the
//! variables the runners set, with the real forge, real uv and real pytest.

use std::process::Stdio;

use crate::support::Test;

/// A passing and a failing session, run one after the other.
const TWO: &str = r#"
[sessions.ok]
venv = false
commands = ["sh -c 'echo hello'"]

[sessions.bad]
venv = false
commands = ["sh -c 'echo oops; exit 3'"]
"#;

/// A pytest session whose JUnit file forge merges.
const PYTEST: &str = r#"
[sessions.pt]
deps = ["pytest"]
commands = ["python -m pytest tests -q -p no:cacheprovider --junitxml={reports}/pytest.xml"]
junit = ["{reports}/pytest.xml"]
"#;

/// Every `1.234s` as `Ts`, so that lines can be compared whole.
fn timeless(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(dot) = rest.find('.') {
        let (before, after) = rest.split_at(dot);
        let digits = before.chars().rev().take_while(char::is_ascii_digit).count();
        let frac = &after[1..];
        if digits > 0 && frac.len() > 3 && frac[..3].chars().all(|c| c.is_ascii_digit()) && frac[3..].starts_with('s') {
            out.push_str(&before[..before.len() - digits]);
            out.push_str("Ts");
            rest = &frac[4..];
        } else {
            out.push_str(before);
            out.push('.');
            rest = frac;
        }
    }
    out.push_str(rest);
    out
}

fn github(test: Test, summary: &std::path::Path) -> Test {
    test.env("GITHUB_ACTIONS", "true").env("GITHUB_STEP_SUMMARY", &summary.to_string_lossy())
}

fn lines(text: &str) -> Vec<String> {
    timeless(text).lines().map(str::to_owned).collect()
}

#[test]
fn github_groups_a_passing_session_and_leaves_a_failing_one_open_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let run = github(Test::new().sessions(TWO).args(&["-j", "1"]), &summary).run();
    run.assert_code(1);
    assert_eq!(
        lines(&run.stdout),
        [
            "::group::ok (PASS, Ts)",
            "$ sh -c 'echo hello'",
            "hello",
            "::endgroup::",
            "──── output of bad (FAIL, Ts) ────",
            "$ sh -c 'echo oops; exit 3'",
            "oops",
            "forge: `sh -c 'echo oops; exit 3'` exited with status 3",
            "──── end of bad ────",
            "::error title=bad::`sh -c 'echo oops; exit 3'` exited with status 3",
        ]
    );
    // Appended after what the earlier step wrote.
    assert_eq!(
        timeless(&std::fs::read_to_string(&summary).unwrap()),
        "# earlier step\n\n## forge: 2 sessions in Ts\n\n| session | status | duration |\n|---|---|---|\n\
         | ok | success | Ts |\n| bad | failed | Ts |\n\n"
    );
}

#[test]
fn a_failed_pytest_test_is_annotated_at_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let test = Test::new().sessions(PYTEST).file(
        "tests/test_x.py",
        "def test_ok():\n    assert 1 == 1\n\n\ndef test_fails():\n    x = 1\n    assert x == 2\n",
    );
    let run = github(test, &summary).run();
    run.assert_code(1);
    let errors: Vec<String> = lines(&run.stdout).into_iter().filter(|line| line.starts_with("::error")).collect();
    assert_eq!(
        errors,
        [
            format!(
                "::error title=pt::`python -m pytest tests -q -p no:cacheprovider '--junitxml={}/.forge/reports/pytest.xml'` exited with status 1",
                run.root.display()
            ),
            "::error file=tests/test_x.py,line=7,title=test_fails (pt%3A pytest)::assert 1 == 2".to_owned(),
        ]
    );
    let text = timeless(&std::fs::read_to_string(&summary).unwrap());
    assert!(text.ends_with("| pt | failed | Ts |\n\n**Tests:** 2 tests: 1 passed, 1 failed\n\n"), "{text}");
}

#[test]
fn annotations_stop_at_ten_and_a_notice_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let tests: String = (1..=12).map(|n| format!("def test_{n:02}():\n    assert {n} == 0\n\n\n")).collect();
    let run = github(Test::new().sessions(PYTEST).file("tests/test_many.py", &tests), &summary).run();
    run.assert_code(1);
    let commands: Vec<String> = lines(&run.stdout).into_iter().filter(|line| line.starts_with("::")).collect();
    let annotations: Vec<&String> =
        commands.iter().filter(|line| line.starts_with("::error") || line.starts_with("::notice")).collect();
    assert_eq!(annotations.len(), 11, "{annotations:#?}");
    assert!(annotations[0].starts_with("::error title=pt::"), "{}", annotations[0]);
    for (index, line) in annotations[1..10].iter().enumerate() {
        let n = index + 1;
        let line_number = 4 * n - 2;
        assert_eq!(
            **line,
            format!(
                "::error file=tests/test_many.py,line={line_number},title=test_{n:02} (pt%3A pytest)::assert {n} == 0"
            )
        );
    }
    // 1 session and 12 tests failed; 10 annotated.
    assert_eq!(
        *annotations[10],
        "::notice title=forge::3 more failures not annotated (at most 10); see the job's log and junit.xml"
    );
}

#[test]
fn data_and_properties_are_escaped() {
    // A JUnit file as pytest's xunit1 writes it (file/line attributes), with the characters the
    // workflow-command rules escape in the path, the name and the message.
    let xml = r#"<testsuites><testsuite name="odd"><testcase classname="a" name="t,1: x" file="dir,1/a:b.py" line="3"><failure message="100% wrong">text</failure></testcase></testsuite></testsuites>"#;
    let sessions = r#"
[sessions.canned]
venv = false
commands = ["cp {root}/canned.xml {reports}/canned.xml", "sh -c 'printf \"50%%\\n\"; exit 1'"]
junit = ["{reports}/canned.xml"]
"#;
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let run = github(Test::new().sessions(sessions).file("canned.xml", xml), &summary).run();
    run.assert_code(1);
    let errors: Vec<String> = lines(&run.stdout).into_iter().filter(|line| line.starts_with("::error")).collect();
    assert_eq!(
        errors[1], "::error file=dir%2C1/a%3Ab.py,line=3,title=t%2C1%3A x (canned%3A odd)::100%25 wrong",
        "{errors:#?}"
    );
}

#[test]
fn an_unwritable_summary_is_one_warning_and_the_exit_status_stays() {
    for (sessions, code) in [("[sessions.ok]\nvenv = false\ncommands = [\"true\"]\n", 0), (TWO, 1)] {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir/summary.md");
        let run = github(Test::new().sessions(sessions), &missing).run();
        run.assert_code(code);
        let warnings: Vec<&str> = run.stderr.lines().filter(|line| line.starts_with("warning:")).collect();
        assert_eq!(
            warnings,
            [format!(
                "warning: cannot append the job summary to {} ($GITHUB_STEP_SUMMARY): No such file or directory (os error 2)",
                missing.display()
            )]
        );
        assert!(!missing.parent().unwrap().exists());
    }
}

#[test]
fn ci_none_under_github_actions_prints_no_workflow_command() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let run = github(Test::new().sessions(TWO).args(&["--ci", "none"]), &summary).run();
    run.assert_code(1);
    let commands = run.stdout.lines().chain(run.stderr.lines()).filter(|line| line.starts_with("::")).count();
    assert_eq!(commands, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!summary.exists());
    // The same under FORGE_CI=none.
    let run = github(Test::new().sessions(TWO).env("FORGE_CI", "none"), &summary).run();
    assert_eq!(run.stdout.lines().filter(|line| line.starts_with("::")).count(), 0, "{}", run.stdout);
}

#[test]
fn gitlab_puts_each_block_in_a_section_collapsed_unless_it_failed() {
    let run = Test::new().sessions(TWO).args(&["-j", "1"]).env("GITLAB_CI", "true").run();
    run.assert_code(1);
    // Timestamps as `TS`.
    let text: String = timeless(&run.stdout)
        .split(':')
        .map(|part| if !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()) { "TS" } else { part })
        .collect::<Vec<_>>()
        .join(":");
    assert_eq!(
        text,
        "\x1b[0Ksection_start:TS:ok[collapsed=true]\r\x1b[0Kok (PASS, Ts)\n$ sh -c 'echo hello'\nhello\n\
         \x1b[0Ksection_end:TS:ok\r\x1b[0K\n\
         \x1b[0Ksection_start:TS:bad\r\x1b[0Kbad (FAIL, Ts)\n$ sh -c 'echo oops; exit 3'\noops\n\
         forge: `sh -c 'echo oops; exit 3'` exited with status 3\n\x1b[0Ksection_end:TS:bad\r\x1b[0K\n"
    );
}

#[test]
fn an_unknown_ci_is_a_usage_error_on_one_line() {
    let run = Test::new().sessions(TWO).args(&["--ci", "bogus"]).run();
    run.assert_code(2);
    assert_eq!(
        run.stderr,
        "error: invalid value 'bogus' for '--ci <CI>' [possible values: auto, github, gitlab, none]\n"
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn the_job_summary_has_the_coverage_total() {
    let sessions = r#"
[sessions.measured]
venv = false
commands = ["sh -c 'printf \"SF:calc.py\\nDA:1,1\\nDA:2,0\\nend_of_record\\n\" > {reports}/measured.lcov'"]
coverage = ["{reports}/measured.lcov"]
"#;
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let run = github(Test::new().sessions(sessions).file("calc.py", "a = 1\nb = 2\n"), &summary).run();
    run.assert_code(0);
    assert_eq!(
        timeless(&std::fs::read_to_string(&summary).unwrap()),
        "\n## forge: 1 session in Ts\n\n| session | status | duration |\n|---|---|---|\n\
         | measured | success | Ts |\n\n**Coverage:** 1/2 lines, 50.00%\n\n"
    );
}

#[test]
fn github_turns_colour_on_unless_no_color() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let coloured = github(Test::new().sessions(TWO), &summary).env_remove("NO_COLOR").run();
    // The FAIL label in red.
    assert!(coloured.stderr.contains("\x1b[31m"), "{:?}", coloured.stderr);
    let plain = github(Test::new().sessions(TWO), &summary).run();
    assert!(!plain.stderr.contains('\x1b') && !plain.stdout.contains('\x1b'), "{:?}", plain.stderr);
    let never = github(Test::new().sessions(TWO).args(&["--color", "never"]), &summary).env_remove("NO_COLOR").run();
    assert!(!never.stderr.contains('\x1b'), "{:?}", never.stderr);
    // Without CI, a pipe gets no colour.
    let piped = Test::new().sessions(TWO).env_remove("NO_COLOR").run();
    assert!(!piped.stderr.contains('\x1b'), "{:?}", piped.stderr);
}

#[test]
fn a_summary_fifo_nobody_reads_is_a_warning_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("summary.fifo");
    let path = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let test = github(Test::new().sessions("[sessions.ok]\nvenv = false\ncommands = [\"true\"]\n"), &fifo);
    // Bounded: a forge that blocked opening the FIFO is killed at the deadline and fails here.
    let child = test.command().stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (code, stdout, stderr) = crate::support::output_within(child);
    let run = crate::support::Run::of(&test, code, stdout, stderr);
    run.assert_code(0);
    let warnings: Vec<&str> = run.stderr.lines().filter(|line| line.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        [format!(
            "warning: cannot append the job summary to {} ($GITHUB_STEP_SUMMARY): No such device or address (os error 6)",
            fifo.display()
        )]
    );
}

#[test]
fn quiet_leaves_out_the_groups_of_sessions_that_passed() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let run = github(Test::new().sessions(TWO).args(&["-q", "-j", "1"]), &summary).run();
    run.assert_code(1);
    assert_eq!(
        lines(&run.stdout),
        [
            "──── output of bad (FAIL, Ts) ────",
            "$ sh -c 'echo oops; exit 3'",
            "oops",
            "forge: `sh -c 'echo oops; exit 3'` exited with status 3",
            "──── end of bad ────",
            "::error title=bad::`sh -c 'echo oops; exit 3'` exited with status 3",
        ]
    );
}
