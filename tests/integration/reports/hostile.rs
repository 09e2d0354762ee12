//! Hostile report inputs, in a run and in `forge report`: nesting deep enough to overflow a
//! recursive reader, FIFOs, devices and oversized files. Each must end in a clear `error:` with
//! the other reports still written — never a crash, a hang or an unbounded read.

use std::process::Command;

use super::bounded::run_bounded;
use crate::support::Test;

/// Writes a deeply nested file: `KIND PATH DEPTH`.
const DEEP: &str = r#"import sys
kind, path, depth = sys.argv[1], sys.argv[2], int(sys.argv[3])
shapes = {
    "suites": ('<testsuites>', '<testsuite name="s">', '<testcase name="t"/>', '</testsuite>', '</testsuites>'),
    "output": ('<testsuites><testsuite name="s"><testcase name="t"/><system-out>', '<x>', 'text', '</x>', '</system-out></testsuite></testsuites>'),
    "coverage": ('<coverage><packages>', '<package>', '', '</package>', '</packages></coverage>'),
    "json": ('{"sessions": ', '[', '', ']', '}'),
}
head, open_, middle, close, tail = shapes[kind]
with open(path, "w") as out:
    out.write(head + open_ * depth + middle + close * depth + tail)
"#;

#[test]
fn deeply_nested_declared_files_are_an_error_not_a_stack_overflow() {
    let sessions = r#"
[sessions.deep]
venv = false
commands = [
  ["python3", "deep.py", "suites", "{reports}/suites.xml", "10000"],
  ["python3", "deep.py", "output", "{reports}/output.xml", "150000"],
  ["python3", "deep.py", "coverage", "{reports}/cov.xml", "10000"],
]
junit = ["{reports}/suites.xml", "{reports}/output.xml"]
coverage = ["{reports}/cov.xml"]
"#;
    let test = Test::new().sessions(sessions).file("deep.py", DEEP);
    let run = run_bounded(test.command());
    run.assert_code(1);
    let reports = test.root().join(".forge/reports");
    for name in ["suites.xml", "output.xml", "cov.xml"] {
        let expected = format!(
            "error: cannot read report {}: elements nested deeper than 256 levels (at byte ",
            reports.join(name).display()
        );
        assert!(run.stderr.contains(&expected), "{expected}\n{}", run.stderr);
    }
    assert!(run.stderr.contains("Summary"), "the summary is still printed: {}", run.stderr);
    let junit = std::fs::read_to_string(reports.join("junit.xml")).expect("junit.xml still written");
    assert!(junit.contains(r#"<testcase name="deep" classname="forge.sessions""#), "{junit}");
    assert!(junit.contains("suites.xml could not be read: elements nested deeper than 256 levels"), "{junit}");
    let run_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("run.json")).expect("run.json")).expect("json");
    assert_eq!(run_json["sessions"][0]["status"], "success");
}

#[test]
fn forge_report_refuses_deeply_nested_inputs_with_an_error() {
    let test = Test::new().file("deep.py", DEEP);
    let generate = |kind: &str, path: &str, depth: &str| {
        let path = test.root().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let status =
            Command::new("python3").arg(test.root().join("deep.py")).args([kind]).arg(&path).arg(depth).status();
        assert!(status.expect("python3 runs").success());
    };
    generate("suites", "a/junit.xml", "10000");
    generate("coverage", "a/coverage.xml", "10000");
    generate("json", "a/run.json", "10000");
    generate("output", "b/junit.xml", "150000");
    let mut command = test.command();
    command.args(["report", "a", "b", "-o", "out"]);
    let run = run_bounded(command);
    run.assert_code(1);
    for path in ["a/junit.xml", "a/coverage.xml", "b/junit.xml"] {
        let expected = format!("error: cannot read report {path}: elements nested deeper than 256 levels (at byte ");
        assert!(run.stderr.contains(&expected), "{expected}\n{}", run.stderr);
    }
    assert!(run.stderr.contains("error: cannot read report a/run.json: not a forge run.json: "), "{}", run.stderr);
}

/// A FIFO (nobody writes to it: reading it would block forever), a symlink to `/dev/zero` (an
/// endless device) and a sparse file over the 512 MiB cap (no disk used).
const ODD_FILES: &str = r#"
[sessions.odd]
venv = false
commands = [
  ["mkfifo", "{reports}/fifo.xml"],
  ["ln", "-s", "/dev/zero", "{reports}/zero.xml"],
  ["truncate", "-s", "600M", "{reports}/big.xml"],
]
junit = ["{reports}/fifo.xml", "{reports}/zero.xml"]
coverage = ["{reports}/big.xml"]
"#;

#[test]
fn declared_fifos_devices_and_oversized_files_are_refused_without_reading_them() {
    let test = Test::new().sessions(ODD_FILES);
    let run = run_bounded(test.command());
    run.assert_code(1);
    let reports = test.root().join(".forge/reports");
    for (name, why) in [
        ("fifo.xml", "not a regular file (a FIFO)"),
        ("zero.xml", "not a regular file (a device)"),
        ("big.xml", "too large: 629145600 bytes, the limit is 536870912 bytes"),
    ] {
        let expected = format!("error: cannot read report {}: {why}", reports.join(name).display());
        assert!(run.stderr.contains(&expected), "{expected}\n{}", run.stderr);
    }
    assert!(reports.join("junit.xml").is_file() && reports.join("run.json").is_file());
}

#[test]
fn forge_report_refuses_fifos_devices_and_oversized_inputs_without_reading_them() {
    let test = Test::new();
    let input = test.root().join("job");
    std::fs::create_dir_all(&input).expect("mkdir");
    let ok = |program: &str, args: &[&str]| {
        let status = Command::new(program).args(args).current_dir(&input).status().expect("runs");
        assert!(status.success(), "{program} {args:?}");
    };
    ok("mkfifo", &["run.json"]);
    ok("ln", &["-s", "/dev/zero", "junit.xml"]);
    ok("truncate", &["-s", "600M", "coverage.xml"]);
    let mut command = test.command();
    command.args(["report", "job", "-o", "out"]);
    let run = run_bounded(command);
    run.assert_code(1);
    for (name, why) in [
        ("run.json", "not a regular file (a FIFO)"),
        ("junit.xml", "not a regular file (a device)"),
        ("coverage.xml", "too large: 629145600 bytes, the limit is 536870912 bytes"),
    ] {
        let expected = format!("error: cannot read report job/{name}: {why}");
        assert!(run.stderr.contains(&expected), "{expected}\n{}", run.stderr);
    }
}
