//! What the CI outputs share of a finished session: its block, its title, whether it stays open.

/// A finished session's block as the display reads it (its log, bounded), `None` without a log.
pub fn block_of(outcome: &crate::runner::SessionOutcome) -> Option<String> {
    let log = outcome.log.as_ref()?;
    let mut block = String::from_utf8_lossy(&super::super::display::read_block(log)).into_owned();
    if !block.is_empty() && !block.ends_with('\n') {
        block.push('\n');
    }
    Some(block)
}

/// `NAME (PASS, 1.234s)`: a group's or section's title.
pub fn title(outcome: &crate::runner::SessionOutcome) -> String {
    let (label, _) = super::super::style::status_label(outcome);
    format!("{} ({label}, {:.3}s)", outcome.name, outcome.duration.as_secs_f64())
}

/// Whether a session's block stays open: it failed, errored or was interrupted.
pub fn stays_open(outcome: &crate::runner::SessionOutcome) -> bool {
    outcome.status.is_failure() || outcome.status == crate::runner::SessionStatus::Interrupted
}
