//! The GitHub Actions job summary: Markdown appended to the file `$GITHUB_STEP_SUMMARY` names —
//! the sessions with status and duration, the test totals, the coverage total.

use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;

use crate::report::Merged;
use crate::runner::RunOutcome;

/// The most bytes forge appends (GitHub takes at most 1 MiB per step's summary).
pub const LIMIT: usize = 1024 * 1024 - 4096;

/// Appends the run's summary to `$GITHUB_STEP_SUMMARY` (unset or empty: nothing). A file that
/// cannot be opened or written is one `warning:` line; it never changes the run's exit status.
/// The file is opened for appending only (never truncated) and without blocking (a FIFO with no
/// reader is an error, not a hang).
pub fn append(run: &RunOutcome, reports: &Merged) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty()) else { return };
    let text = markdown(run, reports);
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    if let Err(error) = written {
        super::super::print_warning(&format!(
            "cannot append the job summary to {} ($GITHUB_STEP_SUMMARY): {error}",
            std::path::Path::new(&path).display()
        ));
    }
}

/// The summary as Markdown, at most [`LIMIT`] bytes: sessions past the limit are counted, not listed.
pub fn markdown(run: &RunOutcome, reports: &Merged) -> String {
    let mut tail = String::new();
    if let Some(tests) = reports.tests {
        let _ = writeln!(tail, "\n**Tests:** {}", super::super::summary::test_counts(tests));
    }
    if let Some(total) = reports.coverage {
        let _ = writeln!(tail, "\n**Coverage:** {}/{} lines, {:.2}%", total.covered, total.valid, total.percent());
    }
    if let Some(remote) = &run.remote_cache {
        let _ = writeln!(tail, "\n**Remote cache:** {}", remote.counts());
    }
    let mut text = format!(
        "\n## forge: {} session{} in {:.3}s\n\n| session | status | duration |\n|---|---|---|\n",
        run.sessions.len(),
        if run.sessions.len() == 1 { "" } else { "s" },
        run.duration.as_secs_f64()
    );
    for (shown, session) in run.sessions.iter().enumerate() {
        let status = match session.cache_source {
            Some(source) => format!("{} ({})", session.status.as_str(), source.as_str()),
            None => session.status.as_str().to_owned(),
        };
        let row =
            format!("| {} | {status} | {:.3}s |\n", session.name.replace('|', "\\|"), session.duration.as_secs_f64());
        if text.len() + row.len() + tail.len() + 100 > LIMIT {
            let _ = writeln!(text, "| … {} more | | |", run.sessions.len() - shown);
            break;
        }
        text.push_str(&row);
    }
    text.push_str(&tail);
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use crate::report::Merged;
    use crate::runner::{RunOutcome, SessionOutcome, SessionStatus};

    fn run(sessions: usize) -> RunOutcome {
        RunOutcome {
            started: SystemTime::UNIX_EPOCH,
            finished: SystemTime::UNIX_EPOCH,
            duration: Duration::from_millis(1500),
            sessions: (0..sessions)
                .map(|n| {
                    let name = format!("session-{n:06}-{}", "x".repeat(40));
                    SessionOutcome::not_run(&name, &name, SessionStatus::Skipped, String::new())
                })
                .collect(),
            signal: None,
            timed_out: false,
            internal_error: false,
            remote_cache: None,
        }
    }

    #[test]
    fn a_huge_run_stays_under_the_limit_and_counts_what_it_leaves_out() {
        let text = super::markdown(&run(40_000), &Merged::default());
        assert!(text.len() <= super::LIMIT, "{}", text.len());
        let listed = text.lines().filter(|line| line.starts_with("| session-")).count();
        assert!(listed > 1000 && listed < 40_000, "{listed}");
        assert!(text.contains(&format!("\n| … {} more | | |\n", 40_000 - listed)), "{}", &text[text.len() - 200..]);
    }

    #[test]
    fn a_small_run_lists_every_session() {
        let text = super::markdown(&run(2), &Merged::default());
        assert_eq!(text.lines().filter(|line| line.starts_with("| session-")).count(), 2);
        assert!(text.starts_with("\n## forge: 2 sessions in 1.500s\n"), "{text}");
    }
}
