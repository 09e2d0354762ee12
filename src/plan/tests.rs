//! Planning from real sessions.toml text: matrix instances, `after` ordering, posargs routing.

use super::*;

fn project(text: &str) -> Project {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sessions.toml");
    std::fs::write(&file, text).unwrap();
    config::load(&file).unwrap()
}

fn selection(sessions: &[&str]) -> Selection {
    Selection { sessions: sessions.iter().map(|name| (*name).to_owned()).collect(), ..Selection::default() }
}

fn names(plan: &Plan) -> Vec<&str> {
    plan.instances.iter().map(|instance| instance.name.as_str()).collect()
}

const MATRIX: &str = r#"
[sessions.test]
python = ["3.10", "3.12"]
matrix.django = ["4.2", "5.2"]
matrix.db = ["sqlite", "pg"]
matrix-exclude = [{ python = "3.10", django = "5.2" }, { db = "pg", django = "4.2", python = "3.12" }]
commands = ["pytest"]
[sessions.report]
after = ["test"]
commands = ["true"]
[sessions.one]
requires = ["test-3.12-django5.2-dbpg"]
commands = ["true"]
"#;

#[test]
fn a_matrix_is_the_product_of_its_axes_minus_the_excludes() {
    let project = project(MATRIX);
    let planned = plan(&project, &selection(&["test"])).unwrap();
    assert_eq!(
        names(&planned),
        [
            "test-3.10-django4.2-dbsqlite",
            "test-3.10-django4.2-dbpg",
            "test-3.12-django4.2-dbsqlite",
            "test-3.12-django5.2-dbsqlite",
            "test-3.12-django5.2-dbpg"
        ]
    );
    let last = &planned.instances[4];
    assert_eq!(last.python.as_deref(), Some("3.12"));
    assert_eq!(last.matrix, [("django".to_owned(), "5.2".to_owned()), ("db".to_owned(), "pg".to_owned())]);
    // -k and -p select among the instances.
    let keyword = Selection { keywords: Some("django5.2".into()), ..Selection::default() };
    assert_eq!(names(&plan_of(&project, keyword)), ["test-3.12-django5.2-dbsqlite", "test-3.12-django5.2-dbpg"]);
    let python = Selection { pythons: vec!["3.10".into()], sessions: vec!["test".into()], ..Selection::default() };
    assert_eq!(names(&plan_of(&project, python)), ["test-3.10-django4.2-dbsqlite", "test-3.10-django4.2-dbpg"]);
    // `requires` may name one instance.
    assert_eq!(names(&plan(&project, &selection(&["one"])).unwrap()), ["test-3.12-django5.2-dbpg", "one"]);
}

fn plan_of(project: &Project, selection: Selection) -> Plan {
    plan(project, &selection).unwrap()
}

#[test]
fn after_orders_planned_sessions_without_pulling_them_in() {
    let project = project(MATRIX);
    let alone = plan(&project, &selection(&["report"])).unwrap();
    assert_eq!(names(&alone), ["report"]);
    assert!(alone.instances[0].after.is_empty());
    let both = plan(&project, &selection(&["report", "test"])).unwrap();
    assert_eq!(names(&both).last(), Some(&"report"));
    let report = both.instances.last().unwrap();
    assert_eq!(report.after, [0, 1, 2, 3, 4]);
    assert!(report.requires.is_empty());
    assert_eq!(report.level, 1);
}

#[test]
fn an_after_cycle_is_an_error() {
    let project = project("[sessions.a]\nafter = [\"b\"]\n[sessions.b]\nrequires = [\"a\"]\n");
    let error = plan(&project, &selection(&["a"])).unwrap_err();
    assert!(error.to_string().contains("`requires` and `after` form a cycle"), "{error}");
}

#[test]
fn posargs_reach_the_named_sessions_and_through_aggregates_what_they_require() {
    let project = project(
        r#"
        [sessions.lint]
        commands = ["ruff"]
        [sessions.test]
        requires = ["lint"]
        commands = ["pytest"]
        [sessions.check]
        requires = ["types", "test"]
        [sessions.types]
        requires = ["style"]
        [sessions.style]
        requires = ["lint"]
        commands = ["ruff format"]
        [sessions.docs]
        commands = ["sphinx-build"]
        "#,
    );
    let receivers = |sessions: &[&str]| -> Vec<String> {
        let plan = plan(&project, &selection(sessions)).unwrap();
        plan.instances.iter().filter(|instance| instance.posargs).map(|instance| instance.name.clone()).collect()
    };
    // A session with commands keeps them to itself: lint, pulled in by test, gets none.
    assert_eq!(receivers(&["test"]), ["test"]);
    // check is an aggregate: its requirements get them, through the aggregate `types` to
    // `style`, but not `lint`, which `style` and `test` require.
    assert_eq!(receivers(&["check"]), ["test", "style", "types", "check"]);
    assert_eq!(receivers(&["docs", "test"]), ["test", "docs"]);
    // Nothing named: every session was chosen.
    let all = plan(&project, &Selection::default()).unwrap();
    assert!(all.instances.iter().all(|instance| instance.posargs));
}

#[test]
fn levels_group_the_instances_that_can_start_together() {
    let project = project(
        "[sessions.lint]\ncommands = [\"true\"]\n[sessions.test]\ncommands = [\"true\"]\n\
         [sessions.check]\nrequires = [\"lint\", \"test\"]\n\
         [sessions.build]\nrequires = [\"check\"]\ncommands = [\"true\"]\n",
    );
    let planned = plan(&project, &selection(&["build"])).unwrap();
    let levels: Vec<Vec<&str>> = planned
        .levels()
        .iter()
        .map(|level| level.iter().map(|&index| planned.instances[index].name.as_str()).collect())
        .collect();
    assert_eq!(levels, [vec!["lint", "test"], vec!["check"], vec!["build"]]);
    assert!(Plan::default().levels().is_empty());
}

#[test]
fn each_of_s_t_k_p_filters_and_no_deps_or_last_failed_alone_does_not() {
    assert!(!Selection::default().is_filtered());
    let unfiltered = Selection { no_deps: true, only: Some(["lint".to_owned()].into()), ..Selection::default() };
    assert!(!unfiltered.is_filtered());
    for filtered in [
        selection(&["lint"]),
        Selection { tags: vec!["ci".into()], ..Selection::default() },
        Selection { keywords: Some("lint".into()), ..Selection::default() },
        Selection { pythons: vec!["3.12".into()], ..Selection::default() },
    ] {
        assert!(filtered.is_filtered(), "{filtered:?}");
    }
}
