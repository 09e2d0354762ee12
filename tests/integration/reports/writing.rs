//! How forge writes a reports directory: temporary files created exclusively (a symlink planted
//! at a temporary name is never followed), no temporary left after a failed rename, and two runs
//! ending together leave the reports of one of them, whole.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::bounded::{Finished, HANG, run_bounded};
use crate::support::Test;

/// The report files and the temporary names forge used for them before it created them with
/// `tempfile`: `.NAME.PID.tmp`, predictable from forge's process id.
const REPORTS: [&str; 3] = ["run.json", "junit.xml", "coverage.xml"];

fn old_temporary_name(report: &str, pid: u32) -> String {
    format!(".{report}.{pid}.tmp")
}

/// Victim files outside the reports directory, one per report, and their content.
fn victims(root: &Path) -> Vec<PathBuf> {
    let dir = root.join("victims");
    std::fs::create_dir_all(&dir).expect("mkdir");
    REPORTS
        .iter()
        .map(|report| {
            let path = dir.join(report);
            std::fs::write(&path, "precious").expect("write victim");
            path
        })
        .collect()
}

#[track_caller]
fn assert_untouched(victims: &[PathBuf]) {
    for victim in victims {
        assert_eq!(std::fs::read_to_string(victim).expect("victim"), "precious", "{} was written", victim.display());
    }
}

#[track_caller]
fn assert_regular_reports(dir: &Path) {
    for report in REPORTS {
        let metadata = std::fs::symlink_metadata(dir.join(report)).unwrap_or_else(|_| panic!("{report} written"));
        assert!(metadata.is_file(), "{report} is a regular file, not a symlink");
        assert_ne!(std::fs::read_to_string(dir.join(report)).expect("report"), "precious");
    }
}

/// A session that writes an LCOV file, says it started, and waits (bounded) for `go`.
const WAITING: &str = r#"
[sessions.wait]
venv = false
commands = [
  ["sh", "-c", "printf 'SF:a.py\nDA:1,1\nend_of_record\n' > {reports}/a.lcov; touch started; i=0; while [ ! -f go ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done; test -f go"],
]
coverage = ["{reports}/a.lcov"]
"#;

fn wait_for(path: &Path) {
    let deadline = Instant::now() + HANG;
    while !path.exists() {
        assert!(Instant::now() < deadline, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn symlinks_planted_at_the_old_temporary_names_of_a_run_are_not_followed() {
    let test = Test::new().sessions(WAITING).file("a.py", "x = 1\n");
    let victims = victims(test.root());
    let reports = test.root().join(".forge/reports");
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("forge starts");
    wait_for(&test.root().join("started"));
    for (report, victim) in REPORTS.iter().zip(&victims) {
        std::os::unix::fs::symlink(victim, reports.join(old_temporary_name(report, forge.id()))).expect("plant");
    }
    std::fs::write(test.root().join("go"), "").expect("go");
    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(status) = forge.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "forge did not finish");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    assert_untouched(&victims);
    assert_regular_reports(&reports);
}

/// The last process id the kernel handed out (Linux).
fn last_pid() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/ns_last_pid").expect("ns_last_pid").trim().parse().expect("pid")
}

#[test]
fn symlinks_planted_at_the_old_temporary_names_of_forge_report_are_not_followed() {
    // `forge report` runs too briefly to learn its pid first: plant the names of the next
    // process ids (they wrap at pid_max, to 300), then check forge got one of them.
    let pid_max: u32 = std::fs::read_to_string("/proc/sys/kernel/pid_max").expect("pid_max").trim().parse().expect("n");
    let mut test = Test::new().sessions("[sessions.ok]\nvenv = false\ncommands = [[\"true\"]]\n");
    test.rerun(&["--reports-dir", "job"]).assert_code(0);
    std::fs::write(test.root().join("job/coverage.xml"), COVERED).expect("coverage input");
    // Also sets the arguments of `test.command()` below.
    test.rerun(&["report", "job", "-o", "out"]).assert_code(0);
    let victims = victims(test.root());
    let out = test.root().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    for _ in 0..5 {
        let first = last_pid() + 1;
        let pids: Vec<u32> =
            (first..first + 1500).map(|pid| if pid > pid_max { pid - pid_max + 300 } else { pid }).collect();
        for pid in &pids {
            for (report, victim) in REPORTS.iter().zip(&victims) {
                let _ = std::os::unix::fs::symlink(victim, out.join(old_temporary_name(report, *pid)));
            }
        }
        let child = test.command().stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("forge starts");
        let pid = child.id();
        let output = child.wait_with_output().expect("forge ends");
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        assert_untouched(&victims);
        if pids.contains(&pid) {
            assert_regular_reports(&out);
            return;
        }
    }
    panic!("forge report never got one of the planted process ids");
}

/// A forge coverage.xml with one measured line, as `forge report` reads it.
const COVERED: &str = r#"<?xml version="1.0" ?><coverage><sources><source>/elsewhere</source></sources><packages><package name="."><classes><class name="a.py" filename="a.py"><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>"#;

#[test]
fn a_report_that_cannot_be_renamed_into_place_leaves_no_temporary_file() {
    let test = Test::new().sessions("[sessions.ok]\nvenv = false\ncommands = [[\"true\"]]\n");
    let reports = test.root().join(".forge/reports");
    // A non-empty directory where junit.xml goes: the rename onto it fails.
    std::fs::create_dir_all(reports.join("junit.xml/inside")).expect("mkdir");
    let run = test.run();
    run.assert_code(1);
    assert!(
        run.stderr.contains(&format!("error: cannot write report {}: ", reports.join("junit.xml").display())),
        "{}",
        run.stderr
    );
    let leftovers: Vec<String> = std::fs::read_dir(&reports)
        .expect("reports")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
    assert!(reports.join("run.json").is_file(), "the other reports are still written");
}

/// Session NAME writes a JUnit file of CASES testcases, then waits (bounded) at a barrier until
/// the other run's session is there too, so both runs end and write their reports together.
const BARRIER: &str = r#"import pathlib, sys, time
me, other, cases, junit = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(junit, "w") as out:
    out.write('<testsuite name="t">' + "".join(f'<testcase classname="c" name="{me}{i}"/>' for i in range(cases)) + "</testsuite>")
pathlib.Path(f"ready-{me}").touch()
deadline = time.monotonic() + 120
while not pathlib.Path(f"ready-{other}").exists():
    if time.monotonic() > deadline:
        sys.exit("the other run never reached the barrier")
    time.sleep(0.005)
"#;

/// `a` has a large JUnit file (slow to merge) and coverage; `b` a small one and no coverage.
const TWO_RUNS: &str = r#"
[sessions.a]
venv = false
commands = [["python3", "barrier.py", "a", "b", "20000", "{reports}/a.xml"], ["sh", "-c", "printf 'SF:m.py\nDA:1,1\nend_of_record\n' > {reports}/a.lcov"]]
junit = ["{reports}/a.xml"]
coverage = ["{reports}/a.lcov"]

[sessions.b]
venv = false
commands = [["python3", "barrier.py", "b", "a", "10", "{reports}/b.xml"]]
junit = ["{reports}/b.xml"]
"#;

#[test]
fn two_runs_ending_together_leave_the_reports_of_one_run_whole() {
    let test = Test::new().sessions(TWO_RUNS).file("barrier.py", BARRIER).file("m.py", "x = 1\n");
    let reports = test.root().join(".forge/reports");
    for attempt in 1..=10 {
        for name in ["ready-a", "ready-b"] {
            let _ = std::fs::remove_file(test.root().join(name));
        }
        let spawn = |session: &str| {
            let mut command: Command = test.command();
            command.args(["-s", session]);
            std::thread::spawn(move || run_bounded(command))
        };
        let (a, b) = (spawn("a"), spawn("b"));
        let (a, b): (Finished, Finished) = (a.join().expect("run a"), b.join().expect("run b"));
        a.assert_code(0);
        b.assert_code(0);

        let run_json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(reports.join("run.json")).expect("run.json")).expect("json");
        let sessions: Vec<&str> = run_json["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .map(|s| s["name"].as_str().expect("name"))
            .collect();
        let [run] = sessions.as_slice() else { panic!("one session per run: {sessions:?}") };
        let junit = std::fs::read_to_string(reports.join("junit.xml")).expect("junit.xml");
        let other = if *run == "a" { "b" } else { "a" };
        assert!(
            junit.contains(&format!(r#"<testcase name="{run}" classname="forge.sessions""#))
                && junit.contains(&format!(r#"<testsuite name="{run}: t""#))
                && !junit.contains(&format!(r#"<testcase name="{other}" classname="forge.sessions""#))
                && !junit.contains(&format!(r#"<testsuite name="{other}: t""#)),
            "attempt {attempt}: run.json is run {run}'s, junit.xml is not"
        );
        assert_eq!(reports.join("coverage.xml").exists(), *run == "a", "attempt {attempt}: coverage.xml of run {run}");
    }
}
