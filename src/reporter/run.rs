//! The run's reporter: every runner event fanned out to the outputs that show a run — the
//! terminal display and, in CI, GitHub Actions / GitLab CI output (next: the HTML report) — and,
//! once the report files are written, the summary.
//!
//! The shape follows cargo-nextest's reporter: one sink for the runner, many outputs behind it.

use super::ci::CiOutput;
use super::display::Display;
use super::summary::{print_reports, print_summary};
use crate::report::Merged;
use crate::runner::{Event, EventSink, RunOutcome};
use crate::settings::{Ci, Rerun, Verbosity};

/// Everything a run shows a person.
pub struct Reporter {
    display: Display,
    ci: Option<CiOutput>,
}

impl Reporter {
    /// A reporter for a run shown live (`live`: one session at a time) or not, on a terminal
    /// (`tty`) or not, at `verbosity`, for `ci`. In CI the CI output prints the sessions' blocks
    /// (grouped), and the display neither prints them nor draws spinners.
    pub fn new(live: bool, tty: bool, verbosity: Verbosity, ci: Ci) -> Self {
        let ci = CiOutput::new(ci, verbosity);
        let display = match ci {
            Some(_) => Display::new(live, false, verbosity).without_blocks(),
            None => Display::new(live, tty, verbosity),
        };
        Self { display, ci }
    }

    /// After the report files are written: the summary (counts, what needs a look, re-run
    /// commands), the reports' totals and problems, each session's warning, and the CI's
    /// annotations and job summary.
    pub fn finish(self, outcome: &RunOutcome, reports: &Merged, rerun: &Rerun) {
        // The display's spinners are gone before anything else is printed.
        drop(self.display);
        print_summary(outcome, (&rerun.prefix, &rerun.suffix), reports);
        print_reports(reports);
        for session in &outcome.sessions {
            if let Some(warning) = &session.warning {
                super::print_warning(&format!("{}: {warning}", session.name));
            }
        }
        if let Some(warning) = outcome.remote_cache.as_ref().and_then(|remote| remote.warning.as_ref()) {
            super::print_warning(warning);
        }
        if let Some(ci) = &self.ci {
            ci.finish(outcome, reports);
        }
    }
}

impl EventSink for Reporter {
    fn handle(&mut self, event: &Event) {
        if let Some(ci) = &mut self.ci {
            ci.handle(event);
        }
        self.display.handle(event);
    }
}
