//! CI output beside the terminal display: GitHub Actions workflow commands and job summary
//! (`github.rs`, `job_summary.rs`) or GitLab CI collapsible sections (`gitlab.rs`).

mod github;
mod gitlab;
mod job_summary;

use crate::report::Merged;
use crate::runner::{Event, RunOutcome};
use crate::settings::Ci;

/// The output for the CI a run is in.
pub enum CiOutput {
    /// See `github.rs`.
    GitHub(github::GitHub),
    /// See `gitlab.rs`.
    GitLab,
}

impl CiOutput {
    /// The output for `ci`; `None` for plain output.
    pub fn new(ci: Ci) -> Option<Self> {
        match ci {
            Ci::None => None,
            Ci::GitHub => Some(Self::GitHub(github::GitHub)),
            Ci::GitLab => Some(Self::GitLab),
        }
    }

    /// Each finished session's output block, in a group or section.
    pub fn handle(&mut self, event: &Event) {
        if let Event::SessionFinished { outcome, .. } = event {
            match self {
                Self::GitHub(github) => github.session_finished(outcome),
                Self::GitLab => gitlab::session_finished(outcome),
            }
        }
    }

    /// After the summary: GitHub's annotations and job summary.
    pub fn finish(&self, outcome: &RunOutcome, reports: &Merged) {
        if let Self::GitHub(github) = self {
            github.finish(outcome, reports);
            job_summary::append(outcome, reports);
        }
    }
}

/// A finished session's block as the display reads it (its log, bounded), `None` without a log.
fn block_of(outcome: &crate::runner::SessionOutcome) -> Option<String> {
    let log = outcome.log.as_ref()?;
    let mut block = String::from_utf8_lossy(&super::display::read_block(log)).into_owned();
    if !block.is_empty() && !block.ends_with('\n') {
        block.push('\n');
    }
    Some(block)
}

/// `NAME (PASS, 1.234s)`: a group's or section's title.
fn title(outcome: &crate::runner::SessionOutcome) -> String {
    let (label, _) = super::style::status_label(outcome);
    format!("{} ({label}, {:.3}s)", outcome.name, outcome.duration.as_secs_f64())
}

/// Whether a session's block stays open: it failed, errored or was interrupted.
fn stays_open(outcome: &crate::runner::SessionOutcome) -> bool {
    outcome.status.is_failure() || outcome.status == crate::runner::SessionStatus::Interrupted
}
