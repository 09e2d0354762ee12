//! The `requires` DAG and the scheduler: prerequisites once and first, failure propagation,
//! `-x`, cycles, and parallelism proven by recorded intervals (no timing thresholds).

use crate::support::Test;

/// A `venv = false` session that appends its name to `order.txt` and exits with `code`.
fn recording(name: &str, requires: &[&str], code: i32) -> String {
    let requires = requires.iter().map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ");
    format!(
        "[sessions.{name}]\nvenv = false\nrequires = [{requires}]\ncommands = [\"sh -c 'echo {name} >> order.txt; exit {code}'\"]\n\n"
    )
}

fn order(test: &Test) -> Vec<String> {
    std::fs::read_to_string(test.root().join("order.txt")).unwrap_or_default().lines().map(str::to_owned).collect()
}

#[test]
fn prerequisites_run_first_and_exactly_once() {
    let sessions = [
        recording("setup", &[], 0),
        recording("lint", &["setup"], 0),
        recording("unit", &["setup"], 0),
        recording("report", &["lint", "unit"], 0),
    ]
    .concat();
    let test = Test::new().sessions(&sessions).args(&["-s", "report", "lint", "-j", "2"]);
    let run = test.run();
    run.assert_code(0);
    let ran = order(&test);
    assert_eq!(ran.iter().filter(|name| *name == "setup").count(), 1, "{ran:?}");
    assert_eq!(ran.first().map(String::as_str), Some("setup"));
    assert_eq!(ran.last().map(String::as_str), Some("report"));
    assert_eq!(ran.len(), 4);
}

#[test]
fn a_failed_prerequisite_skips_its_dependents_only() {
    let sessions = [
        recording("broken", &[], 3),
        recording("needs-broken", &["broken"], 0),
        recording("transitive", &["needs-broken"], 0),
        recording("independent", &[], 0),
    ]
    .concat();
    let test = Test::new().sessions(&sessions).args(&["-j", "1"]);
    let run = test.run();
    run.assert_code(1);
    assert_eq!(run.status_of("broken"), "failed");
    assert_eq!(run.status_of("needs-broken"), "skipped");
    assert_eq!(run.status_of("transitive"), "skipped");
    assert_eq!(run.status_of("independent"), "success");
    let json = run.run_json();
    let skipped =
        json["sessions"].as_array().unwrap().iter().find(|session| session["name"] == "needs-broken").unwrap().clone();
    assert_eq!(skipped["message"], "requirement `broken` failed");
    assert!(run.stderr.contains("forge -s broken --no-deps"), "re-run hint: {}", run.stderr);
    assert_eq!(
        json["sessions"].as_array().unwrap().iter().find(|session| session["name"] == "broken").unwrap()["exit_code"],
        3
    );
}

#[test]
fn fail_fast_starts_nothing_after_the_first_failure() {
    let sessions = [recording("first", &[], 1), recording("second", &[], 0), recording("third", &[], 0)].concat();
    let test = Test::new().sessions(&sessions).args(&["-x", "-j", "1"]);
    let run = test.run();
    run.assert_code(1);
    assert_eq!(order(&test), ["first"]);
    assert_eq!(run.status_of("second"), "skipped");
    assert_eq!(run.status_of("third"), "skipped");
}

#[test]
fn a_requires_cycle_is_a_config_error_and_nothing_runs() {
    let sessions =
        [recording("a", &["c"], 0), recording("b", &["a"], 0), recording("c", &["b"], 0), recording("free", &[], 0)]
            .concat();
    let test = Test::new().sessions(&sessions).args(&["-s", "free"]);
    let run = test.run();
    run.assert_code(2);
    // The error points at `a`'s `requires` entry for `c`; the hint at every entry on the cycle.
    insta::assert_snapshot!(run.redacted(&run.stderr), @r"
    error: [ROOT]/sessions.toml:3: `requires` forms a cycle: a -> c -> b -> a
    hint: remove one of these `requires` entries (lines 3, 13, 8)
    ");
    assert!(order(&test).is_empty());
}

#[test]
fn an_unknown_requirement_is_a_config_error_with_the_nearest_name() {
    let run = Test::new().sessions(&[recording("lint", &[], 0), recording("check", &["lnit"], 0)].concat()).run();
    run.assert_code(2);
    assert_eq!(
        run.redacted(&run.stderr),
        "error: [ROOT]/sessions.toml:8: [sessions.check] requires: unknown session `lnit`\nhint: did you mean `lint`?\n"
    );
}

/// Four sessions running `record.py`, which records start and end (monotonic nanoseconds).
fn interval_sessions() -> String {
    let mut sessions = String::new();
    for name in ["one", "two", "three", "four"] {
        sessions.push_str(&format!(
            "[sessions.{name}]\nvenv = false\ncommands = [[\"python3\", \"record.py\", \"{{session}}\"]]\n\n"
        ));
    }
    sessions
}

/// In `barrier` mode each session waits until two have started: with `-j 2` that only completes
/// if two really run at once (no timing threshold involved).
fn record_script(barrier: bool) -> String {
    format!(
        "import sys, time, pathlib\n\
         d = pathlib.Path('intervals'); d.mkdir(exist_ok=True)\n\
         name = sys.argv[1]\n\
         (d / (name + '.start')).write_text(str(time.monotonic_ns()))\n\
         deadline = time.monotonic() + 60\n\
         while {} and len(list(d.glob('*.start'))) < 2 and time.monotonic() < deadline:\n    time.sleep(0.01)\n\
         time.sleep(0.05)\n\
         (d / (name + '.end')).write_text(str(time.monotonic_ns()))\n",
        if barrier { "True" } else { "False" }
    )
}

/// The largest number of recorded intervals open at one instant.
fn max_concurrency(test: &Test) -> usize {
    let read = |name: &str, edge: &str| -> i128 {
        std::fs::read_to_string(test.root().join(format!("intervals/{name}.{edge}"))).unwrap().trim().parse().unwrap()
    };
    let mut edges: Vec<(i128, i32)> = Vec::new();
    for name in ["one", "two", "three", "four"] {
        edges.push((read(name, "start"), 1));
        edges.push((read(name, "end"), -1));
    }
    // Ends sort before starts at the same instant: touching intervals do not overlap.
    edges.sort();
    let (mut open, mut most) = (0i32, 0i32);
    for (_, delta) in edges {
        open += delta;
        most = most.max(open);
    }
    most as usize
}

#[test]
fn jobs_two_runs_two_sessions_at_once_and_never_three() {
    let test = Test::new().sessions(&interval_sessions()).file("record.py", &record_script(true)).args(&["-j", "2"]);
    test.run().assert_code(0);
    assert_eq!(max_concurrency(&test), 2);
}

#[test]
fn jobs_one_never_overlaps() {
    let test = Test::new().sessions(&interval_sessions()).file("record.py", &record_script(false)).args(&["-j", "1"]);
    test.run().assert_code(0);
    assert_eq!(max_concurrency(&test), 1);
}

#[test]
fn dry_run_prints_the_plan_and_runs_nothing() {
    let sessions =
        [recording("setup", &[], 0), recording("lint", &["setup"], 0), recording("unit", &["setup"], 0)].concat();
    let test = Test::new().sessions(&sessions).args(&["-n", "-j", "2"]);
    let run = test.run();
    run.assert_code(0);
    insta::assert_snapshot!(run.stdout, @r"
    Plan: 3 session(s), at most 2 at once (dry run: nothing is run)

    level 0
      setup (no venv)
        $ sh -c 'echo setup >> order.txt; exit 0'

    level 1
      lint (no venv; requires setup)
        $ sh -c 'echo lint >> order.txt; exit 0'
      unit (no venv; requires setup)
        $ sh -c 'echo unit >> order.txt; exit 0'
    ");
    assert!(order(&test).is_empty());
}
