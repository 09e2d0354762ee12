//! `scan` + `render` on small projects written here; every result must load as forge's config.

use std::path::Path;

use super::{render, scan};

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The generated text, after checking that forge loads it.
fn generated(root: &Path) -> String {
    let text = render(&scan(root).expect("scan"));
    let path = root.join("sessions.toml");
    std::fs::write(&path, &text).unwrap();
    let project = crate::config::load(&path).unwrap_or_else(|error| panic!("{error}\n{text}"));
    drop(project);
    text
}

#[test]
fn an_empty_directory_gets_a_pytest_session() {
    let dir = project(&[]);
    let text = generated(dir.path());
    assert!(text.contains("[sessions.test]") && text.contains("Nothing else was found"), "{text}");
    assert!(!text.contains("python =") && !text.contains("install-project"), "{text}");
}

#[test]
fn interpreters_come_from_classifiers_within_requires_python() {
    let dir = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\nrequires-python = \">=3.11\"\nclassifiers = [\"Programming Language :: Python :: 3.10\", \"Programming Language :: Python :: 3.12\", \"Programming Language :: Python :: 3.11\"]\n",
        ),
        ("tests/test_x.py", ""),
    ]);
    let text = generated(dir.path());
    assert!(text.contains("python = [\"3.11\", \"3.12\"]"), "{text}");
    assert!(text.contains("classifiers that requires-python = \">=3.11\" allows"), "{text}");
    assert!(text.contains("install-project = true"), "{text}");
}

#[test]
fn without_classifiers_the_supported_versions_within_requires_python() {
    let dir = project(&[
        ("pyproject.toml", "[project]\nname = \"x\"\nrequires-python = \">=3.12,<3.14\"\n"),
        ("tests/t.py", ""),
    ]);
    let text = generated(dir.path());
    assert!(text.contains("python = [\"3.12\", \"3.13\"]"), "{text}");
}

#[test]
fn tox_envs_become_sessions_and_tools_their_own() {
    let dir = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.ruff]\n[dependency-groups]\ntest = [\"pytest>=8\", \"hypothesis\"]\n",
        ),
        ("pyrightconfig.json", "{}"),
        (
            "tox.ini",
            "[tox]\nenv_list = py3{11,12}-tests, lint, \"weird name\"\n[testenv:lint]\ndeps = pre-commit\ndependency_groups = test\ncommands = pre-commit run --all-files\n",
        ),
        ("tests/t.py", ""),
    ]);
    let text = generated(dir.path());
    assert!(text.contains("tox envs run per interpreter (py311-tests, py312-tests)"), "{text}");
    assert!(text.contains("python = [\"3.11\", \"3.12\"]") && text.contains("py3X envs of tox.ini"), "{text}");
    assert!(text.contains("[sessions.lint]\ndescription = \"tox env lint\"\n# tox's dependency_groups"), "{text}");
    assert!(text.contains("groups = [\"test\"]\ndeps = [\"pre-commit\"]"), "{text}");
    assert!(text.contains("this session is `ruff`") && text.contains("[sessions.ruff]"), "{text}");
    assert!(text.contains("[sessions.pyright]") && text.contains("(pyrightconfig.json)"), "{text}");
    assert!(
        text.contains("[dependency-groups] test (PEP 735).\ngroups = [\"test\"]\ncommands"),
        "no pytest added: {text}"
    );
    assert!(text.contains("not a valid session name"), "{text}");
}

#[test]
fn a_broken_pyproject_is_an_error_naming_it() {
    let dir = project(&[("pyproject.toml", "[project\n")]);
    let error = scan(dir.path()).expect_err("not TOML");
    assert!(error.to_string().starts_with("cannot read ") && error.to_string().contains("pyproject.toml"), "{error}");
}
