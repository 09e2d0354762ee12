//! Semantic checks on a parsed sessions.toml: requirements, instance names, templates, limits.
//! Each error names the session and key at fault.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::error::excerpt;
use super::locate::{Locator, Step};
use super::model::SessionsFile;
use super::names::{MAX_NAME_LENGTH, is_valid_name, suggest};
use super::project::{CoverageGate, Project, RunDefaults, SessionDef};
use super::{ConfigError, session};

/// The most parallel jobs `[forge] jobs` may ask for.
const MAX_JOBS: u32 = 1024;
/// Builds [`ConfigError::Invalid`] errors that name the file, the line of the value at fault
/// (found with the [`Locator`]) and the table and key.
pub(super) struct Checker<'a> {
    pub path: PathBuf,
    pub locator: &'a Locator<'a>,
}

impl Checker<'_> {
    /// An error about the value at `at` (steps from the top of the file), shown as `place`.
    pub fn error(
        &self,
        at: &[Step<'_>],
        place: impl Into<String>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.clone(),
            line: self.locator.line(at),
            place: place.into(),
            message: message.into(),
            hint,
        }
    }
}

/// `NAME` as a TOML key: bare when it can be, quoted otherwise (`"build:package"`), so that a
/// message shows the header to write.
pub(super) fn table_name(name: &str) -> String {
    let bare =
        !name.is_empty() && name.chars().all(|character| character.is_ascii_alphanumeric() || "-_".contains(character));
    if bare { name.to_owned() } else { format!("\"{}\"", excerpt(name)) }
}

fn forge_key<'a>(key: &'a str) -> [Step<'a>; 2] {
    [Step::Key("forge"), Step::Key(key)]
}

/// Checks `file` (read from `text`, which `locator` indexes) and resolves it into a [`Project`]
/// rooted at `path`'s directory.
///
/// # Errors
/// [`ConfigError::Invalid`] naming the line, table and key at fault.
pub fn validate(path: PathBuf, file: SessionsFile, locator: &Locator<'_>) -> Result<Project, ConfigError> {
    let checker = Checker { path: path.clone(), locator };
    let root = path.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"));

    let mut sessions = Vec::with_capacity(file.sessions.len());
    for (name, table) in file.sessions {
        sessions.push(session::check_session(&checker, &root, name, table)?);
    }

    let instance_names = check_instance_names(&checker, &sessions)?;
    let base_names: HashSet<&str> = sessions.iter().map(|session| session.name.as_str()).collect();
    let known = |name: &str| base_names.contains(name) || instance_names.contains(name);
    let all_names = || base_names.iter().copied().chain(instance_names.iter().map(String::as_str));

    for session in &sessions {
        for (key, names) in [("requires", &session.requires), ("after", &session.after)] {
            for (index, required) in names.iter().enumerate() {
                if !known(required) {
                    return Err(checker.error(
                        &[Step::Key("sessions"), Step::Key(&session.name), Step::Key(key), Step::Index(index)],
                        format!("[sessions.{}] {key}", table_name(&session.name)),
                        format!("unknown session `{}`", excerpt(required)),
                        suggest(required, all_names()).map(|near| format!("did you mean `{near}`?")),
                    ));
                }
            }
        }
    }
    if let Some(default) = &file.forge.default {
        for (index, name) in default.iter().enumerate() {
            if !known(name) {
                return Err(checker.error(
                    &[Step::Key("forge"), Step::Key("default"), Step::Index(index)],
                    "[forge] default",
                    format!("unknown session `{}`", excerpt(name)),
                    suggest(name, all_names()).map(|near| format!("did you mean `{near}`?")),
                ));
            }
        }
    }
    if let Some(python) = &file.forge.python {
        check_version(&checker, &forge_key("python"), "[forge] python", python)?;
    }
    // Read only when a session would use it: a stray file cannot break a project whose sessions
    // all name their interpreter.
    let uses_default = sessions.iter().any(|session| session.python.is_none() && session.needs_venv());
    let python = match file.forge.python {
        Some(python) => Some(python),
        None if uses_default => super::python_version::read(&root)?,
        None => None,
    };
    if let Some(jobs) = file.forge.jobs
        && jobs > MAX_JOBS
    {
        return Err(checker.error(
            &forge_key("jobs"),
            "[forge] jobs",
            format!("{jobs} is more than the maximum of {MAX_JOBS}"),
            None,
        ));
    }
    if let Some(fail_under) = file.coverage.fail_under
        && !(0.0..=100.0).contains(&fail_under)
    {
        return Err(checker.error(
            &[Step::Key("coverage"), Step::Key("fail-under")],
            "[coverage] fail-under",
            format!("{fail_under} is not a percentage between 0 and 100"),
            None,
        ));
    }
    let directory = |value: Option<String>, fallback: &str, key: &str| -> Result<PathBuf, ConfigError> {
        let value = value.unwrap_or_else(|| fallback.to_owned());
        if value.trim().is_empty() {
            return Err(checker.error(&forge_key(key), format!("[forge] {key}"), "the directory is empty", None));
        }
        Ok(root.join(value))
    };
    let run_defaults = RunDefaults {
        env_dir: match file.forge.env_dir {
            // Without `.` components (`env-dir = "."`), so env paths read as the user expects.
            Some(env_dir) => directory(Some(env_dir), "", "env-dir")?.components().collect(),
            None => super::project::default_env_dir(&root),
        },
        reports_dir: directory(file.forge.reports_dir, ".forge/reports", "reports-dir")?,
        cache_dir: match file.forge.cache_dir {
            Some(cache_dir) => directory(Some(cache_dir), "", "cache-dir")?.components().collect(),
            None => super::project::default_cache_dir(&root),
        },
        cache_size: match &file.forge.cache_size {
            Some(text) => parse_size(text).ok_or_else(|| {
                checker.error(
                    &forge_key("cache-size"),
                    "[forge] cache-size",
                    format!("`{}` is not a size", excerpt(text)),
                    Some("write bytes or a number with a unit, e.g. \"500MiB\" or \"2GB\"".into()),
                )
            })?,
            None => crate::cache::DEFAULT_CACHE_SIZE,
        },
        jobs: file.forge.jobs,
        skip_missing_interpreters: file.forge.skip_missing_interpreters,
        remote_cache: match &file.forge.remote_cache {
            Some(url) => Some(crate::cache::remote::check_url(url).map_err(|message| {
                let hint = format!(
                    "write the server's base URL, e.g. \"http://cache.internal:8080\"; credentials go in {}",
                    crate::cache::remote::TOKEN_VARIABLE
                );
                // The message never repeats the URL: it may hold a password.
                checker.error(
                    &forge_key("remote-cache"),
                    "[forge] remote-cache",
                    format!("the URL {message}"),
                    Some(hint),
                )
            })?),
            None => None,
        },
        remote_cache_mode: file.forge.remote_cache_mode,
        // DurationSpec refuses zero when the file is read.
        remote_cache_timeout: file.forge.remote_cache_timeout.map(|timeout| timeout.0),
    };
    for session in &sessions {
        check_outputs(&checker, &root, session, &run_defaults)?;
    }
    Ok(Project {
        run_defaults,
        file: path,
        root,
        default: file.forge.default,
        python,
        sessions,
        coverage: CoverageGate { fail_under: file.coverage.fail_under },
        profile: None,
    })
}

/// No `outputs` glob may reach into (or name a parent of) the reports directory or the env
/// directory: restoring outputs on a cache hit would overwrite files forge writes itself.
fn check_outputs(
    checker: &Checker<'_>,
    root: &Path,
    session: &SessionDef,
    defaults: &RunDefaults,
) -> Result<(), ConfigError> {
    let directories = [("the reports directory", &defaults.reports_dir), ("the env directory", &defaults.env_dir)];
    for (index, glob) in session.outputs.iter().enumerate() {
        for (what, directory) in directories {
            // A directory outside the root cannot be reached: outputs are root-relative.
            let Some(relative) = lexical(directory).strip_prefix(lexical(root)).ok().map(Path::to_path_buf) else {
                continue;
            };
            if super::globs::may_overlap(glob, &relative) {
                return Err(ConfigError::Invalid {
                    path: checker.path.clone(),
                    line: session.lines.outputs.get(index).copied().flatten(),
                    place: format!("[sessions.{}] outputs", table_name(&session.name)),
                    message: format!(
                        "`{}` overlaps {what} `{}`",
                        excerpt(glob),
                        super::escape(&relative.display().to_string())
                    ),
                    hint: Some("name the files the commands produce, e.g. `dist/*`".into()),
                });
            }
        }
    }
    Ok(())
}

/// `path` without `.` and `..` components, resolved lexically.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `text` as a size in bytes: digits, optionally a unit (`B`, `KB`, `KiB`, `MB`, `MiB`, `GB`,
/// `GiB`, `TB`, `TiB`; case-insensitive, a space allowed before it).
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|character: char| !character.is_ascii_digit() && character != '.').unwrap_or(text.len());
    let number: f64 = text[..split].parse().ok()?;
    let factor: f64 = match text[split..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "kib" => 1024.0,
        "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tb" => 1e12,
        "tib" => 1024.0f64.powi(4),
        _ => return None,
    };
    let bytes = number * factor;
    // Saturates at u64::MAX for an absurdly large size.
    (bytes.is_finite() && bytes >= 0.0).then_some(bytes as u64)
}

/// Every instance name must be a safe file name, unique across the file, and unique ignoring case
/// (`test` with python = ["3.11"] and a session literally named `test-3.11` would share an env and a
/// log; so would `Lint` and `lint` on a case-insensitive file system). An instance name that is
/// also another session's base name would make `-s` and `requires` ambiguous.
fn check_instance_names(checker: &Checker<'_>, sessions: &[SessionDef]) -> Result<HashSet<String>, ConfigError> {
    // Bases that are not instances themselves; the others are caught as duplicate instances.
    let parametrized: HashSet<&str> =
        sessions.iter().filter(|session| session.is_parametrized()).map(|session| session.name.as_str()).collect();
    let mut instance_names = HashSet::new();
    let mut folded: HashMap<String, String> = HashMap::new();
    for session in sessions {
        let at = [Step::Key("sessions"), Step::Key(&session.name)];
        let place = format!("[sessions.{}]", table_name(&session.name));
        let error = |message: String, hint: &str| checker.error(&at, place.clone(), message, Some(hint.to_owned()));
        let instances = session.instances();
        if instances.is_empty() {
            return Err(checker.error(
                &[Step::Key("sessions"), Step::Key(&session.name), Step::Key("matrix-exclude")],
                format!("[sessions.{}] matrix-exclude", table_name(&session.name)),
                "excludes every combination: the session has no instance left",
                Some("remove an exclude entry, or the session".into()),
            ));
        }
        for instance in instances.into_iter().map(|instance| instance.name) {
            if !is_valid_name(&instance) {
                return Err(error(
                    format!("instance name `{instance}` is longer than {MAX_NAME_LENGTH} characters"),
                    "shorten the session name, the python version or the matrix values",
                ));
            }
            if !instance_names.insert(instance.clone()) {
                return Err(error(
                    format!("instance name `{instance}` is defined twice"),
                    "rename one session or remove the duplicate python version",
                ));
            }
            if parametrized.contains(instance.as_str()) {
                return Err(error(
                    format!("instance name `{instance}` is also the name of a session"),
                    "rename one of them",
                ));
            }
            if let Some(other) = folded.insert(instance.to_lowercase(), instance.clone()) {
                return Err(error(
                    format!("instance names `{other}` and `{instance}` differ only in case"),
                    "rename one: they would share an env and a log on a case-insensitive file system",
                ));
            }
        }
    }
    Ok(instance_names)
}

pub(super) fn check_version(
    checker: &Checker<'_>,
    at: &[Step<'_>],
    place: &str,
    version: &str,
) -> Result<(), ConfigError> {
    if is_valid_name(version) {
        Ok(())
    } else {
        Err(checker.error(
            at,
            place,
            format!("`{}` is not a Python version", excerpt(version)),
            Some("write a version such as \"3.12\" (or \"pypy3.10\")".into()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Hint as _;

    fn load(text: &str) -> Result<Project, ConfigError> {
        let path = PathBuf::from("/project/sessions.toml");
        let file = super::super::load::parse(&path, text)?;
        validate(path, file, &Locator::new(text))
    }

    #[test]
    fn accepts_the_contract_example_shape() {
        let project = load(
            r#"
            [forge]
            default = ["check"]
            [sessions.lint]
            deps = ["ruff"]
            commands = ["ruff check {posargs:.}"]
            [sessions.check]
            requires = ["lint", "test"]
            [sessions.test]
            python = ["3.11", "3.12"]
            commands = [["pytest", "{posargs}"]]
            timeout = "10m"
            "#,
        )
        .unwrap();
        assert_eq!(project.sessions.len(), 3);
        assert_eq!(project.sessions[2].instances()[1].name, "test-3.12");
        assert_eq!(
            project.run_defaults.env_dir,
            super::super::project::default_env_dir(std::path::Path::new("/project"))
        );
    }

    #[test]
    fn unknown_requirement_suggests_nearest() {
        let error = load("[sessions.lint]\n[sessions.check]\nrequires = [\"lnt\"]\n").unwrap_err();
        assert!(error.to_string().contains("[sessions.check] requires: unknown session `lnt`"), "{error}");
        assert_eq!(error.hint().as_deref(), Some("did you mean `lint`?"));
    }

    #[test]
    fn duplicate_instances_are_rejected() {
        let error = load("[sessions.test]\npython = [\"3.11\"]\n[sessions.\"test-3.11\"]\n").unwrap_err();
        assert!(error.to_string().contains("`test-3.11` is defined twice"), "{error}");
    }

    #[test]
    fn envdir_needs_a_venv() {
        let error = load("[sessions.a]\nvenv = false\ncommands = [\"ls {envdir}\"]\n").unwrap_err();
        assert!(error.to_string().contains("venv = false"), "{error}");
    }

    #[test]
    fn inputs_and_outputs_are_checked_with_their_line() {
        let project =
            load("[sessions.lint]\ncommands = [\"ruff\"]\ninputs = [\"./src/**/*.py\"]\noutputs = [\"dist/*\"]\n")
                .unwrap();
        assert_eq!(project.sessions[0].inputs.as_deref(), Some(&["src/**/*.py".to_owned()][..]));
        assert!(project.sessions[0].is_cached());
        for (text, says) in [
            ("inputs = [\"../**\"]", "/project/sessions.toml:3: [sessions.a] inputs: `../**` leaves the project root"),
            ("inputs = [\"src/[\"]", "/project/sessions.toml:3: [sessions.a] inputs: `src/[` is not a valid glob"),
            (
                "inputs = []\noutputs = [\"**\"]",
                "sessions.toml:4: [sessions.a] outputs: `**` overlaps the reports directory `.forge/reports`",
            ),
            ("inputs = []\noutputs = [\".forge/*\"]", "overlaps the reports directory"),
        ] {
            let error = load(&format!("[sessions.a]\ncommands = [\"true\"]\n{text}\n")).unwrap_err();
            assert!(error.to_string().contains(says), "{error}");
        }
        let error =
            load("[forge]\nenv-dir = \"venvs\"\n[sessions.a]\ncommands = [\"true\"]\noutputs = [\"venvs/a/*\"]\n")
                .unwrap_err();
        assert!(error.to_string().contains("overlaps the env directory `venvs`"), "{error}");
        let error = load("[sessions.all]\nrequires = [\"a\"]\ninputs = [\"src/**\"]\n[sessions.a]\n").unwrap_err();
        assert!(error.to_string().contains("sessions.toml:3: [sessions.all] inputs: an aggregate session"), "{error}");
    }
}
