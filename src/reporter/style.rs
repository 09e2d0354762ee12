//! Colours and labels shared by every terminal output.

use anstyle::{AnsiColor, Style};

use crate::runner::{SessionOutcome, SessionStatus};

/// Bold, for names.
pub const BOLD: Style = Style::new().bold();
/// Dimmed, for secondary detail.
pub const DIM: Style = Style::new().dimmed();
/// Red bold: `error:` and failures.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
/// Yellow bold: warnings and skips.
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
/// Cyan bold: hints.
pub const HINT: Style = AnsiColor::Cyan.on_default().bold();
/// Green bold: success.
pub const SUCCESS: Style = AnsiColor::Green.on_default().bold();
/// Magenta bold: interrupted.
pub const INTERRUPTED: Style = AnsiColor::Magenta.on_default().bold();

/// The right-aligned label and style for an outcome (`PASS`, `FLAKY`, `FAIL`…).
pub fn status_label(outcome: &SessionOutcome) -> (&'static str, Style) {
    match outcome.status {
        SessionStatus::Success if !outcome.leaked.is_empty() => ("LEAK", WARNING),
        SessionStatus::Success if outcome.is_flaky() => ("FLAKY", WARNING),
        SessionStatus::Success => ("PASS", SUCCESS),
        SessionStatus::Failed => ("FAIL", ERROR),
        SessionStatus::Error => ("ERROR", ERROR),
        SessionStatus::Skipped => ("SKIP", WARNING),
        SessionStatus::Interrupted => ("INTERRUPTED", INTERRUPTED),
        SessionStatus::Cached => ("CACHED", SUCCESS),
        SessionStatus::Unchanged => ("UNCHANGED", SUCCESS),
    }
}

/// `[  1.234s]`, or blanks for sessions that never ran.
pub fn duration_column(outcome: &SessionOutcome) -> String {
    if outcome.attempts.is_empty() && outcome.status == SessionStatus::Skipped {
        " ".repeat(10)
    } else {
        format!("[{:>7.3}s]", outcome.duration.as_secs_f64())
    }
}
