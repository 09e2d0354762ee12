//! The `inputs` and `outputs` globs of a session: checked when sessions.toml loads (valid glob
//! syntax, relative to the project root and never leaving it), and the static overlap test that
//! keeps `outputs` away from the directories forge itself writes (reports, envs).
//!
//! Syntax is `globset`'s, as ripgrep, turbo's `inputs` and just's globs read it: `*` and `?` stay
//! within one path component, `**` crosses components, `{a,b}` alternates, `[…]` is a class.

use std::path::{Component, Path};

use globset::GlobBuilder;

use super::error::excerpt;

/// Why a glob is refused, and what to write instead.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct GlobProblem {
    pub message: String,
    pub hint: Option<String>,
}

/// A glob as the walker and the matcher expect it: `/`-separated, relative, with no `.` or empty
/// components (`./src//*.py` becomes `src/*.py`).
///
/// # Errors
/// A [`GlobProblem`] when `text` is empty, holds a control character, is not a valid glob, is
/// absolute, or has a `..` component (it would leave the project root, e.g. `../**`).
pub(super) fn check_glob(text: &str) -> Result<String, GlobProblem> {
    let relative_hint = || Some("write globs relative to the project root, e.g. `src/**/*.py`".to_owned());
    if text.trim().is_empty() {
        return Err(GlobProblem { message: "contains an empty glob".into(), hint: None });
    }
    if text.contains(char::is_control) {
        return Err(GlobProblem { message: format!("`{}` contains a control character", excerpt(text)), hint: None });
    }
    if text.starts_with('/') || text.starts_with('\\') {
        return Err(GlobProblem { message: format!("`{}` is an absolute path", excerpt(text)), hint: relative_hint() });
    }
    let components: Vec<&str> = text.split('/').filter(|part| !part.is_empty() && *part != ".").collect();
    if components.contains(&"..") {
        return Err(GlobProblem {
            message: format!("`{}` leaves the project root (`..`)", excerpt(text)),
            hint: relative_hint(),
        });
    }
    if components.is_empty() {
        return Err(GlobProblem { message: format!("`{}` names the project root itself", excerpt(text)), hint: None });
    }
    let normalized = components.join("/");
    compile(&normalized).map_err(|error| GlobProblem {
        message: format!("`{}` is not a valid glob: {}", excerpt(text), error.kind()),
        hint: Some("`*` matches within a directory, `**` across directories, `{a,b}` either".into()),
    })?;
    Ok(normalized)
}

/// The matcher for one checked glob, as every part of forge builds it.
///
/// # Errors
/// globset's error for invalid syntax (never for a glob [`check_glob`] accepted).
pub fn compile(glob: &str) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(glob).literal_separator(true).backslash_escape(true).build()
}

/// Whether the checked `glob` could match `directory` (relative to the project root), a parent
/// of it, or anything inside it: a matched directory counts with all it holds, so `outputs =
/// [".forge"]` overlaps the reports directory `.forge/reports` as much as `**/*.xml` does.
///
/// Component by component: `**` may absorb any number of them; any other component must match
/// the directory's component (as its own glob). The directory's end reached with pattern left
/// means the pattern goes on inside it; the pattern's end reached first means it named a parent.
pub(super) fn may_overlap(glob: &str, directory: &Path) -> bool {
    let names: Vec<String> = directory
        .components()
        .filter_map(|component| match component {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let pattern: Vec<&str> = glob.split('/').collect();
    overlaps(&pattern, &names)
}

fn overlaps(pattern: &[&str], names: &[String]) -> bool {
    match (pattern.split_first(), names.split_first()) {
        // The pattern named the directory or one of its parents: all of it is matched.
        (None, _) => true,
        // The directory ends here; whatever the pattern says next lies inside it.
        (Some(_), None) => true,
        (Some((&"**", rest)), Some((_, inner))) => overlaps(rest, names) || overlaps(pattern, inner),
        (Some((component, rest)), Some((name, inner))) => {
            compile(component).is_ok_and(|glob| glob.compile_matcher().is_match(name)) && overlaps(rest, inner)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_are_normalized_and_checked() {
        assert_eq!(check_glob("./src//**/*.py").unwrap(), "src/**/*.py");
        assert_eq!(check_glob("pyproject.toml").unwrap(), "pyproject.toml");
        for (bad, says) in [
            ("../**", "leaves the project root"),
            ("src/../../x", "leaves the project root"),
            ("/etc/passwd", "absolute path"),
            ("src/[", "not a valid glob"),
            ("{a,b", "not a valid glob"),
            ("", "empty glob"),
            ("./", "project root itself"),
            ("a\nb", "control character"),
        ] {
            let problem = check_glob(bad).unwrap_err();
            assert!(problem.message.contains(says), "{bad:?}: {problem:?}");
        }
    }

    #[test]
    fn outputs_that_could_reach_a_directory_overlap_it() {
        let reports = Path::new(".forge/reports");
        for overlapping in ["**", "**/*.xml", ".forge", ".forge/**", ".forge/reports/x.xml", ".*/reports", "*"] {
            assert!(may_overlap(overlapping, reports), "{overlapping}");
        }
        for separate in ["dist/*", "build/**", ".forge/other/*", "*.whl", "src/**/*.so"] {
            assert!(!may_overlap(separate, reports), "{separate}");
        }
    }
}
