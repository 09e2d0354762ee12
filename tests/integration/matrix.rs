//! Matrices run for real: python × another axis, `{matrix.NAME}` in env, commands, deps and
//! report paths, excludes, instance names in `-l` and `-l --json`, `-k`/`-p` and `requires` on
//! instances.

use crate::support::Test;

/// python × an env-var axis, one combination excluded; each instance prints what it got.
const PYTHON_BY_MODE: &str = r#"
[sessions.probe]
python = ["3.11", "3.12"]
matrix.mode = ["fast", "slow"]
matrix-exclude = [{ python = "3.11", mode = "slow" }]
env = { MODE = "{matrix.mode}" }
commands = [
    "python -c 'import os, sys; print(\"PROBE {session}\", \"%d.%d\" % sys.version_info[:2], os.environ[\"MODE\"], \"{matrix.mode}\")'",
    "python -c 'open(\"{reports}/probe-{python}-{matrix.mode}.txt\", \"w\").write(\"x\")'",
]
"#;

#[test]
fn a_python_by_env_axis_matrix_runs_every_instance_but_the_excluded_one() {
    let test = Test::new().sessions(PYTHON_BY_MODE).args(&["-s", "probe", "-v", "-j", "3"]);
    let run = test.run();
    run.assert_code(0);
    assert_eq!(run.session_names(), ["probe-3.11-modefast", "probe-3.12-modefast", "probe-3.12-modeslow"]);
    for (name, python, mode) in [
        ("probe-3.11-modefast", "3.11", "fast"),
        ("probe-3.12-modefast", "3.12", "fast"),
        ("probe-3.12-modeslow", "3.12", "slow"),
    ] {
        assert_eq!(run.status_of(name), "success");
        let line = format!("PROBE {name} {python} {mode} {mode}");
        assert!(run.stdout.contains(&line), "{line}\n{}", run.stdout);
        assert!(test.root().join(format!(".forge/reports/probe-{python}-{mode}.txt")).is_file());
    }
    assert!(!run.stdout.contains("probe-3.11-modeslow"));
}

#[test]
fn deps_take_each_instances_value() {
    let sessions = r#"
[sessions.pinned]
matrix.iniconfig = ["1.1.1", "2.0.0"]
deps = ["iniconfig=={matrix.iniconfig}"]
commands = ["python -c 'import importlib.metadata as m; v = m.version(\"iniconfig\"); print(\"HAS\", v); assert v == \"{matrix.iniconfig}\", v'"]
"#;
    let mut test = Test::new().sessions(sessions);
    let run = test.rerun(&["-v", "-j", "2"]);
    run.assert_code(0);
    assert!(run.stdout.contains("HAS 1.1.1") && run.stdout.contains("HAS 2.0.0"), "{}", run.stdout);
    // Each instance has its own env, built from its own pin.
    for name in ["pinned-iniconfig1.1.1", "pinned-iniconfig2.0.0"] {
        assert!(test.env_dir().join(name).join("pyvenv.cfg").is_file(), "{name}");
    }
    let dry = test.rerun(&["-n"]).stdout;
    assert!(dry.contains("pinned-iniconfig1.1.1 (venv python3; deps: iniconfig==1.1.1)"), "{dry}");
}

/// No venvs: instances that record their name, for selection tests.
const SELECTION: &str = r#"
[sessions.unit]
venv = false
python = ["3.11", "3.12"]
matrix.db = ["sqlite", "pg"]
commands = ["sh -c 'echo {session} >> ran.txt'"]

[sessions.smoke]
venv = false
requires = ["unit-3.12-dbpg"]
commands = ["sh -c 'echo smoke >> ran.txt'"]
"#;

fn ran(test: &Test) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_to_string(test.root().join("ran.txt")).unwrap_or_default().lines().map(str::to_owned).collect();
    names.sort();
    names
}

#[test]
fn list_and_json_show_every_instance_with_its_matrix() {
    let test = Test::new().sessions(SELECTION).args(&["-l", "--json"]);
    let run = test.run();
    run.assert_code(0);
    let listed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = listed.as_array().unwrap().iter().map(|entry| entry["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["unit-3.11-dbsqlite", "unit-3.11-dbpg", "unit-3.12-dbsqlite", "unit-3.12-dbpg", "smoke"]);
    assert_eq!(listed[1]["matrix"], serde_json::json!({ "db": "pg" }));
    assert_eq!(listed[1]["python"], "3.11");
    assert_eq!(listed[1]["session"], "unit");
    assert_eq!(listed[4]["matrix"], serde_json::json!({}), "no matrix: an empty object");

    let text = Test::new().sessions(SELECTION).args(&["-l"]).run();
    text.assert_code(0);
    for name in &names {
        assert!(text.stdout.contains(name), "{name}\n{}", text.stdout);
    }
    let filtered = Test::new().sessions(SELECTION).args(&["-l", "--names", "-p", "3.11", "-k", "pg"]).run();
    assert_eq!(filtered.stdout.lines().collect::<Vec<_>>(), ["unit-3.11-dbpg"]);
}

#[test]
fn s_k_and_p_select_instances_and_requires_names_one() {
    let mut test = Test::new().sessions(SELECTION);
    test.rerun(&["-s", "unit"]).assert_code(0);
    assert_eq!(ran(&test), ["unit-3.11-dbpg", "unit-3.11-dbsqlite", "unit-3.12-dbpg", "unit-3.12-dbsqlite"]);

    std::fs::remove_file(test.root().join("ran.txt")).unwrap();
    test.rerun(&["-k", "sqlite", "-p", "3.12"]).assert_code(0);
    assert_eq!(ran(&test), ["unit-3.12-dbsqlite"]);

    std::fs::remove_file(test.root().join("ran.txt")).unwrap();
    test.rerun(&["-s", "smoke"]).assert_code(0);
    assert_eq!(ran(&test), ["smoke", "unit-3.12-dbpg"], "only the instance smoke requires");

    std::fs::remove_file(test.root().join("ran.txt")).unwrap();
    test.rerun(&["-s", "unit-3.11-dbpg"]).assert_code(0);
    assert_eq!(ran(&test), ["unit-3.11-dbpg"]);
}
