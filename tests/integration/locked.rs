//! Dependency groups, `locked = true` and the wheel/sdist install modes, with real uv and a real
//! uv.lock made by `uv lock` in each test: what the env holds is read from its site-packages
//! metadata and compared with the lock parsed as TOML.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{Test, real_uv};
use crate::venv::{env_state, status_detail};

/// A hatchling project with pinned-below-latest dependencies, so the lock's pins (not PyPI's
/// newest) are what an env must hold. `docs` is a group no session names.
const PYPROJECT: &str = r#"
[project]
name = "lockdemo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["six<1.17"]

[project.optional-dependencies]
fast = ["toolz<1"]

[dependency-groups]
test = ["iniconfig<2.1"]
dev = [{ include-group = "test" }, "pyflakes<3.2"]
docs = ["mccabe<0.7"]

[tool.uv]
default-groups = ["docs"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"#;

fn project(sessions: &str) -> Test {
    Test::new().sessions(sessions).file("pyproject.toml", PYPROJECT).file("src/lockdemo/__init__.py", "VALUE = 1\n")
}

fn uv_lock(root: &Path) {
    let out = std::process::Command::new(real_uv())
        .args(["lock", "--quiet"])
        .current_dir(root)
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap();
    assert!(out.status.success(), "uv lock\n{}", String::from_utf8_lossy(&out.stderr));
}

/// `name → version` of every distribution in the env's site-packages (names normalized).
fn distributions(env: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for lib in std::fs::read_dir(env.join("lib")).unwrap().flatten() {
        for entry in std::fs::read_dir(lib.path().join("site-packages")).unwrap().flatten() {
            let metadata = entry.path().join("METADATA");
            let Ok(text) = std::fs::read_to_string(&metadata) else { continue };
            let field = |key: &str| text.lines().find_map(|line| line.strip_prefix(key)).unwrap().trim().to_owned();
            found.insert(normalize(&field("Name:")), field("Version:"));
        }
    }
    found
}

fn normalize(name: &str) -> String {
    name.to_lowercase().replace(['_', '.'], "-")
}

/// `name → version` of every package uv.lock pins.
fn lock_pins(root: &Path) -> BTreeMap<String, String> {
    let lock: toml::Table = toml::from_str(&std::fs::read_to_string(root.join("uv.lock")).unwrap()).unwrap();
    lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            (normalize(package["name"].as_str().unwrap()), package["version"].as_str().unwrap_or("").to_owned())
        })
        .collect()
}

const LOCKED: &str = r#"
[sessions.test]
locked = true
groups = ["dev"]
extras = ["fast"]
install-project = true
deps = ["packaging==24.1"]
commands = ["python -c 'import lockdemo, six, toolz, iniconfig, pyflakes, packaging; print(\"imports ok\")'"]
"#;

#[test]
fn a_locked_env_holds_exactly_the_locks_pins_and_a_warm_run_never_syncs() {
    let mut test = project(LOCKED);
    uv_lock(test.root());
    let lock_before = std::fs::read(test.root().join("uv.lock")).unwrap();
    let run = test.rerun(&["-s", "test"]);
    run.assert_code(0);
    assert!(run.stdout.contains("imports ok"), "{}", run.stdout);
    let log = run.log("test");
    assert!(log.contains("sync --quiet --locked --no-default-groups"), "{log}");

    let env = test.env_dir().join("test");
    let mut installed = distributions(&env);
    let pins = lock_pins(test.root());
    // `deps` go on top of the lock; the project is installed editable (from the lock's entry).
    assert_eq!(installed.remove("packaging").as_deref(), Some("24.1"));
    // Everything the lock pins for the project, `dev` (with `test` included) and `fast`, at the
    // lock's versions; not the default group `docs`, which the session does not name.
    let mut expected = pins.clone();
    expected.remove("mccabe");
    assert_eq!(installed, expected, "the env's distributions are the lock's pins");
    assert!(pins.contains_key("mccabe"), "docs is in the lock: {pins:?}");
    assert_eq!(pins["six"], "1.16.0");
    assert_eq!(std::fs::read(test.root().join("uv.lock")).unwrap(), lock_before, "forge never rewrites the lock");

    let warm = test.rerun(&["-s", "test"]);
    warm.assert_code(0);
    assert_eq!(env_state(&warm, "test"), "reused");
    assert!(!warm.log("test").contains("uv sync"), "a warm run hashes the lock, never syncs");

    // A new lock (another pin) rebuilds the env, and the env follows it.
    std::fs::write(test.root().join("pyproject.toml"), PYPROJECT.replace("six<1.17", "six<1.16")).unwrap();
    uv_lock(test.root());
    let relocked = test.rerun(&["-s", "test"]);
    relocked.assert_code(0);
    assert_eq!(env_state(&relocked, "test"), "built");
    assert_eq!(distributions(&env)["six"], lock_pins(test.root())["six"]);
    assert_ne!(distributions(&env)["six"], "1.16.0");
}

#[test]
fn a_stale_lock_fails_the_instance_with_a_hint_and_is_left_untouched() {
    let mut test = project(LOCKED);
    uv_lock(test.root());
    let lock_before = std::fs::read(test.root().join("uv.lock")).unwrap();
    // Edited after locking: the lock no longer satisfies pyproject.toml.
    std::fs::write(test.root().join("pyproject.toml"), PYPROJECT.replace("six<1.17", "six>=1.17")).unwrap();
    let run = test.rerun(&["-s", "test"]);
    run.assert_code(1);
    assert_eq!(run.status_of("test"), "error");
    assert!(run.stderr.contains("uv.lock is out of date with pyproject.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: run uv lock"), "{}", run.stderr);
    assert!(run.log("test").contains("hint: run uv lock"));
    assert!(!run.stdout.contains("imports ok"), "no command ran");
    assert_eq!(std::fs::read(test.root().join("uv.lock")).unwrap(), lock_before, "forge never rewrites the lock");
}

#[test]
fn groups_with_include_group_are_installed_and_only_their_own_definitions_count() {
    let sessions = r#"
[sessions.lint]
groups = ["dev"]
commands = ["python -c 'import iniconfig, pyflakes; print(\"groups ok\")'"]

[sessions.with-project]
groups = ["test"]
install-project = true
commands = ["python -c 'import iniconfig, lockdemo, six; print(\"project ok\")'"]
"#;
    let mut test = project(sessions);
    let run = test.rerun(&[]);
    run.assert_code(0);
    assert!(run.log("lint").contains("groups ok") && run.log("with-project").contains("project ok"));
    let installed = distributions(&test.env_dir().join("lint"));
    assert!(installed.contains_key("iniconfig") && installed.contains_key("pyflakes"), "{installed:?}");
    assert!(!installed.contains_key("mccabe") && !installed.contains_key("six"), "only dev: {installed:?}");

    // Another group changes: the `lint` env is reused.
    std::fs::write(test.root().join("pyproject.toml"), PYPROJECT.replace("mccabe<0.7", "mccabe<0.8")).unwrap();
    let other = test.rerun(&["-s", "lint"]);
    assert_eq!(status_detail(other.assert_code(0), "lint"), "venv reused");
    // The included group changes: dev's resolved definition did.
    let edited = PYPROJECT.replace("mccabe<0.7", "mccabe<0.8").replace("iniconfig<2.1", "iniconfig<2.2");
    std::fs::write(test.root().join("pyproject.toml"), edited).unwrap();
    let included = test.rerun(&["-s", "lint"]);
    assert_eq!(status_detail(included.assert_code(0), "lint"), "venv built: dependency group `dev` changed");
}

#[test]
fn bad_groups_and_missing_project_files_are_usage_errors_and_nothing_runs() {
    let unknown = project("[sessions.a]\ngroups = [\"dev\", \"lint\"]\ncommands = [\"touch ran\"]\n").run();
    unknown.assert_code(2);
    assert!(
        unknown.stderr.contains("sessions.toml:2: [sessions.a] groups: unknown dependency group `lint`"),
        "{}",
        unknown.stderr
    );
    assert!(unknown.stderr.contains("hint: the groups pyproject.toml defines: dev, docs, test"), "{}", unknown.stderr);
    assert!(!unknown.root.join("ran").exists());

    let cyclic = Test::new()
        .sessions("[sessions.a]\ngroups = [\"dev\"]\ncommands = [\"touch ran\"]\n")
        .file(
            "pyproject.toml",
            "[dependency-groups]\ndev = [{ include-group = \"test\" }]\ntest = [\"x\", { include-group = \"dev\" }]\n",
        )
        .run();
    cyclic.assert_code(2);
    assert!(cyclic.stderr.contains("dependency group `dev` includes itself (dev → test → dev)"), "{}", cyclic.stderr);

    let no_pyproject = Test::new().sessions("[sessions.a]\ngroups = [\"dev\"]\ncommands = [\"touch ran\"]\n").run();
    no_pyproject.assert_code(2);
    assert!(no_pyproject.stderr.contains("pyproject.toml does not exist"), "{}", no_pyproject.stderr);

    let no_lock = project("[sessions.a]\nlocked = true\ncommands = [\"touch ran\"]\n").run();
    no_lock.assert_code(2);
    assert!(no_lock.stderr.contains("[sessions.a] locked: `locked = true`, but"), "{}", no_lock.stderr);
    assert!(no_lock.stderr.contains("hint: create the lock file with `uv lock`"), "{}", no_lock.stderr);
    for run in [&cyclic, &no_pyproject, &no_lock] {
        assert!(!run.root.join("ran").exists(), "nothing ran");
    }
    assert_eq!(std::fs::read_dir(no_lock.root.as_path()).unwrap().count(), 3, "no uv.lock was written");
}

/// Whether the env's `lockdemo` is a regular install: files in site-packages, no `.pth` pointing
/// at the project, no editable `direct_url.json`.
fn assert_not_editable(env: &Path, root: &Path) {
    let lib = std::fs::read_dir(env.join("lib")).unwrap().flatten().next().unwrap().path().join("site-packages");
    assert!(lib.join("lockdemo/__init__.py").is_file(), "the package's files are in site-packages");
    for entry in std::fs::read_dir(&lib).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".pth") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            assert!(!text.contains(&*root.to_string_lossy()), "{name} points at the project: {text}");
        }
        if name.starts_with("lockdemo-") && name.ends_with(".dist-info") {
            let direct = std::fs::read_to_string(entry.path().join("direct_url.json")).unwrap_or_default();
            assert!(!direct.contains("\"editable\": true") && !direct.contains("\"editable\":true"), "{direct}");
        }
    }
}

#[test]
fn wheel_and_sdist_installs_are_not_editable_and_never_test_a_stale_build() {
    let sessions = r#"
[sessions.wheel]
install-project = "wheel"
extras = ["fast"]
commands = ["python -c 'import lockdemo, toolz; print(\"VALUE\", lockdemo.VALUE)'"]

[sessions.sdist]
install-project = "sdist"
locked = true
commands = ["python -c 'import lockdemo, six; print(\"VALUE\", lockdemo.VALUE)'"]
"#;
    let mut test = project(sessions);
    uv_lock(test.root());
    let run = test.rerun(&[]);
    run.assert_code(0);
    for name in ["wheel", "sdist"] {
        assert!(run.log(name).contains("VALUE 1"), "{}", run.log(name));
    }
    assert!(run.log("wheel").contains("uv build --quiet --wheel"), "{}", run.log("wheel"));
    assert!(run.log("sdist").contains("lockdemo-0.1.0.tar.gz"), "{}", run.log("sdist"));
    for name in ["wheel", "sdist"] {
        assert_not_editable(&test.env_dir().join(name), test.root());
    }
    assert_eq!(distributions(&test.env_dir().join("sdist"))["six"], lock_pins(test.root())["six"]);

    // The sources change: the env is reused, but the project is rebuilt and reinstalled.
    std::fs::write(test.root().join("src/lockdemo/__init__.py"), "VALUE = 2\n").unwrap();
    let edited = test.rerun(&[]);
    edited.assert_code(0);
    for name in ["wheel", "sdist"] {
        assert!(edited.log(name).contains("VALUE 2"), "the new sources are tested: {}", edited.log(name));
    }
    assert_eq!(env_state(&edited, "wheel"), "reused");
    assert!(edited.log("wheel").contains("rebuilding and reinstalling the project (wheel)"));

    // The mode is in the fingerprint.
    std::fs::write(test.root().join("sessions.toml"), sessions.replace("\"wheel\"\nextras", "true\nextras")).unwrap();
    let editable = test.rerun(&["-s", "wheel"]);
    assert_eq!(status_detail(editable.assert_code(0), "wheel"), "venv built: install-project mode changed");
}

#[test]
fn hatchling_and_setuptools_projects_build_after_forge_installed_their_wheel_and_groups() {
    use crate::real_projects::{backend_project, forge_test_then_build};
    let test = Test::new();
    let session = r#"
[sessions.test]
install-project = "wheel"
groups = ["test"]
commands = ["pytest -q -p no:cacheprovider tests"]
"#;
    for (package, build_system) in [
        ("hwheel", "[build-system]\nrequires = [\"hatchling==1.27.0\"]\nbuild-backend = \"hatchling.build\"\n"),
        ("swheel", "[build-system]\nrequires = [\"setuptools==75.6.0\"]\nbuild-backend = \"setuptools.build_meta\"\n"),
    ] {
        let table = "version = \"0.1.0\"\n\n[dependency-groups]\ntest = [\"pytest==8.3.4\"]\n";
        let project = backend_project(&test, package, build_system, table);
        std::fs::write(project.join("sessions.toml"), session).unwrap();
        std::fs::write(project.join(".gitignore"), ".forge/\n").unwrap();
        let members = forge_test_then_build(&test, &project);
        assert!(members.iter().any(|member| *member == format!("{package}/__init__.py")), "{members:#?}");
        assert!(members.iter().all(|member| !member.starts_with(".forge")), "{package}: {members:#?}");
        assert!(
            members.iter().all(|member| !member.contains(forge::venv::PACKAGE_DIR)),
            "no built artifact of forge's: {members:#?}"
        );
    }
}
