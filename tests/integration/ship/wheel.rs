//! The Python distribution: `maturin build` (pyproject.toml, `bindings = "bin"`) gives a wheel
//! whose `forge` runs through `uvx --from ./that.whl forge`, as a user's `uvx --from forge-runner
//! forge` would.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::tools::{bin, repository, target_dir};
use crate::reports::tools::ok;
use crate::support::{Test, real_uv};

/// Builds the wheel into `out` with the dev profile and the shipping tests' target directory
/// (dependencies compiled once, kept across runs) and returns its path.
pub fn build_wheel(out: &Path) -> PathBuf {
    let (target, _lock) = target_dir();
    ok(Command::new(bin().join("maturin"))
        .args(["build", "--quiet", "--profile", "dev", "--out"])
        .arg(out)
        .current_dir(repository())
        .env("CARGO_TARGET_DIR", &target));
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("wheel dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "one wheel in {wheels:?}");
    wheels.into_iter().next().unwrap()
}

#[test]
fn the_wheel_runs_forge_through_uvx() {
    let out = tempfile::tempdir().expect("tempdir");
    let wheel = build_wheel(out.path());
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let version = env!("CARGO_PKG_VERSION");
    assert!(name.starts_with(&format!("forge_runner-{version}-py3-none-")), "{name}");

    let test =
        Test::new().sessions("[sessions.lint]\ndescription = \"Lint it\"\nvenv = false\ncommands = [\"true\"]\n");
    let uv_cache = tempfile::tempdir().expect("tempdir");
    let uvx = |args: &[&str]| {
        let mut command = test.command_for(&real_uv(), &["tool", "run", "--from"]);
        command.arg(&wheel).args(args).env("UV_CACHE_DIR", uv_cache.path()).env("UV_NO_CONFIG", "1");
        command.output().expect("uvx runs")
    };
    let listed = uvx(&["forge", "-l"]);
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{stdout}{}", String::from_utf8_lossy(&listed.stderr));
    assert!(stdout.contains("* lint  Lint it"), "{stdout}");

    let reported = uvx(&["forge", "--version"]);
    assert_eq!(String::from_utf8_lossy(&reported.stdout).trim(), format!("forge {version}"));
}
