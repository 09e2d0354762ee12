//! `forge report DIR... -o OUT`: merges the report directories of several runs (CI jobs) into
//! one `junit.xml`, `coverage.xml` and `run.json`, with the same rules as a single run.

use std::path::{Path, PathBuf};

use super::coverage::{self, Coverage};
use super::{
    COVERAGE_FILE, JUNIT_FILE, RUN_FILE, ReportError, ReportSummary, TestCounts, gate, junit, write_atomically,
};
use crate::cli::ReportArgs;
use crate::error::{Error, ExitStatus};

/// `forge report`: reads `junit.xml`, `coverage.xml` and `run.json` from each input directory,
/// writes the merged files into `--output`, prints the JUnit counts and the coverage `TOTAL`
/// line, and applies `--fail-under`.
///
/// Exit status: 0, or 1 when the gate fails or a report cannot be read or written.
///
/// # Errors
/// [`Error::Usage`] (exit 2) when an input is not a directory or holds no forge report.
pub fn merge_command(args: &ReportArgs) -> Result<ExitStatus, Error> {
    let cwd = std::env::current_dir()
        .map_err(|error| Error::Internal(anyhow::anyhow!("cannot read the current directory: {error}")))?;
    check_inputs(&args.inputs)?;
    if let Some(percent) = args.fail_under.filter(|percent| !(0.0..=100.0).contains(percent)) {
        return Err(usage(format!("--fail-under {percent} is not a percentage"), "pass a number from 0 to 100"));
    }
    let root = coverage::normalize(&cwd.join(args.root.as_deref().unwrap_or(Path::new("."))));
    if !root.is_dir() {
        return Err(usage(
            format!("--root {} is not a directory", root.display()),
            "pass the project's root directory (the coverage paths are relative to it)",
        ));
    }
    let output = cwd.join(&args.output);
    let mut summary = ReportSummary::default();

    let junit_inputs = existing(&args.inputs, JUNIT_FILE);
    if !junit_inputs.is_empty() {
        let (report, problems) = junit::merge_files(&junit_inputs);
        summary.problems.extend(problems);
        summary.tests = Some(TestCounts {
            tests: report.tests,
            failures: report.failures,
            errors: report.errors,
            skipped: report.skipped,
        });
        if let Err(error) = junit::write_junit(&report, &output.join(JUNIT_FILE)) {
            summary.problems.push(error);
        }
    }

    let coverage_inputs = existing(&args.inputs, COVERAGE_FILE);
    if let Some(coverage) = merge_coverage(&coverage_inputs, &root, &mut summary.problems) {
        summary.coverage =
            Some(super::write_coverage(&coverage, &root, &output.join(COVERAGE_FILE), &mut summary.problems));
        summary.gate_failure = gate(summary.coverage, args.fail_under);
    } else if args.fail_under.is_some() && coverage_inputs.is_empty() {
        summary.problems.push(ReportError::Message {
            message: "--fail-under is set but no input directory holds a coverage.xml".into(),
            hint: Some("pass the report directories of the runs that measured coverage".into()),
        });
    }

    let runs = existing(&args.inputs, RUN_FILE);
    if !runs.is_empty() {
        match merged_run_json(&runs, &args.inputs) {
            Ok(bytes) => {
                if let Err(error) = write_atomically(&output.join(RUN_FILE), &bytes) {
                    summary.problems.push(error);
                }
            }
            Err(error) => summary.problems.push(error),
        }
    }

    crate::reporter::print_reports(&summary);
    Ok(if summary.problems.is_empty() && summary.gate_failure.is_none() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn usage(message: String, hint: &str) -> Error {
    Error::Usage { message, hint: Some(hint.to_owned()) }
}

fn check_inputs(inputs: &[PathBuf]) -> Result<(), Error> {
    const HINT: &str =
        "pass the reports directories that earlier forge runs wrote (--reports-dir, default .forge/reports)";
    for input in inputs {
        if !input.is_dir() {
            let what = if input.exists() { "is not a directory" } else { "does not exist" };
            return Err(usage(format!("report directory {} {what}", input.display()), HINT));
        }
        if [JUNIT_FILE, COVERAGE_FILE, RUN_FILE].iter().all(|name| !input.join(name).is_file()) {
            return Err(usage(
                format!("{} holds no forge report (junit.xml, coverage.xml or run.json)", input.display()),
                HINT,
            ));
        }
    }
    Ok(())
}

fn existing(inputs: &[PathBuf], name: &str) -> Vec<PathBuf> {
    inputs.iter().map(|input| input.join(name)).filter(|path| path.is_file()).collect()
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

/// One run.json for several: sessions concatenated in input order, the earliest start, the
/// latest end, `interrupted_by` of the first interrupted run, `timed_out` if any timed out, and
/// `merged_from` listing the input directories.
fn merged_run_json(paths: &[PathBuf], inputs: &[PathBuf]) -> Result<Vec<u8>, ReportError> {
    let mut sessions = Vec::new();
    let (mut start, mut end): (Option<String>, Option<String>) = (None, None);
    let mut interrupted_by = serde_json::Value::Null;
    let mut timed_out = false;
    for path in paths {
        let read = |message: String| ReportError::Read { path: path.clone(), message };
        let text = std::fs::read(path).map_err(|error| read(error.to_string()))?;
        let value: serde_json::Value = serde_json::from_slice(&text).map_err(|error| read(error.to_string()))?;
        if let Some(list) = value.get("sessions").and_then(serde_json::Value::as_array) {
            sessions.extend(list.iter().cloned());
        }
        if let Some(text) = value.get("start").and_then(serde_json::Value::as_str)
            && start.as_deref().is_none_or(|current| text < current)
        {
            start = Some(text.to_owned());
        }
        if let Some(text) = value.get("end").and_then(serde_json::Value::as_str)
            && end.as_deref().is_none_or(|current| text > current)
        {
            end = Some(text.to_owned());
        }
        if interrupted_by.is_null() {
            interrupted_by = value.get("interrupted_by").cloned().unwrap_or_default();
        }
        timed_out |= value.get("timed_out").and_then(serde_json::Value::as_bool).unwrap_or(false);
    }
    let seconds = |text: &Option<String>| text.as_deref().and_then(|text| humantime::parse_rfc3339_weak(text).ok());
    let duration = match (seconds(&start), seconds(&end)) {
        (Some(start), Some(end)) => end.duration_since(start).unwrap_or_default().as_secs_f64(),
        _ => 0.0,
    };
    let document = serde_json::json!({
        "forge_version": env!("CARGO_PKG_VERSION"),
        "start": start,
        "end": end,
        "duration": duration,
        "interrupted_by": interrupted_by,
        "timed_out": timed_out,
        "merged_from": inputs.iter().map(|input| input.display().to_string()).collect::<Vec<_>>(),
        "sessions": sessions,
    });
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    bytes.push(b'\n');
    Ok(bytes)
}
