//! stdin and the terminal: a single session may read input (a REPL, `pytest --pdb`), parallel
//! sessions get /dev/null, and Ctrl-C typed at a terminal interrupts. A regression here tends to
//! hang (a session stopped by SIGTTIN, or waiting for input that never comes), so every wait is
//! bounded by `DEADLINE` and fails with what was read so far.

use std::io::Write;
use std::process::{Child, Stdio};

use crate::support::{Lines, Test, output_within, wait_for_exit, wait_for_file};

const ASK: &str = r#"
[sessions.ask]
venv = false
commands = [["python3", "-c", "import sys; line = sys.stdin.readline(); print('got', repr(line.strip()))"]]

[sessions.other]
venv = false
commands = [["python3", "-c", "import sys; print('other got', repr(sys.stdin.read()))"]]
"#;

/// forge in a pseudo-terminal (`script`), its input written by the test: Ctrl-C is a `\x03`
/// typed at the terminal, which the terminal turns into SIGINT for the foreground group.
fn forge_on_a_terminal(test: &Test, args: &str) -> Child {
    std::process::Command::new("script")
        .args(["-qec", &format!("{} {args} --color never", env!("CARGO_BIN_EXE_forge")), "/dev/null"])
        .current_dir(test.root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn run_json(test: &Test) -> serde_json::Value {
    let text = std::fs::read_to_string(test.root().join(".forge/reports/run.json")).expect("run.json written");
    serde_json::from_str(&text).expect("run.json is JSON")
}

#[test]
fn a_single_session_reads_forges_stdin() {
    let test = Test::new().sessions(ASK).args(&["-s", "ask"]);
    let mut child = test.command().stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"alice\n").unwrap();
    let (code, stdout, _) = output_within(child);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("got 'alice'"), "{stdout}");
}

#[test]
fn a_single_session_owns_the_terminal() {
    // `script` gives forge a pseudo-terminal as stdin; the session must be able to read from it
    // (it is in the terminal's foreground process group) instead of being stopped by SIGTTIN.
    let test = Test::new().sessions(ASK);
    let mut child = forge_on_a_terminal(&test, "-s ask");
    child.stdin.as_mut().unwrap().write_all(b"bob\n").unwrap();
    // The terminal stays open (stdin is kept) until forge has exited: an EOF must not be what
    // unblocks a session stuck on the terminal.
    let stdin = child.stdin.take();
    let (code, stdout, _) = output_within(child);
    drop(stdin);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("got 'bob'"), "{stdout}");
}

#[test]
fn parallel_sessions_get_no_stdin() {
    let test = Test::new().sessions(ASK).args(&["-s", "ask", "other", "-j", "2", "-v"]);
    let mut child = test.command().stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    // Keep forge's stdin open: if a session read it, it would wait for input and never finish.
    let stdin = child.stdin.take().unwrap();
    let (code, stdout, _) = output_within(child);
    drop(stdin);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("got ''") && stdout.contains("other got ''"), "{stdout}");
}

#[test]
fn ctrl_c_on_the_terminal_interrupts_a_session_that_catches_it() {
    // Like pytest: KeyboardInterrupt is caught and the process exits 2. The run is still
    // interrupted (130), not failed (nox#139).
    let sessions = r#"
[sessions.catches]
venv = false
commands = [["python3", "-c", "import pathlib, time\npathlib.Path('ready').write_text('1\\n')\ntry:\n    time.sleep(100)\nexcept KeyboardInterrupt:\n    raise SystemExit(2)"]]
"#;
    let test = Test::new().sessions(sessions);
    let mut terminal = forge_on_a_terminal(&test, "-s catches");
    let output = Lines::new(terminal.stdout.take().unwrap());
    wait_for_file(&test.root().join("ready"));
    terminal.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    assert_eq!(wait_for_exit(&mut terminal), Some(130), "{}", output.rest());
    assert_eq!(run_json(&test)["sessions"][0]["status"], "interrupted");
}

#[test]
fn a_second_ctrl_c_on_the_terminal_kills_a_session_that_ignores_it() {
    let sessions = r#"
[sessions.ignores]
venv = false
commands = [["python3", "-c", "import os, pathlib, signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\npathlib.Path('ready').write_text(str(os.getpid()) + '\\n')\ntime.sleep(100)"]]
"#;
    let test = Test::new().sessions(sessions);
    let mut terminal = forge_on_a_terminal(&test, "-s ignores --grace 1h");
    let mut output = Lines::new(terminal.stdout.take().unwrap());
    let command: i32 = wait_for_file(&test.root().join("ready")).trim().parse().unwrap();
    terminal.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    output.wait_for("acknowledging the first Ctrl-C", |line| line.contains("received SIGINT"));
    terminal.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    assert_eq!(wait_for_exit(&mut terminal), Some(130), "the second Ctrl-C ends the run despite an hour's grace");
    crate::support::wait_until_gone(&[command], None);
    assert_eq!(run_json(&test)["sessions"][0]["status"], "interrupted");
}
