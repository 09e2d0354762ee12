//! `forge init`'s look at a project: what pyproject.toml, the directory and an existing tox
//! configuration say (`scan`), turned into a starter sessions.toml with a comment per choice
//! (`render`). Reading only; `commands::init` writes the file.

mod pyproject;
mod render;
mod requires_python;
mod tox;

use std::path::{Path, PathBuf};

pub use pyproject::Pyproject;
pub use render::render;
pub use tox::{Tox, ToxEnv};

/// What `forge init` found in a project directory.
#[derive(Debug, Default)]
pub struct Findings {
    /// pyproject.toml, when there is one.
    pub pyproject: Option<Pyproject>,
    /// pyproject.toml has `[build-system]` or `[project]`, or a setup.py / setup.cfg exists:
    /// `install-project = true` can install the project.
    pub installable: bool,
    /// A requirements file of the tests (`requirements-dev.txt`…), relative to the root.
    pub test_requirements: Option<String>,
    /// The tests directory (`tests` or `test`) relative to the root.
    pub tests_dir: Option<String>,
    /// What mypy should check when its config names no files: `src`, the package's directory,
    /// else `.`.
    pub source_dir: String,
    /// Where ruff / mypy / pyright are configured (`ruff.toml`, `[tool.mypy] in pyproject.toml`…).
    pub ruff: Option<String>,
    /// See `ruff`.
    pub mypy: Option<String>,
    /// See `ruff`.
    pub pyright: Option<String>,
    /// An existing tox configuration's envs.
    pub tox: Option<Tox>,
}

/// Why `forge init` stopped.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// sessions.toml is there already; forge init never overwrites.
    #[error("{} already exists; forge init never overwrites a file", .0.display())]
    Exists(PathBuf),
    /// A file forge init reads is not what it should be.
    #[error("cannot read {}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (one line).
        message: String,
    },
    /// sessions.toml could not be written.
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
}

impl crate::error::Hint for InitError {
    fn hint(&self) -> Option<String> {
        // `forge init` where sessions.toml exists prints one line, as the contract asks.
        match self {
            InitError::Read { path, .. } => Some(format!("fix or move {} and run forge init again", path.display())),
            InitError::Exists(_) | InitError::Write { .. } => None,
        }
    }
}

/// Requirements files that hold test dependencies, in the order they are looked for.
const TEST_REQUIREMENTS: [&str; 5] = [
    "requirements-test.txt",
    "requirements-tests.txt",
    "test-requirements.txt",
    "requirements/test.txt",
    "requirements-dev.txt",
];

/// Reads what `forge init` uses from the project at `root`.
///
/// # Errors
/// pyproject.toml, tox.ini or tox.toml exists but cannot be read or is not valid TOML.
pub fn scan(root: &Path) -> Result<Findings, InitError> {
    let read = |name: &str| -> Result<Option<String>, InitError> {
        let path = root.join(name);
        let failed = |message: String| InitError::Read { path: path.clone(), message };
        match crate::input_file::read_regular(&path, crate::input_file::CONFIG_FILE_LIMIT) {
            Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| failed("not UTF-8 text".into())),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(failed(error.to_string())),
        }
    };
    let toml_error = |name: &str, error: toml::de::Error| InitError::Read {
        path: root.join(name),
        message: error.message().to_owned(),
    };
    let pyproject = read("pyproject.toml")?
        .map(|text| Pyproject::parse(&text).map_err(|error| toml_error("pyproject.toml", error)))
        .transpose()?;
    let mut findings = Findings {
        tests_dir: ["tests", "test", "testing"].into_iter().find(|dir| root.join(dir).is_dir()).map(str::to_owned),
        source_dir: source_dir(root, pyproject.as_ref()),
        installable: pyproject.as_ref().is_some_and(|p| p.installable)
            || root.join("setup.py").is_file()
            || root.join("setup.cfg").is_file(),
        test_requirements: TEST_REQUIREMENTS.into_iter().find(|file| root.join(file).is_file()).map(str::to_owned),
        ..Findings::default()
    };
    let in_pyproject = |present: bool, table: &str| present.then(|| format!("[tool.{table}] in pyproject.toml"));
    let first_file =
        |names: &[&str]| names.iter().find(|name| root.join(name).is_file()).map(|name| (*name).to_owned());
    let configured = pyproject.as_ref();
    findings.ruff =
        first_file(&["ruff.toml", ".ruff.toml"]).or_else(|| in_pyproject(configured.is_some_and(|p| p.ruff), "ruff"));
    findings.mypy = first_file(&["mypy.ini", ".mypy.ini"])
        .or_else(|| in_pyproject(configured.is_some_and(|p| p.mypy), "mypy"))
        .or_else(|| {
            read("setup.cfg")
                .ok()
                .flatten()
                .filter(|text| text.contains("[mypy]"))
                .map(|_| "[mypy] in setup.cfg".into())
        });
    findings.pyright =
        first_file(&["pyrightconfig.json"]).or_else(|| in_pyproject(configured.is_some_and(|p| p.pyright), "pyright"));
    findings.tox = if let Some(text) = read("tox.ini")? {
        Some(tox::from_ini("tox.ini", &text))
    } else if let Some(text) = read("tox.toml")? {
        let table = toml::from_str(&text).map_err(|error| toml_error("tox.toml", error))?;
        Some(tox::from_toml("tox.toml", &table))
    } else {
        match configured.and_then(|p| p.tox.as_ref()) {
            Some(toml::Value::Table(table)) => match table.get("legacy_tox_ini").and_then(toml::Value::as_str) {
                Some(ini) => Some(tox::from_ini("pyproject.toml [tool.tox] legacy_tox_ini", ini)),
                None => Some(tox::from_toml("pyproject.toml [tool.tox]", table)),
            },
            _ => None,
        }
    };
    // A requirements file forge cannot find would make the generated file fail to load.
    for env in findings.tox.iter_mut().flat_map(|tox| tox.envs.iter_mut()) {
        let before = env.requirements.len();
        env.requirements.retain(|file| root.join(file).is_file());
        env.skipped += before - env.requirements.len();
    }
    findings.pyproject = pyproject;
    Ok(findings)
}

/// `src` when the project uses the src layout, else the package directory named after the
/// project (`my-tool` → `my_tool`), else `.`.
fn source_dir(root: &Path, pyproject: Option<&Pyproject>) -> String {
    if root.join("src").is_dir() {
        return "src".into();
    }
    let package = pyproject.and_then(|p| p.name.as_deref()).map(|name| name.replace(['-', '.'], "_").to_lowercase());
    match package {
        Some(package) if root.join(&package).is_dir() => package,
        _ => ".".into(),
    }
}

#[cfg(test)]
mod tests;
