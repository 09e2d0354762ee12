//! Deciding whether an env is reused or rebuilt, and describing the rebuild as uv commands the
//! runner executes (so they are logged, timed and interruptible like any other command).

use std::path::{Path, PathBuf};

use super::marker::MARKER_FILE;
use super::steps::{BuildStep, build_steps, refresh_steps};
use super::{EnvInputs, Fingerprint, Interpreter, InterpreterFinder, Marker, RebuildReason, VenvError, fingerprint};

/// How existing virtualenvs are treated (`-R`, `--no-install`, or neither), as nox's `-r`/`-R`
/// and tox's `-r` do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvPolicy {
    /// Reuse an env whose fingerprint matches; rebuild anything else.
    Reuse,
    /// `-R`: rebuild every env.
    Recreate,
    /// `--no-install`: use an existing complete env as it is; build only envs that do not exist.
    NoInstall,
}

/// One session instance's env.
#[derive(Debug, Clone)]
pub struct EnvRequest {
    /// The env directory.
    pub path: PathBuf,
    /// What decides its contents.
    pub inputs: EnvInputs,
    /// Interpreter request for discovery (`None`: the `python3` on PATH).
    pub python: Option<String>,
}

/// What to do with an env.
#[derive(Debug)]
pub enum Decision {
    /// Up to date, or `--no-install`: use it as it is.
    Reuse {
        /// Its completion marker.
        marker: Marker,
        /// Under `--no-install`, why it is out of date (`None`: it is up to date).
        stale: Option<RebuildReason>,
        /// Steps to run before use, under the env's exclusive lock: a wheel or sdist env's
        /// project rebuilt and reinstalled (empty otherwise, and under `--no-install`).
        refresh: Vec<BuildStep>,
    },
    /// Missing, stale, half-built or `-R`: rebuild.
    Build(BuildPlan),
}

/// A rebuild: call [`BuildPlan::begin`], run every step, then [`BuildPlan::complete`].
#[derive(Debug)]
pub struct BuildPlan {
    path: PathBuf,
    /// uv commands in order.
    pub steps: Vec<BuildStep>,
    marker: Marker,
    reason: RebuildReason,
}

impl EnvRequest {
    /// The env's Python executable.
    pub fn python_executable(&self) -> PathBuf {
        self.path.join("bin").join("python")
    }

    /// The marker of a complete env at this path, or why there is none to reuse.
    fn complete_marker(&self) -> Result<Marker, RebuildReason> {
        match Marker::read(&self.path) {
            Some(marker) if marker.env != self.path => Err(RebuildReason::Moved { from: marker.env }),
            Some(marker) if self.python_executable().exists() => Ok(marker),
            Some(_) => Err(RebuildReason::Incomplete),
            None if std::fs::symlink_metadata(&self.path).is_ok() => Err(RebuildReason::Incomplete),
            None => Err(RebuildReason::New),
        }
    }
}

/// Decides between reuse and rebuild. Reuse costs a few file reads and stats: interpreter
/// discovery runs, but answers from what interpreters said about themselves before. Under
/// `--no-install` a complete env is reused whatever changed, and the decision says why it is stale.
///
/// # Errors
/// A requirements or project file cannot be read, or no interpreter satisfies the request.
pub async fn decide(
    request: &EnvRequest,
    policy: EnvPolicy,
    finder: &InterpreterFinder,
) -> Result<Decision, VenvError> {
    let existing = request.complete_marker();
    if let (EnvPolicy::NoInstall, Ok(marker)) = (policy, &existing) {
        let stale = match fingerprint(&request.inputs) {
            Ok(current) => staleness(marker, &current, request, finder).await.map(|(reason, _)| reason),
            Err(error) => Some(RebuildReason::Unchecked { error: error.to_string() }),
        };
        return Ok(Decision::Reuse { marker: marker.clone(), stale, refresh: Vec::new() });
    }
    let current = fingerprint(&request.inputs)?;
    let (reason, found) = match (policy, existing) {
        (EnvPolicy::Recreate, _) => (RebuildReason::Recreate, None),
        (_, Err(reason)) => (reason, None),
        (_, Ok(marker)) => match staleness(&marker, &current, request, finder).await {
            None => {
                let refresh = refresh_steps(request, finder.uv(), &marker.interpreter);
                return Ok(Decision::Reuse { marker, stale: None, refresh });
            }
            Some(stale) => stale,
        },
    };
    let interpreter = match found {
        Some(interpreter) => interpreter,
        None => finder.find(request.python.as_deref()).await?,
    };
    let marker = Marker::new(&current, &request.path, &interpreter).map_err(|source| VenvError::Io {
        action: "cannot stat",
        path: interpreter.path.clone(),
        source,
    })?;
    Ok(Decision::Build(BuildPlan {
        steps: build_steps(request, finder.uv(), &interpreter.path),
        path: request.path.clone(),
        marker,
        reason,
    }))
}

/// Why the env `marker` describes is out of date for `current`, with the interpreter the request
/// resolves to now when that is the reason; `None` when it is up to date.
async fn staleness(
    marker: &Marker,
    current: &Fingerprint,
    request: &EnvRequest,
    finder: &InterpreterFinder,
) -> Option<(RebuildReason, Option<Interpreter>)> {
    if marker.fingerprint != current.digest {
        let reason = marker.inputs.as_ref().and_then(|recorded| RebuildReason::between(recorded, &current.parts));
        return Some((reason.unwrap_or(RebuildReason::Format), None));
    }
    if !marker.interpreter_unchanged() {
        return Some((RebuildReason::InterpreterModified { path: marker.interpreter.clone() }, None));
    }
    // The request must still resolve to the interpreter the env was built with: a newly
    // installed python3.11 earlier on PATH, or another pyenv version selected, means a new
    // env. Answered from remembered interpreter facts, so this costs stats, not processes;
    // when PATH and pyenv have nothing, the recorded interpreter stands.
    match finder.find_locally(request.python.as_deref()).await {
        Some(found) if found.path != marker.interpreter => {
            let reason = RebuildReason::Interpreter { old: marker.interpreter.clone(), new: found.path.clone() };
            Some((reason, Some(found)))
        }
        _ => None,
    }
}

impl BuildPlan {
    /// The interpreter the env is being built with.
    pub fn marker(&self) -> &Marker {
        &self.marker
    }

    /// Why the env is being built.
    pub fn reason(&self) -> &RebuildReason {
        &self.reason
    }

    /// Removes the old env, marker first, so an interrupted rebuild is never mistaken for a
    /// complete one.
    ///
    /// # Errors
    /// The old env cannot be removed.
    pub fn begin(&self) -> Result<(), VenvError> {
        let remove = |path: &Path, result: std::io::Result<()>| match result {
            Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
                Err(VenvError::Io { action: "cannot remove", path: path.to_path_buf(), source })
            }
            _ => Ok(()),
        };
        let marker = self.path.join(MARKER_FILE);
        // Only ever delete what is a virtualenv (uv and virtualenv write pyvenv.cfg first): a
        // mistyped env-dir must not cost the user a directory of theirs.
        let is_venv = self.path.join("pyvenv.cfg").is_file() || marker.is_file();
        let is_empty = std::fs::read_dir(&self.path).is_ok_and(|mut entries| entries.next().is_none());
        if self.path.exists() && !is_venv && !is_empty {
            return Err(VenvError::NotAVirtualenv { path: self.path.clone() });
        }
        remove(&marker, std::fs::remove_file(&marker))?;
        remove(&self.path, std::fs::remove_dir_all(&self.path))?;
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| VenvError::Io {
                action: "cannot create",
                path: parent.to_path_buf(),
                source,
            })?;
        }
        Ok(())
    }

    /// Writes the completion marker (to a temporary name, then renamed) after every step succeeded.
    ///
    /// # Errors
    /// The marker cannot be written.
    pub fn complete(self) -> Result<Marker, VenvError> {
        let target = self.path.join(MARKER_FILE);
        let temporary = self.path.join(format!("{MARKER_FILE}.tmp"));
        let text = serde_json::to_vec_pretty(&self.marker).map_err(|error| VenvError::Io {
            action: "cannot encode",
            path: target.clone(),
            source: std::io::Error::other(error),
        })?;
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &target))
            .map_err(|source| VenvError::Io { action: "cannot write", path: target, source })?;
        Ok(self.marker)
    }
}
