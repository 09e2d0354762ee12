//! Which planned instances a batch of changed paths affects: those whose `inputs` match one of
//! them, those without `inputs` (they depend on the whole project), every one when sessions.toml
//! changed, and, transitively, the instances that require an affected one (their cache key holds
//! the required sessions' keys). Plain functions, unit-tested.

use std::path::{Path, PathBuf};

use crate::changes::Inputs;

/// One planned instance, as the watch sees it.
#[derive(Debug, Clone)]
pub struct Target {
    /// Instance name.
    pub name: String,
    /// Its session's `inputs` (`None`: it declares none).
    pub inputs: Option<Inputs>,
    /// An aggregate (no commands): affected only through what it requires.
    pub aggregate: bool,
    /// Indices (into the same list) of the instances it requires, each before it.
    pub requires: Vec<usize>,
}

/// The indices of `targets` that `changed` (paths relative to the project root) affects, in
/// plan order. `config` is sessions.toml relative to the root: a change to it affects all.
pub fn affected(targets: &[Target], changed: &[PathBuf], config: &Path) -> Vec<usize> {
    let everything = changed.iter().any(|path| path == config);
    let mut hit = vec![false; targets.len()];
    // Plan order puts every requirement first, so one pass settles the transitive dependents.
    for (index, target) in targets.iter().enumerate() {
        hit[index] = everything
            || target.requires.iter().any(|&required| hit.get(required).copied().unwrap_or(false))
            || match (&target.inputs, target.aggregate) {
                (_, true) => false,
                (None, false) => !changed.is_empty(),
                (Some(inputs), false) => changed.iter().any(|path| inputs.matches(path)),
            };
    }
    (0..targets.len()).filter(|&index| hit[index]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, inputs: Option<&[&str]>, requires: &[usize]) -> Target {
        Target {
            name: name.into(),
            inputs: inputs.map(|globs| Inputs::new(&globs.iter().map(|glob| (*glob).to_owned()).collect::<Vec<_>>())),
            aggregate: false,
            requires: requires.to_vec(),
        }
    }

    fn names(targets: &[Target], changed: &[&str]) -> Vec<String> {
        let changed: Vec<PathBuf> = changed.iter().map(PathBuf::from).collect();
        affected(targets, &changed, Path::new("sessions.toml"))
            .into_iter()
            .map(|index| targets[index].name.clone())
            .collect()
    }

    #[test]
    fn inputs_decide_and_dependents_follow() {
        let mut all = target("all", None, &[0, 1, 2]);
        all.aggregate = true;
        let targets = [
            target("lint", Some(&["src/**/*.py"]), &[]),
            target("docs", Some(&["docs/**"]), &[]),
            target("build", Some(&["pyproject.toml"]), &[0]),
            all,
        ];
        assert_eq!(names(&targets, &["docs/index.md"]), ["docs", "all"]);
        assert_eq!(names(&targets, &["src/pkg/a.py"]), ["lint", "build", "all"]);
        assert_eq!(names(&targets, &["README.md"]), Vec::<String>::new());
        assert_eq!(names(&targets, &["sessions.toml"]), ["lint", "docs", "build", "all"]);
    }

    #[test]
    fn without_inputs_any_change_affects_it_and_no_change_none() {
        let targets = [target("test", None, &[]), target("lint", Some(&["*.py"]), &[])];
        assert_eq!(names(&targets, &["data/x.csv"]), ["test"]);
        assert_eq!(names(&targets, &[]), Vec::<String>::new());
    }
}
