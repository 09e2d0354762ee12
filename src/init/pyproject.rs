//! What `forge init` reads from pyproject.toml: the project's name, `requires-python`, the Python
//! versions of its trove classifiers, its PEP 735 dependency groups (with `include-group`
//! resolved), its extras, whether it is installable, and which tools it configures.

use indexmap::IndexMap;
use toml::{Table, Value};

/// pyproject.toml as far as `forge init` uses it.
#[derive(Debug, Default)]
pub struct Pyproject {
    /// `[project] name`.
    pub name: Option<String>,
    /// `[project] requires-python`.
    pub requires_python: Option<String>,
    /// Minor versions `X` of the `Programming Language :: Python :: 3.X` classifiers, ascending.
    pub classifier_minors: Vec<u32>,
    /// `[dependency-groups]`: each group's requirements, `include-group`s expanded in place.
    pub dependency_groups: IndexMap<String, Vec<String>>,
    /// `[project.optional-dependencies]` names.
    pub extras: Vec<String>,
    /// A `[build-system]` or `[project]` table: `install-project = true` can install it.
    pub installable: bool,
    /// `[tool.ruff]`, `[tool.mypy]`, `[tool.pyright]` present.
    pub ruff: bool,
    /// See `ruff`.
    pub mypy: bool,
    /// See `ruff`.
    pub pyright: bool,
    /// `[tool.tox]`: the table itself (TOML format) or its `legacy_tox_ini` string.
    pub tox: Option<Value>,
}

impl Pyproject {
    /// Parses pyproject.toml's text.
    ///
    /// # Errors
    /// The text is not TOML (the message is toml's).
    pub fn parse(text: &str) -> Result<Pyproject, toml::de::Error> {
        let document: Table = toml::from_str(text)?;
        let project = document.get("project").and_then(Value::as_table);
        let tool = document.get("tool").and_then(Value::as_table);
        let string = |table: Option<&Table>, key: &str| {
            table.and_then(|t| t.get(key)).and_then(Value::as_str).map(str::to_owned)
        };
        let mut classifier_minors: Vec<u32> = project
            .and_then(|p| p.get("classifiers"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|classifier| classifier.strip_prefix("Programming Language :: Python :: 3."))
            .filter_map(|minor| minor.trim().parse().ok())
            .collect();
        classifier_minors.sort_unstable();
        classifier_minors.dedup();
        let groups = document.get("dependency-groups").and_then(Value::as_table);
        let dependency_groups = groups
            .map(|groups| groups.keys().map(|name| (name.clone(), expand_group(groups, name, 0))).collect())
            .unwrap_or_default();
        let extras = project
            .and_then(|p| p.get("optional-dependencies"))
            .and_then(Value::as_table)
            .map(|extras| extras.keys().cloned().collect())
            .unwrap_or_default();
        let has_tool = |name: &str| tool.is_some_and(|tool| tool.contains_key(name));
        Ok(Pyproject {
            name: string(project, "name"),
            requires_python: string(project, "requires-python"),
            classifier_minors,
            dependency_groups,
            extras,
            installable: document.contains_key("build-system") || project.is_some(),
            ruff: has_tool("ruff"),
            mypy: has_tool("mypy"),
            pyright: has_tool("pyright"),
            tox: tool.and_then(|tool| tool.get("tox")).cloned(),
        })
    }
}

/// A group's requirements with `{ include-group = "…" }` replaced by that group's (PEP 735),
/// depth-limited so a cycle (an error for pip and uv) cannot loop.
fn expand_group(groups: &Table, name: &str, depth: usize) -> Vec<String> {
    let Some(items) = groups.get(name).and_then(Value::as_array) else { return Vec::new() };
    if depth > 8 {
        return Vec::new();
    }
    items
        .iter()
        .flat_map(|item| match item {
            Value::String(requirement) => vec![requirement.clone()],
            Value::Table(table) => table
                .get("include-group")
                .and_then(Value::as_str)
                .map(|included| expand_group(groups, included, depth + 1))
                .unwrap_or_default(),
            _ => Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Pyproject;

    #[test]
    fn reads_what_init_uses() {
        let pyproject = Pyproject::parse(
            r#"
[build-system]
requires = ["hatchling"]
[project]
name = "shapes"
requires-python = ">=3.10"
classifiers = ["Programming Language :: Python :: 3.12", "Programming Language :: Python :: 3.10", "Programming Language :: Python :: 3 :: Only"]
optional-dependencies = { test = ["pytest"] }
[dependency-groups]
test = ["pytest>=8", { include-group = "coverage" }]
coverage = ["coverage[toml]"]
[tool.ruff]
line-length = 100
[tool.mypy]
strict = true
"#,
        )
        .unwrap();
        assert_eq!(pyproject.name.as_deref(), Some("shapes"));
        assert_eq!(pyproject.requires_python.as_deref(), Some(">=3.10"));
        assert_eq!(pyproject.classifier_minors, [10, 12]);
        assert_eq!(pyproject.dependency_groups["test"], ["pytest>=8", "coverage[toml]"]);
        assert_eq!(pyproject.extras, ["test"]);
        assert!(pyproject.installable && pyproject.ruff && pyproject.mypy && !pyproject.pyright);
    }

    #[test]
    fn an_include_cycle_ends() {
        let pyproject = Pyproject::parse(
            "[dependency-groups]\na = [{ include-group = \"b\" }, \"x\"]\nb = [{ include-group = \"a\" }]\n",
        )
        .unwrap();
        assert!(pyproject.dependency_groups["a"].iter().all(|requirement| requirement == "x"));
        assert!(!pyproject.installable);
    }
}
