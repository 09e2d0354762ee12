//! forge under faults: timeouts, retries, `--max-fail` and `-x`, concurrent runs, huge output.
//! (Signals are in signals.rs.) Every wait here is for a condition (a file, a line, an exit)
//! bounded by `DEADLINE`, whose only purpose is to turn a hang into a failure; nothing asserts on
//! elapsed time.

use std::process::Stdio;

use crate::support::{Lines, Run, Test, wait_for_exit, wait_for_file, wait_until_gone};

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
    let grandchild: i32 = wait_for_file(&test.root().join("grandchild.pid")).trim().parse().unwrap();
    // A SIGKILL takes effect asynchronously: "gone" is waited for.
    wait_until_gone(&[grandchild], None);
}

const FLAKY: &str = r#"
[sessions.flaky]
venv = false
retries = RETRIES
retry-delay = "10ms"
commands = [["python3", "-c", "import pathlib, sys; p = pathlib.Path('attempts'); n = int(p.read_text()) + 1 if p.exists() else 1; p.write_text(str(n)); sys.exit(0 if n >= 3 else 1)"]]
"#;

fn attempts(run: &Run) -> usize {
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
fn fail_fast_lets_running_sessions_finish() {
    // `fast` fails once `slow` is running; `slow` finishes only after forge has taken in that
    // failure (it skipped `later`, which was waiting for a free slot). A forge that stopped
    // running sessions on `-x` would have stopped `slow` by then.
    let sessions = r#"
[sessions.fast]
venv = false
commands = ["sh -c 'while [ ! -e slow-started ]; do sleep 0.05; done; exit 3'"]

[sessions.slow]
venv = false
commands = ["sh -c 'echo > slow-started; while [ ! -e release ]; do sleep 0.05; done; echo > slow-finished'"]

[sessions.later]
venv = false
commands = ["sh -c 'echo > later-ran'"]
"#;
    let test = Test::new().sessions(sessions).args(&["-x", "-j", "2"]);
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stderr = Lines::new(forge.stderr.take().unwrap());
    stderr.wait_for("skipping `later`", |line| line.contains("SKIP") && line.contains("later"));
    std::fs::write(test.root().join("release"), "").unwrap();
    let code = wait_for_exit(&mut forge);
    let run = Run::of(&test, code, String::new(), stderr.rest());
    let stderr = &run.stderr;
    run.assert_code(1);
    assert_eq!(run.status_of("fast"), "failed", "{stderr}");
    assert_eq!(run.status_of("slow"), "success", "the running session finished: {stderr}");
    assert_eq!(run.status_of("later"), "skipped", "no new session started: {stderr}");
    assert!(test.root().join("slow-finished").exists());
    assert!(!test.root().join("later-ran").exists());
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
fn two_forges_use_one_warm_env_at_once() {
    // The first run's command waits (bounded) for a file the second run's command writes: it
    // passes only if the second could use the env while the first held it, i.e. neither run asked
    // for the env's exclusive lock to reuse it.
    let waiter = "import pathlib, time\n\
                  pathlib.Path('started').write_text('running\\n')\n\
                  deadline = time.monotonic() + 30\n\
                  while not pathlib.Path('go').exists() and time.monotonic() < deadline:\n    time.sleep(0.01)\n\
                  raise SystemExit(0 if pathlib.Path('go').exists() else 1)\n";
    let test = Test::new()
        .sessions("[sessions.shared]\ndeps = [\"iniconfig\"]\ncommands = [[\"python\", \"-c\", \"{posargs}\"]]\n");
    let warm = test.command().args(["-s", "shared", "--", "pass"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(warm.unwrap().success(), "the env is built");
    let spawn = |reports: &str, code: &str| {
        test.command()
            .args(["-s", "shared", "--reports-dir", reports, "--", code])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut first = spawn("reports-1", waiter);
    wait_for_file(&test.root().join("started"));
    let mut second = spawn("reports-2", "import pathlib; pathlib.Path('go').touch()");
    assert_eq!(wait_for_exit(&mut second), Some(0));
    assert_eq!(wait_for_exit(&mut first), Some(0), "the first run saw the second's file");
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
    let deadline = std::time::Instant::now() + crate::support::DEADLINE;
    loop {
        let waited = unsafe { libc::wait4(child.id() as i32, &mut status, libc::WNOHANG, &mut usage) };
        if waited == child.id() as i32 {
            break;
        }
        assert_eq!(waited, 0, "wait4");
        if std::time::Instant::now() > deadline {
            unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
            panic!("forge did not stream 500 MiB within {:?}", crate::support::DEADLINE);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
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
fn partial_logs_of_dead_forge_processes_are_cleaned_up() {
    // Left by a forge that was SIGKILLed mid-session: no process has this pid (above pid_max).
    // The second stands for a forge still running (this test's own process): its log is its own.
    let live = format!(".forge/reports/logs/.y.log.{}.partial", std::process::id());
    let test = Test::new()
        .sessions("[sessions.x]\nvenv = false\ncommands = [[\"true\"]]\n")
        .file(".forge/reports/logs/.x.log.4194999.partial", "half a log")
        .file(&live, "a log being written")
        .args(&["-s", "x"]);
    test.run().assert_code(0);
    assert!(!test.root().join(".forge/reports/logs/.x.log.4194999.partial").exists());
    assert!(test.root().join(".forge/reports/logs/x.log").exists());
    assert_eq!(std::fs::read_to_string(test.root().join(&live)).unwrap(), "a log being written");
}
