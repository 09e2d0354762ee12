//! Paths that sessions.toml declares outside itself: the `junit`/`coverage` report files forge
//! deletes before a session runs and reads after it, which must stay inside the project root or
//! the reports directory, and the `requirements` files an env is built from, which must exist
//! before anything runs.
//!
//! The rule for report paths is static, so that a path which could resolve elsewhere is refused
//! when the file loads rather than when forge is about to delete it: the path is relative to the
//! project root, or starts with `{root}/` or `{reports}/`; no component can be `..`; and no
//! placeholder whose value forge does not control (`{env:…}`) or that may lie elsewhere
//! (`{envdir}`) appears. [`is_inside`] is the matching run-time check on the rendered path, which
//! also sees symlinks.

use std::path::{Component, Path, PathBuf};

use super::error::escape;
use super::validate::table_name;
use super::{ConfigError, Project, SessionDef, Template, TemplatePart};

/// Why a declared report path is refused, and what to write instead.
pub(super) struct PathProblem {
    pub message: String,
    pub hint: Option<String>,
}

fn problem(message: impl Into<String>, hint: &str) -> PathProblem {
    PathProblem { message: message.into(), hint: Some(hint.to_owned()) }
}

const RELATIVE_HINT: &str = "write the path relative to the project root, or start it with `{reports}/` or `{root}/`";

/// Checks that the report path `template` (written as `text`) can only name a file strictly
/// inside the project root or the reports directory, whatever its placeholders become.
pub(super) fn check_report_path(text: &str, template: &Template) -> Result<(), PathProblem> {
    let quoted = escape(text);
    for part in &template.parts {
        match part {
            TemplatePart::Posargs(_) => {
                return Err(PathProblem { message: "`{posargs}` is only allowed in commands".into(), hint: None });
            }
            TemplatePart::Env(..) => {
                return Err(problem(
                    format!(
                        "`{quoted}`: an `{{env:…}}` value could point anywhere, so it is not allowed in a report path"
                    ),
                    "tell files apart with `{session}` or `{python}`",
                ));
            }
            TemplatePart::Envdir => {
                return Err(problem(
                    format!("`{quoted}`: the virtualenv may lie outside the project root and the reports directory"),
                    "write report files under `{reports}/`",
                ));
            }
            _ => {}
        }
    }
    let (based, rest) = match template.parts.split_first() {
        Some((TemplatePart::Root | TemplatePart::Reports, rest)) => (true, rest),
        _ => (false, template.parts.as_slice()),
    };
    if rest.iter().any(|part| matches!(part, TemplatePart::Root | TemplatePart::Reports)) {
        return Err(problem(format!("`{quoted}`: `{{root}}` and `{{reports}}` may only start a path"), RELATIVE_HINT));
    }
    let first_literal = match rest.first() {
        Some(TemplatePart::Literal(text)) => Some(text.as_str()),
        _ => None,
    };
    if based && !first_literal.is_some_and(|text| text.starts_with('/')) && !rest.is_empty() {
        return Err(problem(
            format!("`{quoted}`: a `/` must follow `{{root}}` or `{{reports}}`"),
            "e.g. `{reports}/pytest.xml`",
        ));
    }
    if !based && first_literal.is_some_and(|text| text.starts_with('/')) {
        return Err(problem(format!("`{quoted}` is an absolute path"), RELATIVE_HINT));
    }
    // The worst case of each component: `{python}` can be empty (a session without one), while
    // `{session}` and a non-empty `{python}` are names that never start with `.` and hold no `/`.
    let mut shape = String::new();
    for part in rest {
        match part {
            TemplatePart::Literal(text) => shape.push_str(text),
            // Matrix values are checked names too: never `.`-first, never a `/`.
            TemplatePart::Session | TemplatePart::Matrix(_) => shape.push('s'),
            _ => {}
        }
    }
    let components: Vec<&str> = shape.split('/').collect();
    if components.contains(&"..") {
        return Err(problem(format!("`{quoted}`: `..` would leave the directory"), RELATIVE_HINT));
    }
    if components.iter().all(|component| component.is_empty() || *component == ".") {
        return Err(problem(
            format!("`{quoted}` names a directory, not a file in it"),
            "name the file, e.g. `{reports}/pytest.xml`",
        ));
    }
    Ok(())
}

/// Whether the absolute `path` names something strictly inside one of `directories`, with
/// symlinks in its parent directories resolved and no `..` in it: the run-time check before forge
/// deletes a declared report file (together with "only a regular file"). The last component is
/// not followed, as deleting a symlink removes the link, not its target.
///
/// Shape: `path` is a rendered report path (absolute); `directories` are the project root and the
/// reports directory (absolute, `..` allowed). A relative path or one with `..` is never inside.
pub fn is_inside(path: &Path, directories: &[&Path]) -> bool {
    if !path.is_absolute() || path.components().any(|component| component == Component::ParentDir) {
        return false;
    }
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    let resolved = resolve(parent).join(name);
    directories.iter().any(|directory| {
        let directory = resolve(directory);
        resolved.starts_with(&directory) && resolved != directory
    })
}

/// `path` with `.` and `..` removed lexically, then symlinks resolved in its longest existing
/// prefix (the part that does not exist yet is appended as written).
fn resolve(path: &Path) -> PathBuf {
    let mut lexical = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    let mut missing = Vec::new();
    let mut current = lexical.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(current) {
            return missing.iter().rev().fold(real, |resolved, name| resolved.join(name));
        }
        match (current.parent(), current.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                current = parent;
            }
            _ => return lexical,
        }
    }
}

/// Checks that every `requirements` file of `session` exists and is a readable regular file, if
/// the session builds an env at all: run before anything runs, so that a typo is exit 2 with the
/// file and line, not a session error halfway through a run.
///
/// # Errors
/// [`ConfigError::Invalid`] at the line of the first bad entry.
pub fn check_requirement_files(project: &Project, session: &SessionDef) -> Result<(), ConfigError> {
    if !session.needs_venv() {
        return Ok(());
    }
    for (index, file) in session.requirements.iter().enumerate() {
        let problem = match std::fs::metadata(file) {
            Ok(metadata) if metadata.is_file() => match std::fs::File::open(file) {
                Ok(_) => continue,
                Err(error) => format!("cannot be read: {error}"),
            },
            Ok(metadata) => {
                format!("is not a regular file ({})", crate::input_file::kind_of(metadata.file_type()))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => "does not exist".to_owned(),
            Err(error) => format!("cannot be read: {error}"),
        };
        let shown = match file.strip_prefix(&project.root) {
            Ok(relative) if !relative.as_os_str().is_empty() => relative,
            _ => file,
        };
        return Err(ConfigError::Invalid {
            path: project.file.clone(),
            line: session.lines.requirements.get(index).copied().flatten(),
            place: format!("[sessions.{}] requirements", table_name(&session.name)),
            message: format!("`{}` {problem}", escape(&shown.display().to_string())),
            hint: Some("requirements files are relative to the project root: create it or correct the path".into()),
        });
    }
    Ok(())
}

/// Checks that a session with `groups` or `locked` can be built: the project has a
/// pyproject.toml, every group exists and resolves (no `include-group` cycle), and a `locked`
/// session's uv.lock exists. Called for the planned sessions only, like
/// [`check_requirement_files`].
///
/// # Errors
/// [`ConfigError::Invalid`] at the `groups` entry or the `locked` key (exit 2, nothing run).
pub fn check_project_inputs(project: &Project, session: &SessionDef) -> Result<(), ConfigError> {
    if !session.needs_venv() || (session.groups.is_empty() && !session.locked) {
        return Ok(());
    }
    let error = |key: &str, line: Option<usize>, message: String, hint: Option<String>| ConfigError::Invalid {
        path: project.file.clone(),
        line: line.or(session.lines.table),
        place: format!("[sessions.{}] {key}", table_name(&session.name)),
        message,
        hint,
    };
    let (key, line) = match session.lines.groups.first() {
        Some(line) if !session.locked || session.lines.locked.is_none() => ("groups", *line),
        _ => ("locked", session.lines.locked),
    };
    let groups = super::DependencyGroups::read(&project.root).map_err(|problem| {
        let hint = crate::error::Hint::hint(&problem);
        error(key, line, problem.to_string(), hint)
    })?;
    for (index, name) in session.groups.iter().enumerate() {
        if let Err(problem) = groups.resolve(name) {
            let hint = crate::error::Hint::hint(&problem);
            let line = session.lines.groups.get(index).copied().flatten();
            return Err(error("groups", line, problem.to_string(), hint));
        }
    }
    if session.locked && !project.root.join("uv.lock").is_file() {
        return Err(error(
            "locked",
            session.lines.locked,
            format!("`locked = true`, but {} does not exist", project.root.join("uv.lock").display()),
            Some("create the lock file with `uv lock` (and commit it)".into()),
        ));
    }
    Ok(())
}

/// Checks `working-directory` as written: relative to the project `root`, no `..` that could
/// leave it, not empty; returns it absolute. Whether it exists is checked when a plan uses the
/// session ([`check_working_directory`]).
pub(super) fn working_directory(root: &Path, text: &str) -> Result<PathBuf, PathProblem> {
    let hint = "write a directory inside the project, relative to its root, e.g. `working-directory = \"docs\"`";
    let path = Path::new(text);
    if text.trim().is_empty() {
        return Err(problem("the directory is empty", hint));
    }
    if path.is_absolute() {
        return Err(problem(format!("`{}` is an absolute path", escape(text)), hint));
    }
    if path.components().any(|component| component == Component::ParentDir) {
        return Err(problem(format!("`{}`: `..` could leave the project", escape(text)), hint));
    }
    Ok(root.join(path).components().collect())
}

/// Checks that `session`'s `working-directory`, if any, exists, is a directory, and (symlinks
/// resolved) lies inside the project root: run before anything runs, like
/// [`check_requirement_files`].
///
/// # Errors
/// [`ConfigError::Invalid`] at the line of `working-directory`.
pub fn check_working_directory(project: &Project, session: &SessionDef) -> Result<(), ConfigError> {
    let Some(directory) = &session.working_directory else {
        return Ok(());
    };
    let shown = directory.strip_prefix(&project.root).unwrap_or(directory).display().to_string();
    let root = std::fs::canonicalize(&project.root).unwrap_or_else(|_| project.root.clone());
    let problem = match std::fs::canonicalize(directory) {
        Ok(real) if !real.starts_with(&root) => format!("`{}` leads outside the project (a symlink)", escape(&shown)),
        Ok(real) if !real.is_dir() => format!("`{}` is not a directory", escape(&shown)),
        Ok(_) => return Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => format!("`{}` does not exist", escape(&shown)),
        Err(error) => format!("`{}` cannot be read: {error}", escape(&shown)),
    };
    Err(ConfigError::Invalid {
        path: project.file.clone(),
        line: session.lines.working_directory,
        place: format!("[sessions.{}] working-directory", table_name(&session.name)),
        message: problem,
        hint: Some("the directory is relative to the project root and must exist before forge runs".into()),
    })
}

#[cfg(test)]
mod tests;
