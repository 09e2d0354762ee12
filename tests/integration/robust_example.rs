//! The bundled robust-python example (`examples/robust`), run for real: every env from its
//! committed uv.lock, the tests on four interpreters in one run, docs, the package build and a
//! commitizen dry-run bump in a git repository the test makes.

use std::path::Path;

use crate::support::Test;

fn git(root: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=forge", "-c", "user.email=forge@example.com"])
        .args(args)
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn the_robust_example_checks_tests_on_four_pythons_documents_builds_and_bumps() {
    let test = Test::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/robust");
    let project = test.root().join("robust");
    let copied = std::process::Command::new("cp").arg("-r").arg(&example).arg(&project).status().unwrap();
    assert!(copied.success());
    for leftover in [".forge", "site", "dist", ".coverage"] {
        let _ = std::fs::remove_dir_all(project.join(leftover));
    }
    git(&project, &["init", "--quiet"]);
    git(&project, &["add", "."]);
    git(&project, &["commit", "--quiet", "-m", "feat: temperature conversions"]);
    let lock = std::fs::read(project.join("uv.lock")).unwrap();

    let run = test.command().current_dir(&project).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.join(".forge/reports/run.json")).unwrap()).unwrap();
    let names: Vec<&str> =
        json["sessions"].as_array().unwrap().iter().map(|session| session["name"].as_str().unwrap()).collect();
    for expected in ["check", "test-3.10", "test-3.11", "test-3.12", "test-3.13", "docs", "build:package"] {
        assert!(names.contains(&expected), "{expected} ran: {names:?}");
    }
    assert!(json["sessions"].as_array().unwrap().iter().all(|session| session["status"] == "success"), "{json:#}");
    // Four interpreters in one run, each instance on its own.
    for version in ["3.10", "3.11", "3.12", "3.13"] {
        let log = std::fs::read_to_string(project.join(format!(".forge/reports/logs/test-{version}.log"))).unwrap();
        assert!(log.contains(&format!("PYTHON {version}")), "test-{version} ran on {version}:\n{log}");
        assert!(log.contains("sync --quiet --locked --no-default-groups"), "{log}");
    }
    assert!(stderr.contains("20 tests: 20 passed"), "{stderr}");
    assert!(project.join("site/index.html").is_file(), "mkdocs built the site");
    let dist: Vec<String> = std::fs::read_dir(project.join("dist"))
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(dist.iter().any(|name| name.ends_with(".whl")) && dist.iter().any(|name| name.ends_with(".tar.gz")));

    let release = test.command().current_dir(&project).args(["-s", "release", "--", "--increment", "PATCH"]).output();
    let release = release.unwrap();
    assert_eq!(release.status.code(), Some(0), "{}", String::from_utf8_lossy(&release.stderr));
    let log = std::fs::read_to_string(project.join(".forge/reports/logs/release.log")).unwrap();
    assert!(log.contains("bump: version 0.1.0 → 0.1.1"), "{log}");
    assert!(log.contains("tag to create: v0.1.1"), "{log}");
    // A dry run: no tag, no commit, no edit; and forge left the lock as it was.
    let tags = std::process::Command::new("git").args(["tag"]).current_dir(&project).output().unwrap();
    assert!(tags.stdout.is_empty(), "no tag was created");
    let status = std::process::Command::new("git").args(["status", "--porcelain"]).current_dir(&project).output();
    assert_eq!(String::from_utf8_lossy(&status.unwrap().stdout), "", "the work tree is clean");
    assert_eq!(std::fs::read(project.join("uv.lock")).unwrap(), lock);
}
