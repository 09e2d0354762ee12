//! Finding the Python interpreter for a request such as `"3.12"`, the way users expect:
//! `python3.12` on PATH, then pyenv's installs, then what `uv python find` knows.
//!
//! Each candidate is asked for its real executable and version; one that fails (a pyenv shim
//! refusing a version) is not an interpreter. Discovery runs only when an env is built: a warm
//! run checks the interpreter the env recorded with a stat.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use super::{VenvError, pyenv};

/// How long one candidate may take to report its version.
const QUERY_TIMEOUT: Duration = Duration::from_secs(20);

/// A concrete interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    /// Absolute path of the executable (`sys.executable`).
    pub path: PathBuf,
    /// Full version, e.g. "3.11.7".
    pub version: String,
}

/// Finds interpreters, remembering each request's answer for the rest of the run.
#[derive(Debug, Clone)]
pub struct InterpreterFinder {
    uv: PathBuf,
    cache: Arc<Mutex<HashMap<String, Option<Interpreter>>>>,
}

impl InterpreterFinder {
    /// A finder that asks `uv` (`uv python find`) as its last resort.
    pub fn new(uv: PathBuf) -> Self {
        Self { uv, cache: Arc::default() }
    }

    /// Finds the interpreter for `request`: a version ("3.12", "3", "pypy3.10"), an absolute path,
    /// or `None` for the `python3` on PATH.
    ///
    /// # Errors
    /// [`VenvError::MissingInterpreter`] naming where forge looked.
    pub async fn find(&self, request: Option<&str>) -> Result<Interpreter, VenvError> {
        let key = request.unwrap_or("").to_owned();
        let mut cache = self.cache.lock().await;
        if let Some(known) = cache.get(&key) {
            return known.clone().ok_or_else(|| missing(request));
        }
        let found = self.discover(request).await;
        cache.insert(key, found.clone());
        found.ok_or_else(|| missing(request))
    }

    async fn discover(&self, request: Option<&str>) -> Option<Interpreter> {
        if let Some(path) = request.filter(|request| request.starts_with('/')) {
            return query(Path::new(path), None).await;
        }
        let version = request.map(|request| request.trim_start_matches("python"));
        let program = match request {
            Some(request) if request.starts_with(|c: char| c.is_ascii_digit()) => format!("python{request}"),
            Some(request) => request.to_owned(),
            None => "python3".to_owned(),
        };
        for directory in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let candidate = directory.join(&program);
            if !pyenv::is_executable(&candidate) {
                continue;
            }
            if pyenv::is_shim(&candidate) {
                // What the shim would run, without its ~150 ms of bash: pyenv's selected version
                // comes first on PATH, as it does for a user typing `python3.11`. A shim pyenv
                // would refuse is skipped; pyenv's other installs are asked below.
                if let Some(real) = pyenv::resolve_shim(&program)
                    && let Some(found) = query(&real, version).await
                {
                    return Some(found);
                }
                continue;
            }
            if let Some(found) = query(&candidate, version).await {
                return Some(found);
            }
        }
        if let Some(version) = version.filter(|version| version.starts_with(|c: char| c.is_ascii_digit())) {
            for install in pyenv::installed(version) {
                if let Some(found) = query(&install.join("bin").join(&program), Some(version)).await {
                    return Some(found);
                }
            }
        }
        let mut command = tokio::process::Command::new(&self.uv);
        command.args(["python", "find", "--no-project"]).args(request).stdin(std::process::Stdio::null());
        command.env_remove("UV_PYTHON").env_remove("VIRTUAL_ENV");
        let output = tokio::time::timeout(QUERY_TIMEOUT, command.output()).await.ok()?.ok()?;
        if !output.status.success() {
            return None;
        }
        let path = String::from_utf8(output.stdout).ok()?;
        query(Path::new(path.trim()), version).await
    }
}

fn missing(request: Option<&str>) -> VenvError {
    let request = request.unwrap_or("python3");
    let program =
        if request.starts_with(|c: char| c.is_ascii_digit()) { format!("python{request}") } else { request.to_owned() };
    VenvError::MissingInterpreter {
        request: request.to_owned(),
        looked: format!("`{program}` on PATH, pyenv's versions, and `uv python find {request}`"),
    }
}

/// Runs `candidate` to learn its real executable and version; `None` when it fails or its
/// version does not match `version` ("3.12" matches "3.12.1", not "3.1").
async fn query(candidate: &Path, version: Option<&str>) -> Option<Interpreter> {
    let script = "import sys; print(sys.executable); print('.'.join(map(str, sys.version_info[:3])))";
    let mut command = tokio::process::Command::new(candidate);
    command.args(["-I", "-c", script]).stdin(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let output = tokio::time::timeout(QUERY_TIMEOUT, command.output()).await.ok()?.ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let mut lines = text.lines();
    let executable = PathBuf::from(lines.next()?.trim());
    let found_version = lines.next()?.trim().to_owned();
    if let Some(wanted) = version.filter(|wanted| wanted.starts_with(|c: char| c.is_ascii_digit()))
        && !version_matches(wanted, &found_version)
    {
        return None;
    }
    let path = if executable.is_absolute() { executable } else { candidate.to_path_buf() };
    Some(Interpreter { path, version: found_version })
}

/// Whether `found` ("3.12.1") satisfies `wanted` ("3.12" or "3" or "3.12.1"), component-wise.
pub fn version_matches(wanted: &str, found: &str) -> bool {
    let wanted = wanted.trim_end_matches('t');
    let found_parts: Vec<&str> = found.split('.').collect();
    let wanted_parts: Vec<&str> = wanted.split('.').collect();
    wanted_parts.len() <= found_parts.len() && wanted_parts.iter().zip(&found_parts).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::version_matches;

    #[test]
    fn versions_match_by_component() {
        assert!(version_matches("3.12", "3.12.1"));
        assert!(version_matches("3", "3.12.1"));
        assert!(!version_matches("3.1", "3.12.1"));
        assert!(!version_matches("3.12.2", "3.12.1"));
    }
}
