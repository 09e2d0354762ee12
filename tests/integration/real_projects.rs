//! Real input: pinned sdists of real projects from PyPI, tested and built through forge; and
//! projects of each common build backend (from PyPI), built with `uv build` after forge ran in
//! them, to show forge's files never break the project's own build.

use std::path::Path;

use crate::support::{Test, real_uv};

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
# setuptools writes `*.egg-info` into the tree while pytest collects it: not at the same time.
after = ["test"]
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

/// Runs `forge -s test` in `project`, then `uv build` of it (sdist, then the wheel from it), and
/// checks the sdist holds no virtualenv and no file of forge's but its reports. Returns the
/// sdist's members, relative to its top directory.
pub(crate) fn forge_test_then_build(test: &Test, project: &Path) -> Vec<String> {
    let run = test.command().current_dir(project).args(["-s", "test"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "forge -s test\n{stderr}");
    let log = std::fs::read_to_string(project.join(".forge/reports/logs/test.log")).unwrap();
    assert!(log.lines().any(|line| line.contains(" passed")), "pytest ran:\n{log}");
    // The env is in forge's cache, not in the project.
    assert!(test.env_dir_of(project).join("test/.forge-env.json").is_file(), "the env is in the cache");
    assert!(!project.join(".forge/envs").exists(), "no env in the project");

    let out = test.root().join(format!("out-{}", project.file_name().unwrap().to_string_lossy()));
    let build = std::process::Command::new(real_uv())
        .args(["build", "--quiet", "--out-dir"])
        .arg(&out)
        .arg(project)
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap();
    assert!(build.status.success(), "uv build\n{}", String::from_utf8_lossy(&build.stderr));
    let sdist = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.to_string_lossy().ends_with(".tar.gz"))
        .expect("an sdist");
    assert!(
        std::fs::read_dir(&out).unwrap().flatten().any(|entry| entry.path().extension().is_some_and(|e| e == "whl"))
    );
    let listing = std::process::Command::new("tar").arg("tzf").arg(&sdist).output().unwrap();
    assert!(listing.status.success());
    let members: Vec<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|line| line.split_once('/').map_or(line, |(_, rest)| rest).to_owned())
        .collect();
    for member in &members {
        let forge_file = [".forge-env.json", ".interpreters.json", ".locks", "pyvenv.cfg", "site-packages"]
            .iter()
            .any(|name| member.split('/').any(|part| part == *name));
        assert!(!forge_file, "a virtualenv or forge's cache in the sdist: {member}\n{members:#?}");
        assert!(
            !member.starts_with(".forge") || member == ".forge/" || member.starts_with(".forge/reports"),
            "only forge's reports may be in the sdist: {member}"
        );
    }
    members
}

/// Writes `files` (path, content) under `dir`.
fn write_project(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

const TEST_SESSION: &str = r#"
[sessions.test]
deps = ["pytest==8.3.4"]
install-project = true
commands = ["pytest -q -p no:cacheprovider tests"]
"#;

/// A small project of package `package` built by `build_system` (a `[build-system]` table).
pub(crate) fn backend_project(
    test: &Test,
    package: &str,
    build_system: &str,
    project_table: &str,
) -> std::path::PathBuf {
    let project = test.root().join(package);
    write_project(
        &project,
        &[
            ("pyproject.toml", &format!("{build_system}\n[project]\nname = \"{package}\"\n{project_table}")),
            (&format!("{package}/__init__.py"), "\"A demo.\"\n\nVALUE = 1\n"),
            (
                "tests/test_value.py",
                &format!("import {package}\n\n\ndef test_value():\n    assert {package}.VALUE == 1\n"),
            ),
            ("sessions.toml", TEST_SESSION),
        ],
    );
    project
}

#[test]
fn humanize_4_11_0_a_hatchling_project_builds_after_forge_ran_in_it() {
    // hatchling packs everything its root .gitignore does not exclude (humanize's does not name
    // .forge), skipping only .venv, .tox, .nox and the like by name: envs in the project made
    // `uv build` fail ("unsafe symbolic-link target … is absolute") or pack them.
    let test = Test::new();
    let project = unpack_sdist(&test, "humanize==4.11.0");
    let sessions = TEST_SESSION
        .replace(r#"deps = ["pytest==8.3.4"]"#, r#"deps = ["pytest==8.3.4", "freezegun==1.5.1", "pytest-cov==6.0.0"]"#);
    std::fs::write(project.join("sessions.toml"), sessions).unwrap();
    let members = forge_test_then_build(&test, &project);
    assert!(members.iter().any(|member| member == "src/humanize/__init__.py"), "{members:#?}");
    // The reports stay in the project, and hatchling (which reads no nested .gitignore) packs them:
    // docs/virtualenvs.md says how to keep them out.
    assert!(members.iter().any(|member| member == ".forge/reports/run.json"), "{members:#?}");
}

#[test]
fn a_hatchling_project_that_ignores_forge_has_none_of_it_in_its_sdist() {
    let test = Test::new();
    let project = backend_project(
        &test,
        "hdemo",
        "[build-system]\nrequires = [\"hatchling==1.27.0\"]\nbuild-backend = \"hatchling.build\"\n",
        "version = \"0.1.0\"\n",
    );
    std::fs::write(project.join(".gitignore"), ".forge/\n").unwrap();
    let members = forge_test_then_build(&test, &project);
    assert!(members.iter().all(|member| !member.starts_with(".forge")), "{members:#?}");
    assert!(members.iter().any(|member| member == "hdemo/__init__.py"), "{members:#?}");
}

#[test]
fn setuptools_flit_and_pdm_backend_projects_build_after_forge_ran_in_them() {
    let test = Test::new();
    let backends = [
        (
            "sdemo",
            "[build-system]\nrequires = [\"setuptools==75.6.0\"]\nbuild-backend = \"setuptools.build_meta\"\n",
            "version = \"0.1.0\"\n",
        ),
        (
            "fdemo",
            "[build-system]\nrequires = [\"flit_core==3.10.1\"]\nbuild-backend = \"flit_core.buildapi\"\n",
            "version = \"0.1.0\"\ndescription = \"A demo.\"\n",
        ),
        (
            "pdemo",
            "[build-system]\nrequires = [\"pdm-backend==2.4.3\"]\nbuild-backend = \"pdm.backend\"\n",
            "version = \"0.1.0\"\n",
        ),
    ];
    for (package, build_system, project_table) in backends {
        let project = backend_project(&test, package, build_system, project_table);
        let members = forge_test_then_build(&test, &project);
        assert!(members.iter().any(|member| *member == format!("{package}/__init__.py")), "{members:#?}");
        assert!(members.iter().all(|member| !member.starts_with(".forge")), "{package}: {members:#?}");
    }
}

#[test]
fn a_setuptools_scm_project_in_git_builds_after_forge_ran_in_it() {
    let test = Test::new();
    let project = backend_project(
        &test,
        "scmdemo",
        "[build-system]\nrequires = [\"setuptools==75.6.0\", \"setuptools-scm==8.1.0\"]\nbuild-backend = \"setuptools.build_meta\"\n",
        "dynamic = [\"version\"]\n\n[tool.setuptools_scm]\n",
    );
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=forge", "-c", "user.email=forge@example.com"])
            .args(args)
            .current_dir(&project)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "--quiet"]);
    git(&["add", "."]);
    git(&["commit", "--quiet", "-m", "initial"]);
    git(&["tag", "v1.2.3"]);
    let members = forge_test_then_build(&test, &project);
    // setuptools-scm packs what git tracks; forge's reports carry a `*` .gitignore, so git
    // ignores them and so does the sdist.
    assert!(members.iter().all(|member| !member.starts_with(".forge")), "{members:#?}");
    assert!(members.iter().any(|member| member == "scmdemo/__init__.py"), "{members:#?}");
    assert!(members.iter().any(|member| member == "PKG-INFO"));
}
