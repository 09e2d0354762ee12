//! The one mapping from the runner's outcome to the report model: everything `report/` knows
//! about `runner` is in this file.

use std::path::Path;

use super::model::{AttemptReport, EnvState, FORMAT_VERSION, RunReport, SessionReport, Status};
use super::{Merged, Reports, ReportsLock, RerunCommand, WriteOptions, sanitize, write_reports_holding};
use crate::runner::{self, RunOutcome, SessionOutcome, SessionStatus};

/// What the report writer needs from a finished run.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// Project root: coverage paths are made relative to it.
    pub root: &'a Path,
    /// Where reports go.
    pub reports_dir: &'a Path,
    /// `[coverage] fail-under` (the profile's, with `--profile`), in percent of lines.
    pub fail_under: Option<f64>,
    /// The `--profile` applied, named in run.json, junit.xml and report.html.
    pub profile: Option<&'a str>,
    /// How report.html tells to re-run a failed session.
    pub rerun: &'a RerunCommand,
    /// The run.
    pub run: &'a RunOutcome,
}

/// Writes every report of a run (run.json, junit.xml, coverage.xml, report.html, a line of
/// history.jsonl) into the reports directory,
/// whatever the sessions' statuses (failed and interrupted runs included), and returns what they
/// say. A report that cannot be read or written is in [`Merged::problems`]; the others are still
/// written. `lock`: the reports directory's lock, when the caller already holds it.
pub fn write_run(input: &ReportInput<'_>, lock: Option<ReportsLock>) -> Merged {
    let mut run = from_outcome(input.run);
    run.profile = input.profile.map(str::to_owned);
    let reports = Reports::of_run(run, input.root);
    let options = WriteOptions { fail_under: input.fail_under, rerun: input.rerun.clone(), record_history: true };
    write_reports_holding(input.reports_dir, reports, &options, lock)
}

/// The report of a finished (or interrupted) run. Output tails are sanitized here, once, and kept
/// per attempt: the session's final tail becomes its last attempt's (it is that attempt's tail
/// plus anything forge noted after it ended, e.g. a retry cut short), or its setup output when no
/// attempt ran (e.g. a failed env build).
pub fn from_outcome(run: &RunOutcome) -> RunReport {
    RunReport {
        format_version: FORMAT_VERSION,
        forge_version: env!("CARGO_PKG_VERSION").to_owned(),
        start: run.started,
        end: run.finished,
        duration: run.duration,
        interrupted_by: run.signal.map(runner::signal_name),
        timed_out: run.timed_out,
        profile: None,
        merged_from: Vec::new(),
        remote_cache: run.remote_cache.clone(),
        sessions: run.sessions.iter().map(session).collect(),
    }
}

fn session(outcome: &SessionOutcome) -> SessionReport {
    let last = outcome.attempts.len().saturating_sub(1);
    SessionReport {
        name: outcome.name.clone(),
        session: outcome.session.clone(),
        python: outcome.python.clone(),
        status: status(outcome.status),
        start_offset: outcome.start,
        duration: outcome.duration,
        requires: outcome.requires.clone(),
        exit_code: outcome.exit_code,
        attempts: outcome
            .attempts
            .iter()
            .enumerate()
            .map(|(index, attempt)| AttemptReport {
                number: attempt.number,
                status: status(attempt.status),
                duration: attempt.duration,
                exit_code: attempt.exit_code,
                message: attempt.message.clone(),
                output_tail: sanitize::output(if index == last { &outcome.output_tail } else { &attempt.output_tail }),
            })
            .collect(),
        env: outcome.env.map(|env| match env {
            runner::EnvState::Reused => EnvState::Reused,
            runner::EnvState::Built => EnvState::Built,
        }),
        log: outcome.log.clone(),
        message: outcome.message.clone(),
        leaked: outcome.leaked.clone(),
        cache: outcome.cache_source.map(|source| source.as_str().to_owned()),
        setup_output: if outcome.attempts.is_empty() { sanitize::output(&outcome.output_tail) } else { String::new() },
        junit: outcome.junit.clone(),
        coverage: outcome.coverage.clone(),
    }
}

fn status(status: SessionStatus) -> Status {
    match status {
        SessionStatus::Success => Status::Success,
        SessionStatus::Failed => Status::Failed,
        SessionStatus::Error => Status::Error,
        SessionStatus::Skipped => Status::Skipped,
        SessionStatus::Interrupted => Status::Interrupted,
        SessionStatus::Cached => Status::Cached,
        SessionStatus::Unchanged => Status::Unchanged,
    }
}
