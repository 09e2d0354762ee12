//! Where and with what a session runs: `working-directory`, `.python-version`, and `[forge]
//! skip-missing-interpreters` beside its flag and variable.

use crate::support::{Test, real_uv};

#[test]
fn commands_run_in_the_working_directory_and_root_stays_the_root() {
    let sessions = r#"
[sessions.docs]
venv = false
working-directory = "docs/source"
commands = ["./build.sh", "sh -c 'pwd > {root}/where.txt'"]
"#;
    let test = Test::new().sessions(sessions).file("docs/source/build.sh", "#!/bin/sh\necho built > built.txt\n");
    let script = test.root().join("docs/source/build.sh");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let run = test.run();
    run.assert_code(0);
    let root = std::fs::canonicalize(test.root()).unwrap();
    let wrote = std::fs::read_to_string(test.root().join("where.txt")).unwrap();
    assert_eq!(std::fs::canonicalize(wrote.trim()).unwrap(), root.join("docs/source"));
    assert!(test.root().join("docs/source/built.txt").is_file(), "the relative program ran there too");
}

#[test]
fn a_working_directory_that_leads_outside_through_a_symlink_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let test =
        Test::new().sessions("[sessions.a]\nvenv = false\nworking-directory = \"out\"\ncommands = [\"touch ran\"]\n");
    std::os::unix::fs::symlink(outside.path(), test.root().join("out")).unwrap();
    let run = test.run();
    run.assert_code(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("[sessions.a] working-directory: `out` leads outside the project"), "{}", run.stderr);
    assert!(!outside.path().join("ran").exists());
}

#[test]
fn a_session_naming_no_interpreter_uses_python_version_and_forge_python_wins() {
    let sessions =
        "[sessions.which]\ncommands = [\"python -c 'import sys; print(\\\"RUNS\\\", *sys.version_info[:2])'\"]\n";
    // uv is a pyenv shim on this machine, and pyenv too reads the project's `.python-version`
    // (3.13 has no uv): forge is given the real uv.
    let uv = real_uv();
    let mut test = Test::new()
        .sessions(sessions)
        .file(".python-version", "# the project's pin\n\n3.13\n3.12\n")
        .env("FORGE_UV", &uv);
    let run = test.rerun(&["-v"]);
    run.assert_code(0);
    assert!(run.stdout.contains("RUNS 3 13"), "{}", run.stdout);
    let listed: serde_json::Value = serde_json::from_str(&test.rerun(&["-l", "--json"]).stdout).unwrap();
    assert_eq!(listed[0]["python"], "3.13");
    assert_eq!(test.rerun(&["-l", "--names", "-p", "3.13"]).stdout.trim(), "which");

    let pinned = Test::new()
        .sessions(&format!("[forge]\npython = \"3.12\"\n{sessions}"))
        .file(".python-version", "3.13\n")
        .env("FORGE_UV", &uv)
        .args(&["-v"])
        .run();
    pinned.assert_code(0);
    assert!(pinned.stdout.contains("RUNS 3 12"), "{}", pinned.stdout);

    // Read only when a session would use it.
    let unused = Test::new()
        .sessions("[sessions.named]\npython = \"3.12\"\ncommands = [\"python -c pass\"]\n")
        .file(".python-version", "cpython@3.12\n")
        .args(&["-l"])
        .run();
    unused.assert_code(0);
    let bad = Test::new().sessions(sessions).file(".python-version", "cpython@3.12\n").run();
    bad.assert_code(2);
    assert!(
        bad.stderr.contains(".python-version:1: .python-version: `cpython@3.12` is not a Python version"),
        "{}",
        bad.stderr
    );
}

#[test]
fn skip_missing_interpreters_in_the_file_is_below_the_flag_and_the_variable() {
    let sessions = "[forge]\nskip-missing-interpreters = true\n\n[sessions.test]\npython = [\"3.11\", \"3.99\"]\ncommands = [\"python -c pass\"]\n";
    let mut test = Test::new().sessions(sessions);
    let run = test.rerun(&[]);
    run.assert_code(0);
    assert_eq!(run.status_of("test-3.99"), "skipped");

    let mut refused = Test::new().sessions(sessions).env("FORGE_SKIP_MISSING_INTERPRETERS", "false");
    let run = refused.rerun(&[]);
    run.assert_code(1);
    assert_eq!(run.status_of("test-3.99"), "error");
    let run = refused.rerun(&["--skip-missing-interpreters"]);
    run.assert_code(0);
}
