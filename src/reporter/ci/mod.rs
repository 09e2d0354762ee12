//! CI output beside the terminal display: GitHub Actions workflow commands and job summary
//! (`github.rs`, `job_summary.rs`) or GitLab CI collapsible sections (`gitlab.rs`); what they share
//! of a session in `block.rs`.

mod block;
mod github;
mod gitlab;
mod job_summary;

use crate::report::Merged;
use crate::runner::{Event, RunOutcome};
use crate::settings::{Ci, Verbosity};

/// The output for the CI a run is in.
pub struct CiOutput {
    kind: Kind,
    /// `-q`: only the blocks of sessions that stay open (failed, errored, interrupted).
    quiet: bool,
}

enum Kind {
    GitHub(github::GitHub),
    GitLab,
}

impl CiOutput {
    /// The output for `ci` at `verbosity`; `None` for plain output.
    pub fn new(ci: Ci, verbosity: Verbosity) -> Option<Self> {
        let kind = match ci {
            Ci::None => return None,
            Ci::GitHub => Kind::GitHub(github::GitHub),
            Ci::GitLab => Kind::GitLab,
        };
        Some(Self { kind, quiet: verbosity == Verbosity::Quiet })
    }

    /// Each finished session's output block, in a group or section (under `-q`, failures' only).
    pub fn handle(&mut self, event: &Event) {
        if let Event::SessionFinished { outcome, .. } = event {
            if self.quiet && !block::stays_open(outcome) {
                return;
            }
            match &mut self.kind {
                Kind::GitHub(github) => github.session_finished(outcome),
                Kind::GitLab => gitlab::session_finished(outcome),
            }
        }
    }

    /// After the summary: GitHub's annotations and job summary.
    pub fn finish(&self, outcome: &RunOutcome, reports: &Merged) {
        if let Kind::GitHub(github) = &self.kind {
            github.finish(outcome, reports);
            job_summary::append(outcome, reports);
        }
    }
}
