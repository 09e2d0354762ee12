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
        "matrix": {},
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
        "matrix": {},
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

#[test]
fn dry_run_shows_every_placeholder_substituted() {
    // Each placeholder becomes something other than itself, so a dry run that printed the
    // commands as written (or substituted the wrong value) would not match.
    let sessions = r#"
[forge]
env-dir = "envs"
reports-dir = "out"

[sessions.unit]
python = ["3.12"]
commands = [
  "echo {posargs:none} {python} {session} {envdir} {root} {reports} {env:FORGE_DRY_RUN_SECRET}",
  "pytest {posargs:{root}/tests -q}",
]
"#;
    let mut test = Test::new().sessions(sessions).env("FORGE_DRY_RUN_SECRET", "s3cr3t-value");
    let run = test.rerun(&["-n", "--", "-k", "a b"]);
    run.assert_code(0);
    insta::assert_snapshot!(run.redacted(&run.stdout), @r"
    Plan: 1 session(s), at most 2 at once (dry run: nothing is run)

    level 0
      unit-3.12 (venv python 3.12; posargs: -k 'a b')
        $ echo -k 'a b' 3.12 unit-3.12 [ROOT]/envs/unit-3.12 [ROOT] [ROOT]/out '{env:FORGE_DRY_RUN_SECRET}'
        $ pytest -k 'a b'
    ");
    // Without posargs the defaults are used, placeholders in them substituted too; the
    // environment value is never shown, only its placeholder.
    let run = test.rerun(&["-n", "--reports-dir", "elsewhere"]);
    run.assert_code(0);
    let commands: Vec<String> =
        run.redacted(&run.stdout).lines().filter(|line| line.starts_with("    $ ")).map(str::to_owned).collect();
    assert_eq!(
        commands,
        [
            "    $ echo none 3.12 unit-3.12 [ROOT]/envs/unit-3.12 [ROOT] [ROOT]/elsewhere '{env:FORGE_DRY_RUN_SECRET}'",
            "    $ pytest [ROOT]/tests -q",
        ]
    );
    assert!(!run.stdout.contains("s3cr3t") && !run.stderr.contains("s3cr3t"), "{}", run.stdout);
}

#[test]
fn a_posargs_default_with_placeholders_runs_with_them_substituted() {
    // tox accepts `{posargs:{toxinidir}/tests}`; forge's spelling is `{posargs:{root}/tests}`.
    let sessions = "[sessions.a]\nvenv = false\ncommands = [\"python3 -c 'import sys; print(sys.argv[1:])' {posargs:{root}/tests -q}\"]\n";
    let mut test = Test::new().sessions(sessions);
    let run = test.rerun(&[]);
    run.assert_code(0);
    assert!(run.redacted(&run.stdout).contains("['[ROOT]/tests', '-q']"), "{}", run.stdout);
    let run = test.rerun(&["--", "x y"]);
    run.assert_code(0);
    assert!(run.stdout.contains("['x y']"), "{}", run.stdout);
}

/// Whether `text` holds an SGR escape sequence (`ESC [ … m`: colour or bold), as opposed to the
/// cursor movements a live display uses whatever the colour setting.
fn has_colour(text: &str) -> bool {
    text.match_indices("\u{1b}[").any(|(start, _)| {
        let rest = &text[start + 2..];
        let end = rest.find(|character: char| !(character.is_ascii_digit() || character == ';'));
        end.is_some_and(|end| rest[end..].starts_with('m'))
    })
}

/// Runs forge with `args` on a pseudo-terminal (util-linux `script`), with `TERM=xterm` and
/// `NO_COLOR` as given; returns what the terminal showed. Fails instead of hanging after 60 s.
fn on_terminal(test: &Test, args: &[&str], no_color: Option<&str>) -> String {
    use std::io::Read as _;
    let mut words = vec![env!("CARGO_BIN_EXE_forge")];
    words.extend_from_slice(args);
    let command_line = shlex::try_join(words).unwrap();
    let mut command = std::process::Command::new("script");
    command
        .args(["-qec", &command_line, "/dev/null"])
        .current_dir(test.root())
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped());
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    let mut child = command.spawn().expect("util-linux `script` runs (the pty tests need it)");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("forge on a terminal did not finish within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let shown = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    assert_eq!(status.code(), Some(1), "one session fails:\n{shown}");
    shown
}

const COLOURED: &str = r#"
[sessions.good]
venv = false
commands = [["echo", "fine"]]

[sessions.bad]
venv = false
commands = [["sh", "-c", "exit 1"]]
"#;

#[test]
fn color_always_and_never_override_the_environment() {
    // The builder sets NO_COLOR=1 and pipes the streams: `always` colours anyway, on both.
    let run = Test::new().sessions(COLOURED).args(&["-j", "2", "--color", "always"]).run();
    run.assert_code(1);
    assert!(has_colour(&run.stderr) && has_colour(&run.stdout), "{:?}\n{:?}", run.stderr, run.stdout);
    let test = Test::new().sessions(COLOURED);
    let shown = on_terminal(&test, &["-j", "2", "--color", "never"], None);
    assert!(!has_colour(&shown), "{shown:?}");
    assert!(shown.contains("FAIL") && shown.contains("PASS"), "{shown:?}");
}

#[test]
fn color_auto_colours_a_terminal_unless_no_color_is_set() {
    let test = Test::new().sessions(COLOURED);
    // The control: the same terminal, without NO_COLOR, is coloured.
    let coloured = on_terminal(&test, &["-j", "2"], None);
    assert!(has_colour(&coloured), "{coloured:?}");
    let plain = on_terminal(&test, &["-j", "2"], Some("1"));
    assert!(!has_colour(&plain), "{plain:?}");
    assert!(plain.contains("FAIL") && plain.contains("PASS"), "{plain:?}");
    // Not a terminal: no colour, unless CLICOLOR_FORCE asks for it (and NO_COLOR does not forbid it).
    let piped = Test::new().sessions(COLOURED).args(&["-j", "2"]).env_remove("NO_COLOR");
    let run = piped.run();
    assert!(!has_colour(&run.stderr) && !has_colour(&run.stdout), "{:?}", run.stderr);
    let forced = piped.env("CLICOLOR_FORCE", "1").run();
    assert!(has_colour(&forced.stderr), "{:?}", forced.stderr);
    let forbidden = Test::new().sessions(COLOURED).args(&["-j", "2"]).env("CLICOLOR_FORCE", "1").run();
    assert!(!has_colour(&forbidden.stderr) && !has_colour(&forbidden.stdout), "{:?}", forbidden.stderr);
}
