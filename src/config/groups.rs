//! PEP 735 dependency groups: the `[dependency-groups]` table of the project's pyproject.toml,
//! read and resolved by forge itself (`include-group` followed, cycles refused), so an env's
//! fingerprint covers exactly the groups it installs, and a wrong group name stops the run
//! before anything runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::input_file::{CONFIG_FILE_LIMIT, InputFileError, read_regular};

/// Why the project's dependency groups cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// The project root has no pyproject.toml.
    #[error("{} does not exist", path.display())]
    NoPyproject {
        /// The missing file.
        path: PathBuf,
    },
    /// pyproject.toml exists but cannot be read or parsed.
    #[error("cannot read {}: {message}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why, one line.
        message: String,
    },
    /// `[dependency-groups]` is not what PEP 735 says.
    #[error("[dependency-groups] in pyproject.toml: {message}")]
    Invalid {
        /// What is wrong, one line.
        message: String,
    },
    /// A group named by the session (or by an `include-group`) does not exist.
    #[error("unknown dependency group `{name}`")]
    Unknown {
        /// The name as written.
        name: String,
        /// The groups pyproject.toml defines, as written.
        existing: Vec<String>,
    },
    /// A group includes itself, directly or through others.
    #[error("dependency group `{}` includes itself ({})", chain[0], chain.join(" → "))]
    Cycle {
        /// The include chain, first group repeated last.
        chain: Vec<String>,
    },
}

impl crate::error::Hint for GroupError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::NoPyproject { .. } => {
                Some("`groups` and `locked` read the project's pyproject.toml, next to sessions.toml".into())
            }
            Self::Unknown { existing, .. } if existing.is_empty() => {
                Some("pyproject.toml defines no [dependency-groups]".into())
            }
            Self::Unknown { existing, .. } => {
                Some(format!("the groups pyproject.toml defines: {}", existing.join(", ")))
            }
            _ => None,
        }
    }
}

/// One item of a group: a requirement, or another group to include.
#[derive(Debug, Clone)]
enum Item {
    Requirement(String),
    Include(String),
}

/// The `[dependency-groups]` of one pyproject.toml, by normalized name.
#[derive(Debug, Clone, Default)]
pub struct DependencyGroups {
    /// Normalized name → (name as written, items in order).
    groups: BTreeMap<String, (String, Vec<Item>)>,
}

/// A group's name normalized as PEP 735 says (PEP 503: lower case, runs of `-`, `_`, `.` as one
/// `-`), so `Dev_Tools` and `dev-tools` name one group, as uv and pip treat them.
pub fn normalize_group_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut separator = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !normalized.is_empty() {
            normalized.push('-');
        }
        separator = false;
        normalized.push(character.to_ascii_lowercase());
    }
    normalized
}

impl DependencyGroups {
    /// Reads `ROOT/pyproject.toml` (a regular file of at most [`CONFIG_FILE_LIMIT`] bytes).
    ///
    /// # Errors
    /// [`GroupError::NoPyproject`], [`GroupError::Unreadable`], [`GroupError::Invalid`].
    pub fn read(root: &Path) -> Result<Self, GroupError> {
        let path = root.join("pyproject.toml");
        let content = read_regular(&path, CONFIG_FILE_LIMIT).map_err(|error| match error {
            InputFileError::NotFound => GroupError::NoPyproject { path: path.clone() },
            other => GroupError::Unreadable { path: path.clone(), message: other.to_string() },
        })?;
        let text = String::from_utf8(content)
            .map_err(|_| GroupError::Unreadable { path: path.clone(), message: "it is not UTF-8".into() })?;
        Self::parse(&text).map_err(|error| match error {
            GroupError::Unreadable { message, .. } => GroupError::Unreadable { path, message },
            other => other,
        })
    }

    /// Parses pyproject.toml's text.
    ///
    /// # Errors
    /// [`GroupError::Unreadable`] (not TOML; its path is left empty) or [`GroupError::Invalid`].
    pub fn parse(text: &str) -> Result<Self, GroupError> {
        let table: toml::Table = toml::from_str(text)
            .map_err(|error| GroupError::Unreadable { path: PathBuf::new(), message: error.message().to_owned() })?;
        let invalid = |message: String| GroupError::Invalid { message };
        let mut groups = BTreeMap::new();
        let Some(value) = table.get("dependency-groups") else {
            return Ok(Self { groups });
        };
        let declared = value.as_table().ok_or_else(|| invalid("it is not a table".into()))?;
        for (name, items) in declared {
            let items = items.as_array().ok_or_else(|| invalid(format!("`{name}` is not an array")))?;
            let mut parsed = Vec::with_capacity(items.len());
            for item in items {
                parsed.push(match item {
                    toml::Value::String(requirement) => Item::Requirement(requirement.clone()),
                    toml::Value::Table(include) if include.len() == 1 => match include.get("include-group") {
                        Some(toml::Value::String(other)) => Item::Include(other.clone()),
                        _ => {
                            return Err(invalid(format!(
                                "`{name}`: a table item must be {{ include-group = \"NAME\" }}"
                            )));
                        }
                    },
                    _ => {
                        return Err(invalid(format!(
                            "`{name}`: items are requirement strings or {{ include-group = \"NAME\" }}"
                        )));
                    }
                });
            }
            if let Some((other, _)) = groups.insert(normalize_group_name(name), (name.clone(), parsed)) {
                return Err(invalid(format!("`{other}` and `{name}` are the same group once normalized")));
            }
        }
        Ok(Self { groups })
    }

    /// The groups defined, as written, in normalized-name order.
    pub fn names(&self) -> Vec<String> {
        self.groups.values().map(|(written, _)| written.clone()).collect()
    }

    /// The requirements of group `name`, includes expanded in place (depth first, in order), as
    /// PEP 735's reference implementation does; duplicates are kept (uv resolves them as one).
    ///
    /// # Errors
    /// [`GroupError::Unknown`] for `name` or an included group; [`GroupError::Cycle`].
    pub fn resolve(&self, name: &str) -> Result<Vec<String>, GroupError> {
        let mut out = Vec::new();
        let mut chain = Vec::new();
        self.expand(name, &mut chain, &mut out)?;
        Ok(out)
    }

    fn expand(&self, name: &str, chain: &mut Vec<String>, out: &mut Vec<String>) -> Result<(), GroupError> {
        let key = normalize_group_name(name);
        let Some((written, items)) = self.groups.get(&key) else {
            return Err(GroupError::Unknown { name: name.to_owned(), existing: self.names() });
        };
        if let Some(start) = chain.iter().position(|seen| normalize_group_name(seen) == key) {
            let mut cycle: Vec<String> = chain[start..].to_vec();
            cycle.push(written.clone());
            return Err(GroupError::Cycle { chain: cycle });
        }
        chain.push(written.clone());
        for item in items {
            match item {
                Item::Requirement(requirement) => out.push(requirement.clone()),
                Item::Include(other) => self.expand(other, chain, out)?,
            }
        }
        chain.pop();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Hint as _;

    const PYPROJECT: &str = r#"
[project]
name = "demo"

[dependency-groups]
test = ["pytest>=8", "coverage[toml]"]
Lint_Tools = ["ruff"]
dev = [{ include-group = "test" }, { include-group = "lint-tools" }, "ipython"]
"#;

    #[test]
    fn includes_are_expanded_in_place_and_names_normalized() {
        let groups = DependencyGroups::parse(PYPROJECT).unwrap();
        assert_eq!(groups.resolve("dev").unwrap(), ["pytest>=8", "coverage[toml]", "ruff", "ipython"]);
        assert_eq!(groups.resolve("lint.tools").unwrap(), ["ruff"]);
        assert_eq!(normalize_group_name("Dev__Tools.x"), "dev-tools-x");
    }

    #[test]
    fn an_unknown_group_names_those_that_exist() {
        let groups = DependencyGroups::parse(PYPROJECT).unwrap();
        let error = groups.resolve("docs").unwrap_err();
        assert_eq!(error.to_string(), "unknown dependency group `docs`");
        assert_eq!(error.hint().as_deref(), Some("the groups pyproject.toml defines: dev, Lint_Tools, test"));
        let empty = DependencyGroups::parse("[project]\nname = 'x'\n").unwrap();
        assert_eq!(
            empty.resolve("dev").unwrap_err().hint().as_deref(),
            Some("pyproject.toml defines no [dependency-groups]")
        );
        let error =
            DependencyGroups::parse("[dependency-groups]\na = [{ include-group = 'b' }]\n").unwrap().resolve("a");
        assert!(matches!(error, Err(GroupError::Unknown { name, .. }) if name == "b"));
    }

    #[test]
    fn a_group_including_itself_is_refused() {
        let direct = DependencyGroups::parse("[dependency-groups]\na = [{ include-group = 'A' }]\n").unwrap();
        assert_eq!(direct.resolve("a").unwrap_err().to_string(), "dependency group `a` includes itself (a → a)");
        let indirect = DependencyGroups::parse(
            "[dependency-groups]\na = ['x', { include-group = 'b' }]\nb = [{ include-group = 'c' }]\nc = [{ include-group = 'a' }]\n",
        )
        .unwrap();
        assert_eq!(
            indirect.resolve("a").unwrap_err(),
            GroupError::Cycle { chain: vec!["a".into(), "b".into(), "c".into(), "a".into()] }
        );
        // Including one group twice (a diamond) is no cycle.
        let diamond = DependencyGroups::parse(
            "[dependency-groups]\nbase = ['x']\nl = [{ include-group = 'base' }]\nr = [{ include-group = 'base' }]\ntop = [{ include-group = 'l' }, { include-group = 'r' }]\n",
        )
        .unwrap();
        assert_eq!(diamond.resolve("top").unwrap(), ["x", "x"]);
    }

    #[test]
    fn malformed_tables_are_errors() {
        for bad in [
            "dependency-groups = 1\n",
            "[dependency-groups]\na = 'x'\n",
            "[dependency-groups]\na = [1]\n",
            "[dependency-groups]\na = [{ include = 'b' }]\n",
            "[dependency-groups]\na-b = []\nA_B = []\n",
        ] {
            assert!(matches!(DependencyGroups::parse(bad), Err(GroupError::Invalid { .. })), "{bad}");
        }
        assert!(matches!(DependencyGroups::parse("[x"), Err(GroupError::Unreadable { .. })));
    }

    #[test]
    fn a_missing_pyproject_is_its_own_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(DependencyGroups::read(dir.path()), Err(GroupError::NoPyproject { .. })));
        std::fs::write(dir.path().join("pyproject.toml"), PYPROJECT).unwrap();
        assert_eq!(DependencyGroups::read(dir.path()).unwrap().resolve("test").unwrap().len(), 2);
    }
}
