//! CI output beside the terminal display: GitHub Actions workflow commands and job summary
//! (`github.rs`, `job_summary.rs`) or GitLab CI collapsible sections (`gitlab.rs`); what they share
//! of a session in `block.rs`.

mod block;
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
