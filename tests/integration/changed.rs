//! `--changed[=REF]` against a real git repository the test makes: committed, modified, staged
//! and untracked inputs, ignored files, a REF, a bad REF, outside a work tree, and `-n`.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{Test, take_sorted_lines};

/// `lint` reads `src/`, `docs` reads `docs/`, `site` requires `docs` and declares no inputs,
/// `test` is a real pytest run in a uv venv over `tests/`; each appends its name to `ran.txt`.
const SESSIONS: &str = r#"
[sessions.lint]
venv = false
inputs = ["src/**/*.py"]
commands = ["sh -c 'echo lint >> ran.txt'"]

[sessions.docs]
venv = false
inputs = ["docs/**"]
commands = ["sh -c 'echo docs >> ran.txt'"]

[sessions.site]
venv = false
requires = ["docs"]
commands = ["sh -c 'echo site >> ran.txt'"]

[sessions.test]
deps = ["pytest"]
inputs = ["tests/**/*.py"]
commands = ["sh -c 'echo test >> ran.txt'", "python -m pytest -q -p no:cacheprovider tests"]
"#;

fn git(root: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=forge", "-c", "user.email=forge@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A committed project: sources, docs, a passing test, `.gitignore` with `.forge/` and `*.log`.
fn repository() -> Test {
    let test = Test::new()
        .sessions(SESSIONS)
        .file("src/app.py", "x = 1\n")
        .file("docs/index.md", "# docs\n")
        .file("tests/test_app.py", "def test_ok():\n    assert True\n")
        .file(".gitignore", ".forge/\nran.txt\n*.log\n");
    git(test.root(), &["init", "-q", "-b", "main"]);
    git(test.root(), &["add", "."]);
    git(test.root(), &["commit", "-q", "-m", "first"]);
    test
}

fn ran(test: &Test) -> Vec<String> {
    take_sorted_lines(test.root(), "ran.txt")
}

#[test]
fn only_instances_with_a_changed_input_run_the_rest_are_unchanged() {
    let mut test = repository();
    // Nothing changed: inputs-declaring sessions are unchanged, `site` (no inputs) runs.
    let run = test.rerun(&["--changed"]);
    run.assert_code(0);
    assert_eq!(ran(&test), ["site"]);
    for name in ["lint", "docs", "test"] {
        assert_eq!(run.status_of(name), "unchanged", "{name}");
    }
    assert!(run.stderr.contains("3 unchanged"), "{}", run.stderr);

    // Modified (unstaged), untracked and ignored files.
    std::fs::write(test.root().join("src/app.py"), "x = 2\n").unwrap();
    std::fs::write(test.root().join("tests/test_new.py"), "def test_new():\n    assert 1\n").unwrap();
    std::fs::write(test.root().join("docs/build.log"), "ignored\n").unwrap();
    let run = test.rerun(&["--changed"]);
    run.assert_code(0);
    assert_eq!(ran(&test), ["lint", "site", "test"]);
    assert_eq!(run.status_of("docs"), "unchanged");
    assert_eq!(run.status_of("test"), "success");

    // Committed: against HEAD nothing is changed any more, against the first commit it is.
    git(test.root(), &["tag", "first"]);
    git(test.root(), &["add", "."]);
    git(test.root(), &["commit", "-q", "-m", "second"]);
    test.rerun(&["--changed"]).assert_code(0);
    assert_eq!(ran(&test), ["site"]);
    // `lint` changed since `first`, so it is not `unchanged`; it ran on this content already, so
    // the cache has it.
    let run = test.rerun(&["--changed=first", "-s", "lint", "docs"]);
    run.assert_code(0);
    assert_eq!(run.status_of("lint"), "cached");
    assert_eq!(run.status_of("docs"), "unchanged");
    let run = test.rerun(&["--changed=first", "--force", "-s", "lint", "docs"]);
    run.assert_code(0);
    assert_eq!(ran(&test), ["lint"]);
    assert_eq!(run.status_of("docs"), "unchanged");
}

#[test]
fn an_unchanged_requirement_counts_as_a_success_and_a_staged_change_counts() {
    let mut test = repository();
    std::fs::write(test.root().join("docs/index.md"), "# changed\n").unwrap();
    git(test.root(), &["add", "docs/index.md"]);
    let run = test.rerun(&["--changed", "-s", "site"]);
    run.assert_code(0);
    assert_eq!(ran(&test), ["docs", "site"]);
    git(test.root(), &["commit", "-q", "-m", "docs"]);
    let run = test.rerun(&["--changed", "-s", "site"]);
    run.assert_code(0);
    assert_eq!(run.status_of("docs"), "unchanged");
    assert_eq!(run.status_of("site"), "success", "an unchanged requirement does not skip its dependents");
}

#[test]
fn dry_run_names_the_file_that_makes_each_instance_run() {
    let mut test = repository();
    std::fs::write(test.root().join("src/app.py"), "x = 3\n").unwrap();
    let run = test.rerun(&["--changed", "-n"]);
    run.assert_code(0);
    let line = |name: &str| {
        run.stdout
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{name} (")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("lint").contains("runs: src/app.py changed since HEAD"), "{}", run.stdout);
    assert!(line("docs").contains("unchanged: no input changed since HEAD"), "{}", run.stdout);
    assert!(line("site").contains("runs: declares no inputs"), "{}", run.stdout);
    assert!(ran(&test).is_empty(), "a dry run runs nothing");
}

#[test]
fn a_bad_ref_and_a_directory_outside_git_are_usage_errors() {
    let mut test = repository();
    let run = test.rerun(&["--changed=no-such-ref"]);
    run.assert_code(2);
    assert_eq!(
        run.stderr.lines().next(),
        Some("error: --changed: `no-such-ref` is not a commit git knows"),
        "{}",
        run.stderr
    );
    assert!(ran(&test).is_empty());

    let mut outside = Test::new().sessions(SESSIONS);
    let run = outside.rerun(&["--changed"]);
    run.assert_code(2);
    assert!(run.stderr.contains("is not in a git work tree"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
    assert!(!outside.root().join("ran.txt").exists());
}
