//! Which written paths matter to a watch: those under the project root that are not forge's own
//! (reports, envs, cache, `.forge`), not `.git`, not a session's declared `outputs`, not ignored
//! by the project's `.gitignore` files, not a tool's cache (`__pycache__`) or an editor's swap
//! file — so that a session's own writes never start a restart loop — and that are an input of a
//! selected session (any path, when one of them declares no `inputs`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::changes::Inputs;

/// Directory names never watched wherever they are: git's, forge's, and Python's bytecode cache
/// (which has no `.gitignore` of its own, unlike `.pytest_cache`, `.ruff_cache` and uv's `.venv`).
const NOISE_DIRECTORIES: [&str; 3] = [".git", ".forge", "__pycache__"];

/// What one watch cares about.
pub struct Scope {
    root: PathBuf,
    /// Absolute directories forge writes (reports, envs, cache), wherever they are.
    own: Vec<PathBuf>,
    /// Every session's `outputs`.
    outputs: Inputs,
    /// The selected sessions' `inputs`; `None`: the whole project.
    inputs: Option<Inputs>,
    /// sessions.toml, relative to the root: always watched.
    config: PathBuf,
    /// The parsed `.gitignore` of each directory looked at so far (`None`: it has none).
    ignores: RefCell<HashMap<PathBuf, Option<Gitignore>>>,
}

impl Scope {
    /// The scope of a watch over `root`: `own` are forge's directories, `outputs` every
    /// session's declared outputs, `inputs` the selected sessions' inputs (`None`: one of them
    /// declares none, so the whole project counts), `config` sessions.toml.
    pub fn new(root: &Path, own: Vec<PathBuf>, outputs: Inputs, inputs: Option<Inputs>, config: &Path) -> Self {
        let config = config.strip_prefix(root).unwrap_or(config).to_path_buf();
        Self { root: root.to_path_buf(), own, outputs, inputs, config, ignores: RefCell::default() }
    }

    /// sessions.toml, relative to the root.
    pub fn config(&self) -> &Path {
        &self.config
    }

    /// `path` relative to the root when a change to it matters, else `None`.
    pub fn relevant(&self, path: &Path) -> Option<PathBuf> {
        if self.own.iter().any(|dir| path.starts_with(dir)) {
            return None;
        }
        let relative = path.strip_prefix(&self.root).ok()?;
        if relative.as_os_str().is_empty() {
            return None;
        }
        if relative == self.config {
            return Some(relative.to_path_buf());
        }
        let names: Vec<&str> = relative
            .components()
            .filter_map(|component| match component {
                Component::Normal(name) => name.to_str(),
                _ => None,
            })
            .collect();
        if names.iter().any(|name| NOISE_DIRECTORIES.contains(name))
            || names.last().is_some_and(|name| editor_file(name))
        {
            return None;
        }
        if self.outputs.matches(relative) || self.ignored(relative) {
            return None;
        }
        match &self.inputs {
            Some(inputs) if !inputs.matches(relative) => None,
            _ => Some(relative.to_path_buf()),
        }
    }

    /// Whether a `.gitignore` between the root and `relative` ignores it (the deepest verdict
    /// wins, as in git: a `!pattern` below re-includes).
    fn ignored(&self, relative: &Path) -> bool {
        let absolute = self.root.join(relative);
        let is_dir = absolute.is_dir();
        let mut verdict = false;
        let mut dir = self.root.clone();
        let mut parts = relative.components().peekable();
        loop {
            if let Some(matcher) = self.matcher(&dir) {
                match matcher.matched_path_or_any_parents(&absolute, is_dir) {
                    Match::Ignore(_) => verdict = true,
                    Match::Whitelist(_) => verdict = false,
                    Match::None => {}
                }
            }
            match parts.next() {
                Some(part) if parts.peek().is_some() => dir.push(part),
                _ => break,
            }
        }
        verdict
    }

    /// The `.gitignore` of `dir` (at the root with `.git/info/exclude`), parsed once.
    fn matcher(&self, dir: &Path) -> Option<Gitignore> {
        let mut ignores = self.ignores.borrow_mut();
        ignores
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let mut builder = GitignoreBuilder::new(dir);
                let mut any = false;
                let mut files = vec![dir.join(".gitignore")];
                if dir == self.root {
                    files.push(dir.join(".git/info/exclude"));
                }
                for file in files.into_iter().filter(|file| file.is_file()) {
                    // A line that does not parse is left out, as git leaves it.
                    let _ = builder.add(file);
                    any = true;
                }
                any.then(|| builder.build().ok()).flatten()
            })
            .clone()
    }
}

/// An editor's swap, backup or probe file (vim's `.x.swp` and `4913`, emacs' `x~` and `.#x`).
fn editor_file(name: &str) -> bool {
    name.ends_with('~') || name.ends_with(".swp") || name.ends_with(".swx") || name.starts_with(".#") || name == "4913"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(list: &[&str]) -> Inputs {
        Inputs::new(&list.iter().map(|glob| (*glob).to_owned()).collect::<Vec<_>>())
    }

    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in [
            (".gitignore", "*.log\nbuild/\n"),
            ("sub/.gitignore", "local.txt\n!keep.log\n"),
            (".venv/.gitignore", "*\n"),
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn forge_git_outputs_ignored_files_and_caches_are_never_relevant() {
        let dir = project();
        let root = dir.path();
        let elsewhere = tempfile::tempdir().unwrap();
        let own = vec![root.join("reports"), elsewhere.path().to_path_buf()];
        let scope = Scope::new(root, own, globs(&["dist/*"]), None, &root.join("sessions.toml"));
        for quiet in [
            "reports/run.json",
            ".forge/reports/logs/a.log",
            ".git/index",
            "dist/pkg.whl",
            "debug.log",
            "build/lib/x.py",
            "sub/local.txt",
            ".venv/lib/site.py",
            "src/__pycache__/a.cpython-312.pyc",
            "src/.a.py.swp",
            "src/a.py~",
            "src/4913",
        ] {
            assert_eq!(scope.relevant(&root.join(quiet)), None, "{quiet}");
        }
        assert_eq!(scope.relevant(&elsewhere.path().join("x")), None);
        assert_eq!(scope.relevant(Path::new("/somewhere/else.py")), None);
        for loud in ["src/a.py", "sub/keep.log", "sessions.toml", "dist2/x"] {
            assert_eq!(scope.relevant(&root.join(loud)), Some(PathBuf::from(loud)), "{loud}");
        }
    }

    #[test]
    fn with_inputs_only_inputs_and_sessions_toml_are_relevant() {
        let dir = project();
        let root = dir.path();
        let scope =
            Scope::new(root, Vec::new(), globs(&[]), Some(globs(&["src/**/*.py"])), &root.join("sessions.toml"));
        assert_eq!(scope.relevant(&root.join("src/a/b.py")), Some(PathBuf::from("src/a/b.py")));
        assert_eq!(scope.relevant(&root.join("README.md")), None);
        assert_eq!(scope.relevant(&root.join("sessions.toml")), Some(PathBuf::from("sessions.toml")));
    }
}
