//! Virtualenvs with real uv: reuse when up to date, rebuild on every input change, `-R`,
//! `--no-install`, half-built envs, and the environment commands see.

use crate::support::{Run, Test, real_uv};

/// What the status line of `name` says in parentheses: `venv built: deps changed`.
pub fn status_detail(run: &Run, name: &str) -> String {
    let marker = format!("] {name} (");
    let line = run
        .stderr
        .lines()
        .find(|line| line.contains(&marker))
        .unwrap_or_else(|| panic!("no status line for {name}:\n{}", run.stderr));
    let detail = &line[line.find(&marker).unwrap() + marker.len()..];
    detail.strip_suffix(')').unwrap_or(detail).to_owned()
}

pub fn env_state(run: &Run, name: &str) -> String {
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
    // A requirements file named in sessions.toml is checked before anything runs (exit 2)...
    for (file, kind) in [("/dev/zero", "a device"), ("pipe", "a FIFO")] {
        let test = Test::new().sessions(&session(file)).args(&["-s", "check"]);
        mkfifo(&test.root().join("pipe"));
        let (code, stderr) = run_bounded(&test);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("[sessions.check] requirements: `{file}` is not a regular file ({kind})")),
            "{stderr}"
        );
    }
    // ...and one it includes is read as a regular file when the env is checked (the session errors).
    let test = Test::new()
        .sessions(&session("requirements.txt"))
        .file("requirements.txt", "-r nested/pipe\n")
        .file("nested/.keep", "")
        .args(&["-s", "check"]);
    mkfifo(&test.root().join("nested/pipe"));
    let (code, stderr) = run_bounded(&test);
    assert_eq!(code, Some(1), "{stderr}");
    let line = stderr.lines().find(|line| line.contains("ERROR")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.contains("check (cannot read requirements file ")
            && line.ends_with("nested/pipe: not a regular file (a FIFO))"),
        "{line}"
    );
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
