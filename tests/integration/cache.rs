//! Cached sessions end to end: real uv/pytest sessions hit, restore their reports and log byte for
//! byte, miss for each part of the key with the reason said, never store failures or flaky
//! passes, evict under a tiny `cache-size`, survive two concurrent runs and a corrupt record.

use std::path::{Path, PathBuf};

use crate::support::{Test, output_within};

pub(crate) const CALC: &str = "def add(a, b):\n    return a + b\n";
pub(crate) const CALC_TESTS: &str = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n";

/// A pytest session with inputs, JUnit and coverage, and a cheap `venv = false` one after it.
pub(crate) const PYTEST_SESSIONS: &str = r#"
[sessions.test]
deps = ["pytest", "pytest-cov", "coverage==7.17.3"]
env = { PYTHONPATH = "{root}/src", COVERAGE_FILE = "{reports}/{session}.coverage" }
commands = ["python -m pytest tests -q -p no:cacheprovider --junitxml={reports}/pytest.xml --cov=calc --cov-report=xml:{reports}/cov.xml"]
junit = ["{reports}/pytest.xml"]
coverage = ["{reports}/cov.xml"]
inputs = ["src/**/*.py", "tests/**/*.py"]

[sessions.package]
venv = false
requires = ["test"]
commands = [["sh", "-c", "mkdir -p dist && cat src/calc/__init__.py > dist/calc.txt && echo packaged"]]
inputs = ["src/**"]
outputs = ["dist/*"]
"#;

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn store_records(test: &Test) -> Vec<PathBuf> {
    let Ok(projects) = std::fs::read_dir(test.cache_dir().join("cache")) else { return Vec::new() };
    projects
        .flatten()
        .filter_map(|project| std::fs::read_dir(project.path().join("records")).ok())
        .flat_map(|records| records.flatten().map(|record| record.path()))
        .collect()
}

#[test]
fn a_hit_restores_reports_outputs_and_log_byte_for_byte() {
    let mut test = Test::new()
        .sessions(PYTEST_SESSIONS)
        .file("src/calc/__init__.py", CALC)
        .file("tests/test_calc.py", CALC_TESTS)
        .file(".gitignore", "dist/\n");
    let first = test.run();
    first.assert_code(0);
    let reports = first.root.join(".forge/reports");
    let (pytest, cov, log) = (read(&reports.join("pytest.xml")), read(&reports.join("cov.xml")), first.log("test"));
    let merged_coverage = read(&reports.join("coverage.xml"));
    assert!(first.stderr.contains("1 test: 1 passed"), "{}", first.stderr);
    std::fs::remove_file(first.root.join("dist/calc.txt")).unwrap();
    std::fs::remove_file(reports.join("pytest.xml")).unwrap();

    let second = test.rerun(&["-v"]);
    second.assert_code(0);
    assert_eq!(second.status_of("test"), "cached");
    assert_eq!(second.status_of("package"), "cached");
    assert!(second.stderr.contains("CACHED") && second.stderr.contains("test: cache: cached"), "{}", second.stderr);
    assert!(second.stderr.contains("2 cached"), "{}", second.stderr);
    assert!(!second.stderr.contains("building venv"), "a hit builds no env: {}", second.stderr);
    // The merged reports are those of the full run.
    assert!(second.stderr.contains("1 test: 1 passed"), "{}", second.stderr);
    assert_eq!(read(&reports.join("pytest.xml")), pytest);
    assert_eq!(read(&reports.join("cov.xml")), cov);
    // The merged coverage.xml differs only in its `timestamp` attribute.
    let merged_now = String::from_utf8(read(&reports.join("coverage.xml"))).unwrap();
    let strip = |text: &str| {
        let start = text.find("timestamp=\"").unwrap();
        let end = start + 11 + text[start + 11..].find('"').unwrap();
        format!("{}{}", &text[..start], &text[end..])
    };
    assert_eq!(strip(&merged_now), strip(&String::from_utf8(merged_coverage).unwrap()));
    assert_eq!(second.log("test"), log);
    assert_eq!(read(&second.root.join("dist/calc.txt")), CALC.as_bytes());
    let junit = String::from_utf8(read(&reports.join("junit.xml"))).unwrap();
    assert!(junit.contains(r#"<property name="forge.status" value="cached"/>"#), "{junit}");
    assert!(junit.contains(r#"<testcase name="test_add""#), "{junit}");

    // An input changed: the session says which and runs; so does the one requiring it.
    std::fs::write(second.root.join("src/calc/__init__.py"), format!("{CALC}\n# changed\n")).unwrap();
    let plan = test.rerun(&["-n"]);
    plan.assert_code(0);
    assert!(plan.stdout.contains("cache: runs: input src/calc/__init__.py changed"), "{}", plan.stdout);
    let third = test.rerun(&[]);
    third.assert_code(0);
    assert_eq!(third.status_of("test"), "success");
    assert_eq!(third.status_of("package"), "success");
    // --force runs a session that would hit, and stores again.
    let forced = test.rerun(&["-s", "package", "--no-deps", "--force"]);
    forced.assert_code(0);
    assert_eq!(forced.status_of("package"), "success");
    assert_eq!(test.rerun(&["-s", "package", "--no-deps"]).status_of("package"), "cached");
    // A deps change is seen without building anything.
    let changed = PYTEST_SESSIONS.replace("\"coverage==7.17.3\"]", "\"coverage==7.17.3\", \"iniconfig\"]");
    std::fs::write(second.root.join("sessions.toml"), changed).unwrap();
    let plan = test.rerun(&["-n"]);
    assert!(plan.stdout.contains("cache: runs: deps changed"), "{}", plan.stdout);
}

/// Cheap `venv = false` sessions for the other key parts.
const SHELL_SESSIONS: &str = r#"
[sessions.lint]
venv = false
commands = [["sh", "-c", "echo lint {posargs}"]]
inputs = ["src/**/*.py", "ruff.toml"]
env = { TOKEN = "{env:SECRET_TOKEN}" }

[sessions.check]
venv = false
requires = ["lint"]
commands = [["true"]]
inputs = ["README.md"]
"#;

fn shell_project() -> Test {
    Test::new()
        .sessions(SHELL_SESSIONS)
        .file("src/a.py", "a = 1\n")
        .file("README.md", "readme\n")
        .env("SECRET_TOKEN", "hunter2-secret")
}

#[test]
fn each_part_of_the_key_is_a_miss_with_its_reason() {
    let mut test = shell_project();
    test.rerun(&[]).assert_code(0);
    let plan = test.rerun(&["-n"]);
    assert!(plan.stdout.contains("cache: cached"), "{}", plan.stdout);
    assert!(plan.stdout.contains("input `ruff.toml` matches no file (not part of the key)"), "{}", plan.stdout);
    let root = test.root().to_path_buf();
    let verdict = |test: &mut Test, args: &[&str]| {
        let plan = test.rerun(args);
        plan.assert_code(0);
        assert!(!plan.stdout.contains("hunter2"), "an env value is never printed: {}", plan.stdout);
        plan.stdout.lines().filter(|line| line.contains("cache:")).map(str::trim).collect::<Vec<_>>().join(" | ")
    };
    // Input added, changed, removed.
    std::fs::write(root.join("src/b.py"), "b = 1\n").unwrap();
    assert!(verdict(&mut test, &["-n"]).starts_with("cache: runs: input src/b.py added"));
    std::fs::remove_file(root.join("src/b.py")).unwrap();
    std::fs::write(root.join("src/a.py"), "a = 2\n").unwrap();
    assert!(verdict(&mut test, &["-n"]).starts_with("cache: runs: input src/a.py changed"));
    std::fs::write(root.join("src/a.py"), "a = 1\n").unwrap();
    // A file ignored by .gitignore is not an input.
    std::fs::write(root.join(".gitignore"), "src/generated.py\n").unwrap();
    std::fs::write(root.join("src/generated.py"), "g = 1\n").unwrap();
    assert!(verdict(&mut test, &["-n"]).starts_with("cache: cached"));
    // posargs.
    assert!(verdict(&mut test, &["-n", "--", "-x"]).starts_with("cache: runs: posargs differ"));
    // env value (named, not shown).
    let mut secret = shell_project();
    secret.rerun(&[]).assert_code(0);
    let mut secret = secret.env("SECRET_TOKEN", "other-hunter2");
    assert!(verdict(&mut secret, &["-n"]).starts_with("cache: runs: env TOKEN changed"));
    // The requirement's key changed: the dependent says it re-ran.
    std::fs::write(root.join("src/a.py"), "a = 3\n").unwrap();
    let lines = verdict(&mut test, &["-n"]);
    assert!(lines.contains("cache: runs: requirement lint re-ran"), "{lines}");
    test.rerun(&[]).assert_code(0);
    // A command changed.
    std::fs::write(root.join("sessions.toml"), SHELL_SESSIONS.replace("echo lint", "echo linting")).unwrap();
    assert!(verdict(&mut test, &["-n"]).starts_with("cache: runs: command changed"));
    // A `venv = false` program changed identity.
    let tools = root.join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let tool = tools.join("forge-test-tool");
    std::fs::write(&tool, "#!/bin/sh\necho tool\n").unwrap();
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", tools.display(), std::env::var("PATH").unwrap());
    let mut with_tool = test.env("PATH", &path);
    std::fs::write(root.join("sessions.toml"), SHELL_SESSIONS.replace("[\"true\"]", "[\"forge-test-tool\"]")).unwrap();
    with_tool.rerun(&[]).assert_code(0);
    assert!(verdict(&mut with_tool, &["-n"]).contains("cache: cached"));
    std::fs::write(&tool, "#!/bin/sh\necho another tool, longer\n").unwrap();
    let lines = verdict(&mut with_tool, &["-n"]);
    assert!(lines.contains("cache: runs: program `forge-test-tool` changed"), "{lines}");
}

#[test]
fn failures_and_flaky_passes_are_never_stored() {
    let mut test = Test::new().file("src/a.py", "a\n").sessions(
        r#"
[sessions.fails]
venv = false
commands = [["sh", "-c", "echo ran >> runs.txt; exit 1"]]
inputs = ["src/**"]

[sessions.flaky]
venv = false
retries = 1
retry-delay = "1ms"
commands = [["sh", "-c", "echo ran >> flaky.txt; test $(wc -l < flaky.txt) -ge 2"]]
inputs = ["src/**"]
"#,
    );
    let first = test.rerun(&[]);
    first.assert_code(1);
    assert_eq!(first.status_of("flaky"), "success");
    let second = test.rerun(&[]);
    second.assert_code(1);
    assert_eq!(second.status_of("fails"), "failed");
    assert_eq!(second.status_of("flaky"), "success", "a flaky pass is not cached");
    assert_eq!(std::fs::read_to_string(test.root().join("runs.txt")).unwrap().lines().count(), 2);
    assert_eq!(std::fs::read_to_string(test.root().join("flaky.txt")).unwrap().lines().count(), 3);
    // flaky passed at once the second time: that success is stored.
    assert_eq!(store_records(&test).len(), 1, "{:?}", store_records(&test));
}

#[test]
fn a_tiny_cache_size_evicts_and_a_corrupt_record_is_a_miss() {
    let sessions = |size: &str| {
        format!(
            "[forge]\ncache-size = \"{size}\"\n[sessions.a]\nvenv = false\ncommands = [[\"true\"]]\ninputs = [\"x\"]\n[sessions.b]\nvenv = false\ncommands = [[\"true\"]]\ninputs = [\"x\"]\n"
        )
    };
    let mut test = Test::new().file("x", "x").sessions(&sessions("1B"));
    test.rerun(&[]).assert_code(0);
    assert!(store_records(&test).is_empty(), "nothing fits in one byte");
    assert_eq!(test.rerun(&[]).status_of("a"), "success");
    std::fs::write(test.root().join("sessions.toml"), sessions("10MiB")).unwrap();
    test.rerun(&[]).assert_code(0);
    assert_eq!(store_records(&test).len(), 2);
    assert_eq!(test.rerun(&[]).status_of("b"), "cached");
    // Corrupt one record, truncate the other: both miss, run, and are stored again.
    let records = store_records(&test);
    std::fs::write(&records[0], "{ not json").unwrap();
    let text = std::fs::read(&records[1]).unwrap();
    std::fs::write(&records[1], &text[..text.len() / 2]).unwrap();
    let run = test.rerun(&["-v"]);
    run.assert_code(0);
    assert_eq!((run.status_of("a"), run.status_of("b")), ("success".into(), "success".into()));
    assert!(run.stderr.contains("cache: the stored record is unreadable"), "{}", run.stderr);
    assert_eq!(test.rerun(&[]).status_of("a"), "cached");
    // forge cache clean empties the store.
    let clean = test.rerun(&["cache", "clean"]);
    clean.assert_code(0);
    assert!(clean.stdout.contains("removed 2 cached results"), "{}", clean.stdout);
    assert_eq!(test.rerun(&[]).status_of("a"), "success");
}

#[test]
fn two_concurrent_runs_share_one_store_without_corrupting_it() {
    let store = tempfile::tempdir().unwrap();
    let sessions = format!(
        "[forge]\ncache-dir = \"{}\"\n{}",
        store.path().display(),
        (0..6)
            .map(|index| {
                format!(
                    "[sessions.s{index}]\nvenv = false\ncommands = [[\"sh\", \"-c\", \"head -c 100000 /dev/urandom > out{index}.bin\"]]\ninputs = [\"x\"]\noutputs = [\"out{index}.bin\"]\n"
                )
            })
            .collect::<String>()
    );
    let projects: Vec<Test> = (0..2).map(|_| Test::new().file("x", "x").sessions(&sessions)).collect();
    let children: Vec<_> = projects
        .iter()
        .map(|test| {
            test.command().stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for child in children {
        let (code, _, stderr) = output_within(child);
        assert_eq!(code, Some(0), "{stderr}");
    }
    // Each record is whole and each hit restores an output of one of the two runs.
    for test in &projects {
        let run = test.run();
        run.assert_code(0);
        for index in 0..6 {
            assert_eq!(run.status_of(&format!("s{index}")), "cached", "{}", run.stderr);
            assert_eq!(std::fs::metadata(test.root().join(format!("out{index}.bin"))).unwrap().len(), 100_000);
        }
    }
}
