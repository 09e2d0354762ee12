//! The `sessions.toml` schema as serde types: one struct per table, unknown keys rejected.
//!
//! Values that take two shapes (`python`, a command) use hand-written visitors instead of
//! `#[serde(untagged)]`, so a wrong value still gets an error that says what was expected.
//! The same types derive `JsonSchema` for `forge schema` (see `config::schema`): their doc
//! comments are the schema's descriptions, and the two-shape values describe themselves by hand.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use super::DurationSpec;

/// The whole file: `[forge]`, `[defaults]`, `[sessions.NAME]` tables, `[coverage]` and
/// `[profiles.NAME]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SessionsFile {
    /// Global settings.
    #[serde(default)]
    pub forge: ForgeTable,
    /// Values every session starts from (any session key but `extends`), like tox's `[testenv]`:
    /// a session's own value wins; `env` and `matrix` are merged key by key, lists are replaced.
    pub defaults: Option<SessionTable>,
    /// Sessions in file order (the order `forge -l` lists them). A name is 1 to 100 ASCII letters,
    /// digits, `-`, `_`, `:` and `.`, not starting with `.` or `-`.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z0-9_:][A-Za-z0-9_:.-]{0,99}$" }))]
    pub sessions: IndexMap<String, SessionTable>,
    /// The coverage quality gate.
    #[serde(default)]
    pub coverage: CoverageTable,
    /// Deployment targets with their own gates, chosen with `forge --profile NAME` (see
    /// `settings::profile` for what wins over what). A name follows the session name rules.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z0-9_:][A-Za-z0-9_:.-]{0,99}$" }))]
    pub profiles: IndexMap<String, ProfileTable>,
}

/// `[profiles.NAME]`: what `--profile NAME` changes. Each key is a default below a session's own
/// value and a `[forge]` key below the command line and the environment.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProfileTable {
    /// One line shown in the reports beside the profile's name.
    pub description: Option<String>,
    /// The coverage gate for this target (replaces `[coverage]`'s).
    #[serde(default)]
    pub coverage: CoverageTable,
    /// Environment added to every session (a session's own `env` key wins).
    #[serde(default)]
    pub env: IndexMap<String, String>,
    /// `[forge]` keys for this target (over the file's `[forge]`).
    #[serde(default)]
    pub forge: ForgeTable,
    /// Re-runs of a failed session, for sessions that set no `retries`.
    #[schemars(range(max = 100))]
    pub retries: Option<u32>,
    /// Limit per command, for sessions that set no `timeout`.
    pub timeout: Option<DurationSpec>,
    /// `retry-delay` for sessions that set none.
    pub retry_delay: Option<DurationSpec>,
    /// `retry-backoff` for sessions that set none.
    #[schemars(range(min = 1, max = 10))]
    pub retry_backoff: Option<f64>,
    /// `retry-max-delay` for sessions that set none.
    pub retry_max_delay: Option<DurationSpec>,
}

/// `[forge]`: settings that apply to every session.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ForgeTable {
    /// Sessions a bare `forge` runs (base or instance names); all sessions when unset.
    pub default: Option<Vec<String>>,
    /// Interpreter request for sessions that name none.
    pub python: Option<String>,
    /// Virtualenv directory, relative to the sessions.toml directory; unset: a directory of the
    /// project's own in forge's cache (`~/.cache/forge/envs/NAME-HASH`), outside the project tree.
    pub env_dir: Option<String>,
    /// Reports directory, relative to the sessions.toml directory.
    pub reports_dir: Option<String>,
    /// Cache store directory, relative to the sessions.toml directory; unset: a directory of the
    /// project's own in forge's cache (`~/.cache/forge/cache/NAME-HASH`), beside its envs.
    pub cache_dir: Option<String>,
    /// The most the cache store may hold: bytes, or a number with a unit (`"500MiB"`, `"2GB"`);
    /// default `"1GiB"`. Least recently used results are evicted first.
    pub cache_size: Option<String>,
    /// Parallel sessions; 0 means the number of CPUs.
    #[schemars(range(max = 1024))]
    pub jobs: Option<u32>,
    /// Skip instances whose interpreter is not found instead of failing them (tox's
    /// `skip_missing_interpreters`); `--skip-missing-interpreters` and its variable win over it.
    pub skip_missing_interpreters: Option<bool>,
    /// A remote cache shared by CI jobs and colleagues, spoken to with Bazel's HTTP remote-cache
    /// protocol (`/ac/KEY`, `/cas/SHA256`): `http://host:port[/prefix]` or `https://…`, with no
    /// credentials in it (they come from `FORGE_REMOTE_CACHE_TOKEN`, or
    /// `FORGE_REMOTE_CACHE_USER` and `FORGE_REMOTE_CACHE_PASSWORD`). `--remote-cache` and
    /// `FORGE_REMOTE_CACHE` win over it.
    #[schemars(regex(pattern = r"^https?://"))]
    pub remote_cache: Option<String>,
    /// `read-write` (default: look results up, and upload each new one) or `read` (look up
    /// only, e.g. for pull-request jobs).
    pub remote_cache_mode: Option<crate::cache::RemoteMode>,
    /// The longest one remote-cache request may wait to connect, for an answer or between two
    /// reads (default `"5s"`); past it the request is a miss and the remote cache is not used
    /// for the rest of the run.
    pub remote_cache_timeout: Option<DurationSpec>,
}

/// `[coverage]`: the gate on merged line coverage.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CoverageTable {
    /// Minimum merged line coverage, in percent (0–100).
    #[schemars(range(min = 0, max = 100))]
    pub fail_under: Option<f64>,
}

/// `[sessions.NAME]`: one session as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SessionTable {
    /// One line shown by `forge -l`.
    pub description: Option<String>,
    /// Another session whose values this one starts from (after `[defaults]`); its own values win.
    pub extends: Option<String>,
    /// One interpreter, or a list (parametrize: one instance per version).
    pub python: Option<PythonSpec>,
    /// Further axes besides `python`: one instance per combination of their values, named
    /// `BASE[-VERSION]-NAMEVALUE…` in declared order; `{matrix.NAME}` is the instance's value.
    #[serde(default)]
    #[schemars(extend("additionalProperties" = { "type": "array", "items": { "type": "string", "minLength": 1 }, "minItems": 1, "uniqueItems": true }))]
    pub matrix: IndexMap<String, Vec<String>>,
    /// Combinations left out of the matrix: each table names axes (`python` included) and a value
    /// of each; an instance matching every entry of one table is not made.
    #[serde(default)]
    pub matrix_exclude: Vec<IndexMap<String, String>>,
    /// PEP 508 requirements installed with `uv pip install`.
    #[serde(default)]
    pub deps: Vec<String>,
    /// Requirement files (`-r`), relative to the project root; their content is fingerprinted.
    #[serde(default)]
    pub requirements: Vec<String>,
    /// Install the project itself: `true` or `"editable"` (an editable install), `"wheel"` or
    /// `"sdist"` (built with `uv build` and installed from that artifact, as tox does);
    /// `false` or absent: not installed.
    #[serde(default)]
    pub install_project: InstallProjectSpec,
    /// Optional extras of the project to install (implies nothing unless `install-project`, or
    /// `locked`).
    #[serde(default)]
    pub extras: Vec<String>,
    /// PEP 735 dependency groups of the project's pyproject.toml (`[dependency-groups]`,
    /// `include-group` honoured) installed into the env.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Install exactly what the project's uv.lock pins (the project's dependencies, `groups`
    /// and `extras`), as `uv sync --locked` does; a lock out of date is an error.
    #[serde(default)]
    pub locked: bool,
    /// Extra environment for the commands.
    #[serde(default)]
    pub env: IndexMap<String, String>,
    /// Commands run in order; the first failure fails the session.
    #[serde(default)]
    pub commands: Vec<CommandSpec>,
    /// Sessions that must succeed first (base or instance names).
    #[serde(default)]
    pub requires: Vec<String>,
    /// Sessions this one runs after when they are in the plan, whatever their outcome (tox's
    /// `depends`): ordering only, they are not pulled into the plan (base or instance names).
    #[serde(default)]
    pub after: Vec<String>,
    /// The directory the commands run in, relative to the project root and inside it (tox's
    /// `changedir`); it must exist. `{root}` stays the project root.
    pub working_directory: Option<String>,
    /// Tags for `-t`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// JUnit XML files the commands write (templates).
    #[serde(default)]
    pub junit: Vec<String>,
    /// Cobertura XML or LCOV files the commands write (templates).
    #[serde(default)]
    pub coverage: Vec<String>,
    /// Limit per command.
    pub timeout: Option<DurationSpec>,
    /// Re-runs of a failed session (default 0).
    #[schemars(range(max = 100))]
    pub retries: Option<u32>,
    /// The wait before the first retry (default 1 s, at most 1 h); multiplied by `retry-backoff`
    /// for each further retry.
    pub retry_delay: Option<DurationSpec>,
    /// The factor each wait between retries grows by (default 2.0, from 1 to 10).
    #[schemars(range(min = 1, max = 10))]
    pub retry_backoff: Option<f64>,
    /// The longest wait between retries (default 30 s, at most 1 h).
    pub retry_max_delay: Option<DurationSpec>,
    /// `false`: no virtualenv, commands run with the caller's PATH.
    #[serde(default = "default_true")]
    pub venv: bool,
    /// Globs, relative to the project root, of the files whose content decides the result (paths
    /// the project's `.gitignore` files ignore are left out). A session that declares `inputs` is
    /// cached: while its key is unchanged, a later run restores its result instead of running it.
    #[serde(default)]
    pub inputs: Option<Vec<String>>,
    /// Globs, relative to the project root, of the files the commands produce: stored with a
    /// cached result and restored byte for byte on a cache hit.
    #[serde(default)]
    pub outputs: Vec<String>,
}

fn default_true() -> bool {
    true
}

/// `python = "3.12"` or `python = ["3.11", "3.12"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonSpec {
    /// One interpreter: the session is not parametrized.
    One(String),
    /// Several: one instance `BASE-VERSION` each.
    Parametrize(Vec<String>),
}

impl<'de> Deserialize<'de> for PythonSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let expecting = "a version string such as \"3.12\" or an array of them";
        Ok(match deserializer.deserialize_any(StringOrListVisitor(expecting))? {
            StringOrList::One(version) => PythonSpec::One(version),
            StringOrList::List(versions) => PythonSpec::Parametrize(versions),
        })
    }
}

/// `install-project = true | false | "editable" | "wheel" | "sdist"` as written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InstallProjectSpec {
    /// `false`, or the key absent: the project is not installed.
    #[default]
    No,
    /// `true` or `"editable"`.
    Editable,
    /// `"wheel"`: a wheel built from the source tree.
    Wheel,
    /// `"sdist"`: an sdist built from the source tree, then installed (built again into a wheel).
    Sdist,
}

impl InstallProjectSpec {
    /// Whether the project is installed at all.
    pub fn installs(self) -> bool {
        self != Self::No
    }

    /// The mode as sessions.toml spells it (`""` when not installed).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::No => "",
            Self::Editable => "editable",
            Self::Wheel => "wheel",
            Self::Sdist => "sdist",
        }
    }
}

impl<'de> Deserialize<'de> for InstallProjectSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(InstallProjectVisitor)
    }
}

struct InstallProjectVisitor;

impl Visitor<'_> for InstallProjectVisitor {
    type Value = InstallProjectSpec;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("true, false, \"editable\", \"wheel\" or \"sdist\"")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(if value { InstallProjectSpec::Editable } else { InstallProjectSpec::No })
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        match text {
            "editable" => Ok(InstallProjectSpec::Editable),
            "wheel" => Ok(InstallProjectSpec::Wheel),
            "sdist" => Ok(InstallProjectSpec::Sdist),
            other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
        }
    }
}

impl JsonSchema for InstallProjectSpec {
    fn schema_name() -> Cow<'static, str> {
        "InstallProjectSpec".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Install the project: `true` or \"editable\" (editable), \"wheel\" or \"sdist\" (built with `uv build`, then installed); `false`: not installed.",
            "anyOf": [
                { "type": "boolean" },
                { "type": "string", "enum": ["editable", "wheel", "sdist"] }
            ]
        })
    }
}

/// A command: a string split like a POSIX shell (no shell is run), or an argv array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandSpec {
    /// `"pytest -q {posargs}"`.
    Line(String),
    /// `["uv", "build", "--out-dir", "dist"]`.
    Argv(Vec<String>),
}

impl<'de> Deserialize<'de> for CommandSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let expecting = "a command string or an array of argument strings";
        Ok(match deserializer.deserialize_any(StringOrListVisitor(expecting))? {
            StringOrList::One(line) => CommandSpec::Line(line),
            StringOrList::List(argv) => CommandSpec::Argv(argv),
        })
    }
}

impl JsonSchema for PythonSpec {
    fn schema_name() -> Cow<'static, str> {
        "PythonSpec".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "One interpreter (\"3.12\"), or a non-empty list of distinct versions: one instance `NAME-VERSION` each.",
            "anyOf": [
                { "type": "string", "minLength": 1 },
                { "type": "array", "items": { "type": "string", "minLength": 1 }, "minItems": 1, "uniqueItems": true }
            ]
        })
    }
}

impl JsonSchema for CommandSpec {
    fn schema_name() -> Cow<'static, str> {
        "CommandSpec".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A command: a string split like a POSIX shell (no shell is run), or an array of argument strings.",
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" } }
            ]
        })
    }
}

/// A value written as one string or as an array of strings.
enum StringOrList {
    One(String),
    List(Vec<String>),
}

/// Accepts [`StringOrList`]; `.0` says what was expected, for serde's "invalid type" messages.
struct StringOrListVisitor(&'static str);

impl<'de> Visitor<'de> for StringOrListVisitor {
    type Value = StringOrList;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.0)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(StringOrList::One(text.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<String>()? {
            items.push(item);
        }
        Ok(StringOrList::List(items))
    }
}
