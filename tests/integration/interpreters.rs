//! Interpreter discovery with real pythons: pyenv's 3.10, 3.12 and 3.13 beside the selected 3.11,
//! requests that resolve elsewhere, activated virtualenvs seen through to their base, missing
//! interpreters and a missing uv.

use crate::support::{Test, real_uv};
use crate::venv::{env_state, status_detail};

/// pyenv's install of `version` ("3.12" → `~/.pyenv/versions/3.12.1`); panics, naming what to
/// install, when the machine lacks an interpreter the suite needs.
fn pyenv_install(version: &str) -> std::path::PathBuf {
    let root = std::env::var("PYENV_ROOT").unwrap_or_else(|_| format!("{}/.pyenv", std::env::var("HOME").unwrap()));
    let prefix = format!("{version}.");
    std::fs::read_dir(format!("{root}/versions"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.file_name().unwrap().to_string_lossy().starts_with(&prefix))
        .filter(|path| path.join(format!("bin/python{version}")).exists())
        .unwrap_or_else(|| panic!("the suite needs Python {version}: install it with `pyenv install {version}`"))
}

#[test]
fn each_python_instance_gets_its_own_interpreter() {
    let versions = ["3.10", "3.12", "3.13"];
    let installs: Vec<_> = versions.iter().map(|version| pyenv_install(version)).collect();
    let test = Test::new()
        .sessions("[sessions.version]\npython = [\"3.10\", \"3.12\", \"3.13\"]\ncommands = [\"python -c 'import sys; print(\\\"VERSION\\\", sys.version_info[:2], sys.prefix, sys.base_prefix)'\"]\n")
        .args(&["-s", "version", "-v", "-j", "3"]);
    let run = test.run();
    // pyenv's shims refuse all three here (3.11 is selected); forge finds the installs under
    // $PYENV_ROOT/versions.
    run.assert_code(0);
    for (version, install) in versions.iter().zip(&installs) {
        let name = format!("version-{version}");
        assert_eq!(run.status_of(&name), "success");
        let full = install.file_name().unwrap().to_string_lossy().into_owned();
        let json = run.run_json();
        let session = json["sessions"].as_array().unwrap().iter().find(|session| session["name"] == name).unwrap();
        assert_eq!(session["python"], full, "run.json reports the version that ran");
        let (major, minor) = version.split_once('.').unwrap();
        let expected = format!("VERSION (3, {minor}) {} {}", test.env_dir().join(&name).display(), install.display());
        assert_eq!(major, "3");
        assert!(run.stdout.contains(&expected), "{expected}\n{}", run.stdout);
    }
}

#[test]
fn a_missing_interpreter_fails_its_instance_or_is_skipped_on_request() {
    let mut test =
        Test::new().sessions("[sessions.test]\npython = [\"3.11\", \"3.99\"]\ncommands = [\"python -c pass\"]\n");
    let run = test.rerun(&["-s", "test"]);
    run.assert_code(1);
    assert_eq!(run.status_of("test-3.11"), "success");
    assert_eq!(run.status_of("test-3.99"), "error");
    assert!(run.stderr.contains("no Python interpreter found for `3.99`"), "{}", run.stderr);

    let skipped = test.rerun(&["-s", "test", "--skip-missing-interpreters"]);
    skipped.assert_code(0);
    assert_eq!(skipped.status_of("test-3.99"), "skipped");
    assert!(
        skipped.stderr.contains("warning: test-3.99: skipped: no Python interpreter found for `3.99`"),
        "{}",
        skipped.stderr
    );
}

#[test]
fn uv_not_found_is_a_usage_error_with_an_install_hint() {
    let run = Test::new()
        .sessions("[sessions.test]\ncommands = [\"python -c pass\"]\n")
        .env("PATH", "/usr/bin:/bin")
        .env_remove("FORGE_UV")
        .args(&["-s", "test"])
        .run();
    run.assert_code(2);
    insta::assert_snapshot!(run.stderr, @r"
    error: `uv` was not found on PATH
    hint: install uv with `python3 -m pip install uv` (or `pipx install uv`), or point FORGE_UV at its executable
    ");
}

#[test]
fn a_request_that_now_resolves_to_another_interpreter_rebuilds() {
    let newer = pyenv_install("3.13").join("bin/python3.13");
    let mut test = Test::new().sessions("[sessions.check]\npython = \"3\"\ncommands = [\"python -c pass\"]\n");
    assert_eq!(env_state(test.rerun(&["-s", "check"]).assert_code(0), "check"), "built");
    let first = recorded_interpreter(&test, "check");
    assert!(!first.starts_with("/root/.pyenv/versions/3.13"), "python3 on PATH is not 3.13 here: {first}");

    // A python3 installed earlier on PATH (here: pyenv's 3.13) is what `python = "3"` now means.
    let bin = test.root().join("newer-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(&newer, bin.join("python3")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let mut test = test.env("PATH", &path);
    let rebuilt = test.rerun(&["-s", "check"]);
    assert_eq!(env_state(rebuilt.assert_code(0), "check"), "built");
    let canonical = std::fs::canonicalize(&newer).unwrap();
    assert_eq!(
        status_detail(&rebuilt, "check"),
        format!("venv built: interpreter changed: {first} → {}", canonical.display())
    );
    assert_eq!(recorded_interpreter(&test, "check"), canonical.to_string_lossy());
    assert_eq!(env_state(test.rerun(&["-s", "check"]).assert_code(0), "check"), "reused");
}

/// The interpreter an env's completion marker records.
fn recorded_interpreter(test: &Test, name: &str) -> String {
    let marker = std::fs::read_to_string(test.env_dir().join(name).join(".forge-env.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&marker).unwrap()["interpreter"].as_str().unwrap().to_owned()
}

/// A real venv made by uv from `python`, as a user would have activated.
fn make_venv(path: &std::path::Path, python: &str) {
    let status = std::process::Command::new(real_uv())
        .args(["venv", "--quiet", "--no-project", "--python", python])
        .arg(path)
        .env_remove("VIRTUAL_ENV")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn an_activated_virtualenv_on_path_is_seen_through_to_its_base_interpreter() {
    // `lint` asks for the default python3; `old` for 3.10, whose venvs name their own python as
    // their base (pyvenv.cfg's `home` tells the truth there).
    let sessions = "[sessions.lint]\ncommands = [\"python -c pass\"]\n\n[sessions.old]\npython = \"3.10\"\ncommands = [\"python -c pass\"]\n";
    let mut test = Test::new().sessions(sessions);
    test.rerun(&["-s", "lint", "old"]).assert_code(0);
    let recorded = |test: &Test| (recorded_interpreter(test, "lint"), recorded_interpreter(test, "old"));
    let (lint, old) = recorded(&test);
    assert!(old.starts_with(&*pyenv_install("3.10").to_string_lossy()), "{old}");

    // Real venvs of those interpreters, activated: first on PATH.
    let activated = test.root().join("activated");
    let activated_310 = test.root().join("activated-310");
    make_venv(&activated, &lint);
    make_venv(&activated_310, &old);
    let path = std::env::var("PATH").unwrap();
    let on_path = format!("{}:{}:{path}", activated.join("bin").display(), activated_310.join("bin").display());
    let mut test = test.env("PATH", &on_path);
    let with_venv = test.rerun(&["-s", "lint", "old"]);
    with_venv.assert_code(0);
    assert_eq!(
        (status_detail(&with_venv, "lint"), status_detail(&with_venv, "old")),
        ("venv reused".into(), "venv reused".into())
    );

    // And the other way round: built with the venvs on PATH, reused without them.
    test.rerun(&["-s", "lint", "old", "-R"]).assert_code(0);
    assert_eq!(recorded(&test), (lint.clone(), old.clone()), "the base interpreters, not the venvs'");
    let mut test = test.env("PATH", &path);
    let without = test.rerun(&["-s", "lint", "old"]);
    without.assert_code(0);
    assert_eq!(
        (status_detail(&without, "lint"), status_detail(&without, "old")),
        ("venv reused".into(), "venv reused".into())
    );
}
