//! What a run ends with, run after run: its own exit status and its own reports (never the
//! previous run's run.json, junit.xml or log), and exit 3 when forge itself cannot go on.

use std::process::Stdio;

use crate::support::{Run, Test, output_within};

/// A session whose output and exit status come from the caller's environment (commands inherit
/// it), so one project can pass and then fail.
const ROUNDS: &str = r#"
[sessions.check]
venv = false
commands = ["sh -c 'echo round $ROUND; exit $CODE'"]

[sessions.other]
venv = false
commands = ["sh -c 'echo other round $ROUND'"]
"#;

/// The `name` attributes of junit.xml's testcases, in order.
fn junit_testcases(run: &Run) -> Vec<String> {
    let junit = std::fs::read_to_string(run.root.join(".forge/reports/junit.xml")).expect("junit.xml written");
    junit
        .split("<testcase ")
        .skip(1)
        .map(|testcase| {
            let name = &testcase[testcase.find("name=\"").expect("a testcase name") + 6..];
            name[..name.find('"').unwrap()].to_owned()
        })
        .collect()
}

fn junit(run: &Run) -> String {
    std::fs::read_to_string(run.root.join(".forge/reports/junit.xml")).expect("junit.xml written")
}

#[test]
fn each_run_leaves_its_own_reports() {
    let mut test = Test::new().sessions(ROUNDS).env("ROUND", "1").env("CODE", "0");
    let first = test.rerun(&[]);
    first.assert_code(0);
    let first_json = first.run_json();
    assert_eq!(first.status_of("check"), "success");
    assert!(!junit(&first).contains("<failure"), "{}", junit(&first));

    // The same project fails now: every report says so, none is the passing run's.
    let mut test = test.env("ROUND", "2").env("CODE", "3");
    let second = test.rerun(&[]);
    second.assert_code(1);
    let json = second.run_json();
    assert_eq!(second.status_of("check"), "failed", "{json:#}");
    assert_eq!(json["sessions"][0]["exit_code"], 3, "{json:#}");
    assert!(
        json["start"].as_str().unwrap() >= first_json["end"].as_str().unwrap(),
        "run.json is the second run's: {json:#} after {first_json:#}"
    );
    let junit_text = junit(&second);
    assert!(junit_text.contains("<failure") && junit_text.contains("round 2"), "{junit_text}");
    assert!(!junit_text.contains("round 1"), "{junit_text}");
    assert_eq!(junit_testcases(&second), ["check", "other"]);
    let log = second.log("check");
    assert!(log.contains("round 2") && !log.contains("round 1"), "{log}");

    // A smaller selection: the reports hold only what this run ran.
    let mut test = test.env("ROUND", "3");
    let third = test.rerun(&["-s", "other"]);
    third.assert_code(0);
    assert_eq!(third.session_names(), ["other"]);
    assert_eq!(junit_testcases(&third), ["other"]);
    assert!(!junit(&third).contains("<failure"), "{}", junit(&third));
    assert!(third.log("other").contains("other round 3"));

    // Passing again after the failure: the failure is gone from every report.
    let mut test = test.env("CODE", "0");
    let fourth = test.rerun(&[]);
    fourth.assert_code(0);
    assert_eq!(fourth.status_of("check"), "success");
    assert_eq!(fourth.run_json()["sessions"][0]["exit_code"], 0);
    assert!(!junit(&fourth).contains("<failure"), "{}", junit(&fourth));
    assert!(fourth.log("check").contains("round 3"));
}

#[test]
fn a_current_directory_that_no_longer_exists_is_an_internal_error() {
    // The one internal error a user can meet without a bug in forge: the shell's directory was
    // deleted under it (`rm -rf` of a checkout from another terminal). forge cannot resolve
    // anything relative to it; it says so on one line and exits 3, without a panic.
    let test = Test::new().sessions("[sessions.a]\nvenv = false\ncommands = [\"true\"]\n");
    for args in [&[][..], &["report", "in", "-o", "out"][..]] {
        std::fs::create_dir(test.root().join("gone")).unwrap();
        // sh enters the directory, removes it and becomes forge, which starts in a deleted cwd.
        let child = std::process::Command::new("sh")
            .args(["-c", "cd gone && rmdir \"$PWD\" && exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_forge")])
            .args(args)
            .current_dir(test.root())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (code, stdout, stderr) = output_within(child);
        assert!(!test.root().join("gone").exists(), "sh removed the directory");
        assert_eq!(code, Some(3), "forge {args:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
        assert!(stderr.starts_with("error: cannot read the current directory"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!test.root().join(".forge/reports/run.json").exists(), "nothing ran");
    }
}

#[test]
fn a_run_without_coverage_leaves_no_coverage_xml_of_an_earlier_run() {
    // The session's "coverage tool" writes LCOV covering $COVERED of calc.py's two lines.
    let sessions = r#"
[sessions.measured]
venv = false
commands = ["sh -c 'printf \"SF:calc.py\\nDA:1,1\\nDA:2,$COVERED\\nend_of_record\\n\" > {reports}/measured.lcov'"]
coverage = ["{reports}/measured.lcov"]

[sessions.plain]
venv = false
commands = ["true"]
"#;
    let coverage_xml = |run: &Run| std::fs::read_to_string(run.root.join(".forge/reports/coverage.xml"));
    let mut test = Test::new().sessions(sessions).file("calc.py", "x = 1\ny = 2\n").env("COVERED", "0");
    let first = test.rerun(&[]);
    first.assert_code(0);
    assert!(coverage_xml(&first).expect("coverage.xml").contains("lines-covered=\"1\""));
    assert!(first.stdout.contains("TOTAL 1/2 lines 50.00%"), "{}", first.stdout);

    let plain = test.rerun(&["-s", "plain"]);
    plain.assert_code(0);
    assert!(coverage_xml(&plain).is_err(), "no session of this run measured coverage");
    assert!(!plain.stdout.contains("TOTAL"), "{}", plain.stdout);

    let mut test = test.env("COVERED", "1");
    let again = test.rerun(&["-s", "measured"]);
    again.assert_code(0);
    assert!(coverage_xml(&again).expect("coverage.xml").contains("lines-covered=\"2\""));
}
