//! The env fingerprint: a SHA-256 over everything that decides an env's contents, computed from
//! parts the completion marker records, so a rebuild can say which input changed.
//!
//! Covered: forge's env format version, the interpreter request, `deps`, the content of every
//! `requirements` file (following nested `-r`/`-c` includes), `install-project` (and its mode) and
//! `extras` with the project's build files (pyproject.toml, setup.py, setup.cfg) and lock files,
//! each named dependency group's resolved requirements (another group's edit changes nothing),
//! and `locked`, which covers pyproject.toml and uv.lock whatever `install-project` says. The interpreter
//! itself is checked separately: by path, size and modification time, and by what the request
//! resolves to now (see `build::decide`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::VenvError;
// One hashing scheme for env fingerprints and cache keys (same bytes, same digests).
use crate::cache::{digest_of_list, hex};
use crate::config::{DependencyGroups, InstallProjectSpec, normalize_group_name};
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
    /// Whether and how the project is installed.
    pub install_project: InstallProjectSpec,
    /// Extras of the project.
    pub extras: Vec<String>,
    /// PEP 735 dependency groups of the project's pyproject.toml, as written.
    pub groups: Vec<String>,
    /// Install what uv.lock pins.
    pub locked: bool,
    /// Project root (for `install-project`, `groups` and `locked`).
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
    /// The project files that exist (only with `install-project` or `locked`).
    pub project_files: Vec<FileDigest>,
    /// `"wheel"` or `"sdist"`; empty for an editable install or none (absent from the JSON then,
    /// so envs built before modes existed keep their fingerprint).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub install_mode: String,
    /// Each dependency group by normalized name, sorted, with the hex SHA-256 of its resolved
    /// requirements (`include-group` expanded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<FileDigest>,
    /// `locked = true`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub locked: bool,
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
/// [`VenvError::ProjectFile`] when a project file exists but cannot be read;
/// [`VenvError::Groups`] when a named dependency group cannot be resolved.
pub fn fingerprint(inputs: &EnvInputs) -> Result<Fingerprint, VenvError> {
    // uv resolves the same set whatever the order: reordering `deps` is no reason to rebuild.
    let mut deps: Vec<&str> = inputs.deps.iter().map(String::as_str).collect();
    deps.sort_unstable();
    let mut parts = InputParts {
        format: FORMAT_VERSION,
        python: inputs.python_request.clone(),
        deps: digest_of_list(&deps),
        install_project: inputs.install_project.installs(),
        locked: inputs.locked,
        ..InputParts::default()
    };
    if matches!(inputs.install_project, InstallProjectSpec::Wheel | InstallProjectSpec::Sdist) {
        inputs.install_project.as_str().clone_into(&mut parts.install_mode);
    }
    for file in &inputs.requirements {
        hash_requirements(file, &inputs.root, 0, &mut parts.requirements)?;
    }
    if !inputs.groups.is_empty() {
        let groups = DependencyGroups::read(&inputs.root)?;
        for name in &inputs.groups {
            let requirements = groups.resolve(name)?;
            let requirements: Vec<&str> = requirements.iter().map(String::as_str).collect();
            parts.groups.push(FileDigest { name: normalize_group_name(name), sha256: digest_of_list(&requirements) });
        }
        parts.groups.sort_by(|a, b| a.name.cmp(&b.name));
        parts.groups.dedup();
    }
    if inputs.install_project.installs() || inputs.locked {
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
mod tests;
