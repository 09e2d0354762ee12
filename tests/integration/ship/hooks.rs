//! `.pre-commit-hooks.yaml`: a project's `.pre-commit-config.yaml` names forge's repository (a
//! clone of a commit of these sources, as `repo:` would be) and the hook `forge` with
//! `args: [-s, lint, --]`; the real pre-commit and the real prek, installed as the git hook, build
//! the hook's env from it (`language: python`: the maturin wheel) and run the lint session over
//! the staged files, in a non-TTY.
//!
//! The wheel build is the slow part (forge's crate compiles once more in the clone); the tests
//! point maturin at a target directory kept under `target/tmp` with the dev profile
//! (`MATURIN_PEP517_ARGS`), so the dependencies are compiled once, not per run.

use std::path::Path;
use std::process::Output;

use super::tools::{bin, commit_of_sources, git, target_dir};
use crate::support::Test;

/// A project with a ruff lint session, a git repository, and `tool`'s hook installed.
fn project(tool: &str, sources: &Path, rev: &str) -> Test {
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: forge\n        args: [-s, lint, --]\n",
        sources.display()
    );
    let test = Test::new()
        .sessions("[sessions.lint]\ndeps = [\"ruff==0.17.5\"]\ncommands = [\"ruff check {posargs:.}\"]\n")
        .file(".pre-commit-config.yaml", &config)
        .file(".gitignore", ".forge/\n")
        .file("good.py", "import os\n\nprint(os.sep)\n");
    git(test.root(), &["init", "--quiet"]);
    let installed = run(&test, tool, &["install"]);
    assert!(installed.status.success(), "{tool} install: {}", text(&installed));
    test
}

/// `program ARGS` in the project with forge's test environment, the hook tool's home in the
/// project's parent tempdir and the wheel build pointed at this build's target directory.
fn run(test: &Test, program: &str, args: &[&str]) -> Output {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ship-target");
    let program = if program == "git" { "git".into() } else { bin().join(program) };
    let mut command = test.command_for(&program.to_string_lossy(), args);
    let home = test.cache_dir().join("hook-home");
    command
        .env("PRE_COMMIT_HOME", &home)
        .env("PREK_HOME", &home)
        .env("CARGO_TARGET_DIR", target)
        .env("MATURIN_PEP517_ARGS", "--profile dev")
        .env("GIT_AUTHOR_NAME", "forge tests")
        .env("GIT_AUTHOR_EMAIL", "tests@forge.invalid")
        .env("GIT_COMMITTER_NAME", "forge tests")
        .env("GIT_COMMITTER_EMAIL", "tests@forge.invalid");
    command.output().expect("runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn commits(test: &Test) -> usize {
    git(test.root(), &["rev-list", "--count", "HEAD"]).trim().parse().expect("count")
}

/// A clean commit passes through the hook; a commit with a lint error is refused with ruff's
/// message, and only the staged file was linted.
fn commits_through_the_hook(tool: &str) {
    // The hook env's wheel build happens inside the first commit: hold the target dir's lock.
    let (_target, _lock) = target_dir();
    let sources = tempfile::tempdir().expect("tempdir");
    let rev = commit_of_sources(sources.path());
    let test = project(tool, sources.path(), &rev);

    git(test.root(), &["add", "--all"]);
    let clean = run(&test, "git", &["commit", "--quiet", "--message", "clean"]);
    assert!(clean.status.success(), "clean commit: {}", text(&clean));
    assert_eq!(commits(&test), 1);
    assert!(text(&clean).contains("forge") && text(&clean).contains("Passed"), "{}", text(&clean));

    std::fs::write(test.root().join("bad.py"), "import sys\n").expect("write");
    std::fs::write(test.root().join("unstaged.py"), "import json\n").expect("write");
    git(test.root(), &["add", "bad.py"]);
    let refused = run(&test, "git", &["commit", "--quiet", "--message", "lint error"]);
    let output = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{output}");
    assert_eq!(commits(&test), 1, "the commit was refused");
    assert!(output.contains("F401") && output.contains("`sys` imported but unused"), "ruff's message: {output}");
    assert!(output.contains("$ ruff check bad.py"), "the staged file arrived as posargs: {output}");
    assert!(!output.contains("unstaged.py"), "{output}");
}

#[test]
fn pre_commit_runs_the_hook_from_forges_repository() {
    commits_through_the_hook("pre-commit");
}

#[test]
fn prek_runs_the_hook_from_forges_repository() {
    commits_through_the_hook("prek");
}
