//! The run's reporter: every runner event fanned out to the outputs that show a run — today the
//! terminal display; next GitHub Actions / GitLab CI output and the HTML report — and, once the
//! report files are written, the summary.
//!
//! The shape follows cargo-nextest's reporter: one sink for the runner, many outputs behind it.

use super::display::Display;
use super::summary::{print_reports, print_summary};
use crate::report::Merged;
use crate::runner::{Event, EventSink, RunOutcome};
use crate::settings::{Rerun, Verbosity};

/// Everything a run shows a person.
pub struct Reporter {
    display: Display,
}

impl Reporter {
    /// A reporter for a run shown live (`live`: one session at a time) or not, on a terminal
    /// (`tty`) or not, at `verbosity`.
    pub fn new(live: bool, tty: bool, verbosity: Verbosity) -> Self {
        Self { display: Display::new(live, tty, verbosity) }
    }

    /// After the report files are written: the summary (counts, what needs a look, re-run
    /// commands), the reports' totals and problems, and each session's warning.
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
    }
}

impl EventSink for Reporter {
    fn handle(&mut self, event: &Event) {
        self.display.handle(event);
    }
}
