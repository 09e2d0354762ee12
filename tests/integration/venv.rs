//! Virtualenvs with real uv: reuse when up to date, rebuild on every input change, `-R`,
//! `--no-install`, half-built envs, and the environment commands see.

use crate::support::{Run, Test, real_uv};

/// What the status line of `name` says in parentheses: `venv built: deps changed`.
fn status_detail(run: &Run, name: &str) -> String {
    let marker = format!("] {name} (");
    let line = run
        .stderr
        .lines()
        .find(|line| line.contains(&marker))
        .unwrap_or_else(|| panic!("no status line for {name}:\n{}", run.stderr));
    let detail = &line[line.find(&marker).unwrap() + marker.len()..];
    detail.strip_suffix(')').unwrap_or(detail).to_owned()
}

fn env_state(run: &Run, name: &str) -> String {
    let json = run.run_json();
    let session = json["sessions"].as_array().unwrap().iter().find(|session| session["name"] == name).unwrap().clone();
    session["env"].as_str().unwrap_or("none").to_owned()
}

const REUSE: &str = r#"
[sessions.check]
python = "3.11"
deps = ["iniconfig==2.0.0"]
requirements = ["requirements.txt"]
install-project = true
commands = ["python -c 'import iniconfig, tinyproject; print(\"imports ok\")'"]
"#;

const PYPROJECT: &str = r#"
[project]
name = "tinyproject"
version = "0.1.0"
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"#;

fn reuse_project() -> Test {
    Test::new()
        .sessions(REUSE)
        .file("requirements.txt", "packaging==24.1\n")
        .file("pyproject.toml", PYPROJECT)
        .file("tinyproject/__init__.py", "")
        .args(&["-s", "check"])
}

#[test]
fn envs_are_reused_until_an_input_changes_and_a_rebuild_says_which() {
    let mut test = reuse_project();
    let first = test.run();
    first.assert_code(0);
    assert_eq!(env_state(&first, "check"), "built");
    assert_eq!(status_detail(&first, "check"), "venv built");
    assert!(first.stdout.contains("imports ok"), "{}", first.stdout);

    let second = test.rerun(&["-s", "check"]);
    second.assert_code(0);
    assert_eq!(env_state(&second, "check"), "reused");
    assert_eq!(status_detail(&second, "check"), "venv reused");
    assert!(!second.log("check").contains("uv pip install"), "a warm run installs nothing");

    // Each change rebuilds once, and says what changed in the status line and the log.
    let rebuilt_because = |test: &mut Test, args: &[&str], reason: &str| {
        let run = test.rerun(args);
        run.assert_code(0);
        assert_eq!(env_state(&run, "check"), "built", "{reason}");
        assert_eq!(status_detail(&run, "check"), format!("venv built: {reason}"));
        assert!(run.log("check").contains(&format!("({reason})")), "the log says why: {}", run.log("check"));
        let again = test.rerun(&["-s", "check"]);
        assert_eq!(env_state(again.assert_code(0), "check"), "reused", "after {reason}");
    };

    // The content of a requirements file, and of one it includes.
    std::fs::write(test.root().join("requirements.txt"), "packaging==24.2\n-r requirements-dev.txt\n").unwrap();
    std::fs::write(test.root().join("requirements-dev.txt"), "iniconfig==2.0.0\n").unwrap();
    rebuilt_because(&mut test, &["-s", "check"], "requirements.txt changed");
    std::fs::write(test.root().join("requirements-dev.txt"), "iniconfig\n").unwrap();
    rebuilt_because(&mut test, &["-s", "check"], "requirements-dev.txt changed");

    // The project's pyproject.toml.
    std::fs::write(test.root().join("pyproject.toml"), format!("{PYPROJECT}\n# changed\n")).unwrap();
    rebuilt_because(&mut test, &["-s", "check"], "pyproject.toml changed");

    // `deps`.
    std::fs::write(test.root().join("sessions.toml"), REUSE.replace("iniconfig==2.0.0", "iniconfig==2.1.0")).unwrap();
    rebuilt_because(&mut test, &["-s", "check"], "deps changed");

    // `--no-install` uses the env as it is even though an input changed, and says it is stale.
    std::fs::write(test.root().join("requirements-dev.txt"), "iniconfig>=2\n").unwrap();
    let stale = test.rerun(&["-s", "check", "--no-install"]);
    assert_eq!(env_state(stale.assert_code(0), "check"), "reused");
    assert_eq!(status_detail(&stale, "check"), "venv reused as is, stale: requirements-dev.txt changed");
    assert!(
        stale.log("check").contains("as is (--no-install), although it is stale: requirements-dev.txt changed"),
        "{}",
        stale.log("check")
    );
    rebuilt_because(&mut test, &["-s", "check"], "requirements-dev.txt changed");
    let fresh = test.rerun(&["-s", "check", "--no-install"]);
    assert_eq!(status_detail(fresh.assert_code(0), "check"), "venv reused", "an up-to-date env is not stale");

    // `python`: same interpreter, different request, still a different env.
    std::fs::write(test.root().join("sessions.toml"), REUSE.replace("python = \"3.11\"", "python = \"3\"")).unwrap();
    rebuilt_because(&mut test, &["-s", "check"], "python changed: 3.11 → 3");

    // `-R` rebuilds an up-to-date env.
    rebuilt_because(&mut test, &["-s", "check", "-R"], "-R");
}

#[test]
fn install_project_and_the_projects_lock_file_decide_the_env() {
    let sessions = |install: bool| {
        format!(
            r#"[sessions.check]
install-project = {install}
commands = ["python -I -c \"import importlib.util as u; print('PROJECT', u.find_spec('tinyproject') is not None)\""]
"#
        )
    };
    let mut test =
        Test::new().sessions(&sessions(true)).file("pyproject.toml", PYPROJECT).file("tinyproject/__init__.py", "");
    let check = |test: &mut Test, state: &str, detail: &str, installed: bool| {
        let run = test.rerun(&["-s", "check"]);
        run.assert_code(0);
        assert_eq!((env_state(&run, "check").as_str(), status_detail(&run, "check").as_str()), (state, detail));
        assert!(
            run.stdout.contains(&format!("PROJECT {}", if installed { "True" } else { "False" })),
            "{}",
            run.stdout
        );
    };
    check(&mut test, "built", "venv built", true);
    check(&mut test, "reused", "venv reused", true);

    std::fs::write(test.root().join("sessions.toml"), sessions(false)).unwrap();
    check(&mut test, "built", "venv built: install-project changed", false);
    check(&mut test, "reused", "venv reused", false);
    // Without install-project the project's files do not matter.
    std::fs::write(test.root().join("uv.lock"), "version = 1\n").unwrap();
    check(&mut test, "reused", "venv reused", false);

    std::fs::write(test.root().join("sessions.toml"), sessions(true)).unwrap();
    check(&mut test, "built", "venv built: install-project changed", true);
    check(&mut test, "reused", "venv reused", true);
    std::fs::write(test.root().join("uv.lock"), "version = 1\nrevision = 2\n").unwrap();
    check(&mut test, "built", "venv built: uv.lock changed", true);
    check(&mut test, "reused", "venv reused", true);
    std::fs::remove_file(test.root().join("uv.lock")).unwrap();
    check(&mut test, "built", "venv built: uv.lock removed", true);
    check(&mut test, "reused", "venv reused", true);
}

#[test]
fn a_half_built_env_is_never_reused() {
    // Real uv cannot be made to crash halfway, so a wrapper runs the real `uv venv` and then
    // dies by SIGKILL in the middle of `uv pip install`.
    let test = Test::new()
        .sessions("[sessions.check]\ndeps = [\"iniconfig\"]\ncommands = [\"python -c pass\"]\n")
        .uv_wrapper("kill -9 $$")
        .args(&["-s", "check"]);
    let crashed = test.run();
    crashed.assert_code(1);
    assert_eq!(crashed.status_of("check"), "error");
    assert!(crashed.stderr.contains("virtualenv build failed"), "{}", crashed.stderr);
    assert!(test.env_dir().join("check/bin/python").exists(), "the half-built env is on disk");

    let mut test = test.env("FORGE_UV", &real_uv());
    let rebuilt = test.rerun(&["-s", "check"]);
    rebuilt.assert_code(0);
    assert_eq!(env_state(&rebuilt, "check"), "built");
    assert_eq!(status_detail(&rebuilt, "check"), "venv built: its last build did not finish");
}

#[test]
fn commands_see_the_env_and_the_substitutions() {
    let script = "import os, sys; print('ARGV', sys.argv[1:]); print('VENV', os.environ.get('VIRTUAL_ENV') == sys.prefix); \
                  print('PATH0', os.environ['PATH'].split(':')[0] == os.path.join(sys.prefix, 'bin')); \
                  print('HOME_SET', 'PYTHONHOME' in os.environ); print('GREETING', os.environ['GREETING'])";
    let sessions = format!(
        r#"
[sessions.show]
python = "3.11"
env = {{ GREETING = "hello {{session}}" }}
commands = [
  ["python", "-c", "{script}", "{{posargs:-k default}}", "{{python}}", "{{session}}", "x{{posargs}}y", "{{env:FORGE_TEST_VALUE}}", "{{env:FORGE_TEST_UNSET:fallback}}", "{{{{literal}}}}"],
  "python -c 'import sys; print(\"REPORTS\", sys.argv[1:])' {{reports}} {{root}} {{envdir}}",
]
"#
    );
    let mut test =
        Test::new().sessions(&sessions).env("FORGE_TEST_VALUE", "from-env").env("PYTHONHOME", "/nonexistent");
    let run = test.rerun(&["-s", "show", "--", "-k", "a b"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("ARGV ['-k', 'a b', '3.11', 'show', 'x-k a by', 'from-env', 'fallback', '{literal}']"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("VENV True") && run.stdout.contains("PATH0 True"), "{}", run.stdout);
    assert!(run.stdout.contains("HOME_SET False"), "PYTHONHOME is removed: {}", run.stdout);
    assert!(run.stdout.contains("GREETING hello show"), "{}", run.stdout);
    let root = run.root.to_string_lossy();
    let envdir = test.env_dir().join("show");
    assert!(
        run.stdout.contains(&format!("REPORTS ['{root}/.forge/reports', '{root}', '{}']", envdir.display())),
        "{}",
        run.stdout
    );

    let defaults = test.rerun(&["-s", "show"]);
    assert!(defaults.stdout.contains("ARGV ['-k', 'default', '3.11', 'show', 'xy',"), "{}", defaults.stdout);
}

#[test]
fn venv_false_runs_with_the_callers_path() {
    let test = Test::new()
        .sessions("[sessions.host]\nvenv = false\ncommands = [\"sh -c 'echo VIRTUAL_ENV=${{VIRTUAL_ENV:-unset}}; command -v cargo'\"]\n")
        .args(&["-s", "host"]);
    let run = test.run();
    run.assert_code(0);
    assert!(run.stdout.contains("VIRTUAL_ENV=unset"), "{}", run.stdout);
    assert!(run.stdout.contains("cargo"), "the caller's PATH: {}", run.stdout);
    assert!(!test.env_dir().exists(), "no env is created");
}

/// pyenv's install of `version` ("3.12" → `~/.pyenv/versions/3.12.1`); panics, naming what to
/// install, when the machine lacks an interpreter the suite needs.
fn pyenv_install(version: &str) -> std::path::PathBuf {
    let root = std::env::var("PYENV_ROOT").unwrap_or_else(|_| format!("{}/.pyenv", std::env::var("HOME").unwrap()));
    let prefix = format!("{version}.");
    std::fs::read_dir(format!("{root}/versions"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.file_name().unwrap().to_string_lossy().starts_with(&prefix))
        .filter(|path| path.join(format!("bin/python{version}")).exists())
        .unwrap_or_else(|| panic!("the suite needs Python {version}: install it with `pyenv install {version}`"))
}

#[test]
fn each_python_instance_gets_its_own_interpreter() {
    let versions = ["3.10", "3.12", "3.13"];
    let installs: Vec<_> = versions.iter().map(|version| pyenv_install(version)).collect();
    let test = Test::new()
        .sessions("[sessions.version]\npython = [\"3.10\", \"3.12\", \"3.13\"]\ncommands = [\"python -c 'import sys; print(\\\"VERSION\\\", sys.version_info[:2], sys.prefix, sys.base_prefix)'\"]\n")
        .args(&["-s", "version", "-v", "-j", "3"]);
    let run = test.run();
    // pyenv's shims refuse all three here (3.11 is selected); forge finds the installs under
    // $PYENV_ROOT/versions.
    run.assert_code(0);
    for (version, install) in versions.iter().zip(&installs) {
        let name = format!("version-{version}");
        assert_eq!(run.status_of(&name), "success");
        let full = install.file_name().unwrap().to_string_lossy().into_owned();
        let json = run.run_json();
        let session = json["sessions"].as_array().unwrap().iter().find(|session| session["name"] == name).unwrap();
        assert_eq!(session["python"], full, "run.json reports the version that ran");
        let (major, minor) = version.split_once('.').unwrap();
        let expected = format!("VERSION (3, {minor}) {} {}", test.env_dir().join(&name).display(), install.display());
        assert_eq!(major, "3");
        assert!(run.stdout.contains(&expected), "{expected}\n{}", run.stdout);
    }
}

#[test]
fn a_missing_interpreter_fails_its_instance_or_is_skipped_on_request() {
    let mut test =
        Test::new().sessions("[sessions.test]\npython = [\"3.11\", \"3.99\"]\ncommands = [\"python -c pass\"]\n");
    let run = test.rerun(&["-s", "test"]);
    run.assert_code(1);
    assert_eq!(run.status_of("test-3.11"), "success");
    assert_eq!(run.status_of("test-3.99"), "error");
    assert!(run.stderr.contains("no Python interpreter found for `3.99`"), "{}", run.stderr);

    let skipped = test.rerun(&["-s", "test", "--skip-missing-interpreters"]);
    skipped.assert_code(0);
    assert_eq!(skipped.status_of("test-3.99"), "skipped");
    assert!(
        skipped.stderr.contains("warning: test-3.99: skipped: no Python interpreter found for `3.99`"),
        "{}",
        skipped.stderr
    );
}

#[test]
fn uv_not_found_is_a_usage_error_with_an_install_hint() {
    let run = Test::new()
        .sessions("[sessions.test]\ncommands = [\"python -c pass\"]\n")
        .env("PATH", "/usr/bin:/bin")
        .env_remove("FORGE_UV")
        .args(&["-s", "test"])
        .run();
    run.assert_code(2);
    insta::assert_snapshot!(run.stderr, @r"
    error: `uv` was not found on PATH
    hint: install uv with `python3 -m pip install uv` (or `pipx install uv`), or point FORGE_UV at its executable
    ");
}

#[test]
fn a_directory_that_is_not_a_virtualenv_is_never_deleted() {
    let run = Test::new()
        .sessions("[forge]\nenv-dir = \".\"\n\n[sessions.src]\ncommands = [\"python -c pass\"]\n")
        .file("src/code.py", "precious = True\n")
        .args(&["-s", "src"])
        .run();
    run.assert_code(1);
    assert_eq!(run.status_of("src"), "error");
    assert!(run.stderr.contains("exists and is not a virtualenv"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(run.root.join("src/code.py")).unwrap(), "precious = True\n");
}

#[test]
fn a_moved_project_rebuilds_its_envs_instead_of_reusing_them_broken() {
    // With envs in the project (`env-dir`), they move with it; a venv's scripts and pyvenv.cfg
    // name its path, so they must be rebuilt, not reused broken.
    let sessions = "[forge]\nenv-dir = \".forge/envs\"\n\n[sessions.check]\ndeps = [\"iniconfig\"]\ncommands = [\"python -c 'import iniconfig'\"]\n";
    let test = Test::new().file("before/sessions.toml", sessions);
    let run_in = |directory: &str| -> (serde_json::Value, String) {
        let output = test.command().current_dir(test.root().join(directory)).args(["-s", "check"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        let json = std::fs::read_to_string(test.root().join(directory).join(".forge/reports/run.json")).unwrap();
        (serde_json::from_str(&json).unwrap(), stderr)
    };
    assert_eq!(run_in("before").0["sessions"][0]["env"], "built");
    assert_eq!(run_in("before").0["sessions"][0]["env"], "reused");
    std::fs::rename(test.root().join("before"), test.root().join("after")).unwrap();
    let (moved, stderr) = run_in("after");
    assert_eq!(moved["sessions"][0]["env"], "built");
    let from = test.root().join("before/.forge/envs/check");
    assert!(stderr.contains(&format!("(venv built: it was built at {})", from.display())), "{stderr}");
}

#[test]
fn a_request_that_now_resolves_to_another_interpreter_rebuilds() {
    let newer = pyenv_install("3.13").join("bin/python3.13");
    let mut test = Test::new().sessions("[sessions.check]\npython = \"3\"\ncommands = [\"python -c pass\"]\n");
    assert_eq!(env_state(test.rerun(&["-s", "check"]).assert_code(0), "check"), "built");
    let first = recorded_interpreter(&test, "check");
    assert!(!first.starts_with("/root/.pyenv/versions/3.13"), "python3 on PATH is not 3.13 here: {first}");

    // A python3 installed earlier on PATH (here: pyenv's 3.13) is what `python = "3"` now means.
    let bin = test.root().join("newer-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(&newer, bin.join("python3")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let mut test = test.env("PATH", &path);
    let rebuilt = test.rerun(&["-s", "check"]);
    assert_eq!(env_state(rebuilt.assert_code(0), "check"), "built");
    let canonical = std::fs::canonicalize(&newer).unwrap();
    assert_eq!(
        status_detail(&rebuilt, "check"),
        format!("venv built: interpreter changed: {first} → {}", canonical.display())
    );
    assert_eq!(recorded_interpreter(&test, "check"), canonical.to_string_lossy());
    assert_eq!(env_state(test.rerun(&["-s", "check"]).assert_code(0), "check"), "reused");
}

/// The interpreter an env's completion marker records.
fn recorded_interpreter(test: &Test, name: &str) -> String {
    let marker = std::fs::read_to_string(test.env_dir().join(name).join(".forge-env.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&marker).unwrap()["interpreter"].as_str().unwrap().to_owned()
}

/// A real venv made by uv from `python`, as a user would have activated.
fn make_venv(path: &std::path::Path, python: &str) {
    let status = std::process::Command::new(crate::support::real_uv())
        .args(["venv", "--quiet", "--no-project", "--python", python])
        .arg(path)
        .env_remove("VIRTUAL_ENV")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn an_activated_virtualenv_on_path_is_seen_through_to_its_base_interpreter() {
    // `lint` asks for the default python3; `old` for 3.10, whose venvs name their own python as
    // their base (pyvenv.cfg's `home` tells the truth there).
    let sessions = "[sessions.lint]\ncommands = [\"python -c pass\"]\n\n[sessions.old]\npython = \"3.10\"\ncommands = [\"python -c pass\"]\n";
    let mut test = Test::new().sessions(sessions);
    test.rerun(&["-s", "lint", "old"]).assert_code(0);
    let recorded = |test: &Test| (recorded_interpreter(test, "lint"), recorded_interpreter(test, "old"));
    let (lint, old) = recorded(&test);
    assert!(old.starts_with(&*pyenv_install("3.10").to_string_lossy()), "{old}");

    // Real venvs of those interpreters, activated: first on PATH.
    let activated = test.root().join("activated");
    let activated_310 = test.root().join("activated-310");
    make_venv(&activated, &lint);
    make_venv(&activated_310, &old);
    let path = std::env::var("PATH").unwrap();
    let on_path = format!("{}:{}:{path}", activated.join("bin").display(), activated_310.join("bin").display());
    let mut test = test.env("PATH", &on_path);
    let with_venv = test.rerun(&["-s", "lint", "old"]);
    with_venv.assert_code(0);
    assert_eq!(
        (status_detail(&with_venv, "lint"), status_detail(&with_venv, "old")),
        ("venv reused".into(), "venv reused".into())
    );

    // And the other way round: built with the venvs on PATH, reused without them.
    test.rerun(&["-s", "lint", "old", "-R"]).assert_code(0);
    assert_eq!(recorded(&test), (lint.clone(), old.clone()), "the base interpreters, not the venvs'");
    let mut test = test.env("PATH", &path);
    let without = test.rerun(&["-s", "lint", "old"]);
    without.assert_code(0);
    assert_eq!(
        (status_detail(&without, "lint"), status_detail(&without, "old")),
        ("venv reused".into(), "venv reused".into())
    );
}

/// Runs `test` and waits at most a minute, with forge's address space capped at 2 GiB: a
/// regression that hangs or reads without bound fails instead of stalling the suite or the
/// machine. Returns the exit code and stderr.
fn run_bounded(test: &Test) -> (Option<i32>, String) {
    use std::os::unix::process::CommandExt as _;
    let stderr_path = test.root().join("forge.stderr");
    let stderr = std::fs::File::create(&stderr_path).unwrap();
    let mut command = test.command();
    command.stdout(std::process::Stdio::null()).stderr(stderr);
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: 2 << 30, rlim_max: 2 << 30 };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
        });
    }
    let mut forge = command.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = forge.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = forge.kill();
            let _ = forge.wait();
            panic!("forge hung: {}", std::fs::read_to_string(&stderr_path).unwrap_or_default());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    (status.code(), std::fs::read_to_string(&stderr_path).unwrap())
}

fn mkfifo(path: &std::path::Path) {
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: `name` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
}

#[test]
fn a_requirements_file_that_is_a_device_or_a_fifo_is_an_error_not_a_hang() {
    let session =
        |file: &str| format!("[sessions.check]\nrequirements = [\"{file}\"]\ncommands = [\"python -c pass\"]\n");
    let cases = [
        ("/dev/zero", "/dev/zero: not a regular file (a device)"),
        ("pipe", "pipe: not a regular file (a FIFO)"),
        // A FIFO behind a nested include is read the same way.
        ("requirements.txt", "nested/pipe: not a regular file (a FIFO)"),
    ];
    for (file, message) in cases {
        let test = Test::new()
            .sessions(&session(file))
            .file("requirements.txt", "-r nested/pipe\n")
            .file("nested/.keep", "")
            .args(&["-s", "check"]);
        mkfifo(&test.root().join("pipe"));
        mkfifo(&test.root().join("nested/pipe"));
        let (code, stderr) = run_bounded(&test);
        assert_eq!(code, Some(1), "{stderr}");
        let line = stderr.lines().find(|line| line.contains("ERROR")).unwrap_or_else(|| panic!("{stderr}"));
        assert!(
            line.contains("check (cannot read requirements file ") && line.ends_with(&format!("{message})")),
            "{line}"
        );
    }
}

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

#[test]
fn variables_that_would_redirect_an_env_are_removed_from_the_commands_environment() {
    let script = "import os; print('REDIRECT', [os.environ.get(name) for name in ('UV_PYTHON', 'UV_PROJECT_ENVIRONMENT', 'CONDA_PREFIX')])";
    let sessions = format!(
        "[sessions.inside]\ncommands = [[\"python\", \"-c\", \"{script}\"]]\n\n[sessions.outside]\nvenv = false\ncommands = [[\"python3\", \"-c\", \"{script}\"]]\n"
    );
    let run = Test::new()
        .sessions(&sessions)
        // A UV_PYTHON that names no interpreter: the env is still built with the one forge found.
        .env("UV_PYTHON", "3.99")
        .env("UV_PROJECT_ENVIRONMENT", "/nonexistent/project-env")
        .env("CONDA_PREFIX", "/nonexistent/conda")
        .args(&["-s", "inside", "outside", "-v", "-j", "1"])
        .run();
    run.assert_code(0);
    assert_eq!(run.stdout.matches("REDIRECT [None, None, None]").count(), 2, "{}", run.stdout);
}
