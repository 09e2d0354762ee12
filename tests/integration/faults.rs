//! forge under faults: signals, timeouts, retries, `--max-fail`, concurrent runs, huge output.
//! Every wait here is for a condition (a file, a line, an exit) with a generous deadline whose
//! only purpose is to turn a hang into a failure; nothing asserts on elapsed time.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::Test;

/// Turns a hang into a failure; never a performance threshold.
const HANG: Duration = Duration::from_secs(60);

fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + HANG;
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(Instant::now() < deadline, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_for_exit(child: &mut Child) -> Option<i32> {
    let deadline = Instant::now() + HANG;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("forge did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is a live process (a zombie awaiting its reaper counts as gone).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

fn signal(child: &Child, number: i32) {
    let result = unsafe { libc::kill(child.id() as i32, number) };
    assert_eq!(result, 0);
}

const GRANDCHILD: &str = r#"
[sessions.serve]
venv = false
commands = ["sh -c 'sleep 1000 & echo $! > grandchild.pid; wait'"]
"#;

fn interrupt_with(number: i32, expected_code: i32) {
    let test = Test::new().sessions(GRANDCHILD).args(&["-s", "serve", "--grace", "5s"]);
    let mut forge = test.command().stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let grandchild: i32 = wait_for_file(&test.root().join("grandchild.pid")).trim().parse().unwrap();
    assert!(alive(grandchild));
    signal(&forge, number);
    let code = wait_for_exit(&mut forge);
    assert_eq!(code, Some(expected_code));
    assert!(!alive(grandchild), "the grandchild {grandchild} died with its session");
    let mut stderr = String::new();
    std::io::Read::read_to_string(forge.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("INTERRUPTED") && stderr.contains("serve"), "{stderr}");
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(test.root().join(".forge/reports/run.json")).unwrap()).unwrap();
    assert_eq!(run["sessions"][0]["status"], "interrupted");
}

#[test]
fn sigint_stops_the_session_and_its_grandchildren() {
    interrupt_with(libc::SIGINT, 130);
}

#[test]
fn sigterm_stops_the_session_and_its_grandchildren() {
    interrupt_with(libc::SIGTERM, 143);
}

#[test]
fn a_second_sigint_kills_a_child_that_ignores_the_first() {
    let sessions = r#"
[sessions.stubborn]
venv = false
commands = [["python3", "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); open('ready', 'w').write('1\\n'); time.sleep(1000)"]]
"#;
    // With an hour's grace, only the second signal can end this run before the test's deadline.
    let test = Test::new().sessions(sessions).args(&["-s", "stubborn", "--grace", "1h"]);
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    wait_for_file(&test.root().join("ready"));
    signal(&forge, libc::SIGINT);
    let mut stderr = BufReader::new(forge.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("received SIGINT") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "forge acknowledges the first SIGINT");
    }
    signal(&forge, libc::SIGINT);
    assert_eq!(wait_for_exit(&mut forge), Some(130));
}

#[test]
fn a_session_past_its_timeout_is_killed_and_errors() {
    let sessions = r#"
[sessions.slow]
venv = false
timeout = "1s"
commands = ["sh -c 'sleep 1000 & echo $! > grandchild.pid; wait'"]
"#;
    let test = Test::new().sessions(sessions).args(&["-s", "slow", "--grace", "2s"]);
    let run = test.run();
    run.assert_code(1);
    assert_eq!(run.status_of("slow"), "error");
    assert!(run.stderr.contains("timed out after 1s"), "{}", run.stderr);
    let grandchild: i32 = std::fs::read_to_string(test.root().join("grandchild.pid")).unwrap().trim().parse().unwrap();
    assert!(!alive(grandchild), "nothing of the session is left running");
}

const FLAKY: &str = r#"
[sessions.flaky]
venv = false
retries = RETRIES
retry-delay = "10ms"
commands = [["python3", "-c", "import pathlib, sys; p = pathlib.Path('attempts'); n = int(p.read_text()) + 1 if p.exists() else 1; p.write_text(str(n)); sys.exit(0 if n >= 3 else 1)"]]
"#;

fn attempts(run: &crate::support::Run) -> usize {
    run.run_json()["sessions"][0]["attempts"].as_array().unwrap().len()
}

#[test]
fn retries_turn_a_twice_failing_command_into_a_flaky_success() {
    let run = Test::new().sessions(&FLAKY.replace("RETRIES", "2")).run();
    run.assert_code(0);
    assert_eq!(run.status_of("flaky"), "success");
    assert_eq!(attempts(&run), 3);
    assert!(run.stderr.contains("FLAKY") && run.stderr.contains("3 attempts"), "{}", run.stderr);
    assert!(run.log("flaky").contains("attempt 3 of 3"), "each attempt is logged");
}

#[test]
fn retries_run_out() {
    let run = Test::new().sessions(&FLAKY.replace("RETRIES", "1")).run();
    run.assert_code(1);
    assert_eq!(run.status_of("flaky"), "failed");
    assert_eq!(attempts(&run), 2);
}

#[test]
fn max_fail_stops_scheduling_after_n_failures() {
    let mut sessions = String::new();
    for name in ["a", "b", "c", "d", "e"] {
        sessions.push_str(&format!(
            "[sessions.{name}]\nvenv = false\ncommands = [\"sh -c 'echo {name} >> ran.txt; exit 1'\"]\n\n"
        ));
    }
    let test = Test::new().sessions(&sessions).args(&["--max-fail", "2", "-j", "1"]);
    let run = test.run();
    run.assert_code(1);
    let ran = std::fs::read_to_string(test.root().join("ran.txt")).unwrap();
    assert_eq!(ran.lines().collect::<Vec<_>>(), ["a", "b"]);
    for name in ["c", "d", "e"] {
        assert_eq!(run.status_of(name), "skipped");
    }
    assert!(run.stderr.contains("--max-fail"), "{}", run.stderr);
}

#[test]
fn two_forges_on_one_cold_env_build_it_once() {
    let test = Test::new()
        .sessions("[sessions.shared]\ndeps = [\"iniconfig\"]\ncommands = [\"python -c 'import iniconfig'\"]\n");
    let spawn = |reports: &str| {
        test.command()
            .args(["-s", "shared", "--reports-dir", reports])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut first = spawn("reports-1");
    let mut second = spawn("reports-2");
    assert_eq!(wait_for_exit(&mut first), Some(0));
    assert_eq!(wait_for_exit(&mut second), Some(0));
    let state = |reports: &str| -> String {
        let run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(test.root().join(reports).join("run.json")).unwrap())
                .unwrap();
        run["sessions"][0]["env"].as_str().unwrap().to_owned()
    };
    let mut states = [state("reports-1"), state("reports-2")];
    states.sort();
    assert_eq!(states, ["built", "reused"], "exactly one process built the env");
}

#[test]
#[expect(clippy::zombie_processes, reason = "forge is reaped with wait4, which also gives its rusage")]
fn huge_output_streams_to_the_log_in_bounded_memory() {
    const SIZE: u64 = 500 * 1024 * 1024;
    let test = Test::new().sessions(&format!(
        "[sessions.spew]\nvenv = false\ncommands = [\"sh -c 'yes 0123456789abcdef | head -c {SIZE}'\"]\n"
    ));
    let child = test.command().args(["-s", "spew"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    // wait4 gives this forge's own peak RSS (and its children's: sh, yes and head are tiny).
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(waited, child.id() as i32);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    let peak_mib = usage.ru_maxrss as f64 / 1024.0;
    eprintln!("forge peak RSS while streaming 500 MiB: {peak_mib:.1} MiB");
    assert!(peak_mib < 100.0, "peak RSS {peak_mib:.1} MiB");
    let log = test.root().join(".forge/reports/logs/spew.log");
    assert!(std::fs::metadata(&log).unwrap().len() >= SIZE, "the whole output is in the log");
    std::fs::remove_file(log).unwrap();
}

#[test]
fn output_that_is_not_utf8_is_kept_byte_exact_in_the_log() {
    let run = Test::new()
        .sessions("[sessions.bytes]\nvenv = false\ncommands = [[\"printf\", \"ok \\\\377\\\\376 done\\\\n\"]]\n")
        .args(&["-s", "bytes"])
        .run();
    run.assert_code(0);
    let log = std::fs::read(run.root.join(".forge/reports/logs/bytes.log")).unwrap();
    assert!(log.windows(10).any(|window| window == b"ok \xff\xfe done"), "{log:?}");
    assert!(run.stdout.contains("ok \u{fffd}\u{fffd} done"), "shown lossily: {:?}", run.stdout);
}

#[test]
fn the_run_timeout_stops_running_sessions() {
    let run = Test::new()
        .sessions("[sessions.forever]\nvenv = false\ncommands = [\"sleep 1000\"]\n\n[sessions.later]\nvenv = false\nrequires = [\"forever\"]\ncommands = [\"true\"]\n")
        .args(&["--timeout", "1s", "--grace", "1s"])
        .run();
    run.assert_code(1);
    // A timeout is an error (forge could not run the session to its end), named in the reports.
    assert_eq!(run.status_of("forever"), "error");
    assert_eq!(run.status_of("later"), "skipped");
    assert!(run.stderr.contains("the run's --timeout expired"), "{}", run.stderr);
    assert_eq!(run.run_json()["timed_out"], true);
    let junit = std::fs::read_to_string(run.root.join(".forge/reports/junit.xml")).unwrap();
    assert!(junit.contains("<error message=\"`sleep 1000` was stopped: the run&apos;s --timeout expired\""), "{junit}");
}

#[test]
fn max_fail_immediate_terminates_running_sessions() {
    let sessions = "[sessions.fails]\nvenv = false\ncommands = [\"false\"]\n\n[sessions.sleeps]\nvenv = false\ncommands = [\"sleep 1000\"]\n";
    let run = Test::new().sessions(sessions).args(&["--max-fail", "1:immediate", "-j", "2", "--grace", "1s"]).run();
    run.assert_code(1);
    assert_eq!(run.status_of("fails"), "failed");
    assert_eq!(run.status_of("sleeps"), "interrupted");
}

#[test]
fn environment_values_never_reach_run_json_or_the_display() {
    let run = Test::new()
        .sessions("[sessions.secret]\nvenv = false\ncommands = [\"sh -c 'exit 4' {env:FORGE_TEST_TOKEN}\"]\n")
        .env("FORGE_TEST_TOKEN", "hunter2-token")
        .args(&["-s", "secret"])
        .run();
    run.assert_code(1);
    let json = std::fs::read_to_string(run.root.join(".forge/reports/run.json")).unwrap();
    assert!(!json.contains("hunter2-token"), "{json}");
    assert!(!run.stderr.contains("hunter2-token") && !run.stdout.contains("hunter2-token"), "{}", run.stderr);
    assert!(run.stderr.contains("{env:FORGE_TEST_TOKEN}"), "the command is shown with the placeholder: {}", run.stderr);
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
    signal(&forge, libc::SIGINT);
    assert_eq!(wait_for_exit(&mut forge), Some(130));
    let env = test.env_dir().join("check");
    assert!(env.join("bin/python").exists(), "the env was half built");
    assert!(!env.join(".forge-env.json").exists(), "no completion marker: it will be rebuilt");
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(test.root().join(".forge/reports/run.json")).unwrap()).unwrap();
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
    let mut stderr = BufReader::new(forge.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("waiting for another forge") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "forge says it is waiting");
    }
    signal(&forge, libc::SIGINT);
    assert_eq!(wait_for_exit(&mut forge), Some(130), "forge exits although the lock is still held");
    drop(held);
}

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
    wait_for_file(&test.root().join("ready"));
    terminal.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    assert_eq!(wait_for_exit(&mut terminal), Some(130));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(test.root().join(".forge/reports/run.json")).unwrap()).unwrap();
    assert_eq!(run["sessions"][0]["status"], "interrupted");
}

#[test]
fn a_second_ctrl_c_on_the_terminal_kills_a_session_that_ignores_it() {
    let sessions = r#"
[sessions.ignores]
venv = false
commands = [["python3", "-c", "import pathlib, signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\npathlib.Path('ready').write_text('1\\n')\ntime.sleep(100)"]]
"#;
    let test = Test::new().sessions(sessions);
    let mut terminal = forge_on_a_terminal(&test, "-s ignores --grace 1h");
    wait_for_file(&test.root().join("ready"));
    terminal.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    let mut output = BufReader::new(terminal.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("received SIGINT") {
        line.clear();
        assert!(output.read_line(&mut line).unwrap() > 0, "forge acknowledges the first Ctrl-C");
    }
    terminal.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    assert_eq!(wait_for_exit(&mut terminal), Some(130), "the second Ctrl-C ends the run despite an hour's grace");
}

#[test]
fn partial_logs_of_dead_forge_processes_are_cleaned_up() {
    // Left by a forge that was SIGKILLed mid-session: no process has this pid (above pid_max).
    let test = Test::new()
        .sessions("[sessions.x]\nvenv = false\ncommands = [[\"true\"]]\n")
        .file(".forge/reports/logs/.x.log.4194999.partial", "half a log")
        .args(&["-s", "x"]);
    test.run().assert_code(0);
    assert!(!test.root().join(".forge/reports/logs/.x.log.4194999.partial").exists());
    assert!(test.root().join(".forge/reports/logs/x.log").exists());
}
