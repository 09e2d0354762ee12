//! `forge clean`: removing a project's envs, and only what forge made there — its envs, their
//! lock files, the interpreter cache and the `.gitignore` it wrote — never another directory.

use std::path::{Path, PathBuf};

use super::marker::MARKER_FILE;
use super::{EnvLock, LockMode, Marker, interpreter};

/// The `.gitignore` forge writes into a directory it creates (see `runner::directories`).
const FORGE_GITIGNORE: &str = "# created by forge\n*\n";

/// What `forge clean` did (or, dry, would do) in the env directories it was given.
#[derive(Debug, Default)]
pub struct CleanReport {
    /// Removed paths with what each was: "virtualenv", "lock file", "interpreter cache",
    /// "env directory".
    pub removed: Vec<(PathBuf, &'static str)>,
    /// Envs another forge process is using (its lock is held): left in place.
    pub in_use: Vec<PathBuf>,
    /// Paths that could not be removed, with the OS's reason.
    pub failed: Vec<(PathBuf, String)>,
}

/// Removes forge's envs from each of `env_dirs` (missing ones are skipped); with `dry_run`,
/// only reports what it would remove.
///
/// A directory is taken for a forge env when it holds a completion marker, or — a build that did
/// not finish — a `pyvenv.cfg` and a lock file of forge's under `.locks/`. Each env is removed
/// under its exclusive lock, so an env another forge process is using is left alone. The env
/// directory itself goes only when nothing but forge's files was in it.
pub fn clean(env_dirs: &[PathBuf], dry_run: bool) -> CleanReport {
    let mut report = CleanReport::default();
    for env_dir in env_dirs {
        clean_one(env_dir, dry_run, &mut report);
    }
    report
}

fn clean_one(env_dir: &Path, dry_run: bool, report: &mut CleanReport) {
    let Ok(entries) = std::fs::read_dir(env_dir) else { return };
    let locks = env_dir.join(".locks");
    let (failed_before, in_use_before) = (report.failed.len(), report.in_use.len());
    let mut kept = 0;
    let mut gitignore = None;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let Ok(file_type) = entry.file_type() else {
            kept += 1;
            continue;
        };
        let lock_path = locks.join(format!("{}.lock", name.to_string_lossy()));
        if name == ".locks" && file_type.is_dir() {
            // Handled after the envs, whose locks are taken first.
        } else if name == ".gitignore" && file_type.is_file() && is_forge_gitignore(&path) {
            gitignore = Some(path);
        } else if name == ".interpreters.json" && file_type.is_file() && interpreter::is_known_file(&path) {
            remove(&path, "interpreter cache", dry_run, report, How::File);
        } else if file_type.is_dir() && is_forge_env(&path, &lock_path) {
            remove_env(&path, &lock_path, dry_run, report);
        } else {
            kept += 1;
        }
    }
    if locks.is_dir() {
        kept += clean_locks(env_dir, &locks, dry_run, report);
    }
    let emptied = report.failed.len() == failed_before && report.in_use.len() == in_use_before;
    if kept == 0 && emptied {
        // Listed as part of the directory, not on a line of its own.
        if let Some(gitignore) = gitignore
            && remove(&gitignore, ".gitignore", dry_run, report, How::File)
        {
            report.removed.pop();
        }
        remove(env_dir, "env directory", dry_run, report, How::EmptyDir);
    }
}

fn is_forge_gitignore(path: &Path) -> bool {
    crate::input_file::read_regular(path, 1024).is_ok_and(|text| text == FORGE_GITIGNORE.as_bytes())
}

fn is_forge_env(path: &Path, lock_path: &Path) -> bool {
    // A marker is written only by forge; a pyvenv.cfg alone could be anyone's venv, so a
    // half-built env also needs forge's lock file beside it.
    Marker::read(path).is_some() || (path.join("pyvenv.cfg").is_file() && is_lock_file(lock_path))
}

/// forge's lock files are empty regular files.
fn is_lock_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_file() && metadata.len() == 0)
}

fn remove_env(path: &Path, lock_path: &Path, dry_run: bool, report: &mut CleanReport) {
    // No lock file means no forge process has used the env since it was built elsewhere.
    let lock = if is_lock_file(lock_path) {
        match EnvLock::try_acquire(lock_path, LockMode::Exclusive) {
            Ok(Some(lock)) => Some(lock),
            Ok(None) => {
                report.in_use.push(path.to_path_buf());
                return;
            }
            Err(error) => {
                report.failed.push((path.to_path_buf(), error.to_string()));
                return;
            }
        }
    } else {
        None
    };
    let removed = remove(path, "virtualenv", dry_run, report, How::Env);
    // Removed while held, so no process can take it between the env's removal and its own; part
    // of the env, so not listed on a line of its own.
    if removed && lock.is_some() && remove(lock_path, "lock file", dry_run, report, How::File) {
        report.removed.pop();
    }
}

/// Removes lock files whose env is gone and that no process holds; returns how many entries of
/// `.locks` stay. `.locks` itself goes when it ends up empty.
fn clean_locks(env_dir: &Path, locks: &Path, dry_run: bool, report: &mut CleanReport) -> usize {
    let Ok(entries) = std::fs::read_dir(locks) else { return 1 };
    let mut kept = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(env) = name.strip_suffix(".lock").map(|env| env_dir.join(env)) else {
            kept += 1;
            continue;
        };
        if report.removed.iter().any(|(removed, _)| *removed == env) {
            // (A dry run) it goes with its env.
            continue;
        }
        if env.exists() || !is_lock_file(&path) {
            kept += 1;
            continue;
        }
        match EnvLock::try_acquire(&path, LockMode::Exclusive) {
            Ok(Some(_held)) if remove(&path, "lock file", dry_run, report, How::File) => {}
            _ => kept += 1,
        }
    }
    if kept > 0 {
        return kept;
    }
    if remove(locks, "lock directory", dry_run, report, How::EmptyDir) {
        // Listed as part of the env directory, not on a line of its own.
        report.removed.pop();
        return 0;
    }
    1
}

/// How a path is removed.
#[derive(Clone, Copy)]
enum How {
    File,
    EmptyDir,
    /// An env: its marker first (as a rebuild does: an env whose removal was interrupted is never
    /// taken for a complete one), then the whole tree.
    Env,
}

/// Removes `path` (unless `dry_run`) and records it as `what`; `false` when that failed.
fn remove(path: &Path, what: &'static str, dry_run: bool, report: &mut CleanReport, how: How) -> bool {
    let result = match (dry_run, how) {
        (true, _) => Ok(()),
        (false, How::File) => std::fs::remove_file(path),
        (false, How::EmptyDir) => std::fs::remove_dir(path),
        (false, How::Env) => match std::fs::remove_file(path.join(MARKER_FILE)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => std::fs::remove_dir_all(path),
        },
    };
    if let Err(error) = result {
        report.failed.push((path.to_path_buf(), error.to_string()));
        return false;
    }
    report.removed.push((path.to_path_buf(), what));
    true
}
