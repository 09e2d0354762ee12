//! How sessions combine: `[defaults]` and `extends` (what a session inherits), `after` (order
//! without the success requirement), and which sessions get `-- ARGS`.

use crate::support::Test;

fn lines(test: &Test, file: &str) -> Vec<String> {
    std::fs::read_to_string(test.root().join(file)).unwrap_or_default().lines().map(str::to_owned).collect()
}

#[test]
fn defaults_and_extends_combine_scalars_lists_and_env_as_documented() {
    let sessions = r#"
[defaults]
venv = false
env = { LEVEL = "defaults", KEPT = "from-defaults" }
tags = ["ci"]
commands = ["sh -c 'echo {session} $LEVEL $KEPT ${{EXTRA:-none}} >> env.txt'"]

[sessions.unit]
env = { LEVEL = "unit" }

[sessions.unit-slow]
extends = "unit"
env = { EXTRA = "slow" }
tags = ["slow"]

[sessions.plain]
"#;
    let mut test = Test::new().sessions(sessions);
    test.rerun(&["-j", "1"]).assert_code(0);
    let mut got = lines(&test, "env.txt");
    got.sort();
    assert_eq!(
        got,
        [
            "plain defaults from-defaults none",
            "unit unit from-defaults none",
            // extends: unit's env over the defaults', then its own key on top.
            "unit-slow unit from-defaults slow",
        ]
    );
    // Lists are replaced, not appended: unit-slow has only its own tag.
    let listed: serde_json::Value = serde_json::from_str(&test.rerun(&["-l", "--json"]).stdout).unwrap();
    let tags = |index: usize| listed[index]["tags"].clone();
    assert_eq!(
        (tags(0), tags(1), tags(2)),
        (serde_json::json!(["ci"]), serde_json::json!(["slow"]), serde_json::json!(["ci"]))
    );
    let slow = test.rerun(&["-l", "--names", "-t", "ci"]);
    assert_eq!(slow.stdout.lines().collect::<Vec<_>>(), ["unit", "plain"]);
}

fn recording(name: &str, keys: &str, code: i32) -> String {
    format!(
        "[sessions.{name}]\nvenv = false\n{keys}\ncommands = [\"sh -c 'echo {name} >> order.txt; exit {code}'\"]\n\n"
    )
}

#[test]
fn after_runs_once_its_sessions_are_done_even_when_they_failed_and_pulls_nothing_in() {
    let sessions = [
        recording("unit", "", 1),
        recording("integration", "", 0),
        recording("coverage", "after = [\"unit\", \"integration\"]", 0),
    ]
    .concat();
    let mut test = Test::new().sessions(&sessions);
    let run = test.rerun(&["-j", "3"]);
    run.assert_code(1);
    assert_eq!(run.status_of("unit"), "failed");
    assert_eq!(run.status_of("coverage"), "success", "after is not a requirement");
    let order = lines(&test, "order.txt");
    assert_eq!(order.last().map(String::as_str), Some("coverage"), "{order:?}");
    assert_eq!(order.len(), 3);

    // Alone, coverage runs alone: after orders only what is planned.
    std::fs::remove_file(test.root().join("order.txt")).unwrap();
    test.rerun(&["-s", "coverage"]).assert_code(0);
    assert_eq!(lines(&test, "order.txt"), ["coverage"]);
    let plan = test.rerun(&["-n", "-s", "coverage", "unit"]).stdout;
    assert!(plan.contains("coverage (no venv; after unit, whatever their outcome)"), "{plan}");
}

#[test]
fn posargs_reach_the_named_session_and_what_an_aggregate_requires_not_every_requirement() {
    let recording = |name: &str, requires: &str| {
        format!(
            "[sessions.{name}]\nvenv = false\nrequires = [{requires}]\ncommands = [\"sh -c 'echo {name} \\\"$@\\\" >> args.txt' sh {{posargs:DEFAULT}}\"]\n\n"
        )
    };
    let sessions = [
        recording("lint", ""),
        recording("test", "\"lint\""),
        "[sessions.check]\nrequires = [\"lint\", \"test\"]\n\n".to_owned(),
    ]
    .concat();
    let mut test = Test::new().sessions(&sessions);
    let sorted = |test: &Test| {
        let mut got = lines(test, "args.txt");
        got.sort();
        std::fs::remove_file(test.root().join("args.txt")).unwrap();
        got
    };
    test.rerun(&["-s", "test", "--", "-k", "slow"]).assert_code(0);
    assert_eq!(sorted(&test), ["lint DEFAULT", "test -k slow"], "lint was only pulled in");

    test.rerun(&["-s", "check", "--", "-x"]).assert_code(0);
    assert_eq!(sorted(&test), ["lint -x", "test -x"], "an aggregate passes them to what it requires");

    test.rerun(&["-s", "lint", "test", "--", "-x"]).assert_code(0);
    assert_eq!(sorted(&test), ["lint -x", "test -x"], "both were named");

    let plan = test.rerun(&["-n", "-s", "test", "--", "-k", "slow"]).stdout;
    assert!(plan.contains("lint (no venv; no posargs)"), "{plan}");
    assert!(plan.contains("test (no venv; requires lint; posargs: -k slow)"), "{plan}");
    assert!(plan.contains("$ sh -c 'echo lint \"$@\" >> args.txt' sh DEFAULT"), "{plan}");
}
