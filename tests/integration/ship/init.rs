//! `forge init` on real projects' sdists from PyPI, each with something else to find: attrs
//! 25.3.0 (tox.ini with brace env lists, ruff and mypy in pyproject.toml), click 8.2.1
//! (`[dependency-groups]`, a `[tool.tox]` table, pyright), requests 2.32.3 (setup.py,
//! requirements-dev.txt, a tests directory). The generated file must load (`forge -l --json`),
//! and a second `forge init` must refuse to overwrite it.

use std::path::PathBuf;
use std::process::Command;

use crate::reports::tools::{copy_tree, locked_dir, ok, tools};
use crate::support::Test;

/// The sdist of `name==version`, downloaded once (with the report tools' pip) and extracted;
/// returns its directory.
fn sdist(name: &str, version: &str) -> PathBuf {
    let (base, _lock) = locked_dir("ship-sdists");
    let archive = base.join(format!("{name}-{version}.tar.gz"));
    if !archive.exists() {
        ok(Command::new(&tools().python)
            .args(["-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "--dest"])
            .arg(&base)
            .arg(format!("{name}=={version}")));
    }
    let extracted = base.join(format!("{name}-{version}"));
    if !extracted.join("PKG-INFO").exists() {
        let script = "import sys, tarfile\nwith tarfile.open(sys.argv[2]) as archive:\n    archive.extractall(sys.argv[1], filter='data')\n";
        ok(Command::new(&tools().python).args(["-c", script]).arg(&base).arg(&archive));
    }
    extracted
}

/// A copy of the sdist as a project, `forge init` run in it (exit 0, one line), and the
/// generated text; `forge -l --json` accepts it and lists `expected` among its instances.
fn init(name: &str, version: &str, expected: &[&str]) -> (Test, String) {
    let test = Test::new();
    copy_tree(&sdist(name, version), test.root());
    let mut test = test;
    let run = test.rerun(&["init"]);
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(run.stdout.starts_with("wrote ") && run.stderr.is_empty(), "{}{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(test.root().join("sessions.toml")).expect("sessions.toml written");
    let listed = test.rerun(&["-l", "--json"]);
    listed.assert_code(0);
    let instances: serde_json::Value = serde_json::from_str(&listed.stdout).expect("JSON");
    let names: Vec<&str> = instances.as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    for wanted in expected {
        assert!(names.contains(wanted), "{wanted} in {names:?}\n{text}");
    }
    refuses_to_overwrite(&mut test, &text);
    (test, text)
}

fn refuses_to_overwrite(test: &mut Test, text: &str) {
    let again = test.rerun(&["init"]);
    again.assert_code(2);
    assert_eq!(again.stderr.lines().count(), 1, "one line: {}", again.stderr);
    assert!(again.stderr.starts_with("error: ") && again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(test.root().join("sessions.toml")).unwrap(), text, "unchanged");
}

#[test]
fn attrs_tox_ini_ruff_and_mypy() {
    let (_test, text) = init("attrs", "25.3.0", &["lint", "mypy", "pyright", "docs-sponsors", "test-3.8", "test-3.13"]);
    assert!(text.contains("tox envs run per interpreter (py38-tests,"), "{text}");
    assert!(text.contains("[tool.ruff] in pyproject.toml"), "{text}");
    assert!(
        text.contains("Programming Language :: Python :: 3.X` classifiers that requires-python = \">=3.8\""),
        "{text}"
    );
}

#[test]
fn click_dependency_groups_and_tool_tox() {
    let (_test, text) = init("click", "8.2.1", &["style", "typing", "pyright", "test-3.10", "test-3.13"]);
    assert!(text.contains("From tox env `typing` (pyproject.toml [tool.tox])"), "{text}");
    assert!(text.contains("groups = [\"tests\"]"), "the tests group: {text}");
    assert!(text.contains("[sessions.typing]") && text.contains("groups = [\"typing\"]"), "{text}");
    assert!(!text.contains("pypy3.11\"]"), "no session for the pypy env: {text}");
}

#[test]
fn requests_setup_py_and_requirements() {
    let (_test, text) = init("requests", "2.32.3", &["test"]);
    assert!(text.contains("requirements = [\"requirements-dev.txt\"]"), "{text}");
    assert!(text.contains("install-project = true"), "setup.py is installable: {text}");
}

#[test]
fn an_existing_sessions_toml_or_a_link_named_so_is_never_overwritten() {
    let mut test = Test::new().sessions("[sessions.mine]\nvenv = false\ncommands = [\"true\"]\n");
    refuses_to_overwrite(&mut test, "[sessions.mine]\nvenv = false\ncommands = [\"true\"]\n");
    let mut dangling = Test::new();
    std::os::unix::fs::symlink(dangling.root().join("elsewhere.toml"), dangling.root().join("sessions.toml")).unwrap();
    let run = dangling.rerun(&["init"]);
    run.assert_code(2);
    assert!(!dangling.root().join("elsewhere.toml").exists(), "nothing written through the link");
}
