//! The coverage gate and coverage that is missing or measures nothing: never 100%.

use crate::support::Test;

/// A module whose coverage is exactly 4 of 5 lines (80%), measured by coverage.py.
const GATE_SESSIONS: &str = r#"
[sessions.measure]
python = "3.11"
deps = ["coverage==7.17.3"]
env = { COVERAGE_FILE = "{reports}/.coverage" }
commands = [
  "coverage run --source=gated gated.py",
  "coverage xml -o {reports}/measured.xml",
]
coverage = ["{reports}/measured.xml"]

[coverage]
fail-under = FAIL_UNDER
"#;

const GATED: &str = "def used():\n    return 1\n\n\ndef unused():\n    return 2\n\n\nused()\n";

#[test]
fn fail_under_just_above_and_just_below_the_measured_total() {
    let test = Test::new().sessions(&GATE_SESSIONS.replace("FAIL_UNDER", "80.01")).file("gated.py", GATED);
    let run = test.run();
    run.assert_code(1);
    assert!(run.stdout.contains("TOTAL 4/5 lines 80.00%"), "{}", run.stdout);
    assert!(
        run.stderr.contains("error: line coverage 80.00% is below fail-under 80.01% by 0.01 points"),
        "{}",
        run.stderr
    );
    assert_eq!(run.status_of("measure"), "success");

    std::fs::write(test.root().join("sessions.toml"), GATE_SESSIONS.replace("FAIL_UNDER", "79.99")).expect("rewrite");
    let run = test.run();
    run.assert_code(0);
    assert!(run.stdout.contains("TOTAL 4/5 lines 80.00%"), "{}", run.stdout);
    assert!(!run.stderr.contains("fail-under"), "{}", run.stderr);

    std::fs::write(test.root().join("sessions.toml"), GATE_SESSIONS.replace("FAIL_UNDER", "80")).expect("rewrite");
    test.run().assert_code(0);
}

#[test]
fn declared_coverage_that_is_never_written_is_an_error() {
    let sessions =
        "[sessions.test]\nvenv = false\ncommands = [[\"true\"]]\ncoverage = [\"{reports}/never-written.xml\"]\n";
    let run = Test::new().sessions(sessions).run();
    run.assert_code(1);
    assert_eq!(run.status_of("test"), "success");
    assert!(!run.stdout.contains("TOTAL"), "no 100% for missing data: {}", run.stdout);
    assert!(run.stderr.contains("error: coverage is declared but no coverage data was found"), "{}", run.stderr);
    assert!(run.stderr.contains("never-written.xml") && run.stderr.contains("hint:"), "{}", run.stderr);
    assert!(run.root.join(".forge/reports/junit.xml").is_file() && run.root.join(".forge/reports/run.json").is_file());
}

#[test]
fn declared_coverage_that_measures_nothing_fails_the_gate_instead_of_passing_at_100() {
    let empty = r#"<?xml version="1.0" ?><coverage version="7.17.3" lines-valid="0" lines-covered="0" line-rate="1"><sources><source>.</source></sources><packages/></coverage>"#;
    let sessions = "[sessions.c]\nvenv = false\ncommands = [[\"cp\", \"empty.xml\", \"{reports}/cov.xml\"]]\ncoverage = [\"{reports}/cov.xml\"]\n\n[coverage]\nfail-under = 80\n";
    let test = Test::new().sessions(sessions).file("empty.xml", empty);
    // A coverage.xml of an earlier run must not stay to be read as this run's.
    std::fs::create_dir_all(test.root().join(".forge/reports")).expect("mkdir");
    std::fs::write(test.root().join(".forge/reports/coverage.xml"), "earlier").expect("write");
    let run = test.run();
    run.assert_code(1);
    let expected = format!(
        "error: the coverage files measure no line, and no data is never 100% ({})",
        run.root.join(".forge/reports/cov.xml").display()
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(!run.stdout.contains("100.00%") && !run.stdout.contains("TOTAL"), "{}", run.stdout);
    assert!(!run.stderr.contains("coverage:"), "no total in the summary: {}", run.stderr);
    assert!(!run.root.join(".forge/reports/coverage.xml").exists(), "no coverage.xml with line-rate=\"1\"");

    // The same file as a report directory's coverage.xml (as earlier forges wrote it), merged
    // with a gate: exit 1, never 100%.
    std::fs::create_dir_all(run.root.join("job")).expect("mkdir");
    std::fs::write(run.root.join("job/coverage.xml"), empty).expect("write");
    let merged = test.command().args(["report", "job", "-o", "out", "--fail-under", "80"]).output().expect("forge");
    let (stdout, stderr) = (String::from_utf8_lossy(&merged.stdout), String::from_utf8_lossy(&merged.stderr));
    assert_eq!(merged.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("error: the coverage files measure no line, and no data is never 100% (job/coverage.xml)"),
        "{stderr}"
    );
    assert!(!stdout.contains("100.00%") && !stdout.contains("TOTAL"), "{stdout}");
    assert!(!run.root.join("out/coverage.xml").exists());
}

#[test]
fn a_failed_session_without_its_coverage_file_adds_no_second_error() {
    let sessions =
        "[sessions.test]\nvenv = false\ncommands = [[\"false\"]]\ncoverage = [\"{reports}/never-written.xml\"]\n";
    let run = Test::new().sessions(sessions).run();
    run.assert_code(1);
    assert_eq!(run.status_of("test"), "failed");
    assert!(!run.stderr.contains("coverage is declared"), "the failure explains it: {}", run.stderr);
}
