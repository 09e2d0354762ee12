//! `report.html`: one self-contained page per run (inline CSS and SVG, no network, readable
//! without JavaScript), rendered with an askama template (`templates/report.html`) from the page
//! model of `page.rs`, which computes and formats everything, so the template only prints.

mod format;
mod page;
mod suites;
mod timeline;
mod trends;

use std::path::Path;

use askama::Template;

pub use page::{Page, build};

use super::Merged;
use super::history::HistoryEntry;
use super::model::RunReport;

/// The file name, in the reports directory.
pub const HTML_FILE: &str = "report.html";

/// How the page tells to re-run a failed session alone: `PREFIX -s NAME --no-deps SUFFIX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RerunCommand {
    /// `forge`, with `-f FILE` (and `--profile NAME`) as the run had them.
    pub prefix: String,
    /// ` -- POSARGS` when the run had posargs, else "".
    pub suffix: String,
}

impl Default for RerunCommand {
    fn default() -> Self {
        Self { prefix: "forge".to_owned(), suffix: String::new() }
    }
}

/// What the page is made from.
#[derive(Debug)]
pub struct PageInput<'a> {
    /// The run (or the runs `forge report` merged).
    pub run: &'a RunReport,
    /// What the written reports say.
    pub merged: &'a Merged,
    /// junit.xml as written, when it was.
    pub junit: Option<&'a quick_junit::Report>,
    /// Per file: path, covered lines, valid lines.
    pub coverage_files: &'a [(String, u64, u64)],
    /// The coverage gate, in percent.
    pub fail_under: Option<f64>,
    /// The recorded runs, oldest first, this one last.
    pub history: &'a [HistoryEntry],
    /// Where the page goes (log links are relative to it).
    pub reports_dir: &'a Path,
    /// The re-run command's parts.
    pub rerun: &'a RerunCommand,
    /// Warnings met reading the history.
    pub warnings: &'a [String],
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    page: &'a Page,
    css: &'static str,
    script: &'static str,
}

/// The page's bytes.
pub fn render(input: &PageInput<'_>) -> String {
    let page = build(input);
    let template = ReportPage { page: &page, css: include_str!("report.css"), script: include_str!("report.js") };
    // Rendering plain strings into a String cannot fail; an empty page would be noticed.
    template.render().unwrap_or_default()
}
