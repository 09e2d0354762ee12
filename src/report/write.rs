//! Writing a reports directory: every file through an exclusively created temporary file and a
//! rename, the whole sequence under an exclusive lock on the directory, so that two runs ending
//! together leave one run's reports, whole, and a planted symlink is never followed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::html::{self, HTML_FILE, PageInput, RerunCommand};
use super::{
    COVERAGE_FILE, CoverageReport, CoverageTotal, JUNIT_FILE, LOCK_FILE, Merged, RUN_FILE, ReportError, Reports,
    coverage, gate, history, junit,
};

/// How a reports directory is written, beyond what goes in it.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// `[coverage] fail-under` (or `--fail-under`), in percent of lines.
    pub fail_under: Option<f64>,
    /// How report.html tells to re-run a failed session.
    pub rerun: RerunCommand,
    /// Append the run to history.jsonl (a run does; `forge report`, which merges runs already
    /// recorded, only reads it).
    pub record_history: bool,
}

/// Writes `reports` into `dir` (created if need be) and returns what they say, with
/// `options.fail_under` applied to the coverage total.
///
/// Order: junit.xml, coverage.xml, history.jsonl, report.html, then run.json, so that run.json's
/// presence means the others are in place; a part that `reports` lacks has the earlier run's file
/// removed instead (history.jsonl is kept: it spans runs). The
/// directory's lock ([`LOCK_FILE`], `flock`) is held from the first write to the last, and a
/// second forge writing the same directory waits for it. Every problem, the assembler's included,
/// is in [`Merged::problems`]; a file that cannot be written does not stop the others.
pub fn write_reports(dir: &Path, reports: Reports, options: &WriteOptions) -> Merged {
    write_reports_holding(dir, reports, options, None)
}

/// [`write_reports`] with the directory's lock already taken by [`ReportsLock::try_acquire`]
/// (`None`: taken here, waiting for another holder).
pub fn write_reports_holding(
    dir: &Path,
    reports: Reports,
    options: &WriteOptions,
    held: Option<ReportsLock>,
) -> Merged {
    let fail_under = options.fail_under;
    let mut merged = Merged { problems: reports.problems, ..Merged::default() };
    let problems = &mut merged.problems;
    // A held lock means `try_acquire` created the directory already.
    let _lock = match held {
        Some(held) => Some(held),
        None => {
            if let Err(source) = std::fs::create_dir_all(dir) {
                problems.push(ReportError::Write { path: dir.to_path_buf(), source });
                return merged;
            }
            ReportsLock::wait(dir).map_err(|problem| problems.push(problem)).ok()
        }
    };

    let junit_path = dir.join(JUNIT_FILE);
    match &reports.junit {
        Some(report) => {
            let (all, tools) = junit::counts(report);
            (merged.junit, merged.tests) = (Some(all), tools);
            merged.failed_tests = super::failures::failed_tests(report);
            match junit::to_bytes(report) {
                Ok(bytes) => push_err(problems, write_atomically(&junit_path, &bytes)),
                Err(message) => {
                    problems.push(ReportError::Write { path: junit_path, source: std::io::Error::other(message) })
                }
            }
        }
        None => push_err(problems, remove_stale(&junit_path)),
    }

    let coverage_path = dir.join(COVERAGE_FILE);
    let mut coverage_files = Vec::new();
    match reports.coverage {
        Some(CoverageReport { data, root }) => {
            coverage_files = data
                .files
                .iter()
                .map(|(path, file)| {
                    let (covered, valid) = file.line_counts();
                    (path.clone(), covered, valid)
                })
                .collect();
            let timestamp = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis();
            let xml = coverage::cobertura_xml(&data, &root, timestamp);
            push_err(problems, write_atomically(&coverage_path, xml.as_bytes()));
            let (covered, valid) = data.line_counts();
            merged.coverage = Some(CoverageTotal { covered, valid });
            merged.gate_failure = gate(merged.coverage, fail_under);
        }
        None => push_err(problems, remove_stale(&coverage_path)),
    }

    let html_path = dir.join(HTML_FILE);
    match &reports.run {
        Some(run) => {
            // What the page costs a run (history included): `FORGE_LOG=debug` shows it, and
            // bench/html-report measures it.
            let started = std::time::Instant::now();
            let (entries, warnings) = if options.record_history {
                let (entries, warnings, problem) = history::record(dir, history::HistoryEntry::of_run(run, &merged));
                merged.problems.extend(problem);
                (entries, warnings)
            } else {
                history::read(dir)
            };
            let page = html::render(&PageInput {
                run,
                merged: &merged,
                junit: reports.junit.as_ref(),
                coverage_files: &coverage_files,
                fail_under,
                history: &entries,
                reports_dir: dir,
                rerun: &options.rerun,
                warnings: &warnings,
            });
            push_err(&mut merged.problems, write_atomically(&html_path, page.as_bytes()));
            let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
            tracing::debug!(elapsed_ms, bytes = page.len(), "report.html and history.jsonl written");
            merged.warnings = warnings;
        }
        None => push_err(&mut merged.problems, remove_stale(&html_path)),
    }

    let problems = &mut merged.problems;
    let run_path = dir.join(RUN_FILE);
    match reports.run {
        Some(run) => push_err(problems, write_atomically(&run_path, &run.to_json())),
        None => push_err(problems, remove_stale(&run_path)),
    }
    merged
}

fn push_err(problems: &mut Vec<ReportError>, result: Result<(), ReportError>) {
    if let Err(problem) = result {
        problems.push(problem);
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees a half-written report (the old report is removed just before, see
/// [`crate::output_file`]). The temporary file has a random name and is created
/// exclusively (`O_CREAT | O_EXCL`, by `tempfile`), so nothing planted there — a symlink to
/// another file — is followed; it is removed when the write or the rename fails. Permissions are
/// `0666` less the umask, as for any file a program creates.
///
/// # Errors
/// [`ReportError::Write`] naming `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    use std::os::unix::fs::PermissionsExt as _;
    let error = |source| ReportError::Write { path: path.to_path_buf(), source };
    // A bare file name has the empty parent, which tempfile takes as the current directory.
    let directory = path.parent().unwrap_or(Path::new(""));
    let name = path.file_name().ok_or_else(|| error(std::io::Error::other("the path has no file name")))?;
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(directory)
        .map_err(error)?;
    temporary.write_all(bytes).map_err(error)?;
    // On failure the returned error owns the temporary file and removes it when dropped.
    crate::output_file::clear_for(path);
    temporary.persist(path).map_err(|failed| error(failed.error))?;
    Ok(())
}

/// Removes the report an earlier run left at `path`; nothing there is fine.
fn remove_stale(path: &Path) -> Result<(), ReportError> {
    match std::fs::remove_file(path) {
        Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
            Err(ReportError::Remove { path: path.to_path_buf(), source })
        }
        _ => Ok(()),
    }
}

/// The exclusive lock of a reports directory ([`LOCK_FILE`], `flock`), held while it is written
/// and released when dropped.
#[derive(Debug)]
pub struct ReportsLock {
    _file: std::fs::File,
}

impl ReportsLock {
    /// Takes the lock of reports directory `dir` (created if need be) when no other forge holds
    /// it, without waiting: `None` when one does, or when the lock cannot be taken at all (then
    /// [`write_reports`], taking it itself, reports why).
    pub fn try_acquire(dir: &Path) -> Option<Self> {
        std::fs::create_dir_all(dir).ok()?;
        let (_, file) = open_lock(dir).ok()?;
        file.try_lock().ok()?;
        Some(Self { _file: file })
    }

    /// Takes the lock of reports directory `dir` (which exists), waiting for another holder.
    fn wait(dir: &Path) -> Result<Self, ReportError> {
        let (path, file) = open_lock(dir)?;
        file.lock().map_err(|source| ReportError::Lock { path, source })?;
        Ok(Self { _file: file })
    }
}

/// Opens the lock file of reports directory `dir`, without following a symlink (`O_NOFOLLOW`) or
/// blocking on a FIFO (`O_NONBLOCK`); it is never written.
fn open_lock(dir: &Path) -> Result<(PathBuf, std::fs::File), ReportError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let path: PathBuf = dir.join(LOCK_FILE);
    let error = |source| ReportError::Lock { path: path.clone(), source };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o666)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(&path)
        .map_err(error)?;
    if !file.metadata().map_err(error)?.is_file() {
        return Err(error(std::io::Error::other("not a regular file")));
    }
    Ok((path, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_replace_the_file_and_leave_no_temporary_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("run.json");
        write_atomically(&path, b"one").expect("write");
        write_atomically(&path, b"two").expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        assert_eq!(names(dir.path()), ["run.json"]);
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("junit.xml");
        std::fs::create_dir(&path).expect("a directory where the report goes");
        std::fs::write(path.join("keep"), "x").expect("write");
        let error = write_atomically(&path, b"report").expect_err("cannot replace a directory");
        assert!(error.to_string().starts_with("cannot write report "), "{error}");
        assert_eq!(names(dir.path()), ["junit.xml"]);
    }

    #[test]
    fn a_planted_lock_symlink_is_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").expect("write");
        std::os::unix::fs::symlink(&victim, dir.path().join(LOCK_FILE)).expect("symlink");
        let merged = write_reports(dir.path(), Reports::default(), &WriteOptions::default());
        assert!(matches!(merged.problems.as_slice(), [ReportError::Lock { .. }]), "{:?}", merged.problems);
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    }

    #[test]
    fn the_lock_is_taken_without_waiting_only_when_no_one_holds_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let reports = dir.path().join("reports");
        let held = ReportsLock::try_acquire(&reports).expect("free: taken, the directory created");
        // flock locks belong to the open file: a second open, as another forge's, must wait.
        assert!(ReportsLock::try_acquire(&reports).is_none(), "held");
        drop(held);
        assert!(ReportsLock::try_acquire(&reports).is_some(), "released on drop");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").expect("write");
        let planted = dir.path().join("planted");
        std::fs::create_dir(&planted).expect("dir");
        std::os::unix::fs::symlink(&victim, planted.join(LOCK_FILE)).expect("symlink");
        assert!(ReportsLock::try_acquire(&planted).is_none(), "a symlink is not followed");
    }

    #[test]
    fn parts_a_directory_lacks_are_removed_from_an_earlier_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in [JUNIT_FILE, COVERAGE_FILE, RUN_FILE] {
            std::fs::write(dir.path().join(name), "old").expect("write");
        }
        let merged = write_reports(
            dir.path(),
            Reports::default(),
            &WriteOptions { fail_under: Some(80.0), ..WriteOptions::default() },
        );
        assert!(merged.is_clean(), "{:?}", merged.problems);
        assert_eq!(names(dir.path()), [LOCK_FILE]);
    }

    #[test]
    fn a_stale_report_that_cannot_be_removed_is_a_problem() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join(COVERAGE_FILE)).expect("a directory named coverage.xml");
        let merged = write_reports(dir.path(), Reports::default(), &WriteOptions::default());
        match merged.problems.as_slice() {
            [ReportError::Remove { path, .. }] => assert_eq!(path, &dir.path().join(COVERAGE_FILE)),
            other => panic!("{other:?}"),
        }
    }
}
