//! What v1 got wrong under hostile use (issue 7), runner side: processes that outlive their
//! session or forge itself, builds raced by a dead forge's installer, declared paths that point
//! elsewhere, secrets in program words, full disks.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::support::{Test, alive, read_pid, wait_until};

#[test]
fn a_daemon_that_escapes_the_process_group_is_killed_and_reported_as_a_leak() {
    let run = Test::new()
        .sessions(
            r#"
[sessions.serve]
venv = false
commands = ["sh -c 'setsid sh -c \"echo \\$\\$ > daemon.pid; exec sleep 1000\" > /dev/null 2>&1 < /dev/null & sleep 0.2; while [ ! -s daemon.pid ]; do sleep 0.01; done'"]
"#,
        )
        .run();
    run.assert_code(0);
    let pid = read_pid(&run.root.join("daemon.pid"));
    wait_until("the leaked daemon is gone", || !alive(pid));
    assert!(run.stderr.contains("LEAK ["), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("warning: serve: left 1 process(es) running, killed: pid {pid} (sleep)")),
        "{}",
        run.stderr
    );
    assert_eq!(run.run_json()["sessions"][0]["leaked"][0], format!("pid {pid} (sleep)"));
    assert!(run.log("serve").contains("forge: left 1 process(es) running, killed"));
}

#[test]
fn a_session_that_cleans_up_after_itself_leaks_nothing() {
    let run = Test::new().sessions("[sessions.ok]\nvenv = false\ncommands = [\"sh -c 'sleep 0.1 & wait'\"]\n").run();
    run.assert_code(0);
    assert!(!run.stderr.contains("LEAK"), "{}", run.stderr);
    assert!(run.run_json()["sessions"][0].get("leaked").is_none());
}

#[test]
fn commands_die_with_a_forge_that_is_killed() {
    let test = Test::new()
        .sessions("[sessions.hang]\nvenv = false\ncommands = [\"sh -c 'echo $$ > command.pid; exec sleep 1000'\"]\n");
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let pid = read_pid(&test.root().join("command.pid"));
    forge.kill().unwrap();
    forge.wait().unwrap();
    wait_until("the command dies with forge", || !alive(pid));
}

#[test]
fn a_build_left_running_by_a_killed_forge_holds_the_env_until_it_ends() {
    // The installer hangs, and leaves a process of its own (which inherits everything uv would
    // hand its build backends) that waits for the test's word before it ends.
    let test = Test::new()
        .sessions("[forge]\nenv-dir = \".forge/envs\"\n\n[sessions.t]\ndeps = [\"iniconfig\"]\ncommands = [\"python -c pass\"]\n")
        .uv_wrapper("if [ ! -e first-done ]; then (while [ ! -e release ]; do sleep 0.02; done) & echo $! > straggler.pid; exec sleep 1000; fi")
        .args(&["-s", "t"]);
    // However the test ends, the straggler is told to end.
    struct Release(std::path::PathBuf);
    impl Drop for Release {
        fn drop(&mut self) {
            let _ = std::fs::write(&self.0, "");
        }
    }
    let _release = Release(test.root().join("release"));
    let mut first = test.command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let straggler = read_pid(&test.root().join("straggler.pid"));
    first.kill().unwrap();
    first.wait().unwrap();
    std::fs::write(test.root().join("first-done"), "").unwrap();
    assert!(alive(straggler), "the straggler outlives the killed forge");

    let mut second = test.command().stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stderr = BufReader::new(second.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "the second forge waits for the lock:\n{seen}");
        seen.push_str(&line);
        if line.contains("waiting for another forge process") {
            break;
        }
    }
    std::fs::write(test.root().join("release"), "").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(second.wait().unwrap().code(), Some(0), "{seen}{rest}");
    assert!(!alive(straggler));
    assert!(rest.contains("venv built"), "{rest}");
}

#[test]
fn a_declared_report_path_that_is_a_symlink_out_of_the_project_is_not_deleted() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.xml");
    std::fs::write(&victim, "precious").unwrap();
    let test =
        Test::new().sessions("[sessions.t]\nvenv = false\ncommands = [\"true\"]\njunit = [\"reports/pytest.xml\"]\n");
    std::fs::create_dir_all(test.root().join("reports")).unwrap();
    std::os::unix::fs::symlink(&victim, test.root().join("reports/pytest.xml")).unwrap();
    test.run();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn a_secret_as_the_program_word_never_appears() {
    let run = Test::new()
        .sessions("[sessions.t]\nvenv = false\ncommands = [\"{env:DEPLOY_TOKEN} --version\"]\n")
        .env("DEPLOY_TOKEN", "s3cr3t-value")
        .run();
    run.assert_code(1);
    assert!(run.stderr.contains("command not found: `{env:DEPLOY_TOKEN}`"), "{}", run.stderr);
    let reports = run.root.join(".forge/reports");
    for text in [
        run.stdout.clone(),
        run.stderr.clone(),
        std::fs::read_to_string(reports.join("run.json")).unwrap(),
        std::fs::read_to_string(reports.join("junit.xml")).unwrap(),
        run.log("t"),
    ] {
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}

#[test]
fn a_log_that_cannot_be_written_fails_the_session_and_names_the_log() {
    // A 1 MiB tmpfs in a private mount namespace stands in for a full disk; the session writes 4.
    let test = Test::new().sessions(
        "[sessions.loud]\nvenv = false\ncommands = [\"sh -c 'head -c 4000000 /dev/zero | tr \\\"\\\\\\\\0\\\" x'\"]\n",
    );
    let full = test.root().join("full");
    std::fs::create_dir(&full).unwrap();
    let forge = env!("CARGO_BIN_EXE_forge");
    let script = format!(
        "mount -t tmpfs -o size=1m tmpfs {full} && {forge} --reports-dir {full}/reports; echo \"exit $?\"; cat {full}/reports/run.json",
        full = full.display()
    );
    let output =
        test.command_for("unshare", &["--user", "--map-root-user", "--mount", "sh", "-c", &script]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("exit 1"), "{stdout}\n{stderr}");
    assert!(stderr.contains("ERROR [") && stderr.contains("cannot write log"), "{stderr}");
    assert!(stderr.contains("loud.log") && stderr.contains("No space left on device"), "{stderr}");
}

/// A tmux server of the test's own, with forge in an 80×24 window: what a person sees.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(test: &Test, command: &str) -> Self {
        let socket =
            format!("forge-test-{}-{}", std::process::id(), test.root().file_name().unwrap().to_string_lossy());
        let forge = env!("CARGO_BIN_EXE_forge");
        let status = test
            .command_for(
                "tmux",
                &[
                    "-L",
                    &socket,
                    "new-session",
                    "-d",
                    "-x",
                    "80",
                    "-y",
                    "24",
                    &format!("{forge} {command}; sleep 1000"),
                ],
            )
            .env_remove("NO_COLOR")
            .status()
            .expect("tmux runs (scripts/install-test-deps installs it)");
        assert!(status.success());
        Self { socket }
    }

    fn screen(&self) -> String {
        let output =
            std::process::Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p"]).output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        let status = std::process::Command::new("tmux").args(["-L", &self.socket, "send-keys", keys]).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

#[test]
fn ctrl_c_leaves_no_stale_spinner_line_on_the_terminal() {
    let test = Test::new().sessions(
        "[sessions.a]\nvenv = false\ncommands = [\"sleep 1000\"]\n\n[sessions.b]\nvenv = false\ncommands = [\"sleep 1000\"]\n",
    );
    let tmux = Tmux::start(&test, "-j 2");
    wait_until("both spinners show their command", || tmux.screen().matches("$ sleep 1000").count() == 2);
    tmux.keys("C-c");
    wait_until("the summary is shown", || tmux.screen().contains("Summary"));
    let screen = tmux.screen();
    let spinner = |line: &&str| line.chars().next().is_some_and(|first| ('\u{2800}'..='\u{28ff}').contains(&first));
    assert_eq!(screen.lines().filter(spinner).count(), 0, "{screen}");
    assert!(screen.starts_with("forge: received SIGINT"), "{screen}");
}

#[test]
fn a_command_killed_after_the_grace_period_says_so_and_gets_a_rerun_hint() {
    let test = Test::new()
        .sessions("[sessions.stubborn]\nvenv = false\ncommands = [\"sh -c 'trap \\\"\\\" TERM; echo $$ > stubborn.pid; exec sleep 1000'\"]\n")
        .args(&["--grace", "1s"]);
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = read_pid(&test.root().join("stubborn.pid"));
    assert_eq!(unsafe { libc::kill(forge.id() as i32, libc::SIGTERM) }, 0);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut forge.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(forge.wait().unwrap().code(), Some(143), "{stderr}");
    assert!(!alive(pid));
    assert!(stderr.contains("was interrupted and killed (SIGKILL): it outlived the 1s grace period"), "{stderr}");
    assert!(stderr.contains("To re-run the failure alone:\n  forge -s stubborn --no-deps"), "{stderr}");
}

#[test]
fn a_signal_while_the_reports_are_written_ends_forge_with_128_plus_n_after_writing_them() {
    // The test holds the reports directory's lock, so forge is certainly in its report phase,
    // waiting, when the signal arrives.
    let test = Test::new()
        .sessions("[sessions.t]\nvenv = false\ncommands = [\"true\"]\n")
        .env("FORGE_LOG", "forge::runner::signals=info");
    let reports = test.root().join(".forge/reports");
    std::fs::create_dir_all(&reports).unwrap();
    let lock = std::fs::File::create(reports.join(".forge-reports.lock")).unwrap();
    lock.lock().unwrap();
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = forge.id();
    wait_until("forge waits for the reports lock", || {
        std::fs::read_to_string("/proc/locks")
            .is_ok_and(|locks| locks.lines().any(|line| line.contains("->") && line.contains(&format!(" {pid} "))))
    });
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGINT) }, 0);
    let mut stderr = BufReader::new(forge.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("signal received while writing the reports") {
        assert!(stderr.read_line(&mut seen).unwrap() > 0, "forge notes the signal:\n{seen}");
    }
    drop(lock);
    assert_eq!(forge.wait().unwrap().code(), Some(130), "{seen}");
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["sessions"][0]["status"], "success");
    assert!(reports.join("junit.xml").is_file());
}

#[test]
fn durations_come_from_a_monotonic_clock_whatever_the_wall_clock_does() {
    // libfaketime makes forge's wall clock run 20 times too fast (the monotonic clock is left
    // alone), as a clock stepped forward during a run would look.
    let library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    assert!(std::path::Path::new(library).exists(), "libfaketime is installed (scripts/install-test-deps)");
    let run = Test::new()
        .sessions("[sessions.t]\nvenv = false\ncommands = [\"env -u LD_PRELOAD -u FAKETIME sleep 0.5\"]\n")
        .env("LD_PRELOAD", library)
        .env("FAKETIME", "+0 x20")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .run();
    run.assert_code(0);
    let json = run.run_json();
    let time = |key: &str| humantime::parse_rfc3339(json[key].as_str().unwrap()).unwrap();
    let wall = time("end").duration_since(time("start")).unwrap().as_secs_f64();
    let duration = json["duration"].as_f64().unwrap();
    let session = json["sessions"][0]["duration"].as_f64().unwrap();
    assert!(duration >= 0.5 && session >= 0.5, "{json:#}");
    assert!(wall > 4.0 * duration, "the wall clock ran fast: {wall} s against {duration} s");
    let summary = run.stderr.lines().find(|line| line.contains("Summary")).unwrap();
    let shown: f64 = summary.split('[').nth(1).unwrap().split('s').next().unwrap().trim().parse().unwrap();
    assert!((shown - duration).abs() < 0.01, "{summary}");
}
