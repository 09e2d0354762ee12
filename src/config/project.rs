//! The validated project: what the rest of forge works from once sessions.toml is accepted.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{InstallProjectSpec, PythonSpec, Rendered, Template, TemplateContext};

/// A loaded, validated sessions.toml.
#[derive(Debug, Clone)]
pub struct Project {
    /// Absolute path of sessions.toml.
    pub file: PathBuf,
    /// The directory holding it: `{root}`, and the base of every relative path in it.
    pub root: PathBuf,
    /// `[forge] default` (base or instance names), `None` when unset.
    pub default: Option<Vec<String>>,
    /// The interpreter request for sessions that name none: `[forge] python`, else the first
    /// version in the project's `.python-version` (as uv reads it); `None`: the `python3` on PATH.
    pub python: Option<String>,
    /// `[forge]`'s run settings: the file layer below the command line and the environment, read
    /// only when `settings` resolves them (and by `forge clean`, which runs nothing).
    pub run_defaults: RunDefaults,
    /// Sessions in file order.
    pub sessions: Vec<SessionDef>,
    /// `[coverage]`.
    pub coverage: CoverageGate,
    /// The `--profile` folded in, if any.
    pub profile: Option<crate::settings::Profile>,
}

/// What `[forge]` says about where and how a run happens.
#[derive(Debug, Clone)]
pub struct RunDefaults {
    /// Absolute virtualenv directory: `[forge] env-dir`, else [`default_env_dir`] (outside the
    /// project tree).
    pub env_dir: PathBuf,
    /// Absolute reports directory from `[forge] reports-dir` (or `.forge/reports`).
    pub reports_dir: PathBuf,
    /// Absolute cache store directory: `[forge] cache-dir`, else `CACHE/cache/NAME-HASH`.
    pub cache_dir: PathBuf,
    /// `[forge] cache-size` in bytes.
    pub cache_size: u64,
    /// `[forge] jobs`; `None` or 0 means the number of CPUs.
    pub jobs: Option<u32>,
    /// `[forge] skip-missing-interpreters`, `None` when unset.
    pub skip_missing_interpreters: Option<bool>,
    /// `[forge] remote-cache`, checked and without a trailing `/`; `None` when unset.
    pub remote_cache: Option<String>,
    /// `[forge] remote-cache-mode`, `None` when unset.
    pub remote_cache_mode: Option<crate::cache::RemoteMode>,
    /// `[forge] remote-cache-timeout`, `None` when unset.
    pub remote_cache_timeout: Option<Duration>,
}

/// The env directory when `[forge] env-dir` is unset: `CACHE/envs/NAME-HASH`, outside the
/// project tree so that no build backend packs forge's envs into an sdist (hatchling reads only
/// the root `.gitignore`; a nested one does not help). `CACHE` is [`cache_dir`]; `NAME` is the
/// project directory's name, `HASH` the first 8 hex digits of the SHA-256 of its canonical path,
/// as hatch and poetry name theirs, so two checkouts never share envs. `ROOT/.forge/envs` when
/// there is no cache directory (no home directory).
pub fn default_env_dir(root: &Path) -> PathBuf {
    match cache_dir() {
        Some(cache) => project_env_dir(&cache, root),
        None => root.join(".forge/envs"),
    }
}

/// forge's cache directory: `$FORGE_CACHE_DIR` when set (made absolute against the current
/// directory), else `$XDG_CACHE_HOME/forge`, else `~/.cache/forge` (the XDG convention on Linux
/// and macOS, as uv and pre-commit follow). `None` without a home directory.
pub fn cache_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy as _;
    if let Some(forced) = std::env::var_os("FORGE_CACHE_DIR").filter(|value| !value.is_empty()) {
        return std::path::absolute(forced).ok();
    }
    Some(etcetera::choose_base_strategy().ok()?.cache_dir().join("forge"))
}

/// The cache store when `[forge] cache-dir` is unset: `CACHE/cache/NAME-HASH`, the env
/// directory's sibling (named as [`default_env_dir`] names it); `ROOT/.forge/cache` without a
/// home directory.
pub fn default_cache_dir(root: &Path) -> PathBuf {
    match cache_dir() {
        Some(cache) => cache.join("cache").join(project_id(root)),
        None => root.join(".forge/cache"),
    }
}

/// The env directory of the project at `root` under the cache directory `cache`:
/// `CACHE/envs/NAME-HASH` (see [`default_env_dir`]).
pub fn project_env_dir(cache: &Path, root: &Path) -> PathBuf {
    cache.join("envs").join(project_id(root))
}

/// `NAME-HASH`: the project directory's name and 8 hex digits of its canonical path's SHA-256.
fn project_id(root: &Path) -> String {
    use sha2::Digest as _;
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let digest = sha2::Sha256::digest(root.as_os_str().as_encoded_bytes());
    let hash: String = digest.iter().take(4).map(|byte| format!("{byte:02x}")).collect();
    let name: String = root
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .take(48)
        .collect();
    let name = name.trim_start_matches('.');
    let name = if name.is_empty() { "project" } else { name };
    format!("{name}-{hash}")
}

/// `[coverage]` settings.
#[derive(Debug, Clone, Default)]
pub struct CoverageGate {
    /// Minimum merged line coverage in percent (0–100).
    pub fail_under: Option<f64>,
}

/// One `[sessions.NAME]` table after validation.
#[derive(Debug, Clone)]
pub struct SessionDef {
    /// The base name (the table key).
    pub name: String,
    /// One line for `forge -l`.
    pub description: Option<String>,
    /// Interpreter request(s); `None` uses [`Project::python`] or the `python3` on PATH.
    pub python: Option<PythonSpec>,
    /// Matrix axes besides `python`, `(name, values)` in declared order.
    pub matrix: Vec<(String, Vec<String>)>,
    /// `matrix-exclude`: combinations left out, each `(axis, value)` pairs (`python` included).
    pub matrix_exclude: Vec<Vec<(String, String)>>,
    /// PEP 508 requirements.
    pub deps: Vec<String>,
    /// Requirement files, absolute.
    pub requirements: Vec<PathBuf>,
    /// Whether and how the project itself is installed.
    pub install_project: InstallProjectSpec,
    /// Extras of the project.
    pub extras: Vec<String>,
    /// PEP 735 dependency groups of the project's pyproject.toml, as written.
    pub groups: Vec<String>,
    /// Install what the project's uv.lock pins (`uv sync --locked`).
    pub locked: bool,
    /// Extra environment (values are templates).
    pub env: Vec<(String, Template)>,
    /// Commands in order.
    pub commands: Vec<Command>,
    /// Required sessions (base or instance names).
    pub requires: Vec<String>,
    /// Sessions this one runs after when they are planned, whatever their outcome (base or
    /// instance names).
    pub after: Vec<String>,
    /// The commands' working directory, absolute (inside the root); `None`: the root.
    pub working_directory: Option<PathBuf>,
    /// Tags.
    pub tags: Vec<String>,
    /// JUnit files the commands write (templates).
    pub junit: Vec<Template>,
    /// Coverage files the commands write (templates).
    pub coverage: Vec<Template>,
    /// Limit per command.
    pub timeout: Option<Duration>,
    /// Re-runs of a failed session.
    pub retries: u32,
    /// The waits between attempts (`retry-delay`, `retry-backoff`, `retry-max-delay`).
    pub retry: crate::runner::RetryPolicy,
    /// Whether the session gets a virtualenv.
    pub venv: bool,
    /// `inputs` globs, normalized (`/`-separated, relative to the root); `None`: not cached.
    pub inputs: Option<Vec<String>>,
    /// `outputs` globs, normalized like `inputs`.
    pub outputs: Vec<String>,
    /// Where its values are written in sessions.toml, for errors found after loading.
    pub lines: SessionLines,
}

/// 1-based lines in sessions.toml of a session's table and of the list entries checked after
/// loading (`None` when unknown, e.g. for a [`SessionDef`] not read from a file).
#[derive(Debug, Clone, Default)]
pub struct SessionLines {
    /// The `[sessions.NAME]` table.
    pub table: Option<usize>,
    /// Each `requires` entry, in order.
    pub requires: Vec<Option<usize>>,
    /// Each `after` entry, in order.
    pub after: Vec<Option<usize>>,
    /// `working-directory`.
    pub working_directory: Option<usize>,
    /// Each `requirements` entry, in order.
    pub requirements: Vec<Option<usize>>,
    /// Each `groups` entry, in order.
    pub groups: Vec<Option<usize>>,
    /// The `locked` key.
    pub locked: Option<usize>,
    /// Each `outputs` entry, in order.
    pub outputs: Vec<Option<usize>>,
}

/// One instance of a session: a combination of its axes' values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSpec {
    /// `BASE`, then `-VERSION` for a python list, then `-NAMEVALUE` per matrix axis in declared
    /// order (`test-3.12-django4.2`).
    pub name: String,
    /// The session's interpreter request for this instance (before `[forge] python`).
    pub python: Option<String>,
    /// `(axis, value)` per matrix axis, in declared order (python not included).
    pub matrix: Vec<(String, String)>,
}

/// The axis name `matrix-exclude` uses for the session's `python` list.
pub const PYTHON_AXIS: &str = "python";

/// One axis of a session's instance product.
struct Axis<'a> {
    name: &'a str,
    values: Vec<&'a str>,
    suffix: Suffix,
}

/// What a value of an axis adds to the instance name.
enum Suffix {
    /// Nothing: a single `python` version.
    None,
    /// `-VERSION`: a `python` list.
    Value,
    /// `-NAMEVALUE`: a matrix axis.
    NameValue,
}

impl SessionDef {
    /// Every instance, in order: the product of the axes — `python` first (a single version is
    /// an axis of one value, not shown in the name), then each matrix axis — minus the
    /// combinations `matrix-exclude` names. A session with no axis has one instance, its base.
    pub fn instances(&self) -> Vec<InstanceSpec> {
        let mut axes: Vec<Axis<'_>> = Vec::new();
        match &self.python {
            Some(PythonSpec::Parametrize(versions)) => axes.push(Axis {
                name: PYTHON_AXIS,
                values: versions.iter().map(String::as_str).collect(),
                suffix: Suffix::Value,
            }),
            Some(PythonSpec::One(version)) => {
                axes.push(Axis { name: PYTHON_AXIS, values: vec![version.as_str()], suffix: Suffix::None });
            }
            None => {}
        }
        for (name, values) in &self.matrix {
            axes.push(Axis { name, values: values.iter().map(String::as_str).collect(), suffix: Suffix::NameValue });
        }
        // The product, as (axis position, value) per axis.
        let mut combinations: Vec<Vec<(usize, &str)>> = vec![Vec::new()];
        for (position, axis) in axes.iter().enumerate() {
            combinations = combinations
                .into_iter()
                .flat_map(|combination| {
                    axis.values.iter().map(move |value| {
                        let mut next = combination.clone();
                        next.push((position, *value));
                        next
                    })
                })
                .collect();
        }
        let excluded = |combination: &[(usize, &str)]| {
            self.matrix_exclude.iter().any(|exclude| {
                exclude.iter().all(|(axis, value)| {
                    combination.iter().any(|&(position, chosen)| axes[position].name == axis && chosen == value)
                })
            })
        };
        combinations
            .into_iter()
            .filter(|combination| !excluded(combination))
            .map(|combination| {
                let mut name = self.name.clone();
                let mut python = None;
                let mut matrix = Vec::new();
                for (position, value) in combination {
                    let axis = &axes[position];
                    match axis.suffix {
                        Suffix::None => {}
                        Suffix::Value => name.push_str(&format!("-{value}")),
                        Suffix::NameValue => name.push_str(&format!("-{}{value}", axis.name)),
                    }
                    // The python axis, when there is one, is the first.
                    if position == 0 && self.python.is_some() {
                        python = Some(value.to_owned());
                    } else {
                        matrix.push((axis.name.to_owned(), value.to_owned()));
                    }
                }
                InstanceSpec { name, python, matrix }
            })
            .collect()
    }

    /// Whether the session gets a virtualenv: `venv = true` and something to run in it (an
    /// aggregate session, with no commands, needs none).
    pub fn needs_venv(&self) -> bool {
        self.venv && !self.commands.is_empty()
    }

    /// Whether a successful run of the session is stored and reused: it declares `inputs`.
    pub fn is_cached(&self) -> bool {
        self.inputs.is_some()
    }

    /// Whether the session has an axis shown in its instance names (a `python` list or a
    /// matrix), i.e. its base name names a group of instances rather than one.
    pub fn is_parametrized(&self) -> bool {
        matches!(self.python, Some(PythonSpec::Parametrize(_))) || !self.matrix.is_empty()
    }
}

impl Command {
    /// The argv after substitution (a `{posargs}` word may become several arguments).
    pub fn argv(&self, context: &TemplateContext<'_>) -> Vec<String> {
        self.words.iter().flat_map(|word| word.render_arguments(context)).collect()
    }

    /// The command as a shell would show it, with `{env:…}` values left as placeholders: for
    /// logs, displays and reports.
    pub fn display(&self, context: &TemplateContext<'_>) -> String {
        shell_join(&self.argv(&TemplateContext { redact_env: true, ..*context }))
    }

    /// The program word (the first argument after substitution): `value` to look up and run,
    /// `shown` for every message about it (`command not found: …`), with `{env:…}` values hidden.
    /// `None` when the command expands to no words at all (a lone `{posargs}` and no posargs).
    pub fn program(&self, context: &TemplateContext<'_>) -> Option<Rendered> {
        let value = self.argv(&TemplateContext { redact_env: false, ..*context }).into_iter().next()?;
        // Hiding a value never changes how many words there are, so the first words correspond.
        let shown = self.argv(&TemplateContext { redact_env: true, ..*context }).into_iter().next()?;
        Some(Rendered { value, shown })
    }
}

/// `words` joined into one shell-quoted line (`pytest -k 'a b'`), for showing an argv.
pub fn shell_join<S: AsRef<str>>(words: &[S]) -> String {
    shlex::try_join(words.iter().map(AsRef::as_ref))
        .unwrap_or_else(|_| words.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(" "))
}

/// A command ready for substitution.
#[derive(Debug, Clone)]
pub struct Command {
    /// As written in sessions.toml (for messages and `--dry-run`).
    pub source: String,
    /// Argument templates; a `{posargs}` word may expand to several arguments.
    pub words: Vec<Template>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_env_dir_is_named_after_the_project_and_a_hash_of_its_path() {
        let cache = Path::new("/cache/forge");
        // Paths that do not exist are used as given; the hash is SHA-256's first 8 hex digits.
        assert_eq!(
            project_env_dir(cache, Path::new("/nonexistent/My Project!")),
            Path::new("/cache/forge/envs/My_Project_-2c2b636c")
        );
        assert_eq!(
            project_env_dir(cache, Path::new("/nonexistent/.hidden")),
            Path::new("/cache/forge/envs/hidden-d7ca39ad")
        );
        assert_eq!(project_env_dir(cache, Path::new("/")), Path::new("/cache/forge/envs/project-8a5edab2"));
        // Two spellings of one directory share its envs.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert_eq!(project_env_dir(cache, &dir.path().join("sub/..")), project_env_dir(cache, dir.path()));
    }
}
