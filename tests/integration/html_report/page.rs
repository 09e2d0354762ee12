//! report.html parsed by libxml2's HTML parser and queried with XPath 1.0 (`xmllint --html
//! --xpath`, from libxml2-utils, which `scripts/install-test-deps` installs).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A written report.html.
pub struct Page {
    /// Its path.
    pub path: PathBuf,
}

impl Page {
    /// The report.html of the default reports directory of the project at `root`, checked to be a
    /// document libxml2 parses, with one `<html>` root.
    pub fn of(root: &Path) -> Self {
        let page = Self { path: root.join(".forge/reports/report.html") };
        assert!(page.path.is_file(), "report.html written");
        assert_eq!(page.count("/html"), 1);
        page
    }

    /// The XPath expression's value as a string.
    #[track_caller]
    pub fn xpath(&self, expression: &str) -> String {
        let output = Command::new("xmllint")
            .args(["--html", "--nowarning", "--xpath", expression])
            .arg(&self.path)
            .output()
            .expect("xmllint runs (scripts/install-test-deps installs it)");
        // xmllint exits 10 for an XPath with an empty result: that is an empty string here.
        assert!(
            output.status.success() || output.status.code() == Some(10),
            "xmllint --xpath {expression}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// `string(EXPRESSION)`, whitespace collapsed.
    #[track_caller]
    pub fn text(&self, expression: &str) -> String {
        self.xpath(&format!("normalize-space({expression})"))
    }

    /// `count(EXPRESSION)`.
    #[track_caller]
    pub fn count(&self, expression: &str) -> usize {
        self.xpath(&format!("count({expression})")).parse().expect("a count")
    }

    /// The text of every node `expression` selects, in document order.
    #[track_caller]
    pub fn texts(&self, expression: &str) -> Vec<String> {
        (1..=self.count(expression)).map(|index| self.text(&format!("({expression})[{index}]"))).collect()
    }

    /// The page is self-contained: no script, style sheet, image, frame or font from elsewhere,
    /// and no link out of the reports directory but the logs (relative).
    #[track_caller]
    pub fn assert_self_contained(&self) {
        assert_eq!(self.count("//*[@src]"), 0, "nothing is loaded from a src");
        assert_eq!(self.count("//link | //iframe | //object | //embed | //img"), 0);
        let hrefs = self.texts("//a/@href");
        assert!(hrefs.iter().all(|href| !href.contains(':') && !href.starts_with('/')), "{hrefs:?}");
        let html = std::fs::read_to_string(&self.path).unwrap();
        assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("@import"));
    }
}
