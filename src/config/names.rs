//! Session names: what may name a session (so it is always a safe file name), why a name may
//! not, and the nearest known name to a typo.

use super::error::excerpt;

/// The longest session name, so names stay usable as file names.
pub(super) const MAX_NAME_LENGTH: usize = 100;

/// Whether `name` may name a session (or a Python version in an instance name): letters, digits,
/// `-`, `_`, `:` and `.`, not starting with `.` or `-`, so it is always a safe file name.
pub fn is_valid_name(name: &str) -> bool {
    name_problem(name).is_none()
}

/// Why `name` is not a valid session name (see [`is_valid_name`]), or `None` when it is.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the name is empty".into());
    }
    if name.chars().count() > MAX_NAME_LENGTH {
        return Some(format!("the name is longer than {MAX_NAME_LENGTH} characters"));
    }
    if let Some(bad) =
        name.chars().find(|&character| !(character.is_ascii_alphanumeric() || "-_:.".contains(character)))
    {
        let shown = if bad == ' ' { "a space".to_owned() } else { format!("`{}`", excerpt(&bad.to_string())) };
        return Some(format!("the name contains {shown}"));
    }
    if let Some(first) = name.chars().next().filter(|first| ['.', '-'].contains(first)) {
        return Some(format!("the name starts with `{first}`"));
    }
    None
}

/// The candidate closest to `input`, if any is close enough to be a likely typo (Jaro similarity,
/// the measure clap uses for its suggestions).
pub fn suggest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // No typo is this long, and comparing huge strings would only waste time.
    if input.len() > 4 * MAX_NAME_LENGTH {
        return None;
    }
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro(input, candidate), candidate))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(is_valid_name("build:package"));
        assert!(is_valid_name("test-3.11"));
        for bad in ["", "..", ".hidden", "a/b", "-x", "a b", "é"] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
    }
}
