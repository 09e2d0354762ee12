//! Reports checked by the tools that consume them: xmllint against the Jenkins JUnit schema and
//! Cobertura's DTD (both fetched from PyPI sdists), junitparser, pycobertura, diff-cover, and
//! coverage.py itself as the oracle for merged coverage. The Python tools live in a test-owned
//! venv under `target/tmp/test-tools`, built once per test run.

mod bounded;
mod contents;
mod gate;
mod hostile;
pub mod tools;
mod writing;

use std::path::Path;
use std::process::Command;

use crate::support::Test;
use tools::{
    assert_cobertura_dtd_valid, assert_junit_schema_valid, copy_tree, junit_shape, number, ok, printed_total,
    python_json, root_attributes, tools,
};

const CALC: &str = "def add(a, b):\n    return a + b\n\n\ndef sign(x):\n    if x > 0:\n        return 1\n    if x < 0:\n        return -1\n    return 0\n\n\ndef unused():\n    return None\n";

const CALC_TESTS: &str = "import pytest\nfrom calc import add, sign\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_sign():\n    assert sign(5) == 1\n\n\n@pytest.mark.skip(reason='not today')\ndef test_skipped():\n    pass\n\n\ndef test_fails():\n    assert add(1, 1) == 3\n";

/// Two parametrized instances run the same pytest tests; plus a session that cannot run (error)
/// and one skipped because its requirement failed.
const CALC_SESSIONS: &str = r#"
[sessions.test]
python = ["3.11", "3"]
deps = ["pytest", "pytest-cov", "coverage==7.17.3"]
env = { PYTHONPATH = "{root}/src", COVERAGE_FILE = "{reports}/{session}.coverage" }
commands = ["python -m pytest tests -q -p no:cacheprovider --junitxml={reports}/pytest-{session}.xml --cov=calc --cov-branch --cov-report=xml:{reports}/cov-{session}.xml"]
junit = ["{reports}/pytest-{session}.xml"]
coverage = ["{reports}/cov-{session}.xml"]

[sessions.broken]
venv = false
commands = [["forge-test-no-such-program"]]

[sessions.after]
venv = false
requires = ["test"]
commands = [["true"]]
"#;

fn calc_project() -> Test {
    Test::new().sessions(CALC_SESSIONS).file("src/calc/__init__.py", CALC).file("tests/test_calc.py", CALC_TESTS)
}

#[test]
fn consumers_accept_junit_and_cobertura_and_read_the_same_figures() {
    let tools = tools();
    let run = calc_project().run();
    run.assert_code(1);
    let reports = run.root.join(".forge/reports");
    let junit = reports.join("junit.xml");
    let coverage = reports.join("coverage.xml");
    assert_junit_schema_valid(&junit);
    assert_cobertura_dtd_valid(&coverage);

    // The same three pytest tests from two instances are two results each; forge's own suite has
    // test-3.11, test-3 (failed), broken (error) and after (skipped).
    let root = root_attributes(&junit);
    let expected = [("tests", 12), ("failures", 4), ("errors", 1), ("skipped", 3)];
    let written = std::fs::read_to_string(&junit).unwrap_or_default();
    for (name, value) in expected {
        assert_eq!(number(&root, name), value, "{name} in {root}:\n{written}\n{}", run.stderr);
    }
    let read = python_json(
        "import sys, json\nfrom junitparser import JUnitXml, Failure, Error, Skipped\nxml = JUnitXml.fromfile(sys.argv[1])\ncounts = dict(tests=0, failures=0, errors=0, skipped=0)\nsuites = []\nfor suite in xml:\n    suites.append(suite.name)\n    for case in suite:\n        counts['tests'] += 1\n        kinds = [type(result) for result in case.result]\n        counts['failures'] += Failure in kinds\n        counts['errors'] += Error in kinds\n        counts['skipped'] += Skipped in kinds\nprint(json.dumps(dict(counts=counts, suites=suites)))",
        &[&junit],
    );
    for (name, value) in expected {
        assert_eq!(read["counts"][name], value, "junitparser {name}: {read}");
    }
    assert_eq!(read["suites"], serde_json::json!(["forge", "test-3.11: pytest", "test-3: pytest"]));
    assert!(
        run.stderr.contains("2 failed") && run.stderr.contains("1 errored") && run.stderr.contains("1 skipped"),
        "{}",
        run.stderr
    );
    // Under the session counts, what one pytest run over both instances would have said, and the
    // coverage total.
    let summary: Vec<&str> = run.stderr.lines().skip_while(|line| !line.contains("Summary [")).take(3).collect();
    assert_eq!(
        summary.get(1).map(|line| line.trim()),
        Some("8 tests: 4 passed, 2 failed, 2 skipped"),
        "{}",
        run.stderr
    );
    assert_eq!(summary.get(2).map(|line| line.trim()), Some("coverage: 6/10 lines, 60.00%"), "{}", run.stderr);

    // Coverage: the printed TOTAL, the file's attributes and pycobertura agree.
    let (covered, valid) = printed_total(&run);
    let attributes = root_attributes(&coverage);
    assert_eq!((number(&attributes, "lines-covered"), number(&attributes, "lines-valid")), (covered, valid));
    assert_eq!((covered, valid), (6, 10), "the defs, add's body and sign(5)'s path run");
    let rate = python_json(
        "import sys, json\nfrom pycobertura import Cobertura\nprint(json.dumps(Cobertura(sys.argv[1]).line_rate()))",
        &[&coverage],
    );
    let rate = rate.as_f64().expect("line rate");
    assert!((rate - covered as f64 / valid as f64).abs() < 1e-4, "pycobertura line rate {rate}");

    // diff-cover, in a git repository where the sources were added on a branch, finds coverage
    // for every file of the merged report.
    let git = |args: &[&str]| {
        ok(Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(&run.root))
    };
    git(&["init", "-q"]);
    std::fs::write(run.root.join(".gitignore"), ".forge/\n").expect("gitignore");
    git(&["add", ".gitignore"]);
    git(&["commit", "-qm", "base"]);
    git(&["checkout", "-qb", "feature"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "sources"]);
    let json_report = run.root.join("diff-cover.json");
    ok(Command::new(tools.bin.join("diff-cover"))
        .arg(&coverage)
        .args(["--compare-branch", "main", "--format"])
        .arg(format!("json:{}", json_report.display()))
        .current_dir(&run.root));
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_report).expect("diff-cover json")).expect("json");
    let files = python_json(
        "import sys, json, xml.etree.ElementTree as ET\nprint(json.dumps([c.get('filename') for c in ET.parse(sys.argv[1]).iter('class')]))",
        &[&coverage],
    );
    let files = files.as_array().expect("files");
    assert!(!files.is_empty());
    for file in files {
        let file = file.as_str().expect("filename");
        let entry = &stats["src_stats"][file];
        let measured = entry["covered_lines"].as_array().map_or(0, Vec::len)
            + entry["violation_lines"].as_array().map_or(0, Vec::len);
        assert!(measured > 0, "diff-cover did not resolve {file}: {stats:#}");
    }
}

#[test]
fn merged_coverage_equals_coverage_combine_for_cobertura_and_lcov() {
    let tools = tools();
    let sessions = r#"
[sessions.half]
python = "3.11"
deps = ["pytest", "pytest-cov", "coverage==7.17.3"]
env = { COVERAGE_FILE = "{root}/data/{session}.coverage" }
commands = ["python -m pytest toolz/tests -q -p no:cacheprovider -k {posargs} --cov=toolz --cov-branch --cov-report=xml:{root}/out/{session}.xml --cov-report=lcov:{root}/stash/{session}.lcov --junitxml={reports}/{session}.xml"]
junit = ["{reports}/{session}.xml"]
coverage = ["{root}/out/{session}.xml"]
"#;
    // Two sessions, each half of toolz's test suite.
    let halves = sessions
        .replace("[sessions.half]", "[sessions.half-a]")
        .replace("{posargs}", "'itertoolz or dicttoolz or curried'")
        + &sessions
            .replace("[sessions.half]", "[sessions.half-b]")
            .replace("{posargs}", "'not (itertoolz or dicttoolz or curried)'");
    // coverage.py names files relative to their `--cov` source; with two sources two files can
    // get the same name (`__init__.py`), so the halves measure one source, `toolz`.
    // The LCOV sessions produce their declared files by copying the halves' LCOV exports (forge
    // removes a session's declared files before it runs, so they cannot be declared as they are).
    let lcov_session = "[sessions.lcov-X]\nvenv = false\ncommands = [[\"python3\", \"-c\", \"import os, shutil; os.makedirs('lcov', exist_ok=True); shutil.copy('stash/half-X.lcov', 'lcov/half-X.lcov')\"]]\ncoverage = [\"{root}/lcov/half-X.lcov\"]\n";
    let lcov = lcov_session.replace('X', "a") + &lcov_session.replace('X', "b");
    let mut test = Test::new().sessions(&halves).file("lcov.toml", &lcov);
    copy_tree(&tools.toolz.join("toolz"), &test.root().join("toolz"));
    copy_tree(&tools.toolz.join("tlz"), &test.root().join("tlz"));
    let run = test.run();
    run.assert_code(0);
    let forge_xml = root_attributes(&run.root.join(".forge/reports/coverage.xml"));

    // The oracle: coverage.py combines the two runs' data and reports them.
    let data = run.root.join("data");
    let coverage = |args: &[&str]| ok(Command::new(tools.bin.join("coverage")).args(args).current_dir(&run.root));
    let combined = data.join(".coverage");
    let combined_text = combined.to_string_lossy().into_owned();
    let half = |name: &str| data.join(name).to_string_lossy().into_owned();
    coverage(&[
        "combine",
        "--keep",
        &format!("--data-file={combined_text}"),
        &half("half-a.coverage"),
        &half("half-b.coverage"),
    ]);
    let oracle_path = run.root.join("combined.xml");
    coverage(&["xml", &format!("--data-file={combined_text}"), "-o", &oracle_path.to_string_lossy()]);
    let oracle = root_attributes(&oracle_path);
    for name in ["lines-covered", "lines-valid", "branches-covered", "branches-valid"] {
        assert_eq!(
            number(&forge_xml, name),
            number(&oracle, name),
            "{name}: forge {forge_xml} vs coverage combine {oracle}"
        );
    }
    assert!(number(&oracle, "lines-covered") < number(&oracle, "lines-valid"));
    assert_eq!(printed_total(&run), (number(&oracle, "lines-covered"), number(&oracle, "lines-valid")));

    // The same two runs as LCOV give the same figures (coverage.py's BRDA lines identify each
    // branch, so branches merge exactly too).
    let lcov_run = test.rerun(&["-f", "lcov.toml", "--reports-dir", "lcov-reports"]);
    lcov_run.assert_code(0);
    let from_lcov = root_attributes(&lcov_run.root.join("lcov-reports/coverage.xml"));
    for name in ["lines-covered", "lines-valid", "branches-covered", "branches-valid"] {
        assert_eq!(number(&from_lcov, name), number(&oracle, name), "{name}: forge over LCOV {from_lcov} vs {oracle}");
    }
    assert_cobertura_dtd_valid(&lcov_run.root.join("lcov-reports/coverage.xml"));
}

#[test]
fn hostile_output_still_gives_well_formed_valid_junit() {
    tools();
    let script = r#"import sys
out = sys.stdout.buffer
out.write(b"\x1b[1;31mred\x1b[0m \x1b]0;title\x07 plain\n")
out.write(bytes(range(0, 32)) + b"\n")
out.write("U+FFFE:\ufffe U+FFFF:\uffff\n".encode("utf-8", "surrogatepass"))
out.write(b"cdata end ]]> and <tag> & ampersand\n")
out.write(b"invalid utf-8: \xff\xfe\xc3\x28 \xed\xa0\x80\n")
out.flush()
sys.exit(3)
"#;
    let sessions = format!(
        "[sessions.hostile]\nvenv = false\nretries = 1\nretry-delay = \"1ms\"\ncommands = [[\"python3\", \"-c\", '''{script}''']]\n"
    );
    let run = Test::new().sessions(&sessions).run();
    run.assert_code(1);
    let junit = run.root.join(".forge/reports/junit.xml");
    ok(Command::new("xmllint").arg("--noout").arg(&junit));
    assert_junit_schema_valid(&junit);
    let text = std::fs::read_to_string(&junit).expect("junit.xml is UTF-8");
    assert!(text.contains("red  plain"), "{text}");
    assert!(text.contains("cdata end ]]&gt; and &lt;tag&gt; &amp; ampersand"), "{text}");
    assert!(text.contains("invalid utf-8: \u{fffd}"), "{text}");
    assert!(!text.contains('\u{fffe}') && !text.contains('\u{ffff}') && !text.contains('\u{1b}'));
    assert!(text.contains("<rerunFailure"), "the first attempt is kept as a rerun: {text}");
    assert!(text.contains(r#"type="exit status 3""#), "{text}");
}

#[test]
fn forge_report_over_two_directories_equals_one_run_with_both() {
    tools();
    let session = r#"
[sessions.NAME]
python = "3.11"
deps = ["pytest", "pytest-cov", "coverage==7.17.3"]
env = { PYTHONPATH = "{root}/src", COVERAGE_FILE = "{reports}/{session}.coverage" }
commands = ["python -m pytest tests -q -p no:cacheprovider -k PICK --junitxml={reports}/pytest-{session}.xml --cov=calc --cov-branch --cov-report=xml:{reports}/cov-{session}.xml"]
junit = ["{reports}/pytest-{session}.xml"]
coverage = ["{reports}/cov-{session}.xml"]
"#;
    let sessions = session.replace("NAME", "adds").replace("PICK", "add")
        + &session.replace("NAME", "signs").replace("PICK", "sign");
    let tests = "from calc import add, sign\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_sign_negative():\n    assert sign(-5) == -1\n    assert sign(0) == 0\n\n\ndef test_sign_positive():\n    assert sign(5) == 1\n";
    let mut test = Test::new().sessions(&sessions).file("src/calc/__init__.py", CALC).file("tests/test_calc.py", tests);
    let both = test.rerun(&["--reports-dir", "both"]);
    both.assert_code(0);
    test.rerun(&["-s", "adds", "--reports-dir", "job-adds"]).assert_code(0);
    test.rerun(&["-s", "signs", "--reports-dir", "job-signs"]).assert_code(0);
    let merged = test.rerun(&["report", "job-adds", "job-signs", "-o", "merged", "--fail-under", "50"]);
    merged.assert_code(0);
    let root = &merged.root;

    assert_eq!(junit_shape(&root.join("merged/junit.xml")), junit_shape(&root.join("both/junit.xml")));
    let without_timestamp = |path: &Path| {
        let text = std::fs::read_to_string(path).expect("coverage.xml");
        let start = text.find("timestamp=\"").expect("timestamp");
        let end = start
            + "timestamp=\"".len()
            + text[start + "timestamp=\"".len()..].find('"').expect("end of timestamp")
            + 1;
        format!("{}{}", &text[..start], &text[end..])
    };
    assert_eq!(
        without_timestamp(&root.join("merged/coverage.xml")),
        without_timestamp(&root.join("both/coverage.xml"))
    );
    assert_eq!(printed_total(&merged), printed_total(&both));
    assert!(merged.stdout.contains("junit.xml: 5 tests, 0 failures, 0 errors, 0 skipped"), "{}", merged.stdout);
    assert_junit_schema_valid(&root.join("merged/junit.xml"));
    assert_cobertura_dtd_valid(&root.join("merged/coverage.xml"));
    let run_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("merged/run.json")).expect("run.json")).expect("json");
    let names: Vec<&str> = run_json["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|session| session["name"].as_str())
        .collect();
    assert_eq!(names, ["adds", "signs"]);

    let gated = test.rerun(&["report", "job-adds", "-o", "gated", "--fail-under", "99.5"]);
    gated.assert_code(1);
    assert!(gated.stderr.contains("is below fail-under 99.5% by"), "{}", gated.stderr);

    let missing = test.rerun(&["report", "job-adds", "no-such-dir", "-o", "out"]);
    missing.assert_code(2);
    assert!(missing.stderr.contains("error: report directory no-such-dir does not exist"), "{}", missing.stderr);
    assert!(missing.stderr.contains("hint:"), "{}", missing.stderr);
}

/// `time="0.004"` → `time="[TIME]"`, for snapshots.
fn redact_times(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(" time=\"") {
        let value_start = start + " time=\"".len();
        let Some(length) = rest[value_start..].find('"') else { break };
        out.push_str(&rest[..value_start]);
        out.push_str("[TIME]");
        rest = &rest[value_start + length..];
    }
    out.push_str(rest);
    out
}

#[test]
fn junit_xml_has_a_testcase_per_session_in_the_shape_ci_systems_read() {
    let sessions = r#"
[sessions.good]
venv = false
commands = [["echo", "fine"]]

[sessions.bad]
venv = false
commands = ["sh -c 'printf \"\\033[31mred\\033[0m ]]> broke\\n\"; exit 3'"]

[sessions.after-bad]
venv = false
requires = ["bad"]
commands = [["echo", "never"]]

[sessions.flaky]
venv = false
retries = 1
retry-delay = "10ms"
commands = ["sh -c 'test -f once && exit 0; touch once; echo first try; exit 1'"]

[sessions.missing]
venv = false
commands = ["no-such-program"]
"#;
    let run = Test::new().sessions(sessions).args(&["-j", "1", "-q"]).run();
    run.assert_code(1);
    let junit = std::fs::read_to_string(run.root.join(".forge/reports/junit.xml")).unwrap();
    insta::assert_snapshot!(redact_times(&run.redacted(&junit)), @r#"
    <?xml version="1.0" encoding="UTF-8"?>
    <testsuites name="forge" tests="5" skipped="1" failures="1" errors="1" time="[TIME]">
        <testsuite name="forge" tests="5" skipped="1" errors="1" failures="1" time="[TIME]">
            <testcase name="good" classname="forge.sessions" time="[TIME]">
                <system-out>log: [ROOT]/.forge/reports/logs/good.log</system-out>
            </testcase>
            <testcase name="bad" classname="forge.sessions" time="[TIME]">
                <failure message="`sh -c &quot;printf \&quot;\\033[31mred\\033[0m ]]&gt; broke\\n\&quot;; exit 3&quot;` exited with status 3" type="exit status 3">$ sh -c &quot;printf \&quot;\\033[31mred\\033[0m ]]&gt; broke\\n\&quot;; exit 3&quot;
    red ]]&gt; broke
    forge: `sh -c &quot;printf \&quot;\\033[31mred\\033[0m ]]&gt; broke\\n\&quot;; exit 3&quot;` exited with status 3
    </failure>
                <system-out>log: [ROOT]/.forge/reports/logs/bad.log</system-out>
            </testcase>
            <testcase name="after-bad" classname="forge.sessions" time="[TIME]">
                <skipped message="requirement `bad` failed"/>
            </testcase>
            <testcase name="flaky" classname="forge.sessions" time="[TIME]">
                <flakyFailure message="attempt 1: `sh -c &apos;test -f once &amp;&amp; exit 0; touch once; echo first try; exit 1&apos;` exited with status 1" type="exit status 1">
                    <system-out>$ sh -c &apos;test -f once &amp;&amp; exit 0; touch once; echo first try; exit 1&apos;
    first try
    forge: `sh -c &apos;test -f once &amp;&amp; exit 0; touch once; echo first try; exit 1&apos;` exited with status 1
    </system-out>
                </flakyFailure>
                <system-out>log: [ROOT]/.forge/reports/logs/flaky.log</system-out>
            </testcase>
            <testcase name="missing" classname="forge.sessions" time="[TIME]">
                <error message="command not found: `no-such-program`; the session has `venv = false`: it must be on your PATH" type="error">$ no-such-program
    forge: command not found: `no-such-program`; the session has `venv = false`: it must be on your PATH
    </error>
                <system-out>log: [ROOT]/.forge/reports/logs/missing.log</system-out>
            </testcase>
        </testsuite>
    </testsuites>
    "#);
}
