//! `forge schema`: the committed `sessions.schema.json` is its output, and the real
//! `check-jsonschema` (from PyPI, in the report tests' tools venv) accepts every sessions.toml in
//! the repository with it and rejects what forge rejects as an unknown key; taplo (Even Better
//! TOML's engine, from PyPI) uses it through a `#:schema` first line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::reports::tools::{ok, tools};
use crate::support::Test;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn committed_schema() -> PathBuf {
    repository().join("sessions.schema.json")
}

/// `check-jsonschema --schemafile sessions.schema.json FILES…` (TOML instances are read as TOML).
fn check_jsonschema(files: &[PathBuf]) -> Output {
    Command::new(tools().bin.join("check-jsonschema"))
        .arg("--schemafile")
        .arg(committed_schema())
        .args(files)
        .output()
        .expect("check-jsonschema runs")
}

#[test]
fn the_committed_schema_is_what_forge_schema_prints() {
    let run = Test::new().args(&["schema"]).run();
    run.assert_code(0);
    let committed = std::fs::read_to_string(committed_schema()).unwrap_or_default();
    assert!(
        committed == run.stdout,
        "sessions.schema.json is stale: run `cargo run -- schema > sessions.schema.json` and commit it"
    );
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
}

#[test]
fn every_sessions_toml_in_the_repository_is_valid() {
    let listed = ok(Command::new("git").arg("-C").arg(repository()).args(["ls-files", "--", "*sessions.toml"]));
    let files: Vec<PathBuf> = listed.lines().map(|line| repository().join(line)).collect();
    for expected in [
        "sessions.toml",
        "examples/shapes/sessions.toml",
        "examples/robust/sessions.toml",
        "bench/fixture/sessions.toml",
    ] {
        assert!(files.contains(&repository().join(expected)), "{expected} in {files:?}");
    }
    let output = check_jsonschema(&files);
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_misspelt_key_is_rejected_by_the_schema_as_by_forge() {
    let test = Test::new().sessions("[sessions.lint]\nvenv = false\ndpes = [\"ruff\"]\ncommands = [\"ruff check\"]\n");
    let output = check_jsonschema(&[test.root().join("sessions.toml")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("'dpes' was unexpected"), "{stdout}");
    test.args(&["-l"]).run().assert_code(2);
}

/// The constraints written by hand (durations, `python`, names, ranges) agree with forge's own
/// checks on each side of their edge.
#[test]
fn what_the_schema_accepts_or_rejects_forge_does_too() {
    let cases = [
        ("timeout = \"90s\"", true),
        ("timeout = \"1h 30m\"", true),
        ("timeout = \"1.5h\"", true),
        ("timeout = \"10\"", false),
        ("timeout = \"-5s\"", false),
        ("timeout = \"\"", false),
        ("python = [\"3.11\", \"3.12\"]", true),
        ("python = []", false),
        ("python = [\"3.12\", \"3.12\"]", false),
        ("python = \"\"", false),
        ("retries = 100", true),
        ("retries = 101", false),
        ("commands = [\"true\", [\"echo\", \"hi\"]]", true),
        ("commands = [1]", false),
    ];
    for (line, valid) in cases {
        let test = Test::new().sessions(&format!("[sessions.lint]\nvenv = false\n{line}\n")).args(&["-l"]);
        let output = check_jsonschema(&[test.root().join("sessions.toml")]);
        assert_eq!(output.status.success(), valid, "schema on {line}: {}", String::from_utf8_lossy(&output.stdout));
        test.run().assert_code(if valid { 0 } else { 2 });
    }
    for (name, valid) in [("build:package", true), ("-x", false), (".x", false)] {
        let test = Test::new().sessions(&format!("[sessions.\"{name}\"]\nvenv = false\n")).args(&["-l"]);
        let output = check_jsonschema(&[test.root().join("sessions.toml")]);
        assert_eq!(output.status.success(), valid, "schema on {name}: {}", String::from_utf8_lossy(&output.stdout));
        test.run().assert_code(if valid { 0 } else { 2 });
    }
}

/// What Even Better TOML does in an editor, from the command line: taplo reads the `#:schema`
/// first line (a path relative to the file), and forge still loads the file (it is a comment).
#[test]
fn taplo_uses_the_schema_named_on_the_first_line_and_forge_still_loads_the_file() {
    let valid =
        "#:schema ./sessions.schema.json\n[sessions.lint]\nvenv = false\ntimeout = \"90s\"\ncommands = [\"true\"]\n";
    let schema = std::fs::read_to_string(committed_schema()).expect("sessions.schema.json");
    let test = Test::new().sessions(valid).file("sessions.schema.json", &schema).args(&["-l"]);
    let root = test.root().to_owned();
    let taplo = || {
        Command::new(tools().bin.join("taplo"))
            .args(["lint", "sessions.toml"])
            .current_dir(&root)
            .output()
            .expect("taplo runs")
    };
    let output = taplo();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let run = test.run();
    run.assert_code(0);
    assert!(run.stdout.contains("* lint"), "{}", run.stdout);

    std::fs::write(root.join("sessions.toml"), valid.replace("timeout", "dpes = [\"ruff\"]\ntimeout")).unwrap();
    let output = taplo();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("'dpes' was unexpected"), "{stderr}");
}

#[test]
fn a_schema_that_cannot_be_written_is_an_error_not_a_success() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let output = Test::new().args(&["schema"]).command().stdout(full).output().expect("forge runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.starts_with("error: cannot write to standard output\n"), "{stderr}");
}

/// `forge schema | head -1`: a reader that has gone is not an error (nothing to tell it).
#[test]
fn a_reader_that_closed_the_pipe_is_not_an_error() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let output = Test::new().args(&["schema"]).command().stdout(writer).output().expect("forge runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}
