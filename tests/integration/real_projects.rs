//! Real input: pinned sdists of real projects from PyPI, tested and built through forge.

use crate::support::Test;

const SESSIONS: &str = r#"
[sessions.lint]
deps = ["ruff==0.8.4"]
commands = ["ruff check --select E9,F63,F7 ."]

[sessions.test]
python = "3.11"
deps = ["pytest==8.3.4"]
install-project = true
commands = ["pytest -q -p no:cacheprovider --junitxml={reports}/pytest.xml {posargs}"]
junit = ["{reports}/pytest.xml"]

[sessions."build:package"]
venv = false
requires = ["lint"]
commands = [["uv", "build", "--out-dir", "dist", "."]]
"#;

/// Downloads `requirement`'s sdist from PyPI (pip's cache makes repeats cheap) and unpacks it
/// into the test's project directory; returns the unpacked directory name.
fn unpack_sdist(test: &Test, requirement: &str) -> std::path::PathBuf {
    let downloads = test.root().join("downloads");
    let status = std::process::Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-binary",
            ":all:",
            requirement,
            "-d",
        ])
        .arg(&downloads)
        .status()
        .expect("pip runs");
    assert!(status.success(), "downloading {requirement}");
    let archive = std::fs::read_dir(&downloads).unwrap().flatten().next().expect("an sdist").path();
    let status =
        std::process::Command::new("tar").arg("xzf").arg(&archive).arg("-C").arg(test.root()).status().unwrap();
    assert!(status.success());
    let name = archive.file_name().unwrap().to_string_lossy().trim_end_matches(".tar.gz").to_owned();
    test.root().join(name)
}

/// `pytest_summaries`: the real results for that version; more than one where the interpreter
/// decides (six's tkinter tests skip on a Python built without Tk).
fn check_project(requirement: &str, pytest_summaries: &[&str]) {
    let test = Test::new();
    let project = unpack_sdist(&test, requirement);
    std::fs::write(project.join("sessions.toml"), SESSIONS).unwrap();
    let run = test.command().current_dir(&project).args(["-s", "test", "build:package"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let log = std::fs::read_to_string(project.join(".forge/reports/logs/test.log")).unwrap();
    assert!(
        pytest_summaries.iter().any(|summary| log.lines().any(|line| line.starts_with(summary))),
        "pytest's real result for {requirement}:\n{log}"
    );
    let dist: Vec<String> = std::fs::read_dir(project.join("dist"))
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(dist.iter().any(|name| name.ends_with(".tar.gz")), "an sdist in dist/: {dist:?}");
    assert!(dist.iter().any(|name| name.ends_with(".whl")), "a wheel in dist/: {dist:?}");
    let order: Vec<String> = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(project.join(".forge/reports/run.json")).unwrap(),
    )
    .unwrap()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|session| session["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, ["lint", "test", "build:package"], "build:package pulls in lint");
}

#[test]
fn six_1_17_0_tests_and_builds() {
    check_project("six==1.17.0", &["198 passed, 2 skipped", "184 passed, 16 skipped"]);
}

#[test]
fn toolz_1_0_0_tests_and_builds() {
    check_project("toolz==1.0.0", &["180 passed in"]);
}
