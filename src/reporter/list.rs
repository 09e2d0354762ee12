//! `forge -l` and `forge -l --json`.

use std::collections::HashSet;
use std::io::Write;

use indexmap::IndexMap;
use serde::Serialize;

use super::style::{BOLD, DIM};
use crate::config::Project;

/// One listed instance; the JSON shape is part of the contract (usable as a CI matrix).
#[derive(Debug, Serialize)]
struct Listed<'a> {
    name: String,
    session: &'a str,
    python: Option<String>,
    /// The instance's matrix values, `{}` for a session without a matrix.
    matrix: IndexMap<String, String>,
    description: Option<&'a str>,
    tags: &'a [String],
    requires: &'a [String],
    default: bool,
}

fn listed<'a>(project: &'a Project, only: Option<&HashSet<String>>) -> Vec<Listed<'a>> {
    let defaults: Option<HashSet<&str>> =
        project.default.as_ref().map(|names| names.iter().map(String::as_str).collect());
    let mut out = Vec::new();
    for session in &project.sessions {
        for instance in session.instances() {
            let name = instance.name;
            if only.is_some_and(|only| !only.contains(&name)) {
                continue;
            }
            let default = defaults
                .as_ref()
                .is_none_or(|defaults| defaults.contains(name.as_str()) || defaults.contains(session.name.as_str()));
            out.push(Listed {
                python: instance.python.or_else(|| if session.needs_venv() { project.python.clone() } else { None }),
                matrix: instance.matrix.into_iter().collect(),
                name,
                session: &session.name,
                description: session.description.as_deref(),
                tags: &session.tags,
                requires: &session.requires,
                default,
            });
        }
    }
    out
}

/// Prints one line per instance: `*` for a default, the name, the description.
pub fn print_list(project: &Project, only: Option<&HashSet<String>>) {
    let entries = listed(project, only);
    let width = entries.iter().map(|entry| entry.name.len()).max().unwrap_or(0);
    let mut stdout = anstream::stdout().lock();
    if project.sessions.is_empty() {
        let _ = writeln!(stdout, "No sessions defined in {}.", project.file.display());
        return;
    }
    let _ = writeln!(stdout, "Sessions defined in {}:\n", project.file.display());
    for entry in &entries {
        let marker = if entry.default { "*" } else { "-" };
        let description = entry.description.unwrap_or_default();
        let _ = writeln!(stdout, "{marker} {BOLD}{:<width$}{BOLD:#}  {description}", entry.name).map(|()| ());
    }
    let _ = writeln!(
        stdout,
        "\n{DIM}sessions marked with * are selected by default; run them with `forge`, or one with `forge -s NAME`{DIM:#}"
    );
}

/// Prints the instances as a JSON array.
pub fn print_list_json(project: &Project, only: Option<&HashSet<String>>) {
    let entries = listed(project, only);
    let text = serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into());
    let _ = writeln!(std::io::stdout(), "{text}");
}

/// Prints one instance name per line, nothing else: what the completion scripts offer for `-s`
/// (hidden `forge -l --names`).
pub fn print_list_names(project: &Project, only: Option<&HashSet<String>>) {
    let mut stdout = std::io::stdout().lock();
    for entry in listed(project, only) {
        let _ = writeln!(stdout, "{}", entry.name);
    }
}
