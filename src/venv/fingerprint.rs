//! The env fingerprint: a SHA-256 over everything that decides an env's contents, computed from
//! parts the completion marker records, so a rebuild can say which input changed.
//!
//! Covered: forge's env format version, the interpreter request, `deps`, the content of every
//! `requirements` file (following nested `-r`/`-c` includes), `install-project` and `extras` with
//! the project's build files (pyproject.toml, setup.py, setup.cfg) and lock files. The interpreter
//! itself is checked separately: by path, size and modification time, and by what the request
//! resolves to now (see `build::decide`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::VenvError;
use crate::input_file::{CONFIG_FILE_LIMIT, read_regular};

/// Bumped whenever the way forge builds envs changes, so old envs are rebuilt.
///
/// 2: interpreters are recorded as the base interpreter's canonical path (a venv's python is
/// resolved to the interpreter it was made from), and the marker records the fingerprint's parts.
pub const FORMAT_VERSION: u32 = 2;

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

/// A file's name (relative to the project root when inside it) and the hex SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// As shown in a rebuild reason: `requirements-dev.txt`, `uv.lock`.
    pub name: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// The fingerprint's parts, recorded in the completion marker. Values that may hold a secret
/// (a `deps` entry can be a URL with a token in it) are recorded only as digests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct InputParts {
    /// [`FORMAT_VERSION`] when the env was built.
    pub format: u32,
    /// The interpreter request as written ("" for the default).
    pub python: String,
    /// Hex SHA-256 over the sorted `deps`.
    pub deps: String,
    /// Every requirements file read, includes after the file including them.
    pub requirements: Vec<FileDigest>,
    /// `install-project`.
    pub install_project: bool,
    /// Hex SHA-256 over the `extras` in order (only with `install-project`).
    pub extras: String,
    /// The project files that exist (only with `install-project`).
    pub project_files: Vec<FileDigest>,
}

/// An env's fingerprint: the digest compared on every run, and the parts it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hex SHA-256 over the parts.
    pub digest: String,
    /// What went into it.
    pub parts: InputParts,
}

/// Computes the fingerprint of `inputs`. Every file is read with
/// [`read_regular`](crate::input_file::read_regular): a FIFO, a device or a file over
/// [`CONFIG_FILE_LIMIT`] is an error, never a hang.
///
/// # Errors
/// [`VenvError::Requirements`] when a requirements file (or one it includes) cannot be read;
/// [`VenvError::ProjectFile`] when a project file exists but cannot be read.
pub fn fingerprint(inputs: &EnvInputs) -> Result<Fingerprint, VenvError> {
    // uv resolves the same set whatever the order: reordering `deps` is no reason to rebuild.
    let mut deps: Vec<&str> = inputs.deps.iter().map(String::as_str).collect();
    deps.sort_unstable();
    let mut parts = InputParts {
        format: FORMAT_VERSION,
        python: inputs.python_request.clone(),
        deps: digest_of_list(&deps),
        install_project: inputs.install_project,
        ..InputParts::default()
    };
    for file in &inputs.requirements {
        hash_requirements(file, &inputs.root, 0, &mut parts.requirements)?;
    }
    if inputs.install_project {
        let extras: Vec<&str> = inputs.extras.iter().map(String::as_str).collect();
        parts.extras = digest_of_list(&extras);
        for name in PROJECT_FILES {
            let path = inputs.root.join(name);
            match read_regular(&path, CONFIG_FILE_LIMIT) {
                Ok(content) => parts.project_files.push(FileDigest { name: name.to_owned(), sha256: hex(&content) }),
                Err(error) if error.is_not_found() => {}
                Err(source) => return Err(VenvError::ProjectFile { path, source }),
            }
        }
    }
    // serde_json writes fields in declaration order: the same parts always hash the same.
    let digest = hex(&serde_json::to_vec(&parts).unwrap_or_default());
    Ok(Fingerprint { digest, parts })
}

/// Hex SHA-256 over length-prefixed items, so no two different lists hash the same byte stream.
fn digest_of_list(items: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for item in items {
        hasher.update((item.len() as u64).to_le_bytes());
        hasher.update(item.as_bytes());
    }
    to_hex(&hasher.finalize())
}

fn hex(content: &[u8]) -> String {
    to_hex(&Sha256::digest(content))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn hash_requirements(file: &Path, root: &Path, depth: usize, out: &mut Vec<FileDigest>) -> Result<(), VenvError> {
    let content = read_regular(file, CONFIG_FILE_LIMIT)
        .map_err(|source| VenvError::Requirements { path: file.to_path_buf(), source })?;
    // Named relative to the project, so another checkout of the same project hashes the same.
    let name = file.strip_prefix(root).unwrap_or(file).to_string_lossy().into_owned();
    out.push(FileDigest { name, sha256: hex(&content) });
    if depth >= MAX_INCLUDE_DEPTH {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&content);
    for line in text.lines() {
        if let Some(included) = included_file(line) {
            let base = file.parent().unwrap_or(Path::new("."));
            hash_requirements(&base.join(included), root, depth + 1, out)?;
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
    use crate::input_file::InputFileError;

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

    fn digest(inputs: &EnvInputs) -> String {
        fingerprint(inputs).unwrap().digest
    }

    #[test]
    fn every_input_changes_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "-r nested.txt\nsix\n").unwrap();
        std::fs::write(root.join("nested.txt"), "toolz\n").unwrap();
        std::fs::write(root.join("pyproject.toml"), "[project]\nname='x'\n").unwrap();
        let base = digest(&inputs(root));
        assert_eq!(base, digest(&inputs(root)), "stable");

        let mut changed = inputs(root);
        changed.deps.push("ruff".into());
        assert_ne!(base, digest(&changed));
        let mut changed = inputs(root);
        changed.python_request = "3.12".into();
        assert_ne!(base, digest(&changed));
        let mut changed = inputs(root);
        changed.extras.push("test".into());
        assert_ne!(base, digest(&changed));
        let mut changed = inputs(root);
        changed.install_project = false;
        assert_ne!(base, digest(&changed));

        std::fs::write(root.join("nested.txt"), "toolz==1.0.0\n").unwrap();
        let after_nested = digest(&inputs(root));
        assert_ne!(base, after_nested, "nested -r include is covered");
        std::fs::write(root.join("pyproject.toml"), "[project]\nname='y'\n").unwrap();
        let after_pyproject = digest(&inputs(root));
        assert_ne!(after_nested, after_pyproject, "pyproject.toml is covered");
        std::fs::write(root.join("uv.lock"), "version = 1\n").unwrap();
        assert_ne!(after_pyproject, digest(&inputs(root)), "a lock file is covered");
    }

    #[test]
    fn the_parts_name_each_file_read_and_hold_no_dependency_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "-r nested.txt\n").unwrap();
        std::fs::write(root.join("nested.txt"), "toolz\n").unwrap();
        std::fs::write(root.join("pyproject.toml"), "").unwrap();
        let mut secret = inputs(root);
        secret.deps = vec!["pkg @ https://user:s3cr3t@example.com/pkg.whl".into()];
        let parts = fingerprint(&secret).unwrap().parts;
        assert_eq!((parts.format, parts.python.as_str(), parts.install_project), (FORMAT_VERSION, "3.11", true));
        let names: Vec<&str> = parts.requirements.iter().map(|file| file.name.as_str()).collect();
        assert_eq!(names, ["requirements.txt", "nested.txt"]);
        assert_eq!(parts.project_files.iter().map(|file| file.name.as_str()).collect::<Vec<_>>(), ["pyproject.toml"]);
        assert!(!serde_json::to_string(&parts).unwrap().contains("s3cr3t"));
    }

    #[test]
    fn an_include_loop_is_followed_only_so_deep() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "-r requirements.txt\n").unwrap();
        let parts = fingerprint(&inputs(root)).unwrap().parts;
        assert_eq!(parts.requirements.len(), MAX_INCLUDE_DEPTH + 1);
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
        assert_eq!(digest(&reordered), digest(&ordered));
        assert_eq!(digest(&inputs(first.path())), digest(&inputs(second.path())));
    }

    #[test]
    fn missing_requirements_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            fingerprint(&inputs(dir.path())),
            Err(VenvError::Requirements { source: InputFileError::NotFound, .. })
        ));
    }

    #[test]
    fn devices_and_fifos_are_errors_not_hangs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut zero = inputs(root);
        zero.requirements = vec![PathBuf::from("/dev/zero")];
        assert!(matches!(
            fingerprint(&zero),
            Err(VenvError::Requirements { source: InputFileError::NotRegular { kind: "a device" }, .. })
        ));
        // A FIFO nested in an include, and a FIFO where pyproject.toml should be.
        let name = std::ffi::CString::new(root.join("fifo").as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `name` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        std::fs::write(root.join("requirements.txt"), "-r fifo\n").unwrap();
        assert!(matches!(
            fingerprint(&inputs(root)),
            Err(VenvError::Requirements { source: InputFileError::NotRegular { kind: "a FIFO" }, .. })
        ));
        std::fs::write(root.join("requirements.txt"), "six\n").unwrap();
        std::fs::rename(root.join("fifo"), root.join("pyproject.toml")).unwrap();
        assert!(matches!(fingerprint(&inputs(root)), Err(VenvError::ProjectFile { .. })));
    }
}

/// Tests added after cargo-mutants found these behaviours untested: include loops, and what
/// `install-project` brings into the fingerprint.
#[cfg(test)]
mod mutation_tests {
    use super::*;

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
        let looped = fingerprint(&inputs).unwrap().digest;
        std::fs::write(root.join("requirements.txt"), "-r requirements.txt\nsix==1.17.0\n").unwrap();
        assert_ne!(looped, fingerprint(&inputs).unwrap().digest);
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
        assert_ne!(
            fingerprint(&project(dir.path(), true)).unwrap().digest,
            fingerprint(&project(dir.path(), false)).unwrap().digest
        );
    }

    #[test]
    fn every_build_and_lock_file_counts_when_the_project_is_installed() {
        let dir = tempfile::tempdir().unwrap();
        let mut previous = fingerprint(&project(dir.path(), true)).unwrap().digest;
        for name in PROJECT_FILES {
            std::fs::write(dir.path().join(name), "version 1").unwrap();
            let now = fingerprint(&project(dir.path(), true)).unwrap().digest;
            assert_ne!(previous, now, "{name} appeared");
            std::fs::write(dir.path().join(name), "version 2").unwrap();
            let changed = fingerprint(&project(dir.path(), true)).unwrap().digest;
            assert_ne!(now, changed, "{name} changed");
            previous = changed;
        }
    }

    #[test]
    fn without_install_project_neither_project_files_nor_extras_count() {
        // An env that does not install the project is not rebuilt when its pyproject.toml or
        // uv.lock changes.
        let dir = tempfile::tempdir().unwrap();
        let before = fingerprint(&project(dir.path(), false)).unwrap().digest;
        std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
        std::fs::write(dir.path().join("uv.lock"), "version = 1\n").unwrap();
        let mut with_extras = project(dir.path(), false);
        with_extras.extras.push("test".into());
        assert_eq!(before, fingerprint(&project(dir.path(), false)).unwrap().digest);
        assert_eq!(before, fingerprint(&with_extras).unwrap().digest);
    }
}
