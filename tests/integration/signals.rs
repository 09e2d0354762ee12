//! Signals and the grace period: SIGINT, SIGTERM and SIGHUP stop a run (128+N, reports written),
//! a command that ignores the signal is SIGKILLed after `--grace`, and a second signal kills at
//! once. Each test checks what the contract promises — the processes are gone, run.json says
//! `interrupted` — not only forge's exit status. The commands announce each step in a file and
//! the tests wait for those files (bounded by `DEADLINE`), never for time to pass.

use std::process::Stdio;

use crate::support::{KillGroupOnDrop, Lines, Test, send_signal, wait_for_exit, wait_for_file, wait_until_gone};

/// run.json of `test`'s default reports directory.
fn run_json(test: &Test) -> serde_json::Value {
    let text = std::fs::read_to_string(test.root().join(".forge/reports/run.json")).expect("run.json written");
    serde_json::from_str(&text).expect("run.json is JSON")
}

/// The two pids in `pids`, written by the command once it is ready: its own (which is its
/// process group's) and its child's; and a guard that kills the group should the test fail.
fn pids(test: &Test) -> (i32, i32, KillGroupOnDrop) {
    let text = wait_for_file(&test.root().join("pids"));
    let mut words = text.split_whitespace().map(|word| word.parse::<i32>().expect("a pid"));
    let command = words.next().expect("the command's pid");
    (command, words.next().expect("its child's pid"), KillGroupOnDrop(command))
}

/// The command leads its own process group and leaves a background child in it.
const GRANDCHILD: &str = r#"
[sessions.serve]
venv = false
commands = ["sh -c 'sleep 1000 & echo $$ $! > pids; wait'"]
"#;

fn interrupt_with(number: i32, name: &str, expected_code: i32) {
    let test = Test::new().sessions(GRANDCHILD).args(&["-s", "serve", "--grace", "5s"]);
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = Lines::new(forge.stderr.take().unwrap());
    let (command, grandchild, _guard) = pids(&test);
    send_signal(forge.id(), number);
    assert_eq!(wait_for_exit(&mut forge), Some(expected_code), "{name} ends the run with 128+{number}");
    wait_until_gone(&[command, grandchild], Some(command));
    let stderr = stderr.rest();
    assert!(stderr.contains("INTERRUPTED") && stderr.contains("serve"), "{stderr}");
    let run = run_json(&test);
    assert_eq!(run["sessions"][0]["status"], "interrupted", "{run:#}");
    assert_eq!(run["interrupted_by"], name, "{run:#}");
}

#[test]
fn sigint_stops_the_session_and_its_grandchildren() {
    interrupt_with(libc::SIGINT, "SIGINT", 130);
}

#[test]
fn sigterm_stops_the_session_and_its_grandchildren() {
    interrupt_with(libc::SIGTERM, "SIGTERM", 143);
}

#[test]
fn sighup_stops_the_session_and_its_grandchildren() {
    // A closed terminal or SSH session: 129, with the reports written like any interruption.
    interrupt_with(libc::SIGHUP, "SIGHUP", 129);
}

/// A command ignoring SIGTERM, with a child that ignores it too (an ignored signal stays ignored
/// across fork and exec): only SIGKILL ends either.
const IGNORES_SIGTERM: &str = r#"
[sessions.stubborn]
venv = false
TIMEOUT
commands = ["sh -c 'trap \"\" TERM; sleep 1000 & echo $$ $! > pids; wait'"]
"#;

#[test]
fn a_command_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let test = Test::new().sessions(&IGNORES_SIGTERM.replace("TIMEOUT", "")).args(&["-s", "stubborn", "--grace", "1s"]);
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let (command, grandchild, _guard) = pids(&test);
    send_signal(forge.id(), libc::SIGTERM);
    // SIGTERM alone cannot end this run: only the SIGKILL after the 1s grace can, well within the
    // deadline.
    assert_eq!(wait_for_exit(&mut forge), Some(143), "forge exits once the grace period has passed");
    wait_until_gone(&[command, grandchild], Some(command));
    let run = run_json(&test);
    assert_eq!(run["sessions"][0]["status"], "interrupted", "{run:#}");
    assert_eq!(run["interrupted_by"], "SIGTERM", "{run:#}");
}

#[test]
fn a_command_past_its_timeout_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let test = Test::new()
        .sessions(&IGNORES_SIGTERM.replace("TIMEOUT", "timeout = \"1s\""))
        .args(&["-s", "stubborn", "--grace", "1s"]);
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = Lines::new(forge.stderr.take().unwrap());
    let (command, grandchild, _guard) = pids(&test);
    assert_eq!(wait_for_exit(&mut forge), Some(1), "a timed-out session fails the run");
    wait_until_gone(&[command, grandchild], Some(command));
    let stderr = stderr.rest();
    assert!(stderr.contains("timed out after 1s"), "{stderr}");
    assert_eq!(run_json(&test)["sessions"][0]["status"], "error");
}

#[test]
fn the_grace_period_lets_a_command_clean_up_before_it_ends() {
    // The command's SIGTERM handler waits for the test's go-ahead, then exits on its own. With an
    // hour's grace that go-ahead, not a SIGKILL, ends it; a SIGKILL sent early would leave no
    // `cleaned` file behind.
    let sessions = r#"
[sessions.tidy]
venv = false
commands = ["sh -c 'trap \"echo > got-term; while [ ! -e proceed ]; do sleep 0.05; done; echo > cleaned; exit 0\" TERM; sleep 1000 & echo $$ $! > pids; wait'"]
"#;
    let test = Test::new().sessions(sessions).args(&["-s", "tidy", "--grace", "1h"]);
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let (command, _, _guard) = pids(&test);
    send_signal(forge.id(), libc::SIGTERM);
    let deadline = std::time::Instant::now() + crate::support::DEADLINE;
    while !test.root().join("got-term").exists() {
        assert!(forge.try_wait().unwrap().is_none(), "forge ended the run before the command's SIGTERM handler ran");
        assert!(std::time::Instant::now() < deadline, "the command never got SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::fs::write(test.root().join("proceed"), "").unwrap();
    assert_eq!(wait_for_exit(&mut forge), Some(143));
    assert!(test.root().join("cleaned").exists(), "the command was killed during its grace period");
    wait_until_gone(&[command], Some(command));
    assert_eq!(run_json(&test)["sessions"][0]["status"], "interrupted");
}

#[test]
fn the_default_grace_period_is_ten_seconds() {
    // Waiting out ten real seconds would prove nothing more than the help does: the default is
    // what clap parses when --grace is absent (and src/cli.rs has the unit test of that).
    let run = Test::new().args(&["--help"]).run();
    run.assert_code(0);
    let grace = run.stdout.split("--grace").nth(1).expect("--grace in --help");
    let grace = &grace[..grace.find("\n  -").unwrap_or(grace.len())];
    assert!(grace.contains("[default: 10s]"), "--grace shows its default: {grace}");
}

/// The command traps SIGINT and SIGTERM (noting each in `got-signal`) and keeps going; its
/// background child ignores them (a non-interactive shell's background jobs ignore SIGINT, and
/// the trap makes the shell survive the group's SIGTERM).
const STUBBORN: &str = r#"
[sessions.stubborn]
venv = false
commands = ["sh -c 'trap \"echo >> got-signal\" INT TERM; sleep 1000 & echo $$ $! > pids; while :; do sleep 0.1; done'"]
"#;

fn a_second_signal_kills(first: i32, second: i32, name: &str, expected_code: i32) {
    // With an hour's grace, only the second signal can end this run before the deadline.
    let test = Test::new().sessions(STUBBORN).args(&["-s", "stubborn", "--grace", "1h"]);
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let (command, grandchild, _guard) = pids(&test);
    send_signal(forge.id(), first);
    // The command has seen the first signal, so forge has handled it: the second is a second.
    wait_for_file(&test.root().join("got-signal"));
    assert!(forge.try_wait().unwrap().is_none(), "the first signal alone does not end the run");
    send_signal(forge.id(), second);
    assert_eq!(wait_for_exit(&mut forge), Some(expected_code), "the first signal names the exit status");
    wait_until_gone(&[command, grandchild], Some(command));
    let run = run_json(&test);
    assert_eq!(run["sessions"][0]["status"], "interrupted", "{run:#}");
    assert_eq!(run["interrupted_by"], name, "{run:#}");
}

#[test]
fn a_second_sigint_kills_a_session_that_survives_the_first() {
    a_second_signal_kills(libc::SIGINT, libc::SIGINT, "SIGINT", 130);
}

#[test]
fn a_second_sigterm_kills_a_session_that_survives_the_first() {
    a_second_signal_kills(libc::SIGTERM, libc::SIGTERM, "SIGTERM", 143);
}

#[test]
fn an_env_build_interrupted_by_a_signal_is_left_incomplete() {
    // A wrapper around the real uv that announces the install and then hangs in it, so the
    // signal is certain to arrive mid-build.
    let test = Test::new()
        .sessions("[sessions.check]\ndeps = [\"iniconfig\"]\ncommands = [\"python -c pass\"]\n")
        .uv_wrapper("echo > installing; exec sleep 1000")
        .args(&["-s", "check", "--grace", "5s"]);
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    wait_for_file(&test.root().join("installing"));
    send_signal(forge.id(), libc::SIGINT);
    assert_eq!(wait_for_exit(&mut forge), Some(130));
    let env = test.env_dir().join("check");
    assert!(env.join("bin/python").exists(), "the env was half built");
    assert!(!env.join(".forge-env.json").exists(), "no completion marker: it will be rebuilt");
    let run = run_json(&test);
    assert_eq!(run["sessions"][0]["status"], "interrupted");
    assert_eq!(run["interrupted_by"], "SIGINT");
}

#[test]
fn a_signal_ends_a_wait_for_another_forges_env_lock() {
    let test = Test::new().sessions("[sessions.t]\ncommands = [\"python -c pass\"]\n").args(&["-s", "t", "-j", "2"]);
    // This test plays the other forge process: it holds the env's lock for the whole test.
    let locks = test.env_dir().join(".locks");
    std::fs::create_dir_all(&locks).unwrap();
    let held = std::fs::File::create(locks.join("t.lock")).unwrap();
    held.lock().unwrap();
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stderr = Lines::new(forge.stderr.take().unwrap());
    stderr.wait_for("saying forge waits for the lock", |line| line.contains("waiting for another forge"));
    send_signal(forge.id(), libc::SIGINT);
    assert_eq!(wait_for_exit(&mut forge), Some(130), "forge exits although the lock is still held");
    assert_eq!(run_json(&test)["sessions"][0]["status"], "interrupted");
    drop(held);
}
