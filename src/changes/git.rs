//! `--changed[=REF]`: the files of the project that differ from REF, asked of the real `git`
//! binary (`git diff --name-only REF` for tracked files, committed or not, and `git ls-files
//! --others --exclude-standard` for untracked ones). A library such as gix would cost more build
//! time than the four commands it replaces.

use std::collections::BTreeSet;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// git's well-known empty tree: what a branch with no commit yet is compared with.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// The project files changed since a git commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedSince {
    /// What the files were compared with, for messages: `main (merge-base 1a2b3c4 with
    /// origin/main)`, `HEAD`, or the REF given.
    pub reference: String,
    /// Paths relative to the project root, `/`-separated: modified, added, deleted or renamed
    /// tracked files (staged or not) and untracked files not ignored by git.
    pub files: BTreeSet<PathBuf>,
}

/// Why the changed files could not be listed (all are usage errors: exit 2).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No `git` program on PATH.
    #[error("--changed needs git, and `git` was not found on PATH")]
    NoGit,
    /// The project is not in a git work tree.
    #[error("--changed: {} is not in a git work tree", root.display())]
    NotAWorkTree {
        /// The project root.
        root: PathBuf,
    },
    /// REF names no commit.
    #[error("--changed: `{reference}` is not a commit git knows")]
    BadRef {
        /// REF as given.
        reference: String,
    },
    /// git failed otherwise (its first line of stderr).
    #[error("--changed: `git {command}` failed: {message}")]
    Failed {
        /// The git subcommand.
        command: String,
        /// git's message.
        message: String,
    },
}

impl crate::error::Hint for GitError {
    fn hint(&self) -> Option<String> {
        match self {
            GitError::NoGit => Some("install git, or run without --changed".into()),
            GitError::NotAWorkTree { .. } => {
                Some("--changed compares with git history: run forge in a git clone, or without --changed".into())
            }
            GitError::BadRef { .. } => Some("give a branch, tag or commit, e.g. `--changed=origin/main`".into()),
            GitError::Failed { .. } => None,
        }
    }
}

/// The files under `root` changed since `reference`, or (`None`) since the merge-base of `HEAD`
/// with its upstream branch (`@{upstream}`), else since `HEAD` (turbo's `--affected` and nx's
/// `affected` default to the merge-base with the main branch the same way).
///
/// # Errors
/// [`GitError`]: no git, not a work tree, a REF that is no commit, or git failing.
pub fn changed_since(root: &Path, reference: Option<&str>) -> Result<ChangedSince, GitError> {
    let inside = git(root, &["rev-parse", "--is-inside-work-tree"]);
    if !matches!(&inside, Ok(text) if text.trim() == "true") {
        return Err(match inside {
            Err(GitError::NoGit) => GitError::NoGit,
            _ => GitError::NotAWorkTree { root: root.to_path_buf() },
        });
    }
    let (commit, described) = match reference {
        Some(reference) => {
            let spec = format!("{reference}^{{commit}}");
            let commit = git(root, &["rev-parse", "--verify", "--quiet", "--end-of-options", &spec])
                .map_err(|_| GitError::BadRef { reference: reference.to_owned() })?;
            (commit.trim().to_owned(), reference.to_owned())
        }
        None => default_base(root)?,
    };
    let mut files = BTreeSet::new();
    // `--relative` limits the diff to the project root (a subdirectory of the repository, maybe)
    // and names files relative to it, as `ls-files` does run from there.
    // `-z`: names as their bytes, never quoted (a non-UTF-8 name stays itself).
    let diff = git_bytes(root, &["diff", "--name-only", "-z", "--no-renames", "--relative", &commit, "--"])?;
    let untracked = git_bytes(root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    for name in diff.split(|&byte| byte == 0).chain(untracked.split(|&byte| byte == 0)) {
        if !name.is_empty() {
            files.insert(PathBuf::from(std::ffi::OsStr::from_bytes(name)));
        }
    }
    Ok(ChangedSince { reference: described, files })
}

/// The merge-base with the upstream branch, else `HEAD`, else (no commit yet) the empty tree.
fn default_base(root: &Path) -> Result<(String, String), GitError> {
    if let Ok(upstream) = git(root, &["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"]) {
        let upstream = upstream.trim().to_owned();
        let base = git(root, &["merge-base", "HEAD", "@{upstream}"])?;
        let base = base.trim().to_owned();
        let short = base.get(..7).unwrap_or(&base).to_owned();
        return Ok((base, format!("the merge-base {short} with {upstream}")));
    }
    match git(root, &["rev-parse", "--verify", "--quiet", "HEAD"]) {
        Ok(head) => Ok((head.trim().to_owned(), "HEAD".to_owned())),
        Err(_) => Ok((EMPTY_TREE.to_owned(), "the empty tree (no commit yet)".to_owned())),
    }
}

/// Runs `git ARGS` in `root` and returns its stdout as text.
fn git(root: &Path, args: &[&str]) -> Result<String, GitError> {
    git_bytes(root, args).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// Runs `git ARGS` in `root` and returns its stdout; a non-zero exit is [`GitError::Failed`].
fn git_bytes(root: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => GitError::NoGit,
            _ => GitError::Failed { command: args.join(" "), message: error.to_string() },
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr.lines().next().unwrap_or("no message").trim().to_owned();
        return Err(GitError::Failed { command: args.first().copied().unwrap_or_default().to_owned(), message });
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .args(["-c", "user.name=forge", "-c", "user.email=forge@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    fn write(dir: &Path, path: &str, text: &str) {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn names(changed: &ChangedSince) -> Vec<String> {
        changed.files.iter().map(|path| path.to_string_lossy().into_owned()).collect()
    }

    /// A repository with `a.py`, `b.py`, `gone.py` and `.gitignore` (ignoring `*.log`) committed.
    fn repository() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        run(dir.path(), &["init", "-q", "-b", "main"]);
        for (path, text) in [("a.py", "a"), ("b.py", "b"), ("gone.py", "g"), (".gitignore", "*.log\n")] {
            write(dir.path(), path, text);
        }
        run(dir.path(), &["add", "."]);
        run(dir.path(), &["commit", "-q", "-m", "first"]);
        dir
    }

    #[test]
    fn modified_staged_deleted_and_untracked_files_count_ignored_ones_do_not() {
        let dir = repository();
        let root = dir.path();
        assert!(changed_since(root, None).unwrap().files.is_empty());
        write(root, "a.py", "changed");
        write(root, "new/c.py", "untracked");
        write(root, "b.py", "staged");
        run(root, &["add", "b.py"]);
        std::fs::remove_file(root.join("gone.py")).unwrap();
        write(root, "debug.log", "ignored");
        let changed = changed_since(root, None).unwrap();
        assert_eq!(changed.reference, "HEAD");
        assert_eq!(names(&changed), ["a.py", "b.py", "gone.py", "new/c.py"]);
    }

    #[test]
    fn a_ref_compares_with_that_commit_and_commits_since_count() {
        let dir = repository();
        let root = dir.path();
        run(root, &["tag", "start"]);
        write(root, "a.py", "committed later");
        run(root, &["commit", "-q", "-am", "second"]);
        assert_eq!(names(&changed_since(root, Some("start")).unwrap()), ["a.py"]);
        assert!(changed_since(root, Some("HEAD")).unwrap().files.is_empty());
        let error = changed_since(root, Some("no-such-branch")).unwrap_err();
        assert!(matches!(&error, GitError::BadRef { reference } if reference == "no-such-branch"), "{error}");
        assert!(matches!(changed_since(root, Some("--output=/tmp/x")), Err(GitError::BadRef { .. })));
    }

    #[test]
    fn the_default_is_the_merge_base_with_the_upstream() {
        let upstream = repository();
        let clone = tempfile::tempdir().unwrap();
        run(clone.path(), &["clone", "-q", &upstream.path().to_string_lossy(), "."]);
        write(clone.path(), "a.py", "local commit");
        run(clone.path(), &["commit", "-q", "-am", "local"]);
        // The upstream moves on: its change is not this branch's.
        write(upstream.path(), "b.py", "upstream commit");
        run(upstream.path(), &["commit", "-q", "-am", "upstream"]);
        run(clone.path(), &["fetch", "-q"]);
        let changed = changed_since(clone.path(), None).unwrap();
        assert_eq!(names(&changed), ["a.py"]);
        assert!(changed.reference.contains("origin/main"), "{}", changed.reference);
    }

    #[test]
    fn a_project_in_a_subdirectory_sees_its_own_files_relative_to_itself() {
        let dir = repository();
        write(dir.path(), "sub/x.py", "x");
        run(dir.path(), &["add", "."]);
        run(dir.path(), &["commit", "-q", "-m", "sub"]);
        write(dir.path(), "sub/x.py", "changed");
        write(dir.path(), "sub/y.py", "new");
        write(dir.path(), "a.py", "outside the project");
        assert_eq!(names(&changed_since(&dir.path().join("sub"), None).unwrap()), ["x.py", "y.py"]);
    }

    #[test]
    fn no_commit_yet_counts_every_file_and_outside_git_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = changed_since(dir.path(), None).unwrap_err();
        assert!(matches!(error, GitError::NotAWorkTree { .. }), "{error}");
        run(dir.path(), &["init", "-q"]);
        write(dir.path(), "a.py", "a");
        let changed = changed_since(dir.path(), None).unwrap();
        assert_eq!(names(&changed), ["a.py"]);
        assert!(changed.reference.contains("no commit"), "{}", changed.reference);
    }
}
