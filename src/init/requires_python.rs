//! `requires-python` (a PEP 440 specifier set such as `>=3.9,<4` or `~=3.10`) asked one question:
//! does some release of CPython `3.MINOR` satisfy it? Enough of PEP 440 for that question:
//! `>= > <= < == != ~=` with release numbers and `.*` wildcards; anything else is "unknown".

/// Whether some `3.MINOR.PATCH` release satisfies `specifier`; `None` when a clause cannot be
/// read (the caller then says so in a comment rather than guessing).
pub fn allows_minor(specifier: &str, minor: u32) -> Option<bool> {
    let clauses: Vec<Clause> = specifier
        .split(',')
        .map(str::trim)
        .filter(|clause| !clause.is_empty())
        .map(Clause::parse)
        .collect::<Option<_>>()?;
    // Patch releases run well under 50; a clause such as `>=3.9.2` is met by 3.9.2 and later.
    Some((0..50).any(|patch| clauses.iter().all(|clause| clause.matches(&[3, minor, patch]))))
}

#[derive(Debug)]
struct Clause {
    operator: &'static str,
    release: Vec<u32>,
    wildcard: bool,
}

impl Clause {
    fn parse(text: &str) -> Option<Clause> {
        let operator = ["~=", "===", "==", "!=", ">=", "<=", ">", "<"].into_iter().find(|op| text.starts_with(op))?;
        let version = text[operator.len()..].trim();
        let (version, wildcard) = match version.strip_suffix(".*") {
            Some(prefix) => (prefix, true),
            None => (version, false),
        };
        let release = version.split('.').map(|part| part.parse().ok()).collect::<Option<Vec<u32>>>()?;
        let wildcard_allowed = matches!(operator, "==" | "!=");
        if release.is_empty() || (wildcard && !wildcard_allowed) || (operator == "~=" && release.len() < 2) {
            return None;
        }
        Some(Clause { operator: if operator == "===" { "==" } else { operator }, release, wildcard })
    }

    fn matches(&self, version: &[u32; 3]) -> bool {
        let compare = |release: &[u32]| {
            let padded = |index: usize| release.get(index).copied().unwrap_or(0);
            (0..3)
                .map(|index| version[index].cmp(&padded(index)))
                .find(|order| order.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        };
        let prefix_equal = || self.release.iter().zip(version).all(|(wanted, have)| wanted == have);
        match self.operator {
            "==" if self.wildcard => prefix_equal(),
            "!=" if self.wildcard => !prefix_equal(),
            "==" => compare(&self.release).is_eq(),
            "!=" => compare(&self.release).is_ne(),
            ">=" => compare(&self.release).is_ge(),
            ">" => compare(&self.release).is_gt(),
            "<=" => compare(&self.release).is_le(),
            "<" => compare(&self.release).is_lt(),
            // `~=3.10` is `>=3.10, ==3.*`; `~=3.10.2` is `>=3.10.2, ==3.10.*`.
            _ => {
                let prefix = &self.release[..self.release.len() - 1];
                compare(&self.release).is_ge() && prefix.iter().zip(version).all(|(wanted, have)| wanted == have)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allows_minor;

    #[test]
    fn lower_and_upper_bounds() {
        assert_eq!(allows_minor(">=3.9", 9), Some(true));
        assert_eq!(allows_minor(">=3.9", 8), Some(false));
        assert_eq!(allows_minor(">=3.9.2", 9), Some(true));
        assert_eq!(allows_minor(">3.9", 9), Some(true), "3.9.1 is above 3.9");
        assert_eq!(allows_minor(">=3.10, <3.13", 13), Some(false));
        assert_eq!(allows_minor(">=3.10, <3.13", 12), Some(true));
        assert_eq!(allows_minor("<=3.12", 12), Some(true));
        assert_eq!(allows_minor("<=3.12", 13), Some(false));
        assert_eq!(allows_minor(">=3.8,<4", 14), Some(true));
    }

    #[test]
    fn wildcards_exclusions_and_compatible_releases() {
        assert_eq!(allows_minor("==3.11.*", 11), Some(true));
        assert_eq!(allows_minor("==3.11.*", 12), Some(false));
        assert_eq!(allows_minor(">=3.9,!=3.10.*", 10), Some(false));
        assert_eq!(allows_minor(">=3.9,!=3.10.*", 11), Some(true));
        assert_eq!(allows_minor("~=3.10", 14), Some(true));
        assert_eq!(allows_minor("~=3.10", 9), Some(false));
        assert_eq!(allows_minor("~=3.10.2", 10), Some(true));
        assert_eq!(allows_minor("~=3.10.2", 11), Some(false));
        assert_eq!(allows_minor("==3.12", 12), Some(true));
        assert_eq!(allows_minor("!=3.12.0", 12), Some(true), "3.12.1 is not 3.12.0");
    }

    #[test]
    fn what_cannot_be_read_is_unknown() {
        assert_eq!(allows_minor(">=3.9rc1", 9), None);
        assert_eq!(allows_minor("3.9", 9), None);
        assert_eq!(allows_minor(">=3.*", 9), None);
        assert_eq!(allows_minor("", 9), Some(true), "no clause allows everything");
    }
}
