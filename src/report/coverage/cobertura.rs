//! Reading Cobertura XML as coverage.py/pytest-cov, istanbul (nyc, Jest), coverlet and Java
//! Cobertura write it (`coverage-04.dtd`): `<sources>`, then `<class filename=…>` with `<lines>`.
//!
//! Only class-level `<lines>` count (method lines repeat them); a class without its own lines
//! falls back to its methods' lines. A file split over several `<class>` elements (coverlet,
//! Java inner classes) takes the larger hit count per line. `branch` is case-insensitive
//! (coverlet writes `True`); `condition-coverage="50% (1/2)"` gives the counts and coverage.py's
//! `missing-branches="12,exit"` identifies the missing ones.

use std::collections::{BTreeMap, BTreeSet};

use super::Parsed;
use super::model::{Branches, FileCoverage, HitRule, LineCoverage};
use crate::report::xml::{self, Element};

/// Parses a Cobertura document.
///
/// # Errors
/// Not XML, or the root is not `<coverage>`.
pub fn parse_cobertura(bytes: &[u8]) -> Result<Parsed, String> {
    let root = xml::parse(bytes)?;
    if root.name != "coverage" {
        return Err(format!("root element is <{}>, expected <coverage> (Cobertura)", root.name));
    }
    let sources = root
        .child("sources")
        .into_iter()
        .flat_map(|sources| sources.children_named("source"))
        .map(|source| source.text.trim().to_owned())
        .filter(|source| !source.is_empty())
        .collect();
    let mut files: BTreeMap<String, FileCoverage> = BTreeMap::new();
    let mut classes = Vec::new();
    collect_classes(&root, &mut classes);
    for class in classes {
        let Some(filename) = class.attr("filename").map(str::trim).filter(|name| !name.is_empty()) else {
            continue;
        };
        let mut file = FileCoverage::default();
        let own: Vec<&Element> = class.children_named("lines").flat_map(|lines| lines.children_named("line")).collect();
        let lines = if own.is_empty() {
            class
                .children_named("methods")
                .flat_map(|methods| methods.children_named("method"))
                .flat_map(|method| method.children_named("lines"))
                .flat_map(|lines| lines.children_named("line"))
                .collect()
        } else {
            own
        };
        for line in lines {
            if let Some((number, coverage)) = parse_line(line) {
                file.merge(FileCoverage { lines: [(number, coverage)].into() }, HitRule::Max);
            }
        }
        files.entry(filename.to_owned()).or_default().merge(file, HitRule::Max);
    }
    Ok(Parsed { sources, files })
}

/// Every `<class>` under `<packages>` (or anywhere, for variants without packages).
fn collect_classes<'a>(element: &'a Element, out: &mut Vec<&'a Element>) {
    for child in &element.children {
        if child.name == "class" {
            out.push(child);
        } else if child.name != "sources" {
            collect_classes(child, out);
        }
    }
}

fn parse_line(line: &Element) -> Option<(u32, LineCoverage)> {
    let number: u32 = line.attr("number")?.trim().parse().ok().filter(|number| *number > 0)?;
    let hits = line.attr("hits").map_or(0, parse_count);
    let is_branch = line.attr("branch").is_some_and(|branch| branch.trim().eq_ignore_ascii_case("true"));
    let counts = line.attr("condition-coverage").and_then(parse_condition_coverage);
    let branches = match (is_branch, counts) {
        (true, Some((covered, total))) if total > 0 => {
            let missing: BTreeSet<String> = line
                .attr("missing-branches")
                .map(|list| list.split(',').map(str::trim).filter(|id| !id.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default();
            if covered == total || (!missing.is_empty() && missing.len() as u64 == u64::from(total - covered)) {
                Some(Branches::Missing { total, missing: if covered == total { BTreeSet::new() } else { missing } })
            } else {
                Some(Branches::Counts { covered: covered.min(total), total })
            }
        }
        _ => None,
    };
    Some((number, LineCoverage { hits, branches }))
}

/// A hit count: an integer, or a number with a fraction (rounded down); junk and negatives are 0.
pub fn parse_count(text: &str) -> u64 {
    let text = text.trim();
    text.parse::<u64>()
        .ok()
        .or_else(|| {
            text.parse::<f64>().ok().filter(|value| value.is_finite() && *value > 0.0).map(|value| value as u64)
        })
        .unwrap_or(0)
}

/// `"50% (1/2)"` → `(1, 2)`.
fn parse_condition_coverage(text: &str) -> Option<(u32, u32)> {
    let inner = text.split_once('(')?.1.split_once(')')?.0;
    let (covered, total) = inner.split_once('/')?;
    Some((covered.trim().parse().ok()?, total.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const COVERAGE_PY: &str = r#"<?xml version="1.0" ?>
<coverage version="7.6.1" timestamp="1" lines-valid="99" lines-covered="99" line-rate="1" branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">
	<!-- Generated by coverage.py: https://coverage.readthedocs.io/en/7.6.1 -->
	<sources>
		<source>/work/project/src</source>
	</sources>
	<packages>
		<package name="pkg" line-rate="0.5" branch-rate="0.5" complexity="0">
			<classes>
				<class name="mod.py" filename="pkg/mod.py" complexity="0" line-rate="0.5" branch-rate="0.5">
					<methods/>
					<lines>
						<line number="1" hits="1"/>
						<line number="2" hits="1" branch="true" condition-coverage="50% (1/2)" missing-branches="4"/>
						<line number="3" hits="0"/>
						<line number="4" hits="0" branch="true" condition-coverage="100% (2/2)"/>
					</lines>
				</class>
			</classes>
		</package>
	</packages>
</coverage>"#;

    #[test]
    fn coverage_py_counts_are_recomputed_and_branches_identified() {
        let parsed = parse_cobertura(COVERAGE_PY.as_bytes()).expect("parses");
        assert_eq!(parsed.sources, ["/work/project/src"]);
        let file = &parsed.files["pkg/mod.py"];
        assert_eq!(file.line_counts(), (2, 4));
        assert_eq!(file.branch_counts(), (3, 4));
        assert_eq!(file.lines[&2].branches, Some(Branches::Missing { total: 2, missing: ["4".to_owned()].into() }));
    }

    #[test]
    fn istanbul_and_coverlet_variants() {
        let istanbul = r#"<coverage lines-valid="0"><sources><source>/repo</source></sources><packages><package name="src"><classes>
            <class name="a.js" filename="src/a.js"><methods><method name="f" hits="1" signature="()V"><lines><line number="1" hits="1"/></lines></method></methods>
            <lines><line number="1" hits="1"/><line number="2" hits="3" branch="true" condition-coverage="50% (1/2)"/></lines></class></classes></package></packages></coverage>"#;
        let parsed = parse_cobertura(istanbul.as_bytes()).expect("parses");
        let file = &parsed.files["src/a.js"];
        assert_eq!(file.line_counts(), (2, 2));
        assert_eq!(file.lines[&2].branches, Some(Branches::Counts { covered: 1, total: 2 }));

        let coverlet = r#"<coverage><sources><source>C:\src\</source></sources><packages><package name="Lib"><classes>
            <class name="Lib.Foo" filename="Lib/Foo.cs"><methods><method name="Bar"><lines><line number="5" hits="2" branch="True" condition-coverage="100% (2/2)"><conditions><condition number="0" type="jump" coverage="100%"/></conditions></line></lines></method></methods>
              <lines><line number="5" hits="2" branch="True" condition-coverage="100% (2/2)"><conditions><condition number="0" type="jump" coverage="100%"/></conditions></line><line number="6" hits="0" branch="False"/></lines></class>
            <class name="Lib.Foo/&lt;&gt;c" filename="Lib/Foo.cs"><methods/><lines><line number="6" hits="4"/><line number="9" hits="0"/></lines></class>
            <class name="Lib.Gen" filename="Lib/Gen.cs"><methods><method name="M"><lines><line number="1" hits="1"/></lines></method></methods></class>
          </classes></package></packages></coverage>"#;
        let parsed = parse_cobertura(coverlet.as_bytes()).expect("parses");
        let foo = &parsed.files["Lib/Foo.cs"];
        assert_eq!(foo.lines[&6].hits, 4, "same run, split class: the larger count");
        assert_eq!(foo.line_counts(), (2, 3));
        assert_eq!(foo.branch_counts(), (2, 2));
        assert_eq!(parsed.files["Lib/Gen.cs"].line_counts(), (1, 1), "lines from methods when the class has none");
    }

    #[test]
    fn odd_values_are_tolerated() {
        assert_eq!(parse_count("12"), 12);
        assert_eq!(parse_count("3.0"), 3);
        assert_eq!(parse_count("-1"), 0);
        assert_eq!(parse_count("many"), 0);
        assert_eq!(parse_condition_coverage("33% (1/3)"), Some((1, 3)));
        assert_eq!(parse_condition_coverage("100%"), None);
        assert!(parse_cobertura(b"<testsuites/>").is_err());
    }
}
