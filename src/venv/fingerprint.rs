//! The env fingerprint: a SHA-256 over everything that decides an env's contents, and the
//! completion marker that records it.
//!
//! Covered: forge's env format version, the interpreter request, `deps`, the content of every
//! `requirements` file (following nested `-r`/`-c` includes), `install-project` and `extras` with
//! the project's build files (pyproject.toml, setup.py, setup.cfg) and lock files. The interpreter
//! itself is checked separately: by path, size and modification time, and by what the request
//! resolves to now (see `build::decide`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Interpreter, VenvError};

/// Bumped whenever the way forge builds envs changes, so old envs are rebuilt.
pub const FORMAT_VERSION: u32 = 1;

/// Project files whose content decides what `install-project` installs.
const PROJECT_FILES: [&str; 7] =
    ["pyproject.toml", "setup.py", "setup.cfg", "uv.lock", "poetry.lock", "pdm.lock", "pylock.toml"];

/// The most nested `-r` includes followed, against include loops.
const MAX_INCLUDE_DEPTH: usize = 16;

/// What one session instance's env is built from.
#[derive(Debug, Clone)]
pub struct EnvInputs {
    /// The interpreter request as written ("3.12"), or "" for the default.
    pub python_request: String,
    /// PEP 508 requirements.
    pub deps: Vec<String>,
    /// Absolute requirement files.
    pub requirements: Vec<PathBuf>,
    /// Install the project, editable.
    pub install_project: bool,
    /// Extras of the project.
    pub extras: Vec<String>,
    /// Project root (for `install-project`).
    pub root: PathBuf,
}

/// The completion marker, written last into a built env (`.forge-env.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Marker {
    /// Hex SHA-256 of the inputs.
    pub fingerprint: String,
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
    pub fn new(fingerprint: String, env: &Path, interpreter: &Interpreter) -> std::io::Result<Self> {
        let (size, mtime) = stat(&interpreter.path)?;
        Ok(Self {
            fingerprint,
            env: env.to_path_buf(),
            interpreter: interpreter.path.clone(),
            python_version: interpreter.version.clone(),
            interpreter_size: size,
            interpreter_mtime_ns: mtime,
        })
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

/// Computes the hex SHA-256 fingerprint of `inputs`.
///
/// # Errors
/// [`VenvError::Requirements`] when a requirements file (or one it includes) cannot be read.
pub fn fingerprint(inputs: &EnvInputs) -> Result<String, VenvError> {
    let mut hasher = Sha256::new();
    let mut field = |name: &str, value: &[u8]| {
        // Length-prefixed fields: no two different inputs hash the same byte stream.
        hasher.update(name.as_bytes());
        hasher.update((value.len() as u64).to_le_bytes());
        hasher.update(value);
    };
    field("format", &FORMAT_VERSION.to_le_bytes());
    field("python", inputs.python_request.as_bytes());
    // uv resolves the same set whatever the order: reordering `deps` is no reason to rebuild.
    let mut deps: Vec<&String> = inputs.deps.iter().collect();
    deps.sort_unstable();
    for dep in deps {
        field("dep", dep.as_bytes());
    }
    for file in &inputs.requirements {
        hash_requirements(file, &inputs.root, 0, &mut field)?;
    }
    field("install-project", &[u8::from(inputs.install_project)]);
    if inputs.install_project {
        for extra in &inputs.extras {
            field("extra", extra.as_bytes());
        }
        for name in PROJECT_FILES {
            if let Ok(content) = std::fs::read(inputs.root.join(name)) {
                field(name, &content);
            }
        }
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    Ok(hex)
}

fn hash_requirements(
    file: &Path,
    root: &Path,
    depth: usize,
    field: &mut impl FnMut(&str, &[u8]),
) -> Result<(), VenvError> {
    let content = std::fs::read(file).map_err(|source| VenvError::Requirements { path: file.to_path_buf(), source })?;
    // Named relative to the project, so another checkout of the same project hashes the same.
    let name = file.strip_prefix(root).unwrap_or(file);
    field("requirements", name.as_os_str().as_encoded_bytes());
    field("content", &content);
    if depth >= MAX_INCLUDE_DEPTH {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&content);
    for line in text.lines() {
        if let Some(included) = included_file(line) {
            let base = file.parent().unwrap_or(Path::new("."));
            hash_requirements(&base.join(included), root, depth + 1, field)?;
        }
    }
    Ok(())
}

/// The file a requirements line includes (`-r x.txt`, `-rx.txt`, `--requirement=x.txt`, and
/// the same for `-c`/`--constraint`), with pip's ` #` comments removed.
fn included_file(line: &str) -> Option<&str> {
    let line = line.split(" #").next().unwrap_or("").split("\t#").next().unwrap_or("").trim();
    for long in ["--requirement", "--constraint"] {
        if let Some(rest) = line.strip_prefix(long)
            && rest.starts_with(['=', ' ', '\t'])
        {
            return Some(rest[1..].trim()).filter(|path| !path.is_empty());
        }
    }
    for short in ["-r", "-c"] {
        if let Some(rest) = line.strip_prefix(short) {
            return Some(rest.trim_start_matches('=').trim()).filter(|path| !path.is_empty());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_lines_are_read_like_pip() {
        assert_eq!(included_file("-r base.txt  # shared pins"), Some("base.txt"));
        assert_eq!(included_file("-rbase.txt"), Some("base.txt"));
        assert_eq!(included_file("--requirement=base.txt"), Some("base.txt"));
        assert_eq!(included_file("--constraint constraints.txt"), Some("constraints.txt"));
        assert_eq!(included_file("requests==2.0  # -r not.txt"), None);
        assert_eq!(included_file("# -r commented.txt"), None);
        assert_eq!(included_file("-r"), None);
    }

    fn inputs(root: &Path) -> EnvInputs {
        EnvInputs {
            python_request: "3.11".into(),
            deps: vec!["pytest".into()],
            requirements: vec![root.join("requirements.txt")],
            install_project: true,
            extras: vec![],
            root: root.to_path_buf(),
        }
    }

    #[test]
    fn every_input_changes_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "-r nested.txt\nsix\n").unwrap();
        std::fs::write(root.join("nested.txt"), "toolz\n").unwrap();
        std::fs::write(root.join("pyproject.toml"), "[project]\nname='x'\n").unwrap();
        let base = fingerprint(&inputs(root)).unwrap();
        assert_eq!(base, fingerprint(&inputs(root)).unwrap(), "stable");

        let mut changed = inputs(root);
        changed.deps.push("ruff".into());
        assert_ne!(base, fingerprint(&changed).unwrap());
        let mut changed = inputs(root);
        changed.python_request = "3.12".into();
        assert_ne!(base, fingerprint(&changed).unwrap());
        let mut changed = inputs(root);
        changed.extras.push("test".into());
        assert_ne!(base, fingerprint(&changed).unwrap());

        std::fs::write(root.join("nested.txt"), "toolz==1.0.0\n").unwrap();
        let after_nested = fingerprint(&inputs(root)).unwrap();
        assert_ne!(base, after_nested, "nested -r include is covered");
        std::fs::write(root.join("pyproject.toml"), "[project]\nname='y'\n").unwrap();
        assert_ne!(after_nested, fingerprint(&inputs(root)).unwrap(), "pyproject.toml is covered");
    }

    #[test]
    fn neither_deps_order_nor_the_checkout_path_changes_the_fingerprint() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        for root in [first.path(), second.path()] {
            std::fs::write(root.join("requirements.txt"), "six\n").unwrap();
            std::fs::write(root.join("pyproject.toml"), "[project]\nname='x'\n").unwrap();
        }
        let mut reordered = inputs(first.path());
        reordered.deps = vec!["ruff".into(), "pytest".into()];
        let mut ordered = inputs(first.path());
        ordered.deps = vec!["pytest".into(), "ruff".into()];
        assert_eq!(fingerprint(&reordered).unwrap(), fingerprint(&ordered).unwrap());
        assert_eq!(fingerprint(&inputs(first.path())).unwrap(), fingerprint(&inputs(second.path())).unwrap());
    }

    #[test]
    fn missing_requirements_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(fingerprint(&inputs(dir.path())), Err(VenvError::Requirements { .. })));
    }
}

/// Tests added after cargo-mutants found these behaviours untested: the interpreter check of a
/// reused env, include loops, and what `install-project` brings into the fingerprint.
#[cfg(test)]
mod mutation_tests {
    use std::fs::File;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

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
        let marker = Marker::new("f".into(), dir.path(), &interpreter(&python)).unwrap();
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
        let marker = Marker::new("f".into(), dir.path(), &interpreter(&python)).unwrap();
        assert!(marker.interpreter_unchanged());
        set_mtime(&python, UNIX_EPOCH + Duration::from_secs(10));
        assert!(!marker.interpreter_unchanged());
    }

    #[test]
    fn a_requirements_file_that_includes_itself_still_fingerprints() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "-r requirements.txt\nsix\n").unwrap();
        let inputs = EnvInputs {
            python_request: String::new(),
            deps: vec![],
            requirements: vec![root.join("requirements.txt")],
            install_project: false,
            extras: vec![],
            root: root.to_path_buf(),
        };
        let looped = fingerprint(&inputs).unwrap();
        std::fs::write(root.join("requirements.txt"), "-r requirements.txt\nsix==1.17.0\n").unwrap();
        assert_ne!(looped, fingerprint(&inputs).unwrap());
    }

    fn project(root: &Path, install_project: bool) -> EnvInputs {
        EnvInputs {
            python_request: "3.12".into(),
            deps: vec!["pytest".into()],
            requirements: vec![],
            install_project,
            extras: vec![],
            root: root.to_path_buf(),
        }
    }

    #[test]
    fn install_project_on_or_off_changes_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
        assert_ne!(fingerprint(&project(dir.path(), true)).unwrap(), fingerprint(&project(dir.path(), false)).unwrap());
    }

    #[test]
    fn every_build_and_lock_file_counts_when_the_project_is_installed() {
        let dir = tempfile::tempdir().unwrap();
        let mut previous = fingerprint(&project(dir.path(), true)).unwrap();
        for name in PROJECT_FILES {
            std::fs::write(dir.path().join(name), "version 1").unwrap();
            let now = fingerprint(&project(dir.path(), true)).unwrap();
            assert_ne!(previous, now, "{name} appeared");
            std::fs::write(dir.path().join(name), "version 2").unwrap();
            let changed = fingerprint(&project(dir.path(), true)).unwrap();
            assert_ne!(now, changed, "{name} changed");
            previous = changed;
        }
    }

    #[test]
    fn without_install_project_neither_project_files_nor_extras_count() {
        // An env that does not install the project is not rebuilt when its pyproject.toml or
        // uv.lock changes.
        let dir = tempfile::tempdir().unwrap();
        let before = fingerprint(&project(dir.path(), false)).unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
        std::fs::write(dir.path().join("uv.lock"), "version = 1\n").unwrap();
        let mut with_extras = project(dir.path(), false);
        with_extras.extras.push("test".into());
        assert_eq!(before, fingerprint(&project(dir.path(), false)).unwrap());
        assert_eq!(before, fingerprint(&with_extras).unwrap());
    }
}
