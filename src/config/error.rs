//! Everything that can be wrong with a sessions.toml, each variant naming the file, the place
//! (line and column, or session and key) and, where one helps, a hint.

use std::path::PathBuf;

/// A sessions.toml that cannot be found, read, parsed or accepted. Always exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No sessions.toml in the start directory or any parent.
    #[error("no sessions.toml in {} or any parent directory", start.display())]
    NotFound {
        /// Where the upward search began.
        start: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// `-f` named a directory.
    #[error("{} is a directory, not a sessions.toml file", path.display())]
    IsDirectory {
        /// The directory.
        path: PathBuf,
    },
    /// The file is not UTF-8 (TOML requires it).
    #[error("{}:{line}:{column}: the file is not valid UTF-8", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first bad byte.
        line: usize,
        /// 1-based column (in bytes) of the first bad byte.
        column: usize,
    },
    /// TOML syntax, a wrong type or a bad value, located by line and column.
    #[error("{}:{line}:{column}: {message}", path.display())]
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
    #[error("{}: {place}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where: e.g. "[sessions.lint] requires" or "[forge] default".
        place: String,
        /// What is wrong.
        message: String,
        /// A suggestion, e.g. the nearest session names.
        hint: Option<String>,
    },
}

impl ConfigError {
    /// The `hint:` line to print under the error, if any.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::NotFound { .. } => Some(
                "create a sessions.toml (see `forge --help`) or pass one with `-f PATH`".into(),
            ),
            ConfigError::IsDirectory { path } => {
                Some(format!("pass the file inside it: `-f {}`", path.join("sessions.toml").display()))
            }
            ConfigError::NotUtf8 { .. } => Some("save sessions.toml as UTF-8".into()),
            ConfigError::Parse { hint, .. } | ConfigError::Invalid { hint, .. } => hint.clone(),
            ConfigError::Read { .. } => None,
        }
    }
}
