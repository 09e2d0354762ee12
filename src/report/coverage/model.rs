//! The merged coverage model: files → lines → hits and branches, and the merge rules.
//!
//! Lines: the union of every input's lines, hits summed. Branches are merged exactly when the
//! inputs identify them — LCOV `BRDA` (each branch by block and branch id, hits summed) or
//! coverage.py's `missing-branches` with the same branch count (the missing sets intersect) — and
//! otherwise (only a `condition-coverage` count, as istanbul, coverlet and Java Cobertura write)
//! as a lower bound: the larger covered count over the larger total.

use std::collections::{BTreeMap, BTreeSet};

/// Coverage of a set of files, keyed by project-relative path with `/` separators.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// Files by path.
    pub files: BTreeMap<String, FileCoverage>,
}

/// Coverage of one file: its measurable lines by 1-based line number.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileCoverage {
    /// Lines by number.
    pub lines: BTreeMap<u32, LineCoverage>,
}

/// One measurable line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LineCoverage {
    /// Times executed (0 = missed).
    pub hits: u64,
    /// Its branches, when the line is a branch point.
    pub branches: Option<Branches>,
}

/// A line's branches, as exactly as the input allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Branches {
    /// Every branch by identity with its hit count (LCOV `BRDA:line,block,branch,taken`; the
    /// identity is `block.branch`).
    Known(BTreeMap<String, u64>),
    /// `total` branches of which exactly `missing` (by identity) were never taken (coverage.py's
    /// `condition-coverage="50% (1/2)" missing-branches="12"`; an empty set when all are taken).
    Missing {
        /// Number of branches.
        total: u32,
        /// Identities of the branches never taken.
        missing: BTreeSet<String>,
    },
    /// Only counts are known (`condition-coverage` without `missing-branches`).
    Counts {
        /// Branches taken at least once.
        covered: u32,
        /// Number of branches.
        total: u32,
    },
}

impl Branches {
    /// Branches taken at least once.
    pub fn covered(&self) -> u64 {
        match self {
            Branches::Known(branches) => branches.values().filter(|hits| **hits > 0).count() as u64,
            Branches::Missing { total, missing } => u64::from(*total).saturating_sub(missing.len() as u64),
            Branches::Counts { covered, .. } => u64::from(*covered),
        }
    }

    /// Number of branches.
    pub fn total(&self) -> u64 {
        match self {
            Branches::Known(branches) => branches.len() as u64,
            Branches::Missing { total, .. } | Branches::Counts { total, .. } => u64::from(*total),
        }
    }

    /// Identities of the branches never taken, when known.
    pub fn missing(&self) -> Option<Vec<&str>> {
        match self {
            Branches::Known(branches) => {
                Some(branches.iter().filter(|(_, hits)| **hits == 0).map(|(id, _)| id.as_str()).collect())
            }
            Branches::Missing { missing, .. } => Some(missing.iter().map(String::as_str).collect()),
            Branches::Counts { .. } => None,
        }
    }

    /// Both inputs' branches as one: exact when both identify their branches the same way (or
    /// one side took every branch), else the documented lower bound.
    pub fn merge(self, other: Branches) -> Branches {
        match (self, other) {
            (Branches::Known(mut left), Branches::Known(right)) => {
                for (id, hits) in right {
                    *left.entry(id).or_insert(0) += hits;
                }
                Branches::Known(left)
            }
            (
                Branches::Missing { total, missing },
                Branches::Missing { total: other_total, missing: other_missing },
            ) if total == other_total => {
                Branches::Missing { total, missing: missing.intersection(&other_missing).cloned().collect() }
            }
            (left, right) => {
                let total = left.total().max(right.total());
                for side in [&left, &right] {
                    if side.total() == total && side.covered() == total {
                        return Branches::Missing { total: clamp(total), missing: BTreeSet::new() };
                    }
                }
                Branches::Counts { covered: clamp(left.covered().max(right.covered())), total: clamp(total) }
            }
        }
    }
}

fn clamp(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// How two records of the same line combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitRule {
    /// Separate runs (inputs, LCOV records of one file): hits add up.
    Sum,
    /// The same run describing a line twice (a file split over several Cobertura `<class>`es):
    /// the larger count.
    Max,
}

impl LineCoverage {
    fn merge(&mut self, other: LineCoverage, rule: HitRule) {
        self.hits = match rule {
            HitRule::Sum => self.hits.saturating_add(other.hits),
            HitRule::Max => self.hits.max(other.hits),
        };
        self.branches = match (self.branches.take(), other.branches) {
            (Some(left), Some(right)) => Some(left.merge(right)),
            (left, right) => left.or(right),
        };
    }
}

impl FileCoverage {
    /// Adds `other`'s lines to this file's.
    pub fn merge(&mut self, other: FileCoverage, rule: HitRule) {
        for (number, line) in other.lines {
            match self.lines.entry(number) {
                std::collections::btree_map::Entry::Occupied(mut entry) => entry.get_mut().merge(line, rule),
                std::collections::btree_map::Entry::Vacant(entry) => {
                    entry.insert(line);
                }
            }
        }
    }

    /// `(covered, valid)` lines.
    pub fn line_counts(&self) -> (u64, u64) {
        (self.lines.values().filter(|line| line.hits > 0).count() as u64, self.lines.len() as u64)
    }

    /// `(covered, valid)` branches.
    pub fn branch_counts(&self) -> (u64, u64) {
        self.lines
            .values()
            .filter_map(|line| line.branches.as_ref())
            .fold((0, 0), |(covered, total), branches| (covered + branches.covered(), total + branches.total()))
    }
}

impl Coverage {
    /// Adds `file` under `path`.
    pub fn add_file(&mut self, path: String, file: FileCoverage, rule: HitRule) {
        self.files.entry(path).or_default().merge(file, rule);
    }

    /// Adds every file of `other` (a separate run: hits summed).
    pub fn merge(&mut self, other: Coverage) {
        for (path, file) in other.files {
            self.add_file(path, file, HitRule::Sum);
        }
    }

    /// `(covered, valid)` lines over all files.
    pub fn line_counts(&self) -> (u64, u64) {
        self.files.values().map(FileCoverage::line_counts).fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
    }

    /// `(covered, valid)` branches over all files.
    pub fn branch_counts(&self) -> (u64, u64) {
        self.files.values().map(FileCoverage::branch_counts).fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing(total: u32, ids: &[&str]) -> Branches {
        Branches::Missing { total, missing: ids.iter().map(|id| (*id).to_owned()).collect() }
    }

    #[test]
    fn known_branches_are_summed_by_identity() {
        let left = Branches::Known([("0.0".to_owned(), 1), ("0.1".to_owned(), 0)].into());
        let right = Branches::Known([("0.0".to_owned(), 0), ("0.1".to_owned(), 2), ("1.0".to_owned(), 0)].into());
        let merged = left.merge(right);
        assert_eq!((merged.covered(), merged.total()), (2, 3));
        assert_eq!(merged.missing(), Some(vec!["1.0"]));
    }

    #[test]
    fn missing_branches_intersect_when_totals_agree() {
        let merged = missing(3, &["12", "exit"]).merge(missing(3, &["exit", "14"]));
        assert_eq!(merged, missing(3, &["exit"]));
        assert_eq!((merged.covered(), merged.total()), (2, 3));
    }

    #[test]
    fn counts_only_give_a_lower_bound() {
        let merged = Branches::Counts { covered: 1, total: 2 }.merge(Branches::Counts { covered: 1, total: 2 });
        assert_eq!(merged, Branches::Counts { covered: 1, total: 2 });
        let merged = missing(2, &["9"]).merge(Branches::Counts { covered: 0, total: 4 });
        assert_eq!((merged.covered(), merged.total()), (1, 4));
        let full = Branches::Counts { covered: 2, total: 2 }.merge(missing(2, &["9"]));
        assert_eq!(full, missing(2, &[]));
    }

    #[test]
    fn lines_union_with_hits_summed_or_maxed() {
        let line = |hits| LineCoverage { hits, branches: None };
        let mut file = FileCoverage { lines: [(1, line(1)), (2, line(0))].into() };
        file.merge(FileCoverage { lines: [(2, line(3)), (3, line(0))].into() }, HitRule::Sum);
        assert_eq!(file.lines[&2].hits, 3);
        assert_eq!(file.line_counts(), (2, 3));
        file.merge(FileCoverage { lines: [(1, line(5))].into() }, HitRule::Max);
        assert_eq!(file.lines[&1].hits, 5);
    }
}

/// A test added after cargo-mutants found the rule untested.
#[cfg(test)]
mod mutation_tests {
    use super::*;

    #[test]
    fn missing_branches_with_different_totals_give_the_lower_bound() {
        // The same line compiled to 2 branches in one run and 4 in another (two Python
        // versions): the missing sets name different branch sets, so they cannot be intersected.
        let two = Branches::Missing { total: 2, missing: ["a".to_owned()].into() };
        let four = Branches::Missing { total: 4, missing: ["a".to_owned(), "b".to_owned()].into() };
        assert_eq!(two.merge(four), Branches::Counts { covered: 2, total: 4 });
    }
}
