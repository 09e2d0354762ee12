//! Seeing through pyenv shims without running them.
//!
//! A pyenv shim is a bash script that costs ~150 ms per call and refuses every version but the
//! selected one. forge resolves a shim to the executable pyenv would pick by reading the same
//! version files pyenv reads (`PYENV_VERSION`, `.python-version` upward from the current
//! directory, `$PYENV_ROOT/version`), using only stats and small reads.

use std::path::{Path, PathBuf};

/// `$PYENV_ROOT`, or `~/.pyenv` when that exists.
pub fn root() -> Option<PathBuf> {
    if let Some(root) = std::env::var_os("PYENV_ROOT").filter(|root| !root.is_empty()) {
        return Some(PathBuf::from(root));
    }
    let home = PathBuf::from(std::env::var_os("HOME")?).join(".pyenv");
    home.is_dir().then_some(home)
}

/// Whether `path` is a pyenv shim (it lives in `$PYENV_ROOT/shims`).
pub fn is_shim(path: &Path) -> bool {
    match (root(), path.parent()) {
        (Some(root), Some(parent)) => parent == root.join("shims"),
        _ => false,
    }
}

/// The executable a pyenv shim named `tool` would run, if it can be told without running pyenv.
pub fn resolve_shim(tool: &str) -> Option<PathBuf> {
    let root = root()?;
    selected_versions(&root)
        .into_iter()
        .filter(|version| version != "system")
        .map(|version| root.join("versions").join(version).join("bin").join(tool))
        .find(|candidate| is_executable(candidate))
}

fn selected_versions(root: &Path) -> Vec<String> {
    if let Ok(versions) = std::env::var("PYENV_VERSION") {
        return versions.split(':').map(str::to_owned).collect();
    }
    let from_directory = std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.ancestors().map(|dir| dir.join(".python-version")).find(|file| file.is_file()));
    let file = from_directory.unwrap_or_else(|| root.join("version"));
    std::fs::read_to_string(file)
        .map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Installed pyenv versions matching `request` ("3.12" matches "3.12.1"), newest first.
pub fn installed(request: &str) -> Vec<PathBuf> {
    let Some(root) = root() else { return Vec::new() };
    let Ok(entries) = std::fs::read_dir(root.join("versions")) else { return Vec::new() };
    let mut found: Vec<(Vec<u64>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let rest = name.strip_prefix(request)?;
            if !(rest.is_empty() || rest.starts_with('.') && rest[1..].chars().all(|c| c.is_ascii_digit())) {
                return None;
            }
            let key = name.split('.').map(|part| part.parse().unwrap_or(0)).collect();
            Some((key, entry.path()))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found.into_iter().map(|(_, path)| path).collect()
}

/// Whether `path` is a regular file with an execute bit.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}
