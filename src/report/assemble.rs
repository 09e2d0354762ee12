//! What goes into one reports directory, assembled in memory before anything is written: from a
//! run here, from other directories in `merge.rs`.

use std::path::{Path, PathBuf};

use quick_junit::Report;

use super::ReportError;
use super::coverage::{self, Coverage};
use super::junit;
use super::model::RunReport;

/// The reports of one directory. A part that is `None` is not written, and the file an earlier
/// run left under its name is removed, so that the directory describes one run only.
#[derive(Debug, Default)]
pub struct Reports {
    /// run.json.
    pub run: Option<RunReport>,
    /// junit.xml.
    pub junit: Option<Report>,
    /// coverage.xml: only coverage that measures at least one line (no data is never 100%).
    pub coverage: Option<CoverageReport>,
    /// Inputs that could not be read or merged, found while assembling.
    pub problems: Vec<ReportError>,
}

/// Merged coverage and the project root its paths are relative to (coverage.xml's `<source>`).
#[derive(Debug)]
pub struct CoverageReport {
    /// The merged data.
    pub data: Coverage,
    /// The project root.
    pub root: PathBuf,
}

impl Reports {
    /// The reports of a run: its JUnit report with every declared JUnit file merged, its declared
    /// coverage merged (paths relative to `root`), and `run` itself.
    pub fn of_run(run: RunReport, root: &Path) -> Self {
        let (junit, mut problems) = junit::run_report(&run);
        let (coverage, coverage_problems) = coverage::collect_run(&run, root);
        problems.extend(coverage_problems);
        Self {
            junit: Some(junit),
            coverage: coverage.map(|data| CoverageReport { data, root: root.to_path_buf() }),
            run: Some(run),
            problems,
        }
    }
}
