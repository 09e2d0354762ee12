//! `forge report DIR...`: the report directories of several runs (CI jobs) checked, read and
//! merged into one set of reports, with the same rules as a single run.

use std::path::{Path, PathBuf};

use super::coverage::{self, Coverage};
use super::model::{FORMAT_VERSION, RunReport};
use super::{COVERAGE_FILE, CoverageReport, InputError, JUNIT_FILE, RUN_FILE, ReportError, Reports, junit, read_input};

/// Checks that every input is a directory holding at least one forge report, and that no
/// directory is given twice (compared by canonical path: `a`, `./a` and a symlink to it are one).
///
/// # Errors
/// The first [`InputError`] met, in input order.
pub fn check_inputs(inputs: &[PathBuf]) -> Result<(), InputError> {
    let mut seen: Vec<(PathBuf, &PathBuf)> = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Err(_) => return Err(InputError::Missing { dir: input.clone() }),
            Ok(metadata) if !metadata.is_dir() => return Err(InputError::NotADirectory { dir: input.clone() }),
            Ok(_) => {}
        }
        if ![JUNIT_FILE, COVERAGE_FILE, RUN_FILE].iter().any(|name| present(&input.join(name))) {
            return Err(InputError::NoReport { dir: input.clone() });
        }
        let canonical = std::fs::canonicalize(input).unwrap_or_else(|_| input.clone());
        if let Some((_, first)) = seen.iter().find(|(seen, _)| *seen == canonical) {
            return Err(InputError::GivenTwice { first: (*first).clone(), second: input.clone(), canonical });
        }
        seen.push((canonical, input));
    }
    Ok(())
}

/// Merges the checked `inputs`: their junit.xml files (forge's suites into one), their
/// coverage.xml files (paths taken as relative to `root`) and their run.json files (typed).
/// `gate` says a `--fail-under` was given: then no coverage at all is a problem too.
pub fn merge_dirs(inputs: &[PathBuf], root: &Path, gate: bool) -> Reports {
    let mut reports = Reports::default();
    let junit_inputs = existing(inputs, JUNIT_FILE);
    if !junit_inputs.is_empty() {
        let (report, problems) = junit::merge_files(&junit_inputs);
        reports.problems.extend(problems);
        reports.junit = Some(report);
    }
    let coverage_inputs = existing(inputs, COVERAGE_FILE);
    if let Some(data) = merge_coverage(&coverage_inputs, root, &mut reports.problems) {
        reports.coverage = Some(CoverageReport { data, root: root.to_path_buf() });
    } else if gate && coverage_inputs.is_empty() {
        reports.problems.push(ReportError::Message {
            message: "--fail-under is set but no input directory holds a coverage.xml".into(),
            hint: Some("pass the report directories of the runs that measured coverage".into()),
        });
    }
    let runs = existing(inputs, RUN_FILE);
    if !runs.is_empty() {
        match merge_runs(&runs, inputs) {
            Ok(run) => reports.run = Some(run),
            Err(problem) => reports.problems.push(problem),
        }
    }
    reports
}

/// Whether something (of any type: a FIFO counts, and is refused when read) is at `path`.
fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn existing(inputs: &[PathBuf], name: &str) -> Vec<PathBuf> {
    inputs.iter().map(|input| input.join(name)).filter(|path| present(path)).collect()
}

/// Merges forge coverage.xml files: their paths are relative to their `<source>`, which forge
/// set to the project root of the machine that wrote them, so they are taken as root-relative.
fn merge_coverage(paths: &[PathBuf], root: &Path, problems: &mut Vec<ReportError>) -> Option<Coverage> {
    let mut merger = coverage::Merger::new(root, true);
    for path in paths {
        match merger.add_file(path) {
            Ok(true) => {}
            Ok(false) => problems.push(ReportError::Read { path: path.clone(), message: "it no longer exists".into() }),
            Err(problem) => problems.push(problem),
        }
    }
    merger.finish(problems)
}

/// One run for several: sessions concatenated in input order, the earliest start, the latest
/// end, the duration between them (a single run's own), `interrupted_by` of the first interrupted run, `timed_out` if any timed out, and
/// `merged_from` listing the input directories.
///
/// # Errors
/// The first run.json that cannot be read as one: nothing is merged then, since a run.json of
/// some of the runs would not describe the merged reports.
fn merge_runs(paths: &[PathBuf], inputs: &[PathBuf]) -> Result<RunReport, ReportError> {
    let mut runs = Vec::new();
    for path in paths {
        let bytes = read_input(path)?
            .ok_or_else(|| ReportError::Read { path: path.clone(), message: "it no longer exists".into() })?;
        runs.push(RunReport::from_json(&bytes).map_err(|message| ReportError::Read { path: path.clone(), message })?);
    }
    let start = runs.iter().map(|run| run.start).min().unwrap_or(std::time::SystemTime::UNIX_EPOCH);
    let end = runs.iter().map(|run| run.end).max().unwrap_or(start);
    let mut profiles: Vec<String> = Vec::new();
    for profile in runs.iter().filter_map(|run| run.profile.clone()) {
        if !profiles.contains(&profile) {
            profiles.push(profile);
        }
    }
    // Each run's start offsets become offsets from the earliest run's start, for one timeline.
    for run in &mut runs {
        let shift = run.start.duration_since(start).unwrap_or_default();
        for session in &mut run.sessions {
            session.start_offset = session.start_offset.map(|offset| offset + shift);
        }
    }
    Ok(RunReport {
        format_version: FORMAT_VERSION,
        forge_version: env!("CARGO_PKG_VERSION").to_owned(),
        start,
        end,
        // One run keeps its own duration (not recomputed from the millisecond timestamps).
        duration: match runs.as_slice() {
            [run] => run.duration,
            _ => end.duration_since(start).unwrap_or_default(),
        },
        interrupted_by: runs.iter().find_map(|run| run.interrupted_by.clone()),
        timed_out: runs.iter().any(|run| run.timed_out),
        profile: (!profiles.is_empty()).then(|| profiles.join(", ")),
        merged_from: inputs.iter().map(|input| input.display().to_string()).collect(),
        remote_cache: None,
        sessions: runs.into_iter().flat_map(|run| run.sessions).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_directory_twice_is_refused_however_it_is_spelled() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        std::fs::create_dir(&a).expect("mkdir");
        std::fs::write(a.join(RUN_FILE), "{}").expect("write");
        std::os::unix::fs::symlink(&a, dir.path().join("link")).expect("symlink");
        assert!(check_inputs(std::slice::from_ref(&a)).is_ok());
        for second in [a.join("."), dir.path().join("link"), a.clone()] {
            let error = check_inputs(&[a.clone(), second.clone()]).expect_err("twice");
            assert!(matches!(&error, InputError::GivenTwice { second: given, .. } if *given == second), "{error}");
        }
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        assert!(matches!(check_inputs(&[a.clone(), empty]), Err(InputError::NoReport { .. })));
        let file = a.join(RUN_FILE);
        assert!(matches!(check_inputs(&[file]), Err(InputError::NotADirectory { .. })));
        assert!(matches!(check_inputs(&[dir.path().join("nowhere")]), Err(InputError::Missing { .. })));
    }

    #[test]
    fn runs_merge_over_their_span_and_one_run_keeps_its_duration() {
        use std::time::{Duration, SystemTime};
        let dir = tempfile::tempdir().expect("tempdir");
        let at = |seconds| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
        let run = |start, end, duration, signal: Option<&str>| RunReport {
            format_version: FORMAT_VERSION,
            forge_version: "0.0.1".into(),
            start: at(start),
            end: at(end),
            duration: Duration::from_secs(duration),
            interrupted_by: signal.map(str::to_owned),
            timed_out: signal.is_none(),
            profile: None,
            merged_from: Vec::new(),
            remote_cache: None,
            sessions: Vec::new(),
        };
        let write = |name: &str, run: RunReport| {
            let path = dir.path().join(name);
            std::fs::write(&path, run.to_json()).expect("write");
            path
        };
        let one = write("one.json", run(100, 110, 7, None));
        let two = write("two.json", run(90, 105, 15, Some("SIGTERM")));
        let inputs = [PathBuf::from("a"), PathBuf::from("b")];
        let single = merge_runs(std::slice::from_ref(&one), &inputs[..1]).expect("merges");
        assert_eq!((single.start, single.end, single.duration), (at(100), at(110), Duration::from_secs(7)));
        let both = merge_runs(&[one, two], &inputs).expect("merges");
        assert_eq!((both.start, both.end, both.duration), (at(90), at(110), Duration::from_secs(20)));
        assert_eq!((both.interrupted_by.as_deref(), both.timed_out), (Some("SIGTERM"), true));
        assert_eq!(both.merged_from, ["a", "b"]);
        assert_eq!(both.forge_version, env!("CARGO_PKG_VERSION"));
    }

    /// A reports directory as one CI job uploads it: run.json with one session started
    /// `offset_ms` after the run, the junit.xml given, and a coverage.xml of `m.py` with
    /// `lines` (number, hits).
    fn job(dir: &Path, start: &str, session: &str, offset_ms: u64, junit: bool, lines: &[(u32, u32)]) {
        std::fs::create_dir_all(dir).expect("mkdir");
        let run = serde_json::json!({
            "format_version": 1, "forge_version": "0.0.1", "start": start, "end": start, "duration": 1.0,
            "interrupted_by": null, "timed_out": false, "profile": if session == "lint" { Some("ci") } else { None },
            "sessions": [{
                "name": session, "session": session, "python": null, "status": "success",
                "start_offset": offset_ms as f64 / 1000.0, "duration": 0.5, "requires": [], "exit_code": 0,
                "attempts": [], "env": null, "log": null, "message": null
            }]
        });
        std::fs::write(dir.join(RUN_FILE), run.to_string()).expect("write");
        if junit {
            let xml = format!(
                "<testsuites><testsuite name=\"t\" tests=\"1\"><testcase name=\"{session}\" classname=\"c\"/></testsuite></testsuites>"
            );
            std::fs::write(dir.join(JUNIT_FILE), xml).expect("write");
        }
        if !lines.is_empty() {
            let lines: String =
                lines.iter().map(|(number, hits)| format!("<line number=\"{number}\" hits=\"{hits}\"/>")).collect();
            let xml = format!(
                "<?xml version=\"1.0\" ?><coverage><sources><source>/elsewhere</source></sources><packages>\
                 <package name=\"p\"><classes><class name=\"m.py\" filename=\"m.py\"><lines>{lines}</lines>\
                 </class></classes></package></packages></coverage>"
            );
            std::fs::write(dir.join(COVERAGE_FILE), xml).expect("write");
        }
    }

    #[test]
    fn directories_merge_their_runs_tests_and_coverage_on_one_timeline() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        job(&a, "2026-01-01T00:00:00.000Z", "lint", 100, true, &[(1, 1), (2, 0)]);
        job(&b, "2026-01-01T00:00:10.000Z", "test", 100, false, &[(2, 3), (3, 0)]);
        let reports = merge_dirs(&[a.clone(), b.clone()], dir.path(), true);
        assert!(reports.problems.is_empty(), "{:?}", reports.problems);
        let run = reports.run.expect("run.json merged");
        let names: Vec<&str> = run.sessions.iter().map(|session| session.name.as_str()).collect();
        assert_eq!(names, ["lint", "test"]);
        // b started 10 s after a: its session's offset moves onto a's timeline.
        let offsets: Vec<_> = run.sessions.iter().map(|session| session.start_offset).collect();
        assert_eq!(
            offsets,
            [Some(std::time::Duration::from_millis(100)), Some(std::time::Duration::from_millis(10_100))]
        );
        assert_eq!(run.profile.as_deref(), Some("ci"));
        assert!(reports.junit.is_some(), "the one junit.xml is merged");
        // Lines 1 and 2 hit (2 in b), 3 not: 2 of 3.
        assert_eq!(reports.coverage.expect("coverage merged").data.line_counts(), (2, 3));
    }

    #[test]
    fn no_coverage_is_a_problem_only_with_a_gate_and_no_profile_is_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        job(&a, "2026-01-01T00:00:00.000Z", "test", 0, false, &[]);
        let reports = merge_dirs(std::slice::from_ref(&a), dir.path(), false);
        assert!(reports.problems.is_empty(), "{:?}", reports.problems);
        assert!(reports.junit.is_none() && reports.coverage.is_none());
        assert_eq!(reports.run.expect("run").profile, None);
        let gated = merge_dirs(std::slice::from_ref(&a), dir.path(), true);
        assert_eq!(gated.problems.len(), 1, "{:?}", gated.problems);
    }
}
