//! Errors found while planning: all are usage or configuration errors (exit status 2).

use std::path::PathBuf;

use crate::config::ConfigError;

/// Why no plan could be made. Nothing has run when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// `-s` or `[forge] default` named no session.
    #[error("unknown session `{name}`")]
    UnknownSession {
        /// The name as given.
        name: String,
        /// Nearest existing names, best first.
        suggestions: Vec<String>,
    },
    /// `requires` (or `requires` and `after`) form a cycle.
    #[error("{}: {keys} a cycle: {}", located(file, lines.first().copied()), cycle.join(" -> "))]
    Cycle {
        /// The instances on the cycle, the first repeated at the end.
        cycle: Vec<String>,
        /// "`requires` forms", or "`requires` and `after` form" when an `after` edge is on it.
        keys: &'static str,
        /// sessions.toml.
        file: PathBuf,
        /// The line of each `requires` entry on the cycle (`a`'s entry for `b`, then `b`'s for the
        /// next…), those that are known.
        lines: Vec<usize>,
    },
    /// A session in the plan cannot work as configured (a `requirements` file that does not
    /// exist), found before anything runs.
    #[error(transparent)]
    Config(Box<ConfigError>),
    /// `-k` did not parse.
    #[error("invalid keyword expression `{}`: {message}", crate::config::excerpt(expression))]
    Keyword {
        /// The expression as given.
        expression: String,
        /// What is wrong.
        message: String,
    },
    /// sessions.toml defines no session at all.
    #[error("sessions.toml defines no sessions")]
    NoSessions,
    /// The filters left nothing to run.
    #[error("no session matches {what}")]
    NothingSelected {
        /// The filters, e.g. "-t slow".
        what: String,
    },
}

impl crate::error::Hint for PlanError {
    fn hint(&self) -> Option<String> {
        match self {
            PlanError::UnknownSession { suggestions, .. } if !suggestions.is_empty() => Some(format!(
                "did you mean {}?",
                suggestions.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(" or ")
            )),
            PlanError::UnknownSession { .. } => Some("`forge -l` lists the sessions".into()),
            PlanError::NothingSelected { .. } => {
                Some("`forge -l` lists the sessions; `forge -l --json` shows their tags and interpreters".into())
            }
            PlanError::NoSessions => Some("add one, e.g. `[sessions.test]` with `commands = [\"pytest\"]`".into()),
            PlanError::Cycle { lines, keys, .. } if lines.len() > 1 => Some(format!(
                "remove one of these {} (lines {})",
                entries(keys),
                lines.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
            )),
            PlanError::Cycle { keys, .. } => Some(format!("remove one of these {}", entries(keys))),
            PlanError::Config(error) => error.hint(),
            PlanError::Keyword { .. } => Some("write e.g. `-k \"lint or test\"` or `-k \"not slow\"`".into()),
        }
    }
}

/// What a cycle's hint asks to remove, from [`PlanError::Cycle`]'s `keys`.
fn entries(keys: &str) -> &'static str {
    if keys.contains("after") { "`requires` or `after` entries" } else { "`requires` entries" }
}

fn located(file: &std::path::Path, line: Option<usize>) -> String {
    let file = crate::config::escape(&file.display().to_string());
    match line {
        Some(line) => format!("{file}:{line}"),
        None => file,
    }
}
