//! Finding the Python interpreter for a request such as `"3.12"`, the way users expect:
//! `python3.12` on PATH, then pyenv's installs, then what `uv python find` knows.
//!
//! Each candidate is asked for its real executable and version; one that fails (a pyenv shim
//! refusing a version) is not an interpreter. The answers are remembered by path, size and
//! modification time, so the check a warm run makes (does the request still resolve to the
//! interpreter the env recorded?) costs stats, not processes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use super::{VenvError, pyenv};
use crate::input_file::{CONFIG_FILE_LIMIT, read_regular};

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

/// Finds interpreters, remembering each request's answer for the rest of the run, and each
/// executable's answer across runs (in `ENV_DIR/.interpreters.json`).
#[derive(Debug, Clone)]
pub struct InterpreterFinder {
    uv: PathBuf,
    cache: Arc<Mutex<HashMap<String, Option<Interpreter>>>>,
    known: Arc<Mutex<KnownInterpreters>>,
}

/// What each interpreter executable said about itself, keyed by path and valid while the file's
/// real path, size and modification time are unchanged: a cold env build then costs no Python
/// start-up (~40 ms) once the interpreter has been seen. Stored as JSON in the env directory.
#[derive(Debug, Default)]
struct KnownInterpreters {
    file: Option<PathBuf>,
    entries: HashMap<PathBuf, KnownInterpreter>,
    loaded: bool,
}

/// The file's layout. `format` 2: executables are venv-resolved and canonical; a file of another
/// format is ignored (and rewritten), as its answers may name a venv's python.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct KnownFile {
    format: u32,
    interpreters: HashMap<PathBuf, KnownInterpreter>,
}

/// [`KnownFile::format`] as this forge writes it.
pub(super) const KNOWN_FORMAT: u32 = 2;

/// Whether `path` holds forge's interpreter cache, of this format or the first one (a bare map).
pub(super) fn is_known_file(path: &Path) -> bool {
    let Ok(text) = read_regular(path, CONFIG_FILE_LIMIT) else { return false };
    serde_json::from_slice::<KnownFile>(&text).is_ok()
        || serde_json::from_slice::<HashMap<PathBuf, KnownInterpreter>>(&text).is_ok()
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct KnownInterpreter {
    target: PathBuf,
    size: u64,
    modified_ns: u128,
    executable: PathBuf,
    version: String,
}

impl KnownInterpreters {
    fn entries(&mut self) -> &mut HashMap<PathBuf, KnownInterpreter> {
        if !self.loaded {
            self.loaded = true;
            if let Some(text) = self.file.as_ref().and_then(|file| read_regular(file, CONFIG_FILE_LIMIT).ok())
                && let Ok(known) = serde_json::from_slice::<KnownFile>(&text)
                && known.format == KNOWN_FORMAT
            {
                self.entries = known.interpreters;
            }
        }
        &mut self.entries
    }

    fn lookup(&mut self, candidate: &Path) -> Option<Interpreter> {
        let stamp = stamp(candidate)?;
        let known = self.entries().get(candidate)?;
        (known.target == stamp.0 && known.size == stamp.1 && known.modified_ns == stamp.2)
            .then(|| Interpreter { path: known.executable.clone(), version: known.version.clone() })
    }

    fn remember(&mut self, candidate: &Path, interpreter: &Interpreter) {
        let Some((target, size, modified_ns)) = stamp(candidate) else { return };
        let entry = KnownInterpreter {
            target,
            size,
            modified_ns,
            executable: interpreter.path.clone(),
            version: interpreter.version.clone(),
        };
        self.entries().insert(candidate.to_path_buf(), entry);
        let known = KnownFile { format: KNOWN_FORMAT, interpreters: self.entries.clone() };
        if let Some(file) = &self.file
            && let Ok(text) = serde_json::to_vec_pretty(&known)
        {
            // A cache: a failed or concurrent write only costs a later query.
            let temporary = file.with_extension(format!("{}.tmp", std::process::id()));
            let _ = std::fs::create_dir_all(file.parent().unwrap_or(Path::new(".")))
                .and_then(|()| std::fs::write(&temporary, text))
                .and_then(|()| std::fs::rename(&temporary, file));
        }
    }
}

fn stamp(candidate: &Path) -> Option<(PathBuf, u64, u128)> {
    let target = std::fs::canonicalize(candidate).ok()?;
    let metadata = std::fs::metadata(&target).ok()?;
    let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    Some((target, metadata.len(), modified))
}

impl InterpreterFinder {
    /// A finder that asks `uv` (`uv python find`) as its last resort and remembers what
    /// interpreters said about themselves in `known_file` (`None`: only for this run).
    pub fn new(uv: PathBuf, known_file: Option<PathBuf>) -> Self {
        let known = KnownInterpreters { file: known_file, ..KnownInterpreters::default() };
        Self { uv, cache: Arc::default(), known: Arc::new(Mutex::new(known)) }
    }

    /// The `uv` executable this finder (and the env builds) use.
    pub fn uv(&self) -> &Path {
        &self.uv
    }

    /// Finds the interpreter for `request`: a version ("3.12", "3") or a name ("pypy3.10"), or
    /// `None` for the `python3` on PATH.
    ///
    /// # Errors
    /// [`VenvError::MissingInterpreter`] naming where forge looked.
    pub async fn find(&self, request: Option<&str>) -> Result<Interpreter, VenvError> {
        let key = request.unwrap_or("").to_owned();
        let mut cache = self.cache.lock().await;
        if let Some(known) = cache.get(&key) {
            return known.clone().ok_or_else(|| missing(request));
        }
        let found = self.discover(request, true).await;
        cache.insert(key, found.clone());
        found.ok_or_else(|| missing(request))
    }

    /// What `request` resolves to on PATH and among pyenv's installs, without asking uv: the
    /// check an up-to-date env gets on every run, so it must start no process for interpreters
    /// seen before. `None` when those places have nothing (the recorded interpreter stands).
    pub async fn find_locally(&self, request: Option<&str>) -> Option<Interpreter> {
        self.discover(request, false).await
    }

    async fn discover(&self, request: Option<&str>, ask_uv: bool) -> Option<Interpreter> {
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
                    && let Some(found) = self.query(&real, version).await
                {
                    return Some(found);
                }
                continue;
            }
            if let Some(found) = self.query(&candidate, version).await {
                return Some(found);
            }
        }
        if let Some(version) = version.filter(|version| version.starts_with(|c: char| c.is_ascii_digit())) {
            for install in pyenv::installed(version) {
                if let Some(found) = self.query(&install.join("bin").join(&program), Some(version)).await {
                    return Some(found);
                }
            }
        }
        if !ask_uv {
            return None;
        }
        let mut command = tokio::process::Command::new(&self.uv);
        command.args(["python", "find", "--no-project"]).args(request).stdin(std::process::Stdio::null());
        command.env_remove("UV_PYTHON").env_remove("VIRTUAL_ENV");
        let output = tokio::time::timeout(QUERY_TIMEOUT, command.output()).await.ok()?.ok()?;
        if !output.status.success() {
            return None;
        }
        let path = String::from_utf8(output.stdout).ok()?;
        self.query(Path::new(path.trim()), version).await
    }

    /// What `candidate` is, from memory when the file is unchanged, else by running it; `None`
    /// when it fails or its version does not match `version`.
    async fn query(&self, candidate: &Path, version: Option<&str>) -> Option<Interpreter> {
        let remembered = self.known.lock().await.lookup(candidate);
        let found = match remembered {
            Some(found) => found,
            None => {
                let found = run_query(candidate).await?;
                self.known.lock().await.remember(candidate, &found);
                found
            }
        };
        let wanted = version.filter(|wanted| wanted.starts_with(|c: char| c.is_ascii_digit()));
        match wanted {
            Some(wanted) if !version_matches(wanted, &found.version) => None,
            _ => Some(found),
        }
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

/// Runs `candidate` to learn its real executable and full version; `None` when it fails. A
/// virtualenv's python (an activated venv on PATH) is resolved to the interpreter the venv was made
/// from, and every path to its canonical form, so `python3` on PATH, `python3.12` in pyenv and a
/// venv made from either name one interpreter, and PATH changes do not rebuild envs.
async fn run_query(candidate: &Path) -> Option<Interpreter> {
    let script = "import sys; print(sys.executable); print('.'.join(map(str, sys.version_info[:3]))); \
                  print(sys.prefix); print(sys.base_prefix); print(getattr(sys, '_base_executable', None) or '')";
    let mut command = tokio::process::Command::new(candidate);
    command.args(["-I", "-c", script]).stdin(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let output = tokio::time::timeout(QUERY_TIMEOUT, command.output()).await.ok()?.ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let mut lines = text.lines().map(str::trim);
    let executable = PathBuf::from(lines.next()?);
    let version = lines.next()?.to_owned();
    let (prefix, base_prefix, base_executable) = (lines.next()?, lines.next()?, lines.next().unwrap_or(""));
    let mut path = if executable.is_absolute() { executable } else { candidate.to_path_buf() };
    if prefix != base_prefix
        && let Some(base) = venv_base(&path, Path::new(prefix), Path::new(base_executable), &version)
    {
        path = base;
    }
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    Some(Interpreter { path, version })
}

/// The interpreter the virtualenv at `prefix` was made from: Python's `sys._base_executable`
/// when it points outside the venv (3.11 and later), else, as PEP 405 defines it, the `home`
/// directory of the venv's `pyvenv.cfg` with the executable's own name, `pythonX.Y` or `python3`
/// (3.10 reports the venv's own python as its base). `None` when neither names an executable.
fn venv_base(executable: &Path, prefix: &Path, base_executable: &Path, version: &str) -> Option<PathBuf> {
    let outside = |path: &Path| path.is_absolute() && !path.starts_with(prefix) && pyenv::is_executable(path);
    if outside(base_executable) {
        return Some(base_executable.to_path_buf());
    }
    let config = read_regular(&prefix.join("pyvenv.cfg"), CONFIG_FILE_LIMIT).ok()?;
    let config = String::from_utf8_lossy(&config);
    let home = config.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        key.trim().eq_ignore_ascii_case("home").then(|| PathBuf::from(value.trim()))
    })?;
    let minor: Vec<&str> = version.split('.').take(2).collect();
    let names = [
        executable.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
        format!("python{}", minor.join(".")),
        "python3".to_owned(),
    ];
    names.iter().filter(|name| !name.is_empty()).map(|name| home.join(name)).find(|path| outside(path))
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
    use super::*;

    #[test]
    fn known_interpreters_survive_runs_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let executable = dir.path().join("python3.99");
        std::fs::write(&executable, "#!/bin/sh\n").unwrap();
        let file = dir.path().join("known.json");
        let interpreter = Interpreter { path: executable.clone(), version: "3.99.0".into() };
        let mut known = KnownInterpreters { file: Some(file.clone()), ..KnownInterpreters::default() };
        known.remember(&executable, &interpreter);

        let mut reloaded = KnownInterpreters { file: Some(file.clone()), ..KnownInterpreters::default() };
        assert_eq!(reloaded.lookup(&executable), Some(interpreter));
        std::fs::write(&executable, "#!/bin/sh\n# a different build\n").unwrap();
        let mut after_change = KnownInterpreters { file: Some(file), ..KnownInterpreters::default() };
        assert_eq!(after_change.lookup(&executable), None, "a changed executable is asked again");
    }

    #[test]
    fn a_venvs_python_resolves_to_the_interpreter_it_was_made_from() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("base/bin");
        let venv = dir.path().join("venv");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        let base = home.join("python3.10");
        std::fs::write(&base, "").unwrap();
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(venv.join("pyvenv.cfg"), format!("home = {}\nversion = 3.10.13\n", home.display())).unwrap();
        let python = venv.join("bin/python");
        // 3.10 names the venv's python as its own base: pyvenv.cfg's `home` decides.
        assert_eq!(venv_base(&python, &venv, &python, "3.10.13"), Some(base.clone()));
        // 3.11 and later name the base themselves.
        assert_eq!(venv_base(&python, &venv, &base, "3.11.7"), Some(base));
        std::fs::write(venv.join("pyvenv.cfg"), "implementation = CPython\n").unwrap();
        assert_eq!(venv_base(&python, &venv, &python, "3.10.13"), None, "no home: the venv's python stands");
    }

    #[test]
    fn versions_match_by_component() {
        assert!(version_matches("3.12", "3.12.1"));
        assert!(version_matches("3", "3.12.1"));
        assert!(!version_matches("3.1", "3.12.1"));
        assert!(!version_matches("3.12.2", "3.12.1"));
    }
}
