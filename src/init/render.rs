//! The starter sessions.toml that `forge init` writes: one session per tool or tox env found,
//! each choice with a comment saying what it came from, in a fixed order (tox's envs, lint, type
//! checks, tests) so the same project always gives the same file.

use std::fmt::Write as _;

use super::requires_python::allows_minor;
use super::{Findings, Pyproject, ToxEnv};
use crate::config::is_valid_name;

/// The CPython versions `forge init` offers when the classifiers name none: the ones with
/// upstream support (bug fixes or security fixes) when this forge was released.
const SUPPORTED_MINORS: [u32; 5] = [10, 11, 12, 13, 14];

/// The dependency groups (PEP 735) and extras that hold a project's test requirements, in the
/// order they are looked for.
const TEST_GROUPS: [&str; 4] = ["test", "tests", "testing", "dev"];

/// The sessions.toml text for `findings`.
pub fn render(findings: &Findings) -> String {
    let mut out = String::new();
    let name = findings.pyproject.as_ref().and_then(|p| p.name.as_deref()).unwrap_or("this project");
    let _ = writeln!(out, "# sessions.toml for {name}, written by `forge init` from what it found here.");
    let _ = writeln!(out, "# Each choice says where it came from; edit freely. `forge -l` lists the sessions, a bare");
    let _ =
        writeln!(out, "# `forge` runs them all, `forge -s NAME` one of them (docs/sessions-toml.md has every key).");
    let mut taken: Vec<String> = Vec::new();
    let installable = findings.installable;
    let interpreters = interpreters(findings);

    let per_interpreter: Vec<&str> = findings
        .tox
        .iter()
        .flat_map(|tox| tox.envs.iter())
        .filter(|env| env.per_interpreter())
        .map(|env| env.name.as_str())
        .collect();
    if !per_interpreter.is_empty() {
        let _ = writeln!(
            out,
            "\n# tox envs run per interpreter ({}): forge parametrizes the test",
            per_interpreter.join(", ")
        );
        let _ = writeln!(out, "# session over their CPython versions instead.");
    }
    for env in findings.tox.iter().flat_map(|tox| tox.envs.iter()).filter(|env| !env.per_interpreter()) {
        let source = &findings.tox.as_ref().expect("tox").source;
        if !is_valid_name(&env.name) {
            let _ =
                writeln!(out, "\n# tox env `{}` ({source}) is not a valid session name: not carried over.", env.name);
            continue;
        }
        tox_session(&mut out, env, source, installable, findings.pyproject.as_ref());
        taken.push(env.name.clone());
    }
    if let Some(ruff) = &findings.ruff
        && let Some(session) = free(&mut out, &mut taken, "lint", "ruff")
    {
        let _ = writeln!(
            out,
            "\n# ruff is configured ({ruff}): lint with it; pre-commit passes the staged files as posargs."
        );
        let _ = writeln!(
            out,
            "[sessions.{session}]\ndescription = \"Lint with ruff\"\ntags = [\"lint\"]\ndeps = [\"ruff\"]"
        );
        let _ = writeln!(out, "commands = [\"ruff check {{posargs:.}}\"]");
    }
    for (tool, configured, command) in [
        ("mypy", &findings.mypy, format!("mypy {{posargs:{}}}", findings.source_dir)),
        ("pyright", &findings.pyright, "pyright {posargs}".to_owned()),
    ] {
        let Some(configured) = configured else { continue };
        let Some(session) = free(&mut out, &mut taken, tool, tool) else { continue };
        let _ = writeln!(out, "\n# {tool} is configured ({configured}): type-check with it.");
        let _ = writeln!(
            out,
            "[sessions.{session}]\ndescription = \"Type-check with {tool}\"\ntags = [\"lint\"]\ndeps = [\"{tool}\"]"
        );
        if installable {
            let _ = writeln!(
                out,
                "# The project is installed so that its dependencies' types are found.\ninstall-project = true"
            );
        }
        let _ = writeln!(out, "commands = [{}]", quote(&command));
    }
    let nothing_else = taken.is_empty();
    if (findings.tests_dir.is_some() || nothing_else)
        && let Some(session) = free(&mut out, &mut taken, "test", "pytest")
    {
        test_session(&mut out, findings, &session, installable, &interpreters);
    }
    out
}

/// `wanted` if no session has that name yet, else `fallback`, else `None` (with a comment).
fn free(out: &mut String, taken: &mut Vec<String>, wanted: &str, fallback: &str) -> Option<String> {
    let name = [wanted, fallback].into_iter().find(|name| !taken.iter().any(|taken| taken == name))?;
    if name != wanted {
        let _ = writeln!(out, "\n# A tox env is already called `{wanted}`: this session is `{name}`.");
    }
    taken.push(name.to_owned());
    Some(name.to_owned())
}

fn tox_session(out: &mut String, env: &ToxEnv, source: &str, installable: bool, pyproject: Option<&Pyproject>) {
    let _ = writeln!(out, "\n# From tox env `{}` ({source}).", env.name);
    let _ = writeln!(out, "[sessions.{}]", key(&env.name));
    let description = env.description.clone().unwrap_or_else(|| format!("tox env {}", env.name));
    let _ = writeln!(out, "description = {}", quote(&description));
    // Only groups pyproject.toml defines: forge refuses an unknown group (exit 2).
    let (known, unknown): (Vec<String>, Vec<String>) = env
        .groups
        .iter()
        .cloned()
        .partition(|group| pyproject.is_some_and(|p| p.dependency_groups.contains_key(group)));
    for group in &unknown {
        let _ = writeln!(out, "# tox names a dependency group `{group}` that pyproject.toml does not define.");
    }
    if !known.is_empty() {
        let _ = writeln!(out, "# tox's dependency_groups (PEP 735, from pyproject.toml).\ngroups = {}", array(&known));
    }
    if !env.deps.is_empty() {
        let _ = writeln!(out, "deps = {}", array(&env.deps));
    }
    if !env.requirements.is_empty() {
        let _ = writeln!(out, "requirements = {}", array(&env.requirements));
    }
    if installable {
        let _ = writeln!(out, "# tox installs the project into its envs (unless skip_install): so does this one.");
        let _ = writeln!(out, "install-project = true");
    }
    if env.skipped > 0 {
        let _ = writeln!(
            out,
            "# {} line(s) of its deps/commands use tox substitutions or factors forge does not have: add them by hand.",
            env.skipped
        );
    }
    let _ = writeln!(out, "commands = {}", array(&env.commands));
}

fn test_session(
    out: &mut String,
    findings: &Findings,
    session: &str,
    installable: bool,
    interpreters: &Option<(Vec<String>, String)>,
) {
    match &findings.tests_dir {
        Some(dir) => {
            let _ = writeln!(out, "\n# Tests in {dir}/: run them with pytest, one instance per interpreter.");
        }
        None => {
            let _ = writeln!(out, "\n# Nothing else was found: a pytest session to start from.");
        }
    }
    let _ = writeln!(out, "[sessions.{session}]\ndescription = \"Run the tests with pytest\"");
    if let Some((versions, why)) = interpreters {
        let _ = writeln!(out, "# Interpreters: {why}.");
        let _ = writeln!(out, "python = {}", array(versions));
    }
    if installable {
        let _ = writeln!(
            out,
            "# The project is installable (its build configuration): installed editable, as tox and nox do."
        );
        let _ = writeln!(out, "install-project = true");
    }
    let pyproject = findings.pyproject.as_ref();
    let group =
        TEST_GROUPS.into_iter().find(|group| pyproject.is_some_and(|p| p.dependency_groups.contains_key(*group)));
    let extra = TEST_GROUPS.into_iter().find(|extra| pyproject.is_some_and(|p| p.extras.iter().any(|e| e == extra)));
    let mut deps: Vec<String> = Vec::new();
    if let Some(file) = &findings.test_requirements {
        let _ = writeln!(out, "# The project's test requirements file.\nrequirements = [{}]", quote(file));
    }
    let mut has_pytest = false;
    if let (Some(group), Some(pyproject)) = (group, pyproject) {
        let _ = writeln!(out, "# The project's test requirements: [dependency-groups] {group} (PEP 735).");
        let _ = writeln!(out, "groups = [{}]", quote(group));
        has_pytest = pyproject.dependency_groups[group].iter().any(|requirement| requirement.starts_with("pytest"));
    } else if let (Some(extra), true) = (extra, installable) {
        let _ = writeln!(out, "# The project's `{extra}` extra ([project.optional-dependencies]).");
        let _ = writeln!(out, "extras = [{}]", quote(extra));
    }
    if !has_pytest && (extra.is_none() || group.is_some() || !installable) {
        deps.push("pytest".into());
    }
    if !deps.is_empty() {
        let _ = writeln!(out, "deps = {}", array(&deps));
    }
    let _ = writeln!(out, "commands = [\"pytest --junitxml={{reports}}/junit-{{session}}.xml {{posargs}}\"]");
    let _ = writeln!(out, "# Merged into the run's junit.xml.\njunit = [\"{{reports}}/junit-{{session}}.xml\"]");
}

/// The interpreters of the test session and why: the classifiers' versions that
/// `requires-python` allows; else tox's `py3X` envs; else the supported CPython versions that
/// `requires-python` allows; else none (forge then uses `.python-version` or `python3`).
fn interpreters(findings: &Findings) -> Option<(Vec<String>, String)> {
    let pyproject = findings.pyproject.as_ref();
    let requires = pyproject.and_then(|p| p.requires_python.as_deref());
    let allowed = |minor: &u32| requires.and_then(|spec| allows_minor(spec, *minor)).unwrap_or(true);
    let within = match requires {
        Some(spec) if SUPPORTED_MINORS.iter().any(|minor| allows_minor(spec, *minor).is_none()) => {
            format!(" (requires-python = \"{spec}\" could not be read, so it filtered nothing)")
        }
        Some(spec) => format!(" that requires-python = \"{spec}\" allows"),
        None => String::new(),
    };
    let versions = |minors: Vec<u32>| minors.iter().map(|minor| format!("3.{minor}")).collect::<Vec<_>>();
    let classified: Vec<u32> = pyproject.map(|p: &Pyproject| p.classifier_minors.clone()).unwrap_or_default();
    let classified: Vec<u32> = classified.into_iter().filter(allowed).collect();
    if !classified.is_empty() {
        return Some((
            versions(classified),
            format!("the `Programming Language :: Python :: 3.X` classifiers{within}"),
        ));
    }
    let mut from_tox: Vec<u32> =
        findings.tox.iter().flat_map(|tox| tox.envs.iter()).filter_map(ToxEnv::python_minor).filter(allowed).collect();
    from_tox.sort_unstable();
    from_tox.dedup();
    if !from_tox.is_empty() {
        let source = &findings.tox.as_ref().expect("tox").source;
        return Some((versions(from_tox), format!("the py3X envs of {source}{within}")));
    }
    requires?;
    let supported: Vec<u32> = SUPPORTED_MINORS.into_iter().filter(|minor| allowed(minor)).collect();
    (!supported.is_empty())
        .then(|| (versions(supported), format!("the CPython versions with upstream support{within}")))
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn array(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| quote(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A table key: bare when TOML allows it, else quoted.
fn key(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') { name.to_owned() } else { quote(name) }
}
