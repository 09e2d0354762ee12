//! Semantic checks on a parsed sessions.toml: names, requirements, templates, limits. Each error
//! names the session and key at fault.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use super::error::excerpt;
use super::model::{CommandSpec, PythonSpec, SessionTable, SessionsFile};
use super::project::{Command, CoverageGate, Project, SessionDef};
use super::{ConfigError, Template, TemplatePart};

/// The most retries a session may ask for; more is surely a typo.
const MAX_RETRIES: u32 = 100;
/// The most parallel jobs `[forge] jobs` may ask for.
const MAX_JOBS: u32 = 1024;
/// The longest session name, so names stay usable as file names.
const MAX_NAME_LENGTH: usize = 100;
/// Default first back-off between attempts.
const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(1);

/// Whether `name` may name a session (or a Python version in an instance name): letters, digits,
/// `-`, `_`, `:` and `.`, not starting with `.` or `-`, so it is always a safe file name.
pub fn is_valid_name(name: &str) -> bool {
    name_problem(name).is_none()
}

/// Why `name` is not a valid session name (see [`is_valid_name`]), or `None` when it is.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the name is empty".into());
    }
    if name.chars().count() > MAX_NAME_LENGTH {
        return Some(format!("the name is longer than {MAX_NAME_LENGTH} characters"));
    }
    if let Some(bad) =
        name.chars().find(|&character| !(character.is_ascii_alphanumeric() || "-_:.".contains(character)))
    {
        let shown = if bad == ' ' { "a space".to_owned() } else { format!("`{}`", excerpt(&bad.to_string())) };
        return Some(format!("the name contains {shown}"));
    }
    if let Some(first) = name.chars().next().filter(|first| ['.', '-'].contains(first)) {
        return Some(format!("the name starts with `{first}`"));
    }
    None
}

/// The candidate closest to `input`, if any is close enough to be a likely typo (Jaro similarity,
/// the measure clap uses for its suggestions).
pub fn suggest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // No typo is this long, and comparing huge strings would only waste time.
    if input.len() > 4 * MAX_NAME_LENGTH {
        return None;
    }
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro(input, candidate), candidate))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

struct Checker {
    path: PathBuf,
}

impl Checker {
    fn error(&self, place: impl Into<String>, message: impl Into<String>, hint: Option<String>) -> ConfigError {
        ConfigError::Invalid { path: self.path.clone(), place: place.into(), message: message.into(), hint }
    }
}

/// Checks `file` and resolves it into a [`Project`] rooted at `path`'s directory.
///
/// # Errors
/// [`ConfigError::Invalid`] naming the table and key at fault.
pub fn validate(path: PathBuf, file: SessionsFile) -> Result<Project, ConfigError> {
    let checker = Checker { path: path.clone() };
    let root = path.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"));

    let mut sessions = Vec::with_capacity(file.sessions.len());
    for (name, table) in file.sessions {
        sessions.push(check_session(&checker, &root, name, table)?);
    }

    let instance_names = check_instance_names(&checker, &sessions)?;
    let base_names: HashSet<&str> = sessions.iter().map(|session| session.name.as_str()).collect();
    let known = |name: &str| base_names.contains(name) || instance_names.contains(name);
    let all_names = || base_names.iter().copied().chain(instance_names.iter().map(String::as_str));

    for session in &sessions {
        for required in &session.requires {
            if !known(required) {
                return Err(checker.error(
                    format!("[sessions.{}] requires", session.name),
                    format!("unknown session `{}`", excerpt(required)),
                    suggest(required, all_names()).map(|near| format!("did you mean `{near}`?")),
                ));
            }
        }
    }
    if let Some(default) = &file.forge.default {
        for name in default {
            if !known(name) {
                return Err(checker.error(
                    "[forge] default",
                    format!("unknown session `{}`", excerpt(name)),
                    suggest(name, all_names()).map(|near| format!("did you mean `{near}`?")),
                ));
            }
        }
    }
    if let Some(python) = &file.forge.python {
        check_version(&checker, "[forge] python", python)?;
    }
    if let Some(jobs) = file.forge.jobs
        && jobs > MAX_JOBS
    {
        return Err(checker.error("[forge] jobs", format!("{jobs} is more than the maximum of {MAX_JOBS}"), None));
    }
    if let Some(fail_under) = file.coverage.fail_under
        && !(0.0..=100.0).contains(&fail_under)
    {
        return Err(checker.error(
            "[coverage] fail-under",
            format!("{fail_under} is not a percentage between 0 and 100"),
            None,
        ));
    }
    let directory = |value: Option<String>, fallback: &str, place: &str| -> Result<PathBuf, ConfigError> {
        let value = value.unwrap_or_else(|| fallback.to_owned());
        if value.trim().is_empty() {
            return Err(checker.error(place, "the directory is empty", None));
        }
        Ok(root.join(value))
    };
    Ok(Project {
        env_dir: match file.forge.env_dir {
            // Without `.` components (`env-dir = "."`), so env paths read as the user expects.
            Some(env_dir) => directory(Some(env_dir), "", "[forge] env-dir")?.components().collect(),
            None => super::project::default_env_dir(&root),
        },
        reports_dir: directory(file.forge.reports_dir, ".forge/reports", "[forge] reports-dir")?,
        file: path,
        root,
        default: file.forge.default,
        python: file.forge.python,
        jobs: file.forge.jobs,
        sessions,
        coverage: CoverageGate { fail_under: file.coverage.fail_under },
    })
}

/// Every instance name must be a safe file name, unique across the file, and unique ignoring case
/// (`test` with python = ["3.11"] and a session literally named `test-3.11` would share an env and a
/// log; so would `Lint` and `lint` on a case-insensitive file system). An instance name that is
/// also another session's base name would make `-s` and `requires` ambiguous.
fn check_instance_names(checker: &Checker, sessions: &[SessionDef]) -> Result<HashSet<String>, ConfigError> {
    // Bases that are not instances themselves; the others are caught as duplicate instances.
    let parametrized: HashSet<&str> =
        sessions.iter().filter(|session| session.is_parametrized()).map(|session| session.name.as_str()).collect();
    let mut instance_names = HashSet::new();
    let mut folded: HashMap<String, String> = HashMap::new();
    for session in sessions {
        let place = format!("[sessions.{}]", session.name);
        for (instance, _) in session.instances() {
            if !is_valid_name(&instance) {
                return Err(checker.error(
                    place,
                    format!("instance name `{instance}` is longer than {MAX_NAME_LENGTH} characters"),
                    Some("shorten the session name or the python version".into()),
                ));
            }
            if !instance_names.insert(instance.clone()) {
                return Err(checker.error(
                    place,
                    format!("instance name `{instance}` is defined twice"),
                    Some("rename one session or remove the duplicate python version".into()),
                ));
            }
            if parametrized.contains(instance.as_str()) {
                return Err(checker.error(
                    place,
                    format!("instance name `{instance}` is also the name of a session"),
                    Some("rename one of them".into()),
                ));
            }
            if let Some(other) = folded.insert(instance.to_lowercase(), instance.clone()) {
                return Err(checker.error(
                    place,
                    format!("instance names `{other}` and `{instance}` differ only in case"),
                    Some("rename one: they would share an env and a log on a case-insensitive file system".into()),
                ));
            }
        }
    }
    Ok(instance_names)
}

fn check_version(checker: &Checker, place: &str, version: &str) -> Result<(), ConfigError> {
    if is_valid_name(version) {
        Ok(())
    } else {
        Err(checker.error(
            place,
            format!("`{}` is not a Python version", excerpt(version)),
            Some("write a version such as \"3.12\" (or \"pypy3.10\")".into()),
        ))
    }
}

fn check_session(
    checker: &Checker,
    root: &std::path::Path,
    name: String,
    table: SessionTable,
) -> Result<SessionDef, ConfigError> {
    let place = |key: &str| format!("[sessions.{name}] {key}");
    if let Some(problem) = name_problem(&name) {
        return Err(checker.error(
            format!("[sessions.\"{}\"]", excerpt(&name)),
            format!("invalid session name: {problem}"),
            Some(format!(
                "names use letters, digits, `-`, `_`, `:` and `.`, at most {MAX_NAME_LENGTH} characters, and do not start with `.` or `-`"
            )),
        ));
    }
    match &table.python {
        Some(PythonSpec::One(version)) => check_version(checker, &place("python"), version)?,
        Some(PythonSpec::Parametrize(versions)) => {
            if versions.is_empty() {
                return Err(checker.error(place("python"), "the list of versions is empty", None));
            }
            let mut seen = HashSet::new();
            for version in versions {
                check_version(checker, &place("python"), version)?;
                if !seen.insert(version) {
                    return Err(checker.error(place("python"), format!("version `{version}` is listed twice"), None));
                }
            }
        }
        None => {}
    }
    if table.requires.contains(&name) {
        return Err(checker.error(place("requires"), format!("session `{name}` requires itself"), None));
    }
    for (key, values) in
        [("deps", &table.deps), ("extras", &table.extras), ("tags", &table.tags), ("requirements", &table.requirements)]
    {
        if values.iter().any(|value| value.trim().is_empty()) {
            return Err(checker.error(place(key), "contains an empty string", None));
        }
        if let Some(value) = values.iter().find(|value| value.contains(char::is_control)) {
            return Err(checker.error(place(key), format!("`{}` contains a control character", excerpt(value)), None));
        }
    }
    let description = match &table.description {
        Some(text) if text.chars().any(|character| character.is_control() && !character.is_whitespace()) => {
            return Err(checker.error(place("description"), "contains a control character", None));
        }
        // `forge -l` shows one line per session: a multi-line description is joined into one.
        Some(text) => Some(text.split_whitespace().collect::<Vec<_>>().join(" ")),
        None => None,
    };
    let no_nul = |key: &str, text: &str| {
        if text.contains('\0') {
            Err(checker.error(place(key), format!("`{}` contains a NUL character", excerpt(text)), None))
        } else {
            Ok(())
        }
    };
    for spec in &table.commands {
        match spec {
            CommandSpec::Line(line) => no_nul("commands", line)?,
            CommandSpec::Argv(argv) => argv.iter().try_for_each(|word| no_nul("commands", word))?,
        }
    }
    for (variable, value) in &table.env {
        no_nul("env", value)?;
        if variable.is_empty() || variable.contains(['=', '\0']) {
            return Err(checker.error(
                place("env"),
                format!("`{}` is not an environment variable name", excerpt(variable)),
                Some("names may not be empty or contain `=`".into()),
            ));
        }
    }
    if table.retries > MAX_RETRIES {
        return Err(checker.error(
            place("retries"),
            format!("{} is more than the maximum of {MAX_RETRIES}", table.retries),
            None,
        ));
    }
    if !table.venv {
        let needs_venv = [
            ("deps", !table.deps.is_empty()),
            ("requirements", !table.requirements.is_empty()),
            ("extras", !table.extras.is_empty()),
            ("install-project", table.install_project),
        ];
        if let Some((key, _)) = needs_venv.iter().find(|(_, used)| *used) {
            return Err(checker.error(place(key), "needs a virtualenv, but the session has `venv = false`", None));
        }
    }
    if !table.extras.is_empty() && !table.install_project {
        return Err(checker.error(
            place("extras"),
            "extras of the project are only installed with the project",
            Some("add `install-project = true` to the session".into()),
        ));
    }
    let template = |key: &str, text: &str| -> Result<Template, ConfigError> {
        let template = Template::parse(text).map_err(|message| checker.error(place(key), message, None))?;
        check_envdir(checker, &place(key), &template, table.venv)?;
        Ok(template)
    };
    let mut commands = Vec::with_capacity(table.commands.len());
    for spec in &table.commands {
        let (source, words) = match spec {
            CommandSpec::Line(line) => {
                let words =
                    Template::split_command(line).map_err(|message| checker.error(place("commands"), message, None))?;
                (line.clone(), words)
            }
            CommandSpec::Argv(argv) => {
                if argv.is_empty() || argv[0].is_empty() {
                    return Err(checker.error(
                        place("commands"),
                        "an argv array needs a program as its first item",
                        None,
                    ));
                }
                let words = argv.iter().map(|word| template("commands", word)).collect::<Result<Vec<_>, _>>()?;
                (super::shell_join(argv), words)
            }
        };
        for word in &words {
            check_envdir(checker, &place("commands"), word, table.venv)?;
        }
        commands.push(Command { source, words });
    }
    let mut env = Vec::with_capacity(table.env.len());
    for (variable, value) in &table.env {
        let value = template("env", value)?;
        if value.uses(&TemplatePart::Posargs(None)) {
            return Err(checker.error(place("env"), "`{posargs}` is only allowed in commands", None));
        }
        env.push((variable.clone(), value));
    }
    let report_path = |key: &str, text: &str| {
        no_nul(key, text)?;
        let path = template(key, text)?;
        if path.uses(&TemplatePart::Posargs(None)) {
            return Err(checker.error(place(key), "`{posargs}` is only allowed in commands", None));
        }
        Ok(path)
    };
    let junit = table.junit.iter().map(|text| report_path("junit", text)).collect::<Result<Vec<_>, _>>()?;
    let coverage = table.coverage.iter().map(|text| report_path("coverage", text)).collect::<Result<Vec<_>, _>>()?;
    Ok(SessionDef {
        description,
        python: table.python,
        deps: table.deps,
        requirements: table.requirements.iter().map(|file| root.join(file)).collect(),
        install_project: table.install_project,
        extras: table.extras,
        env,
        commands,
        requires: table.requires,
        tags: table.tags,
        junit,
        coverage,
        timeout: table.timeout.map(|spec| spec.0),
        retries: table.retries,
        retry_delay: table.retry_delay.map_or(DEFAULT_RETRY_DELAY, |spec| spec.0),
        venv: table.venv,
        name,
    })
}

fn check_envdir(checker: &Checker, place: &str, template: &Template, venv: bool) -> Result<(), ConfigError> {
    if !venv && template.uses(&TemplatePart::Envdir) {
        return Err(checker.error(place, "`{envdir}` is used, but the session has `venv = false`", None));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Project, ConfigError> {
        let path = PathBuf::from("/project/sessions.toml");
        let file = super::super::load::parse(&path, text)?;
        validate(path, file)
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
        assert_eq!(project.sessions[2].instances()[1].0, "test-3.12");
        assert_eq!(project.env_dir, super::super::project::default_env_dir(std::path::Path::new("/project")));
    }

    #[test]
    fn names_are_checked() {
        assert!(is_valid_name("build:package"));
        assert!(is_valid_name("test-3.11"));
        for bad in ["", "..", ".hidden", "a/b", "-x", "a b", "é"] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
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
}
