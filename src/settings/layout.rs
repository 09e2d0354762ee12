//! Where forge reads and writes, in one place: every path a run touches is derived here.

use std::path::PathBuf;

/// The directories and files of one project's runs.
///
/// - `cache_dir/` — the cache store (see `cache::Store`);
/// - `reports_dir/` — run.json, junit.xml, coverage.xml; `logs/NAME.log` per session;
/// - `env_dir/NAME/` — one virtualenv per instance; `env_dir/.locks/NAME.lock` (flock);
///   `env_dir/.interpreters.json` — what each interpreter said about itself, keyed by path, size
///   and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The project root (the directory of sessions.toml).
    pub root: PathBuf,
    /// Absolute reports directory.
    pub reports_dir: PathBuf,
    /// Absolute virtualenv directory.
    pub env_dir: PathBuf,
    /// Absolute cache store directory (`records/`, `blobs/`, `.lock`).
    pub cache_dir: PathBuf,
}

impl Layout {
    /// `logs/` in the reports directory.
    pub fn logs_dir(&self) -> PathBuf {
        self.reports_dir.join("logs")
    }

    /// The virtualenv of instance `name`.
    pub fn env_path(&self, name: &str) -> PathBuf {
        self.env_dir.join(name)
    }

    /// The lock file of instance `name`'s virtualenv.
    pub fn lock_path(&self, name: &str) -> PathBuf {
        self.env_dir.join(".locks").join(format!("{name}.lock"))
    }

    /// The cache of interpreter facts.
    pub fn interpreter_cache(&self) -> PathBuf {
        self.env_dir.join(".interpreters.json")
    }
}
