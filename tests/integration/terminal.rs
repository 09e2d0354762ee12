//! stdin and the terminal: a single session may read input (a REPL, `pytest --pdb`), parallel
//! sessions get /dev/null.

use std::io::Write;
use std::process::Stdio;

use crate::support::Test;

const ASK: &str = r#"
[sessions.ask]
venv = false
commands = [["python3", "-c", "import sys; line = sys.stdin.readline(); print('got', repr(line.strip()))"]]

[sessions.other]
venv = false
commands = [["python3", "-c", "import sys; print('other got', repr(sys.stdin.read()))"]]
"#;

#[test]
fn a_single_session_reads_forges_stdin() {
    let test = Test::new().sessions(ASK).args(&["-s", "ask"]);
    let mut child = test.command().stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"alice\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("got 'alice'"));
}

#[test]
fn a_single_session_owns_the_terminal() {
    // `script` gives forge a pseudo-terminal as stdin; the session must be able to read from it
    // (it is made the terminal's foreground process group) instead of being stopped by SIGTTIN.
    let test = Test::new().sessions(ASK);
    let forge = env!("CARGO_BIN_EXE_forge");
    let mut child = std::process::Command::new("script")
        .args(["-qec", &format!("{forge} -s ask --color never"), "/dev/null"])
        .current_dir(test.root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"bob\n").unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("got 'bob'"), "{stdout}");
}

#[test]
fn parallel_sessions_get_no_stdin() {
    let test = Test::new().sessions(ASK).args(&["-s", "ask", "other", "-j", "2", "-v"]);
    let mut child = test.command().stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    // Keep forge's stdin open: if a session read it, it would wait for input and never finish.
    let stdin = child.stdin.take().unwrap();
    let output = child.wait_with_output().unwrap();
    drop(stdin);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("got ''") && stdout.contains("other got ''"), "{stdout}");
}
