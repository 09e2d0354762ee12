//! Checking one `[sessions.NAME]` table and resolving it into a [`SessionDef`]: its name, versions,
//! lists, environment, commands, templates and report paths. Each error names the session, the
//! key and the line.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use super::error::excerpt;
use super::locate::Step;
use super::model::{CommandSpec, PythonSpec, SessionTable};
use super::names::{MAX_NAME_LENGTH, name_problem};
use super::project::{Command, SessionDef, SessionLines};
use super::validate::{Checker, check_version, table_name};
use super::{ConfigError, Template, TemplateError, TemplatePart, globs, matrix, paths};
use crate::runner::RetryPolicy;

/// The most retries a session may ask for; more is surely a typo.
const MAX_RETRIES: u32 = 100;
/// The longest `retry-delay` or `retry-max-delay`: a wait of more than an hour between attempts
/// is surely a typo (`"30m"` meant as seconds), and would hold a CI job for nothing.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60 * 60);
/// The largest `retry-backoff`: beyond 10 the second retry already waits the maximum.
const MAX_RETRY_BACKOFF: f64 = 10.0;

/// Errors inside one session's table: `[sessions.NAME] KEY: …` at the line of the value.
struct Session<'c> {
    checker: &'c Checker<'c>,
    name: &'c str,
}

impl Session<'_> {
    /// An error about `key` (and, within it, the element or entry `within`).
    fn error(
        &self,
        key: &str,
        within: Option<Step<'_>>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> ConfigError {
        let mut at = vec![Step::Key("sessions"), Step::Key(self.name), Step::Key(key)];
        at.extend(within);
        self.checker.error(&at, self.place(key), message, hint)
    }

    fn place(&self, key: &str) -> String {
        format!("[sessions.{}] {key}", table_name(self.name))
    }

    fn line(&self, key: &str, index: usize) -> Option<usize> {
        self.checker.locator.line(&[Step::Key("sessions"), Step::Key(self.name), Step::Key(key), Step::Index(index)])
    }

    fn template_error(&self, key: &str, within: Option<Step<'_>>, error: TemplateError) -> ConfigError {
        self.error(key, within, error.message, error.hint)
    }

    fn no_nul(&self, key: &str, within: Option<Step<'_>>, text: &str) -> Result<(), ConfigError> {
        if text.contains('\0') {
            return Err(self.error(key, within, format!("`{}` contains a NUL character", excerpt(text)), None));
        }
        Ok(())
    }

    fn no_envdir(
        &self,
        key: &str,
        within: Option<Step<'_>>,
        template: &Template,
        venv: bool,
    ) -> Result<(), ConfigError> {
        if !venv && template.uses(&TemplatePart::Envdir) {
            return Err(self.error(key, within, "`{envdir}` is used, but the session has `venv = false`", None));
        }
        Ok(())
    }
}

impl matrix::Errors for Session<'_> {
    fn error(&self, key: &str, within: &[Step<'_>], message: String, hint: Option<String>) -> ConfigError {
        let mut at = vec![Step::Key("sessions"), Step::Key(self.name), Step::Key(key)];
        at.extend_from_slice(within);
        self.checker.error(&at, self.place(key), message, hint)
    }
}

impl Session<'_> {
    /// Each `{matrix.NAME}` in `names` must name one of `axes`.
    fn known_axes<'t>(
        &self,
        key: &str,
        within: Option<Step<'_>>,
        names: impl IntoIterator<Item = &'t str>,
        axes: &[(String, Vec<String>)],
    ) -> Result<(), ConfigError> {
        for name in names {
            if !axes.iter().any(|(axis, _)| axis == name) {
                let hint = if axes.is_empty() {
                    "the session has no matrix: add `matrix.NAME = [...]`".to_owned()
                } else {
                    let known: Vec<&str> = axes.iter().map(|(axis, _)| axis.as_str()).collect();
                    format!("the session's matrix axes: {}", known.join(", "))
                };
                let message = format!("`{{matrix.{}}}` names no axis of the session", excerpt(name));
                return Err(self.error(key, within, message, Some(hint)));
            }
        }
        Ok(())
    }
}

/// Checks one session table.
///
/// # Errors
/// [`ConfigError::Invalid`] naming the session, key and line.
pub(super) fn check_session(
    checker: &Checker<'_>,
    root: &Path,
    name: String,
    table: SessionTable,
) -> Result<SessionDef, ConfigError> {
    if let Some(problem) = name_problem(&name) {
        return Err(checker.error(
            &[Step::Key("sessions"), Step::Key(&name)],
            format!("[sessions.\"{}\"]", excerpt(&name)),
            format!("invalid session name: {problem}"),
            Some(format!(
                "names use letters, digits, `-`, `_`, `:` and `.`, at most {MAX_NAME_LENGTH} characters, and do not start with `.` or `-`"
            )),
        ));
    }
    let session = Session { checker, name: &name };
    check_python(&session, table.python.as_ref())?;
    for (key, names, verb) in [("requires", &table.requires, "requires"), ("after", &table.after, "runs after")] {
        if let Some(index) = names.iter().position(|required| *required == name) {
            let message = format!("session `{name}` {verb} itself");
            return Err(session.error(key, Some(Step::Index(index)), message, None));
        }
    }
    let python_values = match &table.python {
        Some(PythonSpec::One(version)) => Some(vec![version.as_str()]),
        Some(PythonSpec::Parametrize(versions)) => Some(versions.iter().map(String::as_str).collect()),
        None => None,
    };
    let (axes, matrix_exclude) = matrix::check(&session, table.matrix, table.matrix_exclude, python_values)?;
    for (index, dep) in table.deps.iter().enumerate() {
        session.known_axes("deps", Some(Step::Index(index)), matrix::named_axes(dep), &axes)?;
    }
    let working_directory = match &table.working_directory {
        Some(directory) => Some(
            paths::working_directory(root, directory)
                .map_err(|problem| session.error("working-directory", None, problem.message, problem.hint))?,
        ),
        None => None,
    };
    for (key, values) in [
        ("deps", &table.deps),
        ("extras", &table.extras),
        ("groups", &table.groups),
        ("tags", &table.tags),
        ("requirements", &table.requirements),
    ] {
        if let Some(index) = values.iter().position(|value| value.trim().is_empty()) {
            return Err(session.error(key, Some(Step::Index(index)), "contains an empty string", None));
        }
        if let Some(index) = values.iter().position(|value| value.contains(char::is_control)) {
            let message = format!("`{}` contains a control character", excerpt(&values[index]));
            return Err(session.error(key, Some(Step::Index(index)), message, None));
        }
    }
    let description = match &table.description {
        Some(text) if text.chars().any(|character| character.is_control() && !character.is_whitespace()) => {
            return Err(session.error("description", None, "contains a control character", None));
        }
        // `forge -l` shows one line per session: a multi-line description is joined into one.
        Some(text) => Some(text.split_whitespace().collect::<Vec<_>>().join(" ")),
        None => None,
    };
    for (variable, value) in &table.env {
        session.no_nul("env", Some(Step::Key(variable)), value)?;
        if variable.is_empty() || variable.contains(['=', '\0']) {
            return Err(session.error(
                "env",
                Some(Step::Key(variable)),
                format!("`{}` is not an environment variable name", excerpt(variable)),
                Some("names may not be empty or contain `=`".into()),
            ));
        }
    }
    let retries = table.retries.unwrap_or(0);
    if retries > MAX_RETRIES {
        let message = format!("{retries} is more than the maximum of {MAX_RETRIES}");
        return Err(session.error("retries", None, message, None));
    }
    let retry = check_retry_policy(&session, table.retry_delay, table.retry_backoff, table.retry_max_delay)?;
    if !table.venv {
        let needs_venv = [
            ("deps", !table.deps.is_empty()),
            ("requirements", !table.requirements.is_empty()),
            ("extras", !table.extras.is_empty()),
            ("install-project", table.install_project.installs()),
            ("groups", !table.groups.is_empty()),
            ("locked", table.locked),
        ];
        if let Some((key, _)) = needs_venv.iter().find(|(_, used)| *used) {
            return Err(session.error(key, None, "needs a virtualenv, but the session has `venv = false`", None));
        }
    }
    // A locked env installs the extras' dependencies from the lock even without the project
    // (`uv sync --extra X --no-install-project`).
    if !table.extras.is_empty() && !table.install_project.installs() && !table.locked {
        return Err(session.error(
            "extras",
            None,
            "extras of the project are only installed with the project",
            Some("add `install-project = true` (or `locked = true`) to the session".into()),
        ));
    }
    let commands = table
        .commands
        .iter()
        .enumerate()
        .map(|(index, spec)| check_command(&session, index, spec, table.venv))
        .collect::<Result<Vec<_>, _>>()?;
    for (index, command) in commands.iter().enumerate() {
        let names = command.words.iter().flat_map(Template::matrix_axes);
        session.known_axes("commands", Some(Step::Index(index)), names, &axes)?;
    }
    let mut env = Vec::with_capacity(table.env.len());
    for (variable, value) in &table.env {
        let within = Some(Step::Key(variable.as_str()));
        let value = Template::parse(value).map_err(|error| session.template_error("env", within, error))?;
        session.no_envdir("env", within, &value, table.venv)?;
        if value.uses(&TemplatePart::Posargs(None)) {
            return Err(session.error("env", within, "`{posargs}` is only allowed in commands", None));
        }
        session.known_axes("env", within, value.matrix_axes(), &axes)?;
        env.push((variable.clone(), value));
    }
    let report_paths = |key: &str, texts: &[String]| -> Result<Vec<Template>, ConfigError> {
        let mut templates = Vec::with_capacity(texts.len());
        for (index, text) in texts.iter().enumerate() {
            let within = Some(Step::Index(index));
            session.no_nul(key, within, text)?;
            let path = Template::parse(text).map_err(|error| session.template_error(key, within, error))?;
            paths::check_report_path(text, &path)
                .map_err(|problem| session.error(key, within, problem.message, problem.hint))?;
            session.known_axes(key, within, path.matrix_axes(), &axes)?;
            templates.push(path);
        }
        Ok(templates)
    };
    let globs = |key: &str, texts: &[String]| -> Result<Vec<String>, ConfigError> {
        texts
            .iter()
            .enumerate()
            .map(|(index, text)| {
                globs::check_glob(text)
                    .map_err(|problem| session.error(key, Some(Step::Index(index)), problem.message, problem.hint))
            })
            .collect()
    };
    if table.inputs.is_some() && table.commands.is_empty() {
        return Err(session.error(
            "inputs",
            None,
            "an aggregate session (no commands) has nothing to cache",
            Some("declare `inputs` on the sessions it requires".into()),
        ));
    }
    let inputs = table.inputs.as_deref().map(|texts| globs("inputs", texts)).transpose()?;
    let outputs = globs("outputs", &table.outputs)?;
    let junit = report_paths("junit", &table.junit)?;
    let coverage = report_paths("coverage", &table.coverage)?;
    let lines = SessionLines {
        table: checker.locator.line(&[Step::Key("sessions"), Step::Key(&name)]),
        requires: (0..table.requires.len()).map(|index| session.line("requires", index)).collect(),
        after: (0..table.after.len()).map(|index| session.line("after", index)).collect(),
        working_directory: checker.locator.line(&[
            Step::Key("sessions"),
            Step::Key(&name),
            Step::Key("working-directory"),
        ]),
        requirements: (0..table.requirements.len()).map(|index| session.line("requirements", index)).collect(),
        groups: (0..table.groups.len()).map(|index| session.line("groups", index)).collect(),
        locked: checker.locator.line(&[Step::Key("sessions"), Step::Key(&name), Step::Key("locked")]),
        outputs: (0..table.outputs.len()).map(|index| session.line("outputs", index)).collect(),
    };
    Ok(SessionDef {
        description,
        python: table.python,
        matrix: axes,
        matrix_exclude,
        deps: table.deps,
        requirements: table.requirements.iter().map(|file| root.join(file)).collect(),
        install_project: table.install_project,
        extras: table.extras,
        groups: table.groups,
        locked: table.locked,
        env,
        commands,
        requires: table.requires,
        after: table.after,
        working_directory,
        tags: table.tags,
        junit,
        coverage,
        timeout: table.timeout.map(|spec| spec.0),
        retries,
        retry,
        venv: table.venv,
        inputs,
        outputs,
        lines,
        name,
    })
}

/// `retry-delay`, `retry-backoff` and `retry-max-delay` (negative and zero delays are rejected
/// by [`super::DurationSpec`] already): a factor from 1 to [`MAX_RETRY_BACKOFF`], waits of at
/// most [`MAX_RETRY_WAIT`], and a first wait no longer than the longest.
fn check_retry_policy(
    session: &Session<'_>,
    delay: Option<super::DurationSpec>,
    backoff: Option<f64>,
    max_delay: Option<super::DurationSpec>,
) -> Result<RetryPolicy, ConfigError> {
    let mut policy = RetryPolicy::default();
    if let Some(factor) = backoff {
        if !(1.0..=MAX_RETRY_BACKOFF).contains(&factor) {
            let message = format!("{factor} is not a back-off factor from 1 to {MAX_RETRY_BACKOFF}");
            let hint = "1 waits `retry-delay` each time, 2 doubles the wait after each failed attempt";
            return Err(session.error("retry-backoff", None, message, Some(hint.into())));
        }
        policy.backoff = factor;
    }
    for (key, spec, field) in
        [("retry-delay", delay, &mut policy.delay), ("retry-max-delay", max_delay, &mut policy.max_delay)]
    {
        let Some(spec) = spec else { continue };
        if spec.0 > MAX_RETRY_WAIT {
            let message = format!("{} is longer than the maximum of 1h", humantime::format_duration(spec.0));
            return Err(session.error(key, None, message, None));
        }
        *field = spec.0;
    }
    if let (Some(first), Some(max)) = (delay, max_delay)
        && first.0 > max.0
    {
        let message = format!(
            "{} is longer than retry-max-delay {}",
            humantime::format_duration(first.0),
            humantime::format_duration(max.0)
        );
        return Err(session.error(
            "retry-delay",
            None,
            message,
            Some("the first wait cannot exceed the longest".into()),
        ));
    }
    Ok(policy)
}

fn check_python(session: &Session<'_>, python: Option<&PythonSpec>) -> Result<(), ConfigError> {
    let at = |within: Option<usize>| {
        let mut at = vec![Step::Key("sessions"), Step::Key(session.name), Step::Key("python")];
        at.extend(within.map(Step::Index));
        at
    };
    match python {
        Some(PythonSpec::One(version)) => check_version(session.checker, &at(None), &session.place("python"), version),
        Some(PythonSpec::Parametrize(versions)) => {
            if versions.is_empty() {
                return Err(session.error("python", None, "the list of versions is empty", None));
            }
            let mut seen = HashSet::new();
            for (index, version) in versions.iter().enumerate() {
                check_version(session.checker, &at(Some(index)), &session.place("python"), version)?;
                if !seen.insert(version) {
                    let message = format!("version `{version}` is listed twice");
                    return Err(session.error("python", Some(Step::Index(index)), message, None));
                }
            }
            Ok(())
        }
        None => Ok(()),
    }
}

fn check_command(session: &Session<'_>, index: usize, spec: &CommandSpec, venv: bool) -> Result<Command, ConfigError> {
    let within = Some(Step::Index(index));
    let (source, words) = match spec {
        CommandSpec::Line(line) => {
            session.no_nul("commands", within, line)?;
            let words =
                Template::split_command(line).map_err(|error| session.template_error("commands", within, error))?;
            (line.clone(), words)
        }
        CommandSpec::Argv(argv) => {
            for word in argv {
                session.no_nul("commands", within, word)?;
            }
            if argv.is_empty() || argv[0].is_empty() {
                return Err(session.error("commands", within, "an argv array needs a program as its first item", None));
            }
            let words = argv
                .iter()
                .map(|word| Template::parse(word).map_err(|error| session.template_error("commands", within, error)))
                .collect::<Result<Vec<_>, _>>()?;
            (super::shell_join(argv), words)
        }
    };
    for word in &words {
        session.no_envdir("commands", within, word, venv)?;
    }
    if let Some(TemplatePart::Literal(program)) = words.first().and_then(|word| word.parts.first())
        && program.starts_with('-')
    {
        // tox's `- cmd` ignores the command's exit status; forge has no such prefix.
        let rest = source.trim_start().trim_start_matches('-').trim_start();
        let hint = if rest.is_empty() {
            "remove the `-`".to_owned()
        } else {
            let shell = super::shell_join(&["sh", "-c", &format!("{rest} || true")]);
            format!("to ignore a failure, run the command through a shell: `{shell}`")
        };
        return Err(session.error(
            "commands",
            within,
            format!("`{}`: a leading `-` (tox's \"ignore the exit status\") is not supported", excerpt(&source)),
            Some(hint),
        ));
    }
    Ok(Command { source, words })
}
