//! The page of real runs: passing with coverage, failing (a failed test, a command not found, a
//! skipped dependant), interrupted, retried without coverage, cached, a large run, and `forge report`.

use std::process::Stdio;

use super::{Page, calc_project};
use crate::support::{KillGroupOnDrop, Test, send_signal, wait_for_exit, wait_for_file};

#[test]
fn a_passing_run_with_coverage() {
    let test = calc_project("");
    let run = test.run();
    run.assert_code(0);
    let page = Page::of(&run.root);
    page.assert_self_contained();
    assert_eq!(page.text("//header//*[contains(@class, 'verdict')]"), "passed");
    // Every instance, in plan order, with its status, attempts and env.
    assert_eq!(page.texts("//table[@id='sessions-table']/tbody/tr/@data-name"), run.session_names());
    let row = |name: &str, column: usize| page.text(&format!("//tr[@data-name='{name}']/td[{column}]"));
    assert_eq!((row("test", 2), row("test", 5), row("test", 6)), ("success".into(), "1".into(), "built".into()));
    assert_eq!(row("lint", 6), "", "no env for venv = false");
    // The log links are relative and lead to the logs.
    for href in page.texts("//table[@id='sessions-table']//a/@href") {
        assert!(run.root.join(".forge/reports").join(&href).is_file(), "{href}");
    }
    // One bar per instance; the critical path is lint then test, which required it.
    assert_eq!(page.count("//section[@id='timeline']//*[@class='span']"), 3);
    assert_eq!(page.texts("//*[@class='span'][@data-critical='true']/@data-name"), ["lint", "test"]);
    assert_eq!(page.text("//*[@id='critical-path']"), "lint → test");
    assert_eq!(page.count("//*[@class='span'][@data-status='success']"), 3);
    // Tests of the one session that declared JUnit, with its slowest.
    assert_eq!(page.texts("//article[@class='session-tests']/@data-name"), ["test"]);
    assert_eq!(
        page.text("//article[@data-name='test']/p[@class='totals']"),
        "2 tests: 2 passed, 0 failed, 0 errors, 0 skipped"
    );
    assert_eq!(page.count("//article[@data-name='test']//table[@class='slowest']//tr"), 2);
    assert_eq!(page.count("//table[@class='failed-tests']"), 0);
    // Coverage: the total as the terminal printed it, the one file, no gate.
    let total = run.stdout.lines().find(|line| line.starts_with("TOTAL ")).expect("TOTAL printed");
    let percent = total.rsplit(' ').next().unwrap();
    assert_eq!(page.text("//*[@id='coverage-total']"), percent);
    assert_eq!(page.texts("//table[@id='coverage-table']/tbody/tr/td[1]"), ["src/calc/__init__.py"]);
    assert_eq!(page.count("//*[@id='gate']"), 0);
    assert_eq!(page.count("//section[@id='problems']"), 0);
    // One run recorded: one verdict square.
    assert_eq!(page.count("//*[@id='trend-verdicts']//rect[contains(@class, 'passed')]"), 1);

    // `forge report` writes the page of the merged directory and records no run.
    let merged = test.command().args(["report", ".forge/reports", "-o", "merged"]).output().unwrap();
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    let merged_page = Page { path: run.root.join("merged/report.html") };
    assert_eq!(merged_page.text("//header//*[contains(@class, 'verdict')]"), "passed");
    assert_eq!(merged_page.count("//table[@id='sessions-table']/tbody/tr"), 3);
    assert!(!run.root.join("merged/history.jsonl").exists());
}

#[test]
fn a_failing_run_shows_its_failures_first() {
    let extra = r#"
[sessions.broken]
venv = false
commands = [["forge-test-no-such-program"]]

[sessions.after]
venv = false
requires = ["broken"]
commands = [["true"]]
"#;
    let run = calc_project(extra).env("FAIL", "1").run();
    run.assert_code(1);
    let page = Page::of(&run.root);
    assert_eq!(page.text("//header//*[contains(@class, 'verdict')]"), "failed");
    // Failed and errored sessions, in plan order, before everything else.
    assert_eq!(page.texts("//section[@id='problems']/article/h3/span"), ["failed", "error"]);
    assert_eq!(page.count("//section[@id='problems']/following-sibling::section[@id='timeline']"), 1);
    let problem = "//article[@id='problem-test']";
    assert_eq!(page.text(&format!("{problem}//code[@class='rerun']")), "forge -s test --no-deps");
    assert!(page.text(&format!("{problem}/pre[@class='tail']")).contains("FAIL is set"));
    assert!(run.root.join(".forge/reports").join(page.text(&format!("{problem}//a/@href"))).is_file());
    assert!(page.text("//article[@id='problem-broken']/p[@class='message']").contains("forge-test-no-such-program"));
    // The failed test with its message and where it failed.
    let failed = "//article[@data-name='test']//table[@class='failed-tests']/tbody/tr";
    assert_eq!(page.count(failed), 1);
    assert_eq!(page.text(&format!("{failed}/td[1]")), "tests.test_calc.test_maybe");
    assert_eq!(page.text(&format!("{failed}/td[2]")), "tests/test_calc.py:11");
    assert!(page.text(&format!("{failed}/td[3]")).contains("FAIL is set"));
    // The skipped dependant has a row but no bar: it never started.
    assert_eq!(page.text("//tr[@data-name='after']/td[2]"), "skipped");
    assert_eq!(page.count("//*[@class='span'][@data-name='after']"), 0);
    assert_eq!(page.count("//*[@class='span'][@data-status='failed']"), 1);
}

#[test]
fn an_interrupted_run() {
    let test = Test::new()
        .sessions("[sessions.serve]\nvenv = false\ncommands = [\"sh -c 'echo $$ > pid; exec sleep 1000'\"]\n")
        .args(&["--grace", "5s"]);
    let mut forge = test.command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let pid: i32 = wait_for_file(&test.root().join("pid")).trim().parse().unwrap();
    let _guard = KillGroupOnDrop(pid);
    send_signal(forge.id(), libc::SIGINT);
    assert_eq!(wait_for_exit(&mut forge), Some(130));
    let page = Page::of(test.root());
    assert_eq!(page.text("//header//*[contains(@class, 'verdict')]"), "interrupted");
    assert_eq!(page.texts("//section[@id='problems']/article/h3/span"), ["interrupted"]);
    assert_eq!(page.text("//*[@class='span']/@data-status"), "interrupted");
}

#[test]
fn a_retried_run_without_coverage() {
    let sessions = r#"
[sessions.flaky]
venv = false
retries = 2
retry-delay = "10ms"
retry-backoff = 1.5
commands = [["sh", "-c", "if test -e marker; then exit 0; fi; touch marker; echo first; exit 1"]]
"#;
    let run = Test::new().sessions(sessions).run();
    run.assert_code(0);
    let page = Page::of(&run.root);
    assert_eq!(page.text("//header//*[contains(@class, 'verdict')]"), "passed");
    assert_eq!(page.text("//tr[@data-name='flaky']/td[2]"), "success");
    assert_eq!(page.text("//tr[@data-name='flaky']/td[5]"), "2", "two attempts");
    assert_eq!(page.count("//section[@id='coverage'] | //section[@id='tests'] | //section[@id='problems']"), 0);
}

/// 10,000 testcases (152 failing) and 1,000 covered files, written by a session: the script
/// `bench/html-report` times the page with.
const LARGE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/large/big.py"));

#[test]
fn a_large_run_stays_under_five_megabytes() {
    let sessions = r#"
[sessions.big]
venv = false
commands = [["python3", "big.py", "{reports}"]]
junit = ["{reports}/big.xml"]
coverage = ["{reports}/big-cov.xml"]
"#;
    let run = Test::new().sessions(sessions).file("big.py", LARGE).run();
    // The session succeeded; its failed testcases are the tool's to judge.
    run.assert_code(0);
    let page = Page::of(&run.root);
    let size = std::fs::metadata(&page.path).unwrap().len();
    assert!(size < 5 * 1024 * 1024, "report.html is {size} bytes");
    assert_eq!(
        page.text("//article[@data-name='big']/p[@class='totals']"),
        "10000 tests: 9848 passed, 152 failed, 0 errors, 0 skipped"
    );
    // The first failures are listed, the rest counted; the slowest ten; every file's coverage.
    assert_eq!(page.count("//article[@data-name='big']//table[@class='failed-tests']/tbody/tr"), 100);
    assert!(page.text("//article[@data-name='big']/p[@class='meta']").starts_with("and 52 more failed tests"));
    assert_eq!(page.count("//table[@class='slowest']//tr"), 10);
    assert_eq!(page.count("//table[@id='coverage-table']/tbody/tr"), 1000);
    let first = page.text("//table[@id='coverage-table']/tbody/tr[1]/td[3]");
    assert_eq!(first, "0.0%", "lowest first");
}

#[test]
fn a_cached_run_marks_the_hit_and_keeps_its_restored_tests() {
    let sessions = r#"
[sessions.unit]
venv = false
inputs = ["src/*.txt"]
junit = ["{reports}/unit.xml"]
commands = [["sh", "-c", "printf '<testsuite name=\"s\" tests=\"2\" failures=\"0\"><testcase classname=\"t\" name=\"a\"/><testcase classname=\"t\" name=\"b\"/></testsuite>' > .forge/reports/unit.xml"]]

[sessions.always]
venv = false
commands = [["true"]]
"#;
    let mut test = Test::new().sessions(sessions).file("src/input.txt", "one\n");
    test.run().assert_code(0);
    let first = Page::of(test.root());
    assert_eq!(first.text("//tr[@data-name='unit']/td[2]"), "success");
    assert_eq!(first.count("//rect[contains(concat(' ', @class, ' '), ' cached ')]"), 0);

    let run = test.rerun(&[]);
    run.assert_code(0);
    assert_eq!(run.status_of("unit"), "cached");
    let page = Page::of(&run.root);
    assert_eq!(page.text("//header//*[contains(@class, 'verdict')]"), "passed");
    assert_eq!(page.text("//tr[@data-name='unit']/td[2]"), "cached (local)");
    assert_eq!(page.text("//tr[@data-name='always']/td[2]"), "success");
    // The hit's bar is marked, the session that ran is not.
    assert_eq!(page.text("//*[@class='span'][@data-status='cached']/@data-name"), "unit");
    assert_eq!(page.count("//g[@data-name='unit']/rect[contains(concat(' ', @class, ' '), ' cached ')]"), 1);
    assert_eq!(page.count("//g[@data-name='always']/rect[contains(concat(' ', @class, ' '), ' cached ')]"), 0);
    // The restored JUnit file still counts: the tests section is a full run's.
    assert_eq!(
        page.text("//article[@data-name='unit']/p[@class='totals']"),
        "2 tests: 2 passed, 0 failed, 0 errors, 0 skipped"
    );
}
