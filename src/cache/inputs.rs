//! Finding and hashing a session's `inputs`: a gitignore-aware walk (the `ignore` crate, as
//! ripgrep walks) from each glob's literal base directory, each file streamed through SHA-256 in
//! 64 KiB chunks so a 1 GB input costs no more memory than a small one.
//!
//! Rules: the project's `.gitignore` files apply (also outside a git work tree; the user's
//! global excludes do not, so two machines see the same files); hidden files count (`.ruff.toml`);
//! `.git` and forge's own directories are never walked; symlinks are not followed (a link is
//! hashed by its target's name); FIFOs, sockets and devices are left out (never read, never a
//! hang). A glob naming a file or directory literally (`pyproject.toml`, `src`) takes it whole.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::key::{InputFile, to_hex};

/// The files a session's `inputs` name, with their digests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputSet {
    /// Sorted by path, each once.
    pub files: Vec<InputFile>,
    /// Globs that matched no file: not part of the key (`-n` says so).
    pub missing: Vec<String>,
}

/// Why the inputs could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read input {}: {source}", path.display())]
pub struct InputError {
    /// The file.
    pub path: PathBuf,
    /// What the OS said.
    pub source: std::io::Error,
}

/// Finds the files under `root` matching `globs` (checked, normalized globs) and hashes them,
/// never walking into `skip` (absolute directories: the env, reports and cache directories).
///
/// # Errors
/// [`InputError`] when a matched file cannot be read.
pub fn collect(root: &Path, globs: &[String], skip: &[PathBuf]) -> Result<InputSet, InputError> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut missing = Vec::new();
    for glob in globs {
        let before = files.len();
        let mut matched = false;
        let base = literal_base(glob);
        if base == *glob {
            // A literal path: the file itself, or everything in the directory.
            let path = root.join(glob);
            match std::fs::symlink_metadata(&path) {
                Ok(metadata) if metadata.is_dir() => walk(root, &path, None, skip, &mut files)?,
                Ok(_) => {
                    if let Some(digest) = hash_entry(&path)? {
                        files.insert(glob.clone(), digest);
                        matched = true;
                    }
                }
                Err(_) => {}
            }
        } else {
            let matcher = crate::config::compile_glob(glob).map(|glob| glob.compile_matcher()).ok();
            let start = if base.is_empty() { root.to_path_buf() } else { root.join(&base) };
            if start.is_dir() {
                walk(root, &start, matcher.as_ref(), skip, &mut files)?;
            }
            // Files an earlier glob already took count as matched too.
            matched = matcher.is_some_and(|matcher| files.keys().any(|path| matcher.is_match(path)));
        }
        if !matched && files.len() == before {
            missing.push(glob.clone());
        }
    }
    let files = files.into_iter().map(|(path, sha256)| InputFile { path, sha256 }).collect();
    Ok(InputSet { files, missing })
}

/// The files under `root` that the `outputs` globs match now: `(root-relative path, path)`,
/// sorted. Ignored files count (build outputs usually are ignored); `.git` is never walked, and
/// symlinks are not followed or stored.
pub fn collect_outputs(root: &Path, globs: &[String]) -> Vec<(String, PathBuf)> {
    let mut found = BTreeMap::new();
    for glob in globs {
        let base = literal_base(glob);
        let matcher = crate::config::compile_glob(glob).ok().map(|glob| glob.compile_matcher());
        let start = if base.is_empty() { root.to_path_buf() } else { root.join(&base) };
        // A literal directory is taken whole; a literal file or a pattern by matching.
        let whole = base == *glob && start.is_dir();
        let mut walker = ignore::WalkBuilder::new(&start);
        walker.standard_filters(false).filter_entry(|entry| entry.file_name() != ".git");
        for entry in walker.build().flatten() {
            if !entry.file_type().is_some_and(|kind| kind.is_file()) {
                continue;
            }
            let Some(relative) = relative_path(root, entry.path()) else { continue };
            if whole || matcher.as_ref().is_some_and(|matcher| matcher.is_match(&relative)) {
                found.insert(relative, entry.into_path());
            }
        }
    }
    found.into_iter().collect()
}

/// The leading components of `glob` that hold no glob syntax, joined: where a walk must start.
pub fn literal_base(glob: &str) -> String {
    let literal = glob.split('/').take_while(|component| !component.contains(['*', '?', '[', '{', '\\']));
    literal.collect::<Vec<_>>().join("/")
}

fn walk(
    root: &Path,
    start: &Path,
    matcher: Option<&globset::GlobMatcher>,
    skip: &[PathBuf],
    files: &mut BTreeMap<String, String>,
) -> Result<(), InputError> {
    let skip: Vec<PathBuf> = skip.to_vec();
    let walker = ignore::WalkBuilder::new(start)
        .hidden(false)
        .ignore(false)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            entry.file_name() != ".git" && !skip.iter().any(|directory| entry.path() == directory)
        })
        .build();
    for entry in walker {
        // An entry that vanished or cannot be listed is not an input.
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_none_or(|kind| kind.is_dir()) {
            continue;
        }
        let Some(relative) = relative_path(root, entry.path()) else { continue };
        if files.contains_key(&relative) || matcher.is_some_and(|matcher| !matcher.is_match(&relative)) {
            continue;
        }
        if let Some(digest) = hash_entry(entry.path())? {
            files.insert(relative, digest);
        }
    }
    Ok(())
}

/// `path` relative to `root`, `/`-separated; `None` when it is not valid UTF-8 or not inside.
fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = relative.components().map(|component| component.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// The hex SHA-256 of a regular file's content or a symlink's target name; `None` for anything
/// else (a FIFO, a socket, a device, a file that vanished).
fn hash_entry(path: &Path) -> Result<Option<String>, InputError> {
    let error = |source| InputError { path: path.to_path_buf(), source };
    let Ok(metadata) = std::fs::symlink_metadata(path) else { return Ok(None) };
    if metadata.file_type().is_symlink() {
        let target = std::fs::read_link(path).map_err(error)?;
        let mut hasher = Sha256::new();
        hasher.update(b"symlink\0");
        hasher.update(target.as_os_str().as_encoded_bytes());
        return Ok(Some(to_hex(&hasher.finalize())));
    }
    if !metadata.is_file() {
        return Ok(None);
    }
    match hash_file(path) {
        Ok(digest) => Ok(Some(digest)),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(error(source)),
    }
}

/// The hex SHA-256 of the file at `path`, read in 64 KiB chunks (constant memory).
///
/// # Errors
/// The file cannot be opened or read.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&buffer[..read]);
    }
    Ok(to_hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, content: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    #[test]
    fn globs_gitignore_hidden_files_and_skipped_directories() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "src/a.py", "a");
        write(root, "src/pkg/b.py", "b");
        write(root, "src/pkg/b.txt", "t");
        write(root, "src/gen/c.py", "c");
        write(root, ".gitignore", "src/gen/\n");
        write(root, ".ruff.toml", "r");
        write(root, ".forge/envs/x/y.py", "x");
        write(root, "pyproject.toml", "p");
        let globs: Vec<String> =
            ["src/**/*.py", ".ruff.toml", "pyproject.toml", "**/*.py", "ruff.toml"].map(String::from).to_vec();
        let set = collect(root, &globs, &[root.join(".forge/envs")]).unwrap();
        let paths: Vec<&str> = set.files.iter().map(|file| file.path.as_str()).collect();
        assert_eq!(paths, [".ruff.toml", "pyproject.toml", "src/a.py", "src/pkg/b.py"]);
        assert_eq!(set.missing, ["ruff.toml"]);
        assert_eq!(set.files[0].sha256, to_hex(&Sha256::digest(b"r")));
        // A literal directory takes everything in it.
        let set = collect(root, &["src/pkg".to_owned()], &[]).unwrap();
        assert_eq!(set.files.len(), 2);
    }

    #[test]
    fn the_literal_base_is_where_the_walk_starts() {
        assert_eq!(literal_base("src/**/*.py"), "src");
        assert_eq!(literal_base("**"), "");
        assert_eq!(literal_base("a/b/c.txt"), "a/b/c.txt");
        assert_eq!(literal_base("a/{b,c}/d"), "a");
    }
}
