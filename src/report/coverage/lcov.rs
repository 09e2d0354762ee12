//! Reading LCOV tracefiles (geninfo's format, also written by `coverage lcov`, c8, llvm-cov,
//! cargo-llvm-cov): `SF:` starts a file record, `DA:line,hits[,checksum]` a line,
//! `BRDA:line,block,branch,taken` a branch (`-` = never reached = 0), `end_of_record` ends it.
//! Repeated `SF` records of one file are summed. `TN`, `FN`, `FNDA`, `FNF`, `FNH`, `FNL`, `FNA`,
//! `BRF`, `BRH`, `LF`, `LH` and `VER` are accepted and ignored (totals are recomputed; function
//! coverage is not part of Cobertura's line and branch totals). A `BRDA` on a line without `DA`
//! is ignored.

use std::collections::BTreeMap;

use super::Parsed;
use super::cobertura::parse_count;
use super::model::{Branches, FileCoverage, HitRule, LineCoverage};

/// Parses an LCOV tracefile.
///
/// # Errors
/// The text has no `SF:` record, or a `DA`/`BRDA` line outside a record.
pub fn parse_lcov(text: &str) -> Result<Parsed, String> {
    let mut files: BTreeMap<String, FileCoverage> = BTreeMap::new();
    let mut current: Option<Record> = None;
    let mut records = 0;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let (key, value) = line.split_once(':').unwrap_or((line, ""));
        match key {
            "SF" => {
                if let Some(record) = current.take() {
                    record.finish(&mut files);
                }
                current = Some(Record { path: value.trim().to_owned(), ..Record::default() });
                records += 1;
            }
            "end_of_record" => {
                if let Some(record) = current.take() {
                    record.finish(&mut files);
                }
            }
            "DA" | "BRDA" => {
                let Some(record) = current.as_mut() else {
                    return Err(format!("line {}: `{key}` outside an `SF:` record", index + 1));
                };
                if key == "DA" {
                    record.line(value);
                } else {
                    record.branch(value);
                }
            }
            _ => {}
        }
    }
    if let Some(record) = current.take() {
        record.finish(&mut files);
    }
    if records == 0 {
        return Err("not LCOV: no `SF:` record".to_owned());
    }
    Ok(Parsed { sources: Vec::new(), files })
}

#[derive(Default)]
struct Record {
    path: String,
    lines: FileCoverage,
    branches: BTreeMap<u32, BTreeMap<String, u64>>,
}

impl Record {
    fn line(&mut self, value: &str) {
        let mut fields = value.split(',');
        let Some(number) =
            fields.next().and_then(|number| number.trim().parse::<u32>().ok()).filter(|number| *number > 0)
        else {
            return;
        };
        let hits = fields.next().map_or(0, parse_count);
        self.lines
            .merge(FileCoverage { lines: [(number, LineCoverage { hits, branches: None })].into() }, HitRule::Sum);
    }

    fn branch(&mut self, value: &str) {
        let mut head = value.splitn(3, ',');
        let (Some(line), Some(block), Some(rest)) = (head.next(), head.next(), head.next()) else {
            return;
        };
        let Some((branch, taken)) = rest.rsplit_once(',') else {
            return;
        };
        let Some(line) = line.trim().parse::<u32>().ok() else {
            return;
        };
        let taken = if taken.trim() == "-" { 0 } else { parse_count(taken) };
        *self.branches.entry(line).or_default().entry(format!("{}.{}", block.trim(), branch.trim())).or_insert(0) +=
            taken;
    }

    fn finish(mut self, files: &mut BTreeMap<String, FileCoverage>) {
        if self.path.is_empty() {
            return;
        }
        for (number, branches) in self.branches {
            if let Some(line) = self.lines.lines.get_mut(&number) {
                line.branches = Some(Branches::Known(branches));
            }
        }
        files.entry(self.path).or_default().merge(self.lines, HitRule::Sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_lines_and_branches() {
        let text = "TN:\nSF:src/a.py\nFN:1,f\nFNDA:1,f\nFNF:1\nFNH:1\nBRDA:3,0,0,1\nBRDA:3,0,1,-\nBRDA:9,0,0,1\nBRF:2\nBRH:1\nDA:1,1\nDA:2,0,abcdef\nDA:3,4\nLF:3\nLH:2\nend_of_record\n";
        let parsed = parse_lcov(text).expect("parses");
        let file = &parsed.files["src/a.py"];
        assert_eq!(file.line_counts(), (2, 3));
        assert_eq!(file.branch_counts(), (1, 2));
        assert_eq!(file.lines[&3].branches.as_ref().and_then(Branches::missing), Some(vec!["0.1"]));
    }

    #[test]
    fn repeated_records_are_summed() {
        let text = "SF:a.c\nDA:1,1\nDA:2,0\nBRDA:2,0,0,0\nBRDA:2,0,1,0\nend_of_record\nSF:b.c\nDA:1,0\nend_of_record\nSF:a.c\nDA:2,5\nDA:3,0\nBRDA:2,0,1,2\nBRDA:2,0,0,-\nend_of_record\n";
        let parsed = parse_lcov(text).expect("parses");
        let a = &parsed.files["a.c"];
        assert_eq!(a.lines[&2].hits, 5);
        assert_eq!(a.line_counts(), (2, 3));
        assert_eq!(a.branch_counts(), (1, 2));
        assert_eq!(parsed.files["b.c"].line_counts(), (0, 1));
    }

    #[test]
    fn lcov2_branch_expressions_and_missing_end() {
        let text = "SF:/abs/x.cpp\nDA:7,2\nBRDA:7,e0,(a, b) == c,3\nBRDA:7,0,true,0\n";
        let parsed = parse_lcov(text).expect("parses");
        assert_eq!(parsed.files["/abs/x.cpp"].branch_counts(), (1, 2));
    }

    #[test]
    fn rejects_non_lcov() {
        assert!(parse_lcov("hello\nworld\n").is_err());
        assert!(parse_lcov("DA:1,1\n").is_err());
    }
}
