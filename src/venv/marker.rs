//! The completion marker, `.forge-env.json`, written last into a built env: what it was built from
//! (the fingerprint and its parts) and with which interpreter.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Fingerprint, InputParts, Interpreter};
use crate::input_file::{CONFIG_FILE_LIMIT, read_regular};

/// The completion marker's file name inside an env. Written last: an env without it is half-built.
pub const MARKER_FILE: &str = ".forge-env.json";

/// The completion marker (`.forge-env.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Marker {
    /// Hex SHA-256 of the inputs.
    pub fingerprint: String,
    /// The fingerprint's parts, to tell which input changed (`None`: written by a forge before
    /// format 2).
    #[serde(default)]
    pub inputs: Option<InputParts>,
    /// Where the env was built: a venv's scripts name its path, so a moved or copied project's
    /// env is rebuilt rather than reused broken.
    #[serde(default)]
    pub env: PathBuf,
    /// The interpreter the env was built with.
    pub interpreter: PathBuf,
    /// Its version.
    pub python_version: String,
    /// Its size in bytes when the env was built.
    pub interpreter_size: u64,
    /// Its modification time (nanoseconds since the epoch) when the env was built.
    pub interpreter_mtime_ns: i128,
}

impl Marker {
    /// A marker for the env at `env` built from `fingerprint` with `interpreter`.
    ///
    /// # Errors
    /// The interpreter cannot be stat'ed.
    pub fn new(fingerprint: &Fingerprint, env: &Path, interpreter: &Interpreter) -> std::io::Result<Self> {
        let (size, mtime) = stat(&interpreter.path)?;
        Ok(Self {
            fingerprint: fingerprint.digest.clone(),
            inputs: Some(fingerprint.parts.clone()),
            env: env.to_path_buf(),
            interpreter: interpreter.path.clone(),
            python_version: interpreter.version.clone(),
            interpreter_size: size,
            interpreter_mtime_ns: mtime,
        })
    }

    /// Whether the env at `env` has a marker (complete or not, readable or not): without one
    /// there is nothing to reuse.
    pub fn exists(env: &Path) -> bool {
        env.join(MARKER_FILE).exists()
    }

    /// The marker of the env at `env`, if it has one that can be read.
    pub fn read(env: &Path) -> Option<Self> {
        let text = read_regular(&env.join(MARKER_FILE), CONFIG_FILE_LIMIT).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Whether the recorded interpreter is still the same file (path, size, mtime).
    pub fn interpreter_unchanged(&self) -> bool {
        stat(&self.interpreter)
            .is_ok_and(|(size, mtime)| size == self.interpreter_size && mtime == self.interpreter_mtime_ns)
    }
}

fn stat(path: &Path) -> std::io::Result<(u64, i128)> {
    let metadata = std::fs::metadata(path)?;
    let modified = metadata.modified()?;
    let nanos = match modified.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => -i128::try_from(before.duration().as_nanos()).unwrap_or(i128::MAX),
    };
    Ok((metadata.len(), nanos))
}

/// Tests added after cargo-mutants found the interpreter check of a reused env untested.
#[cfg(test)]
mod mutation_tests {
    use std::fs::File;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::venv::{EnvInputs, fingerprint};

    fn some_fingerprint(root: &Path) -> Fingerprint {
        let inputs = EnvInputs {
            python_request: String::new(),
            deps: vec![],
            requirements: vec![],
            install_project: crate::config::InstallProjectSpec::No,
            extras: vec![],
            groups: vec![],
            locked: false,
            root: root.to_path_buf(),
        };
        fingerprint(&inputs).unwrap()
    }

    fn interpreter(path: &Path) -> Interpreter {
        Interpreter { path: path.to_path_buf(), version: "3.12.0".into() }
    }

    fn set_mtime(path: &Path, time: std::time::SystemTime) {
        File::options().write(true).open(path).unwrap().set_modified(time).unwrap();
    }

    #[test]
    fn the_interpreter_is_unchanged_until_its_size_or_mtime_changes() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("python3");
        std::fs::write(&python, "binary").unwrap();
        let when = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        set_mtime(&python, when);
        let marker = Marker::new(&some_fingerprint(dir.path()), dir.path(), &interpreter(&python)).unwrap();
        assert!(marker.interpreter_unchanged());

        // The same size, a newer mtime (a reinstall of the same build).
        set_mtime(&python, when + Duration::from_secs(1));
        assert!(!marker.interpreter_unchanged(), "mtime changed");
        set_mtime(&python, when);
        assert!(marker.interpreter_unchanged(), "back as it was");

        // Another size, the same mtime (a patch release copied over with its timestamp kept).
        std::fs::write(&python, "binary, upgraded").unwrap();
        set_mtime(&python, when);
        assert!(!marker.interpreter_unchanged(), "size changed");

        std::fs::remove_file(&python).unwrap();
        assert!(!marker.interpreter_unchanged(), "gone");
    }

    #[test]
    fn an_mtime_before_the_epoch_is_not_the_same_as_one_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("python3");
        std::fs::write(&python, "binary").unwrap();
        set_mtime(&python, UNIX_EPOCH - Duration::from_secs(10));
        let marker = Marker::new(&some_fingerprint(dir.path()), dir.path(), &interpreter(&python)).unwrap();
        assert!(marker.interpreter_unchanged());
        set_mtime(&python, UNIX_EPOCH + Duration::from_secs(10));
        assert!(!marker.interpreter_unchanged());
    }
}
