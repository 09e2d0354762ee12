//! GitLab CI collapsible sections: each finished session's block between `section_start` and
//! `section_end` markers (collapsed unless it failed), as GitLab's job log documents them.

use std::io::Write;
use std::time::{Duration, SystemTime};

use crate::runner::SessionOutcome;

/// A session's block in a section named after it, collapsed when it passed or was skipped.
pub fn session_finished(outcome: &SessionOutcome) {
    let Some(block) = super::block::block_of(outcome) else { return };
    let end = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let start = end.saturating_sub(outcome.duration).as_secs();
    let end = end.max(Duration::from_secs(start)).as_secs();
    let name = section_name(&outcome.name);
    let collapsed = if super::block::stays_open(outcome) { "" } else { "[collapsed=true]" };
    // The markers go around anstream, which strips escape sequences when colour is off.
    let _ = anstream::stdout().flush();
    let mut raw = std::io::stdout().lock();
    let _ = write!(raw, "\x1b[0Ksection_start:{start}:{name}{collapsed}\r\x1b[0K");
    let _ = raw.flush();
    drop(raw);
    let mut stdout = anstream::stdout().lock();
    let _ = writeln!(stdout, "{}", super::block::title(outcome));
    let _ = write!(stdout, "{block}");
    let _ = stdout.flush();
    drop(stdout);
    let mut raw = std::io::stdout().lock();
    let _ = writeln!(raw, "\x1b[0Ksection_end:{end}:{name}\r\x1b[0K");
    let _ = raw.flush();
}

/// `name` with every character GitLab does not allow in a section name (`[A-Za-z0-9_.-]`) as `_`.
pub fn section_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn section_names_keep_only_what_gitlab_allows() {
        assert_eq!(super::section_name("tests-3.12 [x]/ü"), "tests-3.12__x___");
    }
}
