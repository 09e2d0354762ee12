//! What the reports say, asserted for real: JUnit times in seconds, run.json's version, times,
//! durations and log paths, run.json read back typed by `forge report`, and `forge report`
//! refusing the same directory twice.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::support::Test;

/// The `time` attribute of the first element that `marker` starts, in seconds.
fn time_of(xml: &str, marker: &str) -> f64 {
    let start = xml.find(marker).unwrap_or_else(|| panic!("{marker} in {xml}"));
    let element = &xml[start..start + xml[start..].find('>').expect("end of tag")];
    let value = element.split(" time=\"").nth(1).unwrap_or_else(|| panic!("time in {element}"));
    value[..value.find('"').expect("quote")].parse().expect("seconds")
}

fn rfc3339(value: &serde_json::Value) -> SystemTime {
    humantime::parse_rfc3339(value.as_str().expect("a string")).unwrap_or_else(|error| panic!("{value}: {error}"))
}

fn seconds(value: &serde_json::Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("{value} is a number of seconds"))
}

/// A session that sleeps one second: every duration forge records is then at least 1 and, in
/// seconds, far below 60 (in milliseconds it would be over 1000).
const NAP: &str = "[sessions.nap]\nvenv = false\ncommands = [[\"sleep\", \"1\"], [\"echo\", \"napped\"]]\n";

#[test]
fn junit_times_are_in_seconds() {
    let run = Test::new().sessions(NAP).run();
    run.assert_code(0);
    let junit = std::fs::read_to_string(run.root.join(".forge/reports/junit.xml")).expect("junit.xml");
    for marker in ["<testsuites ", "<testsuite ", "<testcase name=\"nap\""] {
        let time = time_of(&junit, marker);
        assert!((1.0..60.0).contains(&time), "{marker} time={time} is not seconds of a 1 s session: {junit}");
    }
    assert!(!run.stderr.contains(" tests: "), "no declared JUnit file, no test counts: {}", run.stderr);
}

#[test]
fn run_json_records_version_times_durations_and_the_log() {
    let before = SystemTime::now();
    let run = Test::new().sessions(NAP).run();
    let after = SystemTime::now();
    run.assert_code(0);
    let json = run.run_json();
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["forge_version"], env!("CARGO_PKG_VERSION"));
    let (start, end) = (rfc3339(&json["start"]), rfc3339(&json["end"]));
    // RFC 3339 with milliseconds, as written: the clock's reading rounded down to them.
    let slack = Duration::from_millis(1);
    assert!(before <= start + slack && start <= end && end <= after, "{json:#}");
    let elapsed = end.duration_since(start).expect("end after start").as_secs_f64();
    let duration = seconds(&json["duration"]);
    assert!((1.0..60.0).contains(&duration), "run duration {duration} in seconds");
    assert!((duration - elapsed).abs() < 0.5, "duration {duration} is end - start ({elapsed})");
    assert_eq!(json["interrupted_by"], serde_json::Value::Null);
    assert_eq!(json["timed_out"], false);

    let session = &json["sessions"][0];
    assert_eq!(
        (&session["name"], &session["session"], &session["status"]),
        (&"nap".into(), &"nap".into(), &"success".into())
    );
    assert_eq!(session["exit_code"], 0);
    assert_eq!(session["env"], serde_json::Value::Null, "venv = false prepares no env");
    let session_duration = seconds(&session["duration"]);
    assert!((1.0..=duration).contains(&session_duration), "session duration {session_duration} of {duration}");
    let attempts = session["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!((&attempts[0]["number"], &attempts[0]["status"]), (&1.into(), &"success".into()));
    assert!((1.0..=session_duration).contains(&seconds(&attempts[0]["duration"])), "{session:#}");
    let log = Path::new(session["log"].as_str().expect("log path"));
    assert!(log.is_absolute(), "{}", log.display());
    assert_eq!(
        std::fs::canonicalize(log).expect("the log exists"),
        std::fs::canonicalize(run.root.join(".forge/reports/logs/nap.log")).expect("nap.log")
    );
    assert!(std::fs::read_to_string(log).expect("log").contains("napped\n"));
}

const MIXED: &str = r#"
[sessions.good]
venv = false
commands = [["echo", "fine"]]

[sessions.flaky]
venv = false
retries = 1
retry-delay = "1ms"
commands = ["sh -c 'test -f once && exit 0; touch once; exit 1'"]

[sessions.bad]
venv = false
commands = [["false"]]

[sessions.after]
venv = false
requires = ["bad"]
commands = [["true"]]
"#;

#[test]
fn forge_report_reads_run_json_back_typed_and_writes_it_unchanged() {
    let mut test = Test::new().sessions(MIXED);
    test.rerun(&["--reports-dir", "job"]).assert_code(1);
    let merged = test.rerun(&["report", "job", "-o", "out"]);
    merged.assert_code(0);
    let read = |path: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(test.root().join(path)).expect(path)).expect("json")
    };
    let (input, output) = (read("job/run.json"), read("out/run.json"));
    assert_eq!(output["sessions"], input["sessions"], "every session field survives the typed read");
    for field in ["format_version", "forge_version", "start", "end", "duration", "interrupted_by", "timed_out"] {
        assert_eq!(output[field], input[field], "{field}");
    }
    assert_eq!(output["merged_from"], serde_json::json!(["job"]));
    assert_eq!(input.get("merged_from"), None, "a run's own run.json has no merged_from");
}

#[test]
fn forge_report_refuses_a_malformed_or_foreign_run_json() {
    let mut test = Test::new().sessions(MIXED);
    test.rerun(&["--reports-dir", "job"]).assert_code(1);
    let run_json = test.root().join("job/run.json");
    let original = std::fs::read_to_string(&run_json).expect("run.json");
    let cases = [
        (
            r#"{"sessions": 1}"#.to_owned(),
            "not a forge run.json: sessions: invalid type: integer `1`, expected a sequence",
        ),
        (
            original.replacen("\"format_version\": 1", "\"format_version\": 2", 1),
            "run.json format version 2 is not one this forge",
        ),
        (
            original.replacen("\"status\": \"success\"", "\"status\": \"passed\"", 1),
            "not a forge run.json: sessions[0].status: unknown variant `passed`",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(&run_json, &text).expect("write");
        let _ = std::fs::remove_dir_all(test.root().join("out"));
        let merged = test.rerun(&["report", "job", "-o", "out"]);
        merged.assert_code(1);
        let expected = format!("error: cannot read report job/run.json: {expected}");
        assert!(merged.stderr.contains(&expected), "{expected}\n{}", merged.stderr);
        assert!(merged.stderr.contains("hint: pass the run.json a forge run wrote, unchanged"), "{}", merged.stderr);
        assert!(!test.root().join("out/run.json").exists(), "no run.json merged from a bad one");
        assert!(test.root().join("out/junit.xml").is_file(), "the other reports are still merged");
    }
}

#[test]
fn forge_report_refuses_the_same_directory_twice() {
    let mut test = Test::new().sessions("[sessions.ok]\nvenv = false\ncommands = [[\"true\"]]\n");
    test.rerun(&["--reports-dir", "job"]).assert_code(0);
    std::os::unix::fs::symlink(test.root().join("job"), test.root().join("alias")).expect("symlink");
    for (second, shown) in [("job", "job"), ("./job", "./job"), ("alias", "alias"), ("job/", "job/")] {
        let merged = test.rerun(&["report", "job", second, "-o", "out"]);
        merged.assert_code(2);
        let canonical = std::fs::canonicalize(test.root().join("job")).expect("canonical");
        let expected = format!("error: report directory {} is given twice (as job and {shown})", canonical.display());
        assert!(merged.stderr.contains(&expected), "{expected}\n{}", merged.stderr);
        assert!(merged.stderr.contains("hint: pass each report directory once"), "{}", merged.stderr);
        assert!(!test.root().join("out").exists(), "nothing written");
    }
}
