//! Errors at the virtualenv boundary: missing tools, missing interpreters, failed builds.

use std::path::PathBuf;

use crate::input_file::InputFileError;

/// Why an env could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum VenvError {
    /// `uv` is not on PATH and `FORGE_UV` is unset (a usage error: exit 2, nothing run).
    #[error("`uv` was not found on PATH{}", forge_uv.as_ref().map(|path| format!(" (FORGE_UV={} is not an executable)", path.display())).unwrap_or_default())]
    UvNotFound {
        /// The `FORGE_UV` value, when it was set but wrong.
        forge_uv: Option<PathBuf>,
    },
    /// No interpreter satisfies the request.
    #[error("no Python interpreter found for `{request}` (looked for {looked})")]
    MissingInterpreter {
        /// The request, e.g. "3.12".
        request: String,
        /// Where forge looked, for the message.
        looked: String,
    },
    /// A `requirements` file (or one it includes) cannot be read: missing, not a regular file,
    /// too large, unreadable.
    #[error("cannot read requirements file {}: {source}", path.display())]
    Requirements {
        /// The file.
        path: PathBuf,
        /// Why.
        source: InputFileError,
    },
    /// A project file the fingerprint covers (pyproject.toml, a lock file) exists but cannot be
    /// read.
    #[error("cannot read {}: {source}", path.display())]
    ProjectFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: InputFileError,
    },
    /// The session's dependency groups cannot be resolved (pyproject.toml changed since the
    /// plan was checked).
    #[error(transparent)]
    Groups(#[from] crate::config::GroupError),
    /// `uv sync --locked` refused a uv.lock that is out of date with pyproject.toml; forge never
    /// rewrites the lock.
    #[error("uv.lock is out of date with pyproject.toml (`uv sync --locked` refused it)")]
    StaleLock {
        /// The sync command, shortened.
        step: String,
    },
    /// A build step (uv venv, uv pip install) failed; its output is in the session log.
    #[error("virtualenv build failed: `{step}` {status}")]
    Build {
        /// The command, shortened.
        step: String,
        /// "exited with status 2", "was killed by signal 9"…
        status: String,
    },
    /// The build was stopped by a signal or the run's timeout; the env is left marked incomplete.
    #[error("virtualenv build interrupted")]
    Interrupted,
    /// The env's path holds something that is not a virtualenv; forge will not delete it.
    #[error("{} exists and is not a virtualenv; forge will not replace it", path.display())]
    NotAVirtualenv {
        /// The directory.
        path: PathBuf,
    },
    /// A file operation on the env failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What forge was doing, e.g. "cannot create".
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl crate::error::Hint for VenvError {
    fn hint(&self) -> Option<String> {
        match self {
            VenvError::UvNotFound { .. } => Some(
                "install uv with `python3 -m pip install uv` (or `pipx install uv`), or point FORGE_UV at its executable".into(),
            ),
            VenvError::MissingInterpreter { request, .. } => Some(format!(
                "install it (e.g. `uv python install {request}`), or pass --skip-missing-interpreters to skip such sessions"
            )),
            VenvError::Build { .. } => Some("the session log holds uv's output".into()),
            VenvError::StaleLock { .. } => Some("run uv lock".into()),
            VenvError::Groups(error) => error.hint(),
            VenvError::Requirements { source, .. } | VenvError::ProjectFile { source, .. }
                if matches!(source, InputFileError::NotRegular { .. } | InputFileError::TooLarge { .. }) =>
            {
                Some(format!(
                    "forge reads only regular files of at most {} MiB here",
                    crate::input_file::CONFIG_FILE_LIMIT / (1024 * 1024)
                ))
            }
            VenvError::NotAVirtualenv { .. } => {
                Some("move it away, or set `[forge] env-dir` to a directory of forge's own".into())
            }
            _ => None,
        }
    }
}
