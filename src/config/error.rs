//! Everything that can be wrong with a sessions.toml, each variant naming the file, the place
//! (line and column, or session and key) and, where one helps, a hint.
//!
//! Every message is one line: text taken from the file (keys, names, commands) is shown through
//! [`escape`] or [`excerpt`], so a hostile value can neither break the line nor flood the terminal.

use std::path::{Path, PathBuf};

/// The longest piece of the user's text an error message quotes; longer text is cut with `…`.
const EXCERPT_CHARS: usize = 60;

/// A sessions.toml that cannot be found, read, parsed or accepted. Always exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No sessions.toml in the start directory or any parent.
    #[error("no sessions.toml in {} or any parent directory", show(start))]
    NotFound {
        /// Where the upward search began.
        start: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("cannot read {}: {source}", show(path))]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// `-f` named a directory.
    #[error("{} is a directory, not a sessions.toml file", show(path))]
    IsDirectory {
        /// The directory.
        path: PathBuf,
    },
    /// `-f` named a FIFO, a device or a socket: read as a file, it could block forge or never end.
    #[error("{} is not a regular file ({kind})", show(path))]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// "a FIFO", "a device"…
        kind: &'static str,
    },
    /// The file is larger than any sessions.toml should be (a runaway generated file).
    #[error("{} is larger than {} MiB; it is not a sessions.toml", show(path), limit / (1024 * 1024))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 (TOML requires it).
    #[error("{}:{line}:{column}: the file is not valid UTF-8", show(path))]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first bad byte.
        line: usize,
        /// 1-based column (in bytes) of the first bad byte.
        column: usize,
    },
    /// TOML syntax, a wrong type or a bad value, located by line and column.
    #[error("{}:{line}:{column}: {}", show(path), escape(message))]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// One line saying what is wrong, naming the key when known.
        message: String,
        /// A suggestion, e.g. the nearest valid key.
        hint: Option<String>,
    },
    /// A value that parses but makes no sense (bad name, unknown requirement, duplicate instance…).
    #[error("{}: {}: {}", located(path, *line), escape(place), escape(message))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the value at fault, when the file writes it (not for a default).
        line: Option<usize>,
        /// Where: e.g. `"[sessions.lint] requires"` or `"[forge] default"`.
        place: String,
        /// What is wrong.
        message: String,
        /// A suggestion, e.g. the nearest session names.
        hint: Option<String>,
    },
}

impl crate::error::Hint for ConfigError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            ConfigError::NotFound { .. } => {
                Some("create a sessions.toml (see `forge --help`) or pass one with `-f PATH`".into())
            }
            ConfigError::IsDirectory { path } => {
                Some(format!("pass the file inside it: `-f {}`", show(&path.join("sessions.toml"))))
            }
            ConfigError::TooLarge { .. } | ConfigError::NotRegular { .. } => {
                Some("check the path given to `-f`".into())
            }
            ConfigError::NotUtf8 { .. } => Some("save sessions.toml as UTF-8".into()),
            ConfigError::Parse { hint, .. } | ConfigError::Invalid { hint, .. } => hint.clone(),
            ConfigError::Read { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => Some("check the path given to `-f`".into()),
                std::io::ErrorKind::PermissionDenied => Some("check the file's permissions".into()),
                _ => None,
            },
        };
        hint.map(|hint| escape(&hint))
    }
}

/// `text` with control characters (newlines included) and bidirectional-override characters
/// written as escapes, so it always prints as one honest line.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if character.is_control() || is_bidi_control(character) {
            out.extend(character.escape_default());
        } else {
            out.push(character);
        }
    }
    out
}

/// [`escape`]d `text`, cut to a few dozen characters: for quoting a user's value in a message.
pub fn excerpt(text: &str) -> String {
    if text.chars().count() <= EXCERPT_CHARS {
        return escape(text);
    }
    let head: String = text.chars().take(EXCERPT_CHARS - 1).collect();
    format!("{}…", escape(&head))
}

fn is_bidi_control(character: char) -> bool {
    matches!(character, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn show(path: &Path) -> String {
    escape(&path.display().to_string())
}

/// `FILE:LINE`, or `FILE` when the line is unknown.
pub(crate) fn located(path: &Path, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{}:{line}", show(path)),
        None => show(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Hint as _;

    #[test]
    fn escape_keeps_messages_on_one_line() {
        assert_eq!(escape("a\nb\t\u{1b}[2J\u{202E}c"), "a\\nb\\t\\u{1b}[2J\\u{202e}c");
        assert_eq!(escape("plain `text` é"), "plain `text` é");
    }

    #[test]
    fn excerpt_shortens_long_values() {
        let long = "x".repeat(500);
        let shown = excerpt(&long);
        assert_eq!(shown.chars().count(), EXCERPT_CHARS);
        assert!(shown.ends_with('…'));
        assert_eq!(excerpt("short"), "short");
    }

    #[test]
    fn every_variant_displays_as_one_line() {
        let path = PathBuf::from("dir\nwith newline/sessions.toml");
        let errors = [
            ConfigError::NotFound { start: path.clone() },
            ConfigError::IsDirectory { path: path.clone() },
            ConfigError::TooLarge { path: path.clone(), limit: 16 * 1024 * 1024 },
            ConfigError::NotRegular { path: path.clone(), kind: "a FIFO" },
            ConfigError::Parse {
                path: path.clone(),
                line: 1,
                column: 1,
                message: "a\nb".into(),
                hint: Some("c\nd".into()),
            },
            ConfigError::Invalid {
                path,
                line: Some(3),
                place: "[sessions.x]".into(),
                message: "bad\r\n".into(),
                hint: None,
            },
        ];
        for error in errors {
            assert!(!error.to_string().contains(['\n', '\r']), "{error}");
            assert!(!error.hint().unwrap_or_default().contains('\n'), "{error:?}");
        }
    }

    #[test]
    fn read_errors_hint_at_the_path() {
        let error = ConfigError::Read { path: "x".into(), source: std::io::ErrorKind::NotFound.into() };
        assert_eq!(error.hint().as_deref(), Some("check the path given to `-f`"));
    }
}
