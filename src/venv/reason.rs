//! Why an env is rebuilt (or, under `--no-install`, why it is stale): the first input that differs
//! from what its completion marker recorded.

use std::fmt;
use std::path::PathBuf;

use super::{FileDigest, InputParts};

/// What changed since an env was built. Shown in the status line and the session log:
/// `venv built: deps changed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RebuildReason {
    /// There is no env yet.
    New,
    /// An env directory without a completion marker (or without `bin/python`): its last build
    /// did not finish.
    Incomplete,
    /// The env was built at another path (the project was moved or copied).
    Moved {
        /// Where it was built.
        from: PathBuf,
    },
    /// `-R`.
    Recreate,
    /// It was built by a forge with another env format.
    Format,
    /// The interpreter request changed (`python`, or `[forge] python`).
    Python {
        /// As recorded ("" for the default).
        old: String,
        /// As requested now.
        new: String,
    },
    /// `deps` changed.
    Deps,
    /// `install-project` changed.
    InstallProject,
    /// `extras` changed.
    Extras,
    /// How the project is installed (`"editable"`, `"wheel"`, `"sdist"`) changed.
    InstallMode,
    /// `locked` changed.
    Locked,
    /// A named dependency group's resolved requirements changed, or the group was added to or
    /// removed from `groups`.
    Group {
        /// The group's normalized name.
        name: String,
        /// "changed", "added" or "removed".
        change: &'static str,
    },
    /// A requirements file or project file changed, appeared or disappeared.
    File {
        /// Relative to the project root: `requirements-dev.txt`, `uv.lock`.
        name: String,
        /// "changed", "added" or "removed".
        change: &'static str,
    },
    /// The recorded interpreter file was replaced, upgraded in place, or removed.
    InterpreterModified {
        /// The recorded interpreter.
        path: PathBuf,
    },
    /// The request now resolves to another interpreter.
    Interpreter {
        /// The recorded interpreter.
        old: PathBuf,
        /// What the request resolves to now.
        new: PathBuf,
    },
    /// (`--no-install` only) Its inputs could not be read to check it.
    Unchecked {
        /// Why, e.g. "cannot read requirements file …".
        error: String,
    },
}

impl RebuildReason {
    /// The first part that differs between what an env was built from and what it would be built
    /// from now; `None` when they are the same.
    pub fn between(old: &InputParts, new: &InputParts) -> Option<Self> {
        if old.format != new.format {
            return Some(Self::Format);
        }
        if old.python != new.python {
            return Some(Self::Python { old: old.python.clone(), new: new.python.clone() });
        }
        if old.deps != new.deps {
            return Some(Self::Deps);
        }
        if let Some(reason) = files_between(&old.requirements, &new.requirements) {
            return Some(reason);
        }
        if old.install_project != new.install_project {
            return Some(Self::InstallProject);
        }
        if old.extras != new.extras {
            return Some(Self::Extras);
        }
        if old.install_mode != new.install_mode {
            return Some(Self::InstallMode);
        }
        if old.locked != new.locked {
            return Some(Self::Locked);
        }
        if let Some(RebuildReason::File { name, change }) = files_between(&old.groups, &new.groups) {
            return Some(Self::Group { name, change });
        }
        files_between(&old.project_files, &new.project_files)
    }
}

fn files_between(old: &[FileDigest], new: &[FileDigest]) -> Option<RebuildReason> {
    let file = |name: &str, change| Some(RebuildReason::File { name: name.to_owned(), change });
    for now in new {
        match old.iter().find(|before| before.name == now.name) {
            None => return file(&now.name, "added"),
            Some(before) if before.sha256 != now.sha256 => return file(&now.name, "changed"),
            Some(_) => {}
        }
    }
    if let Some(gone) = old.iter().find(|before| !new.iter().any(|now| now.name == before.name)) {
        return file(&gone.name, "removed");
    }
    // Same files, same contents, another order (the `requirements` list was reordered).
    (old != new).then(|| RebuildReason::File { name: "requirements".to_owned(), change: "reordered" })
}

impl fmt::Display for RebuildReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let request = |request: &str| if request.is_empty() { "default".to_owned() } else { request.to_owned() };
        match self {
            Self::New => write!(f, "new env"),
            Self::Incomplete => write!(f, "its last build did not finish"),
            Self::Moved { from } => write!(f, "it was built at {}", from.display()),
            Self::Recreate => write!(f, "-R"),
            Self::Format => write!(f, "built by another forge version"),
            Self::Python { old, new } => write!(f, "python changed: {} → {}", request(old), request(new)),
            Self::Deps => write!(f, "deps changed"),
            Self::InstallProject => write!(f, "install-project changed"),
            Self::Extras => write!(f, "extras changed"),
            Self::InstallMode => write!(f, "install-project mode changed"),
            Self::Locked => write!(f, "locked changed"),
            Self::Group { name, change } => write!(f, "dependency group `{name}` {change}"),
            Self::File { name, change } => write!(f, "{name} {change}"),
            Self::InterpreterModified { path } => {
                write!(f, "interpreter changed: {} was replaced or removed", path.display())
            }
            Self::Interpreter { old, new } => {
                write!(f, "interpreter changed: {} → {}", old.display(), new.display())
            }
            Self::Unchecked { error } => write!(f, "cannot check it: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(name: &str, sha256: &str) -> FileDigest {
        FileDigest { name: name.into(), sha256: sha256.into() }
    }

    fn parts() -> InputParts {
        InputParts {
            format: 2,
            python: "3.12".into(),
            deps: "d1".into(),
            requirements: vec![digest("requirements.txt", "r1"), digest("requirements-dev.txt", "r2")],
            install_project: true,
            extras: "e1".into(),
            project_files: vec![digest("pyproject.toml", "p1")],
            groups: vec![digest("dev", "g1")],
            ..InputParts::default()
        }
    }

    fn reason(change: impl FnOnce(&mut InputParts)) -> Option<String> {
        let mut new = parts();
        change(&mut new);
        RebuildReason::between(&parts(), &new).map(|reason| reason.to_string())
    }

    #[test]
    fn names_the_input_that_changed() {
        assert_eq!(reason(|_| {}), None);
        assert_eq!(reason(|p| p.format = 3).as_deref(), Some("built by another forge version"));
        assert_eq!(reason(|p| p.python = String::new()).as_deref(), Some("python changed: 3.12 → default"));
        assert_eq!(reason(|p| p.deps = "d2".into()).as_deref(), Some("deps changed"));
        assert_eq!(reason(|p| p.groups[0].sha256 = "g2".into()).as_deref(), Some("dependency group `dev` changed"));
        assert_eq!(reason(|p| p.groups.clear()).as_deref(), Some("dependency group `dev` removed"));
        assert_eq!(reason(|p| p.locked = true).as_deref(), Some("locked changed"));
        assert_eq!(reason(|p| p.install_mode = "wheel".into()).as_deref(), Some("install-project mode changed"));
        assert_eq!(reason(|p| p.requirements[1].sha256 = "x".into()).as_deref(), Some("requirements-dev.txt changed"));
        assert_eq!(reason(|p| p.requirements.push(digest("base.txt", "b"))).as_deref(), Some("base.txt added"));
        assert_eq!(reason(|p| drop(p.requirements.remove(0))).as_deref(), Some("requirements.txt removed"));
        assert_eq!(reason(|p| p.requirements.reverse()).as_deref(), Some("requirements reordered"));
        assert_eq!(reason(|p| p.install_project = false).as_deref(), Some("install-project changed"));
        assert_eq!(reason(|p| p.extras = "e2".into()).as_deref(), Some("extras changed"));
        assert_eq!(reason(|p| p.project_files.push(digest("uv.lock", "u"))).as_deref(), Some("uv.lock added"));
        assert_eq!(reason(|p| p.project_files[0].sha256 = "p2".into()).as_deref(), Some("pyproject.toml changed"));
    }
}
