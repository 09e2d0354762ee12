//! Where envs live (forge's cache, outside the project, unless `[forge] env-dir` says otherwise)
//! and `forge clean`, which removes them and only them.

use crate::support::{Test, real_uv};

#[test]
fn envs_live_in_the_users_cache_outside_the_project_unless_env_dir_says_otherwise() {
    let cache_home = tempfile::tempdir().unwrap();
    let uv_cache = std::process::Command::new(real_uv()).args(["cache", "dir"]).output().unwrap();
    let uv_cache = String::from_utf8(uv_cache.stdout).unwrap().trim().to_owned();
    let sessions = "[sessions.check]\ncommands = [\"python -c 'import sys; print(\\\"PREFIX\\\", sys.prefix)'\"]\n";
    let mut test = Test::new()
        .sessions(sessions)
        .env_remove("FORGE_CACHE_DIR")
        .env("XDG_CACHE_HOME", &cache_home.path().to_string_lossy())
        // uv's cache is XDG's too: keep the machine's, so nothing is downloaded again.
        .env("UV_CACHE_DIR", &uv_cache);
    let run = test.rerun(&["-s", "check", "-v"]);
    run.assert_code(0);
    let expected = forge::config::project_env_dir(&cache_home.path().join("forge"), test.root()).join("check");
    assert!(expected.starts_with(cache_home.path().join("forge/envs")));
    assert!(run.stdout.contains(&format!("PREFIX {}", expected.display())), "{}", run.stdout);
    assert!(expected.join(".forge-env.json").is_file());
    assert!(!test.root().join(".forge/envs").exists(), "nothing of the env in the project");
    let in_project: Vec<_> = walk(test.root()).into_iter().filter(|path| path.ends_with("pyvenv.cfg")).collect();
    assert!(in_project.is_empty(), "{in_project:?}");

    // `[forge] env-dir` still decides, relative to the project.
    std::fs::write(test.root().join("sessions.toml"), format!("[forge]\nenv-dir = \"my-envs\"\n\n{sessions}")).unwrap();
    let run = test.rerun(&["-s", "check", "-v"]);
    run.assert_code(0);
    assert!(run.stdout.contains(&format!("PREFIX {}", test.root().join("my-envs/check").display())), "{}", run.stdout);
}

/// Every path under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}

/// forge's stdout lines, sorted (the order of a directory listing is the file system's).
fn sorted_lines(stdout: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8_lossy(stdout).lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

fn forge_clean(test: &Test, args: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let output = test.command().arg("clean").args(args).output().unwrap();
    (output.status.code(), sorted_lines(&output.stdout), String::from_utf8_lossy(&output.stderr).into_owned())
}

const TWO_SESSIONS: &str =
    "[sessions.a]\ncommands = [\"python -c pass\"]\n\n[sessions.b]\ncommands = [\"python -c pass\"]\n";

#[test]
fn forge_clean_removes_the_projects_envs_and_says_what_it_removed() {
    let test = Test::new().sessions(TWO_SESSIONS);
    test.command().args(["-s", "a", "b"]).output().unwrap();
    let envs = test.env_dir();
    for file in ["a/.forge-env.json", "b/.forge-env.json", ".locks/a.lock", ".interpreters.json", ".gitignore"] {
        assert!(envs.join(file).exists(), "{file} after a run");
    }
    let expected = |verb: &str| {
        let mut lines = vec![
            format!("{verb} virtualenv {}", envs.join("a").display()),
            format!("{verb} virtualenv {}", envs.join("b").display()),
            format!("{verb} interpreter cache {}", envs.join(".interpreters.json").display()),
            format!("{verb} env directory {}", envs.display()),
        ];
        lines.sort();
        lines
    };

    let (code, lines, stderr) = forge_clean(&test, &["-n"]);
    assert_eq!((code, lines, stderr), (Some(0), expected("would remove"), String::new()));
    assert!(
        envs.join("a/.forge-env.json").exists() && envs.join(".locks/b.lock").exists(),
        "a dry run removes nothing"
    );

    let (code, lines, stderr) = forge_clean(&test, &[]);
    assert_eq!((code, lines, stderr), (Some(0), expected("removed"), String::new()));
    assert!(!envs.exists(), "the project's env directory is gone");
    assert!(test.cache_dir().join("envs").is_dir(), "forge's cache itself stays");

    let (code, lines, _) = forge_clean(&test, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(lines, [format!("nothing to remove: no virtualenvs of forge's in {}", envs.display())]);
    let rebuilt = test.command().args(["-s", "a"]).output().unwrap();
    assert_eq!(rebuilt.status.code(), Some(0), "{}", String::from_utf8_lossy(&rebuilt.stderr));
}

#[test]
fn forge_clean_never_removes_what_forge_did_not_create() {
    // env-dir = "." puts forge's envs beside the user's files: only forge's may go.
    let test = Test::new()
        .sessions("[forge]\nenv-dir = \".\"\n\n[sessions.check]\ncommands = [\"python -c pass\"]\n\n[sessions.half]\ncommands = [\"python -c pass\"]\n")
        .file("src/code.py", "precious = True\n")
        .file("notes/.forge-env.json", "not a marker\n")
        .file(".gitignore", "*.pyc\n");
    let run = test.command().args(["-s", "check", "half"]).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    // A user's own venv, and a forge env whose build did not finish (no marker, but forge's lock).
    let status = std::process::Command::new(real_uv())
        .args(["venv", "--quiet", "--no-project"])
        .arg(test.root().join(".venv"))
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_file(test.root().join("half/.forge-env.json")).unwrap();

    let (code, lines, stderr) = forge_clean(&test, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let root = test.root();
    let mut expected = vec![
        format!("removed virtualenv {}", root.join("check").display()),
        format!("removed virtualenv {}", root.join("half").display()),
        format!("removed interpreter cache {}", root.join(".interpreters.json").display()),
    ];
    expected.sort();
    assert_eq!(lines, expected);
    assert!(!root.join("check").exists() && !root.join("half").exists() && !root.join(".locks").exists());
    assert_eq!(std::fs::read_to_string(root.join("src/code.py")).unwrap(), "precious = True\n");
    assert_eq!(std::fs::read_to_string(root.join("notes/.forge-env.json")).unwrap(), "not a marker\n");
    assert_eq!(std::fs::read_to_string(root.join(".gitignore")).unwrap(), "*.pyc\n");
    assert!(root.join(".venv/pyvenv.cfg").is_file(), "the user's venv stays");
    assert!(root.join("sessions.toml").is_file() && root.join(".forge/reports/run.json").is_file());
}

#[test]
fn forge_clean_leaves_an_env_another_forge_is_using() {
    let test = Test::new().sessions(TWO_SESSIONS);
    test.command().args(["-s", "a", "b"]).output().unwrap();
    let envs = test.env_dir();
    // This test plays a forge process running commands in `a`: it holds a's lock shared.
    let held = std::fs::File::open(envs.join(".locks/a.lock")).unwrap();
    held.lock_shared().unwrap();
    let (code, lines, stderr) = forge_clean(&test, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        lines,
        [
            format!("removed interpreter cache {}", envs.join(".interpreters.json").display()),
            format!("removed virtualenv {}", envs.join("b").display())
        ]
    );
    assert_eq!(
        stderr,
        format!("warning: {} is in use by another forge process; not removed\n", envs.join("a").display())
    );
    assert!(envs.join("a/.forge-env.json").is_file() && envs.join(".locks/a.lock").is_file());
    drop(held);
    let (code, lines, _) = forge_clean(&test, &[]);
    assert_eq!(code, Some(0));
    assert!(lines.contains(&format!("removed virtualenv {}", envs.join("a").display())), "{lines:?}");
    assert!(!envs.exists());
}

#[test]
fn forge_clean_removes_the_envs_an_older_forge_kept_in_the_project() {
    // Before envs moved to the cache they lived in `.forge/envs`, where they break hatchling
    // builds: `forge clean` removes them too.
    let test = Test::new().sessions(&format!("[forge]\nenv-dir = \".forge/envs\"\n\n{TWO_SESSIONS}"));
    test.command().args(["-s", "a"]).output().unwrap();
    std::fs::write(test.root().join("sessions.toml"), TWO_SESSIONS).unwrap();
    test.command().args(["-s", "b"]).output().unwrap();
    let legacy = test.root().join(".forge/envs");
    assert!(legacy.join("a/.forge-env.json").is_file() && test.env_dir().join("b/.forge-env.json").is_file());
    let (code, lines, stderr) = forge_clean(&test, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    for removed in [legacy.join("a"), legacy.clone(), test.env_dir().join("b"), test.env_dir()] {
        assert!(!removed.exists(), "{}", removed.display());
    }
    assert!(lines.contains(&format!("removed env directory {}", legacy.display())), "{lines:?}");
    assert!(test.root().join(".forge/reports/run.json").is_file(), "the reports stay");
}
