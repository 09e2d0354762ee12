//! `--watch`, driven by real file writes: a write to an input re-runs, the session's own writes
//! (outputs, reports, ignored files) never do, changes during a run are one queued re-run, and
//! Ctrl-C ends the watch with 130 and the last run's reports on disk. Every wait is bounded.

use std::process::{Child, Stdio};

use crate::support::{Lines, Test, send_signal, wait_for_exit, wait_until};

fn spawn(test: &Test) -> (Child, Lines) {
    let mut child = test.command().stderr(Stdio::piped()).stdout(Stdio::null()).spawn().expect("forge starts");
    let lines = Lines::new(child.stderr.take().expect("stderr"));
    (child, lines)
}

fn lines_of(test: &Test, file: &str) -> usize {
    std::fs::read_to_string(test.root().join(file)).map_or(0, |text| text.lines().count())
}

fn waiting(line: &str) -> bool {
    line.contains("[watch] waiting for changes")
}

/// `build` reads `src/`, declares `dist/*` as its output and writes it, an ignored log and its
/// run count; `whole` declares no inputs (so the whole project is watched) and writes an
/// ignored file.
const WRITERS: &str = r#"
[sessions.build]
venv = false
inputs = ["src/**/*.py"]
outputs = ["dist/*"]
commands = ["sh -c 'echo run >> runs.txt; mkdir -p dist; date > dist/out.txt; date > build.log'"]

[sessions.whole]
venv = false
commands = ["sh -c 'date > whole.log'"]
"#;

#[test]
fn a_write_reruns_and_the_sessions_own_writes_never_do() {
    let test = Test::new()
        .sessions(WRITERS)
        .file("src/app.py", "x = 1\n")
        .file(".gitignore", "runs.txt\n*.log\n")
        .args(&["--watch", "-j", "1"]);
    let (mut child, mut lines) = spawn(&test);
    lines.wait_for("saying it waits", waiting);
    assert_eq!(lines_of(&test, "runs.txt"), 1);

    // Writes to an output, the reports directory and an ignored file, then to an input: the
    // first re-run names the input alone.
    std::fs::write(test.root().join("dist/other.txt"), "output").unwrap();
    std::fs::write(test.root().join(".forge/reports/extra.txt"), "report").unwrap();
    std::fs::write(test.root().join("notes.log"), "ignored").unwrap();
    std::fs::write(test.root().join("src/app.py"), "x = 2\n").unwrap();
    let changed = lines.wait_for("naming the change", |line| line.contains("[watch] changed:"));
    assert_eq!(changed.trim(), "[watch] changed: src/app.py → re-running: build, whole");
    lines.wait_for("waiting again", waiting);
    assert_eq!(lines_of(&test, "runs.txt"), 2);

    // The re-run wrote its output, log and reports again; had that started a run, its line
    // would come before the one for this write.
    std::fs::write(test.root().join("src/new.py"), "y = 1\n").unwrap();
    let changed = lines.wait_for("naming the change", |line| line.contains("[watch] changed:"));
    assert_eq!(changed.trim(), "[watch] changed: src/new.py → re-running: build, whole");
    lines.wait_for("waiting again", waiting);
    assert_eq!(lines_of(&test, "runs.txt"), 3);

    send_signal(child.id(), libc::SIGINT);
    assert_eq!(wait_for_exit(&mut child), Some(130));
    lines.wait_for("saying it stopped", |line| line.contains("[watch] stopped"));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(test.root().join(".forge/reports/run.json")).unwrap()).unwrap();
    let statuses: Vec<&str> =
        run["sessions"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["success", "success"], "the last run's reports: {run:#}");
    assert!(test.root().join(".forge/reports/junit.xml").is_file());
}

#[test]
fn changes_during_a_run_are_queued_as_one_rerun() {
    // The command waits (bounded: 60 s) for `gate`, an ignored file the test creates.
    let sessions = r#"
[sessions.slow]
venv = false
inputs = ["src/**"]
commands = ["sh -c 'echo start >> runs.txt; i=0; while [ ! -e gate ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; rm -f gate'"]
"#;
    let test = Test::new()
        .sessions(sessions)
        .file("src/a.py", "a\n")
        .file(".gitignore", "runs.txt\ngate\n")
        .args(&["--watch"]);
    let (mut child, mut lines) = spawn(&test);
    wait_until("the first run started", || lines_of(&test, "runs.txt") == 1);
    std::fs::write(test.root().join("src/a.py"), "changed\n").unwrap();
    std::fs::write(test.root().join("src/b.py"), "new\n").unwrap();
    std::fs::write(test.root().join("gate"), "").unwrap();
    let changed = lines.wait_for("naming both changes", |line| line.contains("[watch] changed:"));
    assert_eq!(changed.trim(), "[watch] changed: src/a.py, src/b.py → re-running: slow");
    wait_until("the re-run started", || lines_of(&test, "runs.txt") == 2);
    std::fs::write(test.root().join("gate"), "").unwrap();
    lines.wait_for("waiting after the re-run", waiting);
    // SIGTERM ends it as Ctrl-C does, with 128+15; one re-run for both changes.
    send_signal(child.id(), libc::SIGTERM);
    assert_eq!(wait_for_exit(&mut child), Some(143));
    assert_eq!(lines_of(&test, "runs.txt"), 2);
}

#[test]
fn ctrl_c_during_a_run_ends_the_watch_with_that_runs_reports() {
    let sessions = r#"
[sessions.slow]
venv = false
inputs = ["src/**"]
commands = ["sh -c 'echo start >> runs.txt; sleep 60'"]
"#;
    let test = Test::new().sessions(sessions).file("src/a.py", "a\n").file(".gitignore", "runs.txt\n").args(&["-w"]);
    let (mut child, _lines) = spawn(&test);
    wait_until("the run started", || lines_of(&test, "runs.txt") == 1);
    send_signal(child.id(), libc::SIGINT);
    assert_eq!(wait_for_exit(&mut child), Some(130));
    let run = std::fs::read_to_string(test.root().join(".forge/reports/run.json")).unwrap();
    assert!(run.contains("\"interrupted\""), "{run}");
}
