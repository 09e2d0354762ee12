use std::path::Path;
use std::time::{Duration, SystemTime};

use super::super::{PageInput, RerunCommand};
use super::*;
use crate::report::model::{AttemptReport, FORMAT_VERSION, RunReport, SessionReport, Status};
use crate::report::{CoverageTotal, Merged};

fn session(name: &str, status: Status, start: Option<u64>, seconds: u64, requires: &[&str]) -> SessionReport {
    SessionReport {
        name: name.into(),
        session: name.into(),
        python: None,
        status,
        start_offset: start.map(Duration::from_secs),
        duration: Duration::from_secs(seconds),
        requires: requires.iter().map(|name| (*name).to_owned()).collect(),
        exit_code: None,
        attempts: start
            .map(|_| AttemptReport {
                number: 1,
                status,
                duration: Duration::from_secs(seconds),
                exit_code: None,
                message: None,
                output_tail: format!("output of {name}\n"),
            })
            .into_iter()
            .collect(),
        env: None,
        log: Some(format!("/p/.forge/reports/logs/{name}.log").into()),
        message: None,
        leaked: Vec::new(),
        cache: None,
        setup_output: String::new(),
        junit: Vec::new(),
        coverage: Vec::new(),
    }
}

fn run_of(sessions: Vec<SessionReport>) -> RunReport {
    RunReport {
        format_version: FORMAT_VERSION,
        forge_version: "9.9.9".into(),
        start: SystemTime::UNIX_EPOCH,
        end: SystemTime::UNIX_EPOCH + Duration::from_secs(10),
        duration: Duration::from_secs(10),
        interrupted_by: None,
        timed_out: false,
        profile: Some("staging".into()),
        merged_from: Vec::new(),
        remote_cache: None,
        sessions,
    }
}

fn page(run: &RunReport, merged: &Merged, files: &[(String, u64, u64)], fail_under: Option<f64>) -> Page {
    let rerun = RerunCommand { prefix: "forge -f ci.toml".into(), suffix: " -- -k slow".into() };
    build(&PageInput {
        run,
        merged,
        junit: None,
        coverage_files: files,
        fail_under,
        history: &[],
        reports_dir: Path::new("/p/.forge/reports"),
        rerun: &rerun,
        warnings: &[],
    })
}

#[test]
fn problems_come_first_in_plan_order_with_their_rerun_command() {
    let run = run_of(vec![
        session("lint", Status::Success, Some(0), 1, &[]),
        session("test", Status::Failed, Some(1), 3, &["lint"]),
        session("docs", Status::Skipped, None, 0, &["test"]),
        session("build", Status::Error, Some(0), 2, &[]),
        session("serve", Status::Interrupted, Some(2), 8, &[]),
    ]);
    let page = page(&run, &Merged::default(), &[], None);
    assert_eq!(page.verdict, "failed");
    let problems: Vec<(&str, &str)> =
        page.problems.iter().map(|problem| (problem.name.as_str(), problem.status.as_str())).collect();
    assert_eq!(problems, [("test", "failed"), ("build", "error"), ("serve", "interrupted")]);
    assert_eq!(page.problems[0].rerun, "forge -f ci.toml -s test --no-deps -- -k slow");
    assert_eq!(page.problems[0].tail, "output of test");
    assert_eq!(page.problems[0].log.as_deref(), Some("logs/test.log"));
    assert_eq!(page.profile.as_deref(), Some("staging"));
    assert_eq!(page.headline, "1 success · 1 failed · 1 skipped · 1 error · 1 interrupted");
    // Every instance is a row, in plan order.
    let names: Vec<&str> = page.instances.iter().map(|row| row.name.as_str()).collect();
    assert_eq!(names, ["lint", "test", "docs", "build", "serve"]);
}

#[test]
fn the_timeline_has_a_bar_per_started_instance_and_marks_the_critical_path() {
    let run = run_of(vec![
        session("lint", Status::Success, Some(0), 1, &[]),
        session("build", Status::Success, Some(0), 2, &[]),
        session("test", Status::Success, Some(2), 8, &["build", "lint"]),
        session("docs", Status::Skipped, None, 0, &[]),
    ]);
    let timeline = page(&run, &Merged::default(), &[], None).timeline.expect("instances started");
    let bars: Vec<(&str, &str, bool)> =
        timeline.bars.iter().map(|bar| (bar.name.as_str(), bar.y.as_str(), bar.critical)).collect();
    assert_eq!(bars, [("lint", "0.0", false), ("build", "26.0", true), ("test", "0.0", true)]);
    assert_eq!(timeline.lanes, 2);
    assert_eq!(timeline.critical_path, "build → test");
    assert_eq!((timeline.bars[2].x.as_str(), timeline.bars[2].width.as_str()), ("200.0", "800.0"));
    assert!(
        page(&run_of(vec![session("docs", Status::Skipped, None, 0, &[])]), &Merged::default(), &[], None)
            .timeline
            .is_none()
    );
}

#[test]
fn coverage_lists_the_lowest_first_and_the_gate() {
    let run = run_of(vec![session("test", Status::Success, Some(0), 1, &[])]);
    let merged = Merged {
        coverage: Some(CoverageTotal { covered: 15, valid: 30 }),
        gate_failure: Some("line coverage 50.00% is below fail-under 80%".into()),
        ..Merged::default()
    };
    let files = [
        ("b.py".to_owned(), 5, 10),
        ("a.py".to_owned(), 10, 10),
        ("c.py".to_owned(), 0, 10),
        ("a0.py".to_owned(), 5, 10),
    ];
    let page = page(&run, &merged, &files, Some(80.0));
    assert_eq!(page.verdict, "failed", "the gate fails the run");
    let coverage = page.coverage.expect("measured");
    let rows: Vec<(&str, &str)> =
        coverage.files.iter().map(|file| (file.path.as_str(), file.percent.as_str())).collect();
    assert_eq!(rows, [("c.py", "0.0%"), ("a0.py", "50.0%"), ("b.py", "50.0%"), ("a.py", "100.0%")]);
    assert_eq!((coverage.total.as_str(), coverage.gate.as_deref()), ("50.00%", Some("fail-under 80%: failed")));
    assert!(coverage.gate_failed);
}

#[test]
fn a_thousand_files_are_listed_and_the_rest_counted() {
    let run = run_of(vec![session("test", Status::Success, Some(0), 1, &[])]);
    let merged = Merged { coverage: Some(CoverageTotal { covered: 1, valid: 2 }), ..Merged::default() };
    let files: Vec<(String, u64, u64)> = (0..1500).map(|index| (format!("m{index}.py"), index % 10, 10)).collect();
    let coverage = page(&run, &merged, &files, None).coverage.expect("measured");
    assert_eq!((coverage.files.len(), coverage.more), (COVERAGE_ROWS, 500));
    assert_eq!(coverage.files[0].percent, "0.0%");
}

#[test]
fn an_interrupted_run_says_so_first() {
    let mut run = run_of(vec![session("serve", Status::Interrupted, Some(0), 1, &[])]);
    run.interrupted_by = Some("SIGINT".into());
    assert_eq!(page(&run, &Merged::default(), &[], None).verdict, "interrupted");
    run.interrupted_by = None;
    run.timed_out = true;
    assert_eq!(page(&run, &Merged::default(), &[], None).verdict_class, "timed-out");
}
