//! `coverage.xml`: every declared coverage file (Cobertura XML or LCOV) read, its paths made
//! relative to the project root, merged (see [`model`] for the rules) and written as Cobertura.

mod cobertura;
mod lcov;
pub mod model;
mod write;

pub use cobertura::parse_cobertura;
pub use lcov::parse_lcov;
pub use model::{Branches, Coverage, FileCoverage, HitRule, LineCoverage};
pub use write::{cobertura_xml, rate};

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::model::{RunReport, Status};
use super::{ReportError, read_input};

/// One coverage file as read: its `<source>` directories (Cobertura; none for LCOV) and its
/// files by path as written in it (`filename`, `SF:`), not yet resolved.
#[derive(Debug, Default)]
pub struct Parsed {
    /// `<source>` texts in document order.
    pub sources: Vec<String>,
    /// Files by their raw path.
    pub files: BTreeMap<String, FileCoverage>,
}

/// Parses a coverage file, telling the format by its first character: `<` is Cobertura XML,
/// anything else LCOV.
///
/// # Errors
/// A message saying why it is neither.
pub fn parse_coverage(bytes: &[u8]) -> Result<Parsed, String> {
    let text = String::from_utf8_lossy(bytes);
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('<') { parse_cobertura(body.as_bytes()) } else { parse_lcov(body) }
}

/// Turns the paths written in coverage files into paths relative to the project root.
#[derive(Debug, Clone)]
pub struct Resolver {
    root: PathBuf,
    canonical_root: Option<PathBuf>,
    /// Take relative paths as relative to the root when no `<source>` places them under it: for
    /// `forge report`, whose inputs are forge's own coverage.xml files written on other machines
    /// (their `<source>` is that machine's project root).
    trust_relative: bool,
}

impl Resolver {
    /// A resolver for files produced in this project (`trust_relative` false) or for forge's own
    /// reports from elsewhere (`trust_relative` true).
    pub fn new(root: &Path, trust_relative: bool) -> Self {
        let root = normalize(root);
        let canonical_root = std::fs::canonicalize(&root).ok().filter(|canonical| *canonical != root);
        Self { root, canonical_root, trust_relative }
    }

    /// The project-relative `/`-separated path of `filename` (as written in a file whose
    /// `<source>`s are `sources`), or `None` when it lies outside the root.
    ///
    /// Absolute paths are used as they are. With `trust_relative` a relative one is taken as
    /// root-relative; otherwise it is tried against each source (one that exists first, as
    /// coverage.py does with several `--cov` sources), then, when there are no sources (LCOV),
    /// against the root.
    pub fn resolve(&self, filename: &str, sources: &[String]) -> Option<String> {
        let path = Path::new(filename.trim());
        if path.is_absolute() {
            return self.relative(path);
        }
        if self.trust_relative {
            // forge's own coverage.xml: filenames are relative to the project root whatever
            // machine's path its `<source>` names, so the result does not depend on where
            // `forge report` runs.
            return self.relative(&self.root.join(path));
        }
        let candidates: Vec<PathBuf> = sources.iter().map(|source| self.root.join(source).join(path)).collect();
        let existing =
            candidates.iter().filter(|candidate| candidate.exists()).find_map(|candidate| self.relative(candidate));
        if let Some(found) = existing.or_else(|| candidates.iter().find_map(|candidate| self.relative(candidate))) {
            return Some(found);
        }
        if sources.is_empty() { self.relative(&self.root.join(path)) } else { None }
    }

    fn relative(&self, path: &Path) -> Option<String> {
        let normal = normalize(path);
        let roots = std::iter::once(&self.root).chain(self.canonical_root.as_ref());
        let mut found = roots.clone().find_map(|root| normal.strip_prefix(root).ok().map(Path::to_path_buf));
        if found.is_none()
            && let Ok(canonical) = std::fs::canonicalize(&normal)
        {
            found = roots.clone().find_map(|root| canonical.strip_prefix(root).ok().map(Path::to_path_buf));
        }
        let parts: Vec<String> =
            found?.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }
}

/// `path` with `.` removed and `..` applied lexically (the file need not exist).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Adds `parsed` (one input: one run) to `into`, resolving its paths; returns the raw paths
/// dropped because they lie outside the root.
pub fn add_parsed(into: &mut Coverage, parsed: Parsed, resolver: &Resolver) -> Vec<String> {
    let mut input = Coverage::default();
    let mut dropped = Vec::new();
    for (raw, file) in parsed.files {
        match resolver.resolve(&raw, &parsed.sources) {
            Some(path) => input.add_file(path, file, HitRule::Max),
            None => dropped.push(raw),
        }
    }
    into.merge(input);
    dropped
}

/// The run's merged coverage (`None` when no session that ran declared any, or when it holds no
/// data) and the problems found: declared data missing everywhere
/// ([`ReportError::NoCoverageData`]), a successful session's file missing, unreadable files, data
/// that lies wholly outside the root, or data that measures no line.
pub fn collect_run(run: &RunReport, root: &Path) -> (Option<Coverage>, Vec<ReportError>) {
    let mut merger = Merger::new(root, false);
    let mut problems = Vec::new();
    let mut declared = false;
    // Files missing after a session that succeeded: a failed session that never got to write its
    // coverage is already reported as a failure.
    let mut missing_after_success = Vec::new();
    let mut not_written = Vec::new();
    for session in run.sessions.iter().filter(|session| session.ran() && session.status != Status::Skipped) {
        for path in &session.coverage {
            declared = true;
            match merger.add_file(path) {
                Ok(true) => {}
                Ok(false) if matches!(session.status, Status::Success | Status::Cached) => {
                    missing_after_success.push(path.clone());
                    not_written
                        .push(ReportError::CoverageNotWritten { session: session.name.clone(), path: path.clone() });
                }
                Ok(false) => {}
                Err(problem) => problems.push(problem),
            }
        }
    }
    if !declared {
        return (None, problems);
    }
    if merger.read.is_empty() {
        if !missing_after_success.is_empty() {
            problems.push(ReportError::NoCoverageData { missing: missing_after_success });
        }
        return (None, problems);
    }
    problems.extend(not_written);
    let coverage = merger.finish(&mut problems);
    (coverage, problems)
}

/// Coverage files merged one at a time: for a run's declared files and for `forge report`.
pub struct Merger {
    resolver: Resolver,
    coverage: Coverage,
    /// Files of the inputs that lie outside the root (dropped).
    dropped: Vec<String>,
    /// The inputs read, in order.
    pub read: Vec<PathBuf>,
}

impl Merger {
    /// A merger resolving paths against `root` (see [`Resolver::new`] for `trust_relative`).
    pub fn new(root: &Path, trust_relative: bool) -> Self {
        Self {
            resolver: Resolver::new(root, trust_relative),
            coverage: Coverage::default(),
            dropped: Vec::new(),
            read: Vec::new(),
        }
    }

    /// Reads and merges the Cobertura or LCOV file `path`: `Ok(false)` when it does not exist.
    ///
    /// # Errors
    /// [`ReportError::Unreadable`] when it is not a regular file of bounded size,
    /// [`ReportError::Read`] when it cannot be parsed.
    pub fn add_file(&mut self, path: &Path) -> Result<bool, ReportError> {
        let Some(bytes) = read_input(path)? else { return Ok(false) };
        let parsed =
            parse_coverage(&bytes).map_err(|message| ReportError::Read { path: path.to_path_buf(), message })?;
        self.read.push(path.to_path_buf());
        self.dropped.extend(add_parsed(&mut self.coverage, parsed, &self.resolver));
        Ok(true)
    }

    /// The merged coverage; `None` when nothing was read, or (with a problem) when every file lay
    /// outside the root or the data measures no line (no data is never 100%).
    pub fn finish(self, problems: &mut Vec<ReportError>) -> Option<Coverage> {
        if self.read.is_empty() {
            return None;
        }
        if self.coverage.files.is_empty() && !self.dropped.is_empty() {
            problems.push(outside_root(&self.resolver.root, &self.dropped));
            return None;
        }
        if self.coverage.line_counts().1 == 0 {
            problems.push(ReportError::EmptyCoverage { files: self.read });
            return None;
        }
        Some(self.coverage)
    }
}

/// The problem for coverage data none of whose files lies under the root.
pub fn outside_root(root: &Path, dropped: &[String]) -> ReportError {
    ReportError::Message {
        message: format!(
            "none of the {} files in the coverage data lies under the project root {} (e.g. {})",
            dropped.len(),
            root.display(),
            dropped.first().map_or("", String::as_str)
        ),
        hint: Some(
            "measure the project's own sources (e.g. `pytest --cov=src`), or pass --root to `forge report`".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_through_sources_and_outside_files_are_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/pkg")).expect("mkdir");
        std::fs::write(root.join("src/pkg/a.py"), "").expect("write");
        let resolver = Resolver::new(root, false);
        let src = root.join("src").to_string_lossy().into_owned();
        let tests = root.join("tests").to_string_lossy().into_owned();
        assert_eq!(resolver.resolve("pkg/a.py", &[tests.clone(), src.clone()]).as_deref(), Some("src/pkg/a.py"));
        assert_eq!(resolver.resolve("test_x.py", std::slice::from_ref(&tests)).as_deref(), Some("tests/test_x.py"));
        assert_eq!(resolver.resolve(&format!("{src}/./pkg/../pkg/a.py"), &[]).as_deref(), Some("src/pkg/a.py"));
        assert_eq!(resolver.resolve("/usr/lib/python3/os.py", &[]), None);
        assert_eq!(resolver.resolve("../elsewhere.py", &[]), None);
        assert_eq!(resolver.resolve("lib/x.js", &[]).as_deref(), Some("lib/x.js"));
        assert_eq!(resolver.resolve("a.py", &["/other/machine/project".to_owned()]), None);
        let trusting = Resolver::new(root, true);
        assert_eq!(trusting.resolve("src/a.py", &["/other/machine/project".to_owned()]).as_deref(), Some("src/a.py"));
    }

    #[test]
    fn formats_are_told_apart() {
        assert!(parse_coverage(b"\xef\xbb\xbf  <coverage/>").is_ok());
        assert_eq!(parse_coverage(b"SF:a.py\nDA:1,1\nend_of_record\n").map(|parsed| parsed.files.len()), Ok(1));
        assert!(parse_coverage(b"{\"json\": true}").is_err());
    }

    #[test]
    fn two_inputs_merge_as_separate_runs() {
        let resolver = Resolver::new(Path::new("/p"), false);
        let mut coverage = Coverage::default();
        let one = parse_coverage(b"SF:/p/a.py\nDA:1,1\nDA:2,0\nend_of_record\nSF:/usr/x.py\nDA:1,1\nend_of_record\n")
            .expect("lcov");
        let two = parse_coverage(br#"<coverage><sources><source>/p</source></sources><packages><package><classes><class filename="a.py"><lines><line number="2" hits="2"/><line number="3" hits="0"/></lines></class></classes></package></packages></coverage>"#).expect("xml");
        assert_eq!(add_parsed(&mut coverage, one, &resolver), ["/usr/x.py"]);
        assert!(add_parsed(&mut coverage, two, &resolver).is_empty());
        assert_eq!(coverage.line_counts(), (2, 3));
        assert_eq!(coverage.files["a.py"].lines[&2].hits, 2);
    }
}
