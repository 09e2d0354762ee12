//! `forge report DIR... -o OUT`: checks the arguments, merges the directories and writes the
//! merged reports with the run's own writer (`report::write_reports`), then prints what they say.

use std::path::Path;

use anyhow::Context as _;

use crate::cli::ReportArgs;
use crate::error::{Error, ExitStatus};
use crate::{report, reporter};

/// Runs `forge report`. Exit status: 0, or 1 when the gate fails or a report cannot be read or
/// written ([`ExitStatus::of_reports`]).
///
/// # Errors
/// Usage errors (exit 2): an input is not a report directory or is given twice, `--fail-under`
/// is not a percentage, `--root` is not a directory.
pub fn run(args: &ReportArgs) -> Result<ExitStatus, Error> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    report::check_inputs(&args.inputs)?;
    if let Some(percent) = args.fail_under.filter(|percent| !(0.0..=100.0).contains(percent)) {
        return Err(usage(format!("--fail-under {percent} is not a percentage"), "pass a number from 0 to 100"));
    }
    let root = report::coverage::normalize(&cwd.join(args.root.as_deref().unwrap_or(Path::new("."))));
    if !root.is_dir() {
        return Err(usage(
            format!("--root {} is not a directory", root.display()),
            "pass the project's root directory (the coverage paths are relative to it)",
        ));
    }
    let reports = report::merge_dirs(&args.inputs, &root, args.fail_under.is_some());
    let options = report::WriteOptions { fail_under: args.fail_under, ..report::WriteOptions::default() };
    let merged = report::write_reports(&cwd.join(&args.output), reports, &options);
    reporter::print_junit_counts(&merged);
    reporter::print_reports(&merged);
    Ok(ExitStatus::of_reports(&merged))
}

fn usage(message: String, hint: &str) -> Error {
    Error::Usage { message, hint: Some(hint.to_owned()) }
}
