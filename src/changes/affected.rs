//! Which sessions a set of changed files affects: shared by `--changed` (files changed since a
//! git ref) and `--watch` (files written while watching). Plain functions over globs and paths.
//!
//! A session with `inputs` is affected when a changed path matches one of them; a session
//! without `inputs` depends on the whole project, so any change affects it; an aggregate (no
//! commands) has nothing to run of its own.

use std::path::Path;

use globset::{GlobSet, GlobSetBuilder};

/// A session's `inputs`, compiled once.
#[derive(Debug, Clone)]
pub struct Inputs {
    set: GlobSet,
}

impl Inputs {
    /// The matcher for `globs` (checked relative globs, `/`-separated, as sessions.toml's
    /// `inputs`): `*` stays within a directory, `**` crosses them (globset's syntax, compiled as
    /// the cache compiles it: [`crate::config::compile_glob`]). A glob that does not compile (never one the config accepted)
    /// matches nothing.
    pub fn new(globs: &[String]) -> Self {
        let mut builder = GlobSetBuilder::new();
        for glob in globs {
            if let Ok(glob) = crate::config::compile_glob(glob) {
                builder.add(glob);
            }
        }
        Self { set: builder.build().unwrap_or_else(|_| GlobSet::empty()) }
    }

    /// Whether `path` (relative to the project root) is one of these inputs.
    pub fn matches(&self, path: &Path) -> bool {
        self.set.is_match(path)
    }

    /// The first of `paths` (relative to the project root) that is one of these inputs.
    pub fn first_match<'a>(&self, paths: impl IntoIterator<Item = &'a Path>) -> Option<&'a Path> {
        paths.into_iter().find(|path| self.matches(path))
    }
}

/// What `--changed` decides for one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It runs: this input changed.
    Changed(std::path::PathBuf),
    /// Not run: none of its inputs changed (status `unchanged`).
    Unchanged,
    /// It runs as usual: it declares no `inputs` (or is an aggregate).
    NoInputs,
}

/// `--changed`'s verdict for a session with `inputs` (`None`: it declares none) given the
/// changed `files` (relative to the project root, sorted: the first match is named).
pub fn verdict<'a>(inputs: Option<&[String]>, files: impl IntoIterator<Item = &'a Path>) -> Verdict {
    let Some(globs) = inputs else { return Verdict::NoInputs };
    match Inputs::new(globs).first_match(files) {
        Some(path) => Verdict::Changed(path.to_path_buf()),
        None => Verdict::Unchanged,
    }
}

/// `--changed`'s verdict for `session`: an aggregate counts as declaring no inputs (it has
/// nothing of its own to run, and runs as usual).
pub fn session_verdict(session: &crate::config::SessionDef, changed: &super::ChangedSince) -> Verdict {
    if session.commands.is_empty() {
        return Verdict::NoInputs;
    }
    verdict(session.inputs.as_deref(), changed.files.iter().map(std::path::PathBuf::as_path))
}

impl Verdict {
    /// What `-n` says about it, `REF` being what the files were compared with.
    pub fn describe(&self, reference: &str) -> String {
        match self {
            Verdict::Changed(path) => format!("runs: {} changed since {reference}", path.display()),
            Verdict::Unchanged => format!("unchanged: no input changed since {reference}"),
            Verdict::NoInputs => "runs: declares no inputs".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn globs(list: &[&str]) -> Vec<String> {
        list.iter().map(|glob| (*glob).to_owned()).collect()
    }

    #[test]
    fn star_stays_in_a_directory_and_double_star_crosses() {
        let inputs = Inputs::new(&globs(&["src/*.py", "tests/**/*.py", "pyproject.toml"]));
        for yes in ["src/a.py", "tests/test_a.py", "tests/unit/deep/test_b.py", "pyproject.toml"] {
            assert!(inputs.matches(Path::new(yes)), "{yes}");
        }
        for no in ["src/pkg/a.py", "src/a.pyc", "docs/pyproject.toml", "tests/data.json", "other.py"] {
            assert!(!inputs.matches(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn the_first_changed_input_is_named_and_no_inputs_is_its_own_verdict() {
        let files: Vec<PathBuf> = ["README.md", "src/b.py", "src/c.py"].iter().map(PathBuf::from).collect();
        let paths = || files.iter().map(PathBuf::as_path);
        let lint = globs(&["src/**/*.py"]);
        assert_eq!(verdict(Some(&lint), paths()), Verdict::Changed(PathBuf::from("src/b.py")));
        assert_eq!(verdict(Some(&globs(&["docs/**"])), paths()), Verdict::Unchanged);
        assert_eq!(verdict(Some(&[]), paths()), Verdict::Unchanged);
        assert_eq!(verdict(None, paths()), Verdict::NoInputs);
        assert_eq!(verdict(Some(&lint), std::iter::empty()), Verdict::Unchanged);
    }
}
