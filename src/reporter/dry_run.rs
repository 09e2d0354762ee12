//! `forge -n`: the plan by level, with each command after substitution; nothing runs.

use std::io::Write;

use super::style::{BOLD, DIM};
use crate::config::{Project, TemplateContext};
use crate::plan::Plan;
use crate::settings::Settings;

/// Prints `plan` level by level (each level can run at once after the previous ones).
pub fn print_plan(project: &Project, plan: &Plan, settings: &Settings) {
    let mut stdout = anstream::stdout().lock();
    let _ = writeln!(
        stdout,
        "Plan: {} session(s), at most {} at once (dry run: nothing is run)",
        plan.instances.len(),
        settings.jobs
    );
    let reports = settings.reports_dir.to_string_lossy();
    let root = project.root.to_string_lossy();
    for (level, members) in plan.levels().iter().enumerate() {
        let _ = writeln!(stdout, "\n{DIM}level {level}{DIM:#}");
        for &index in members {
            let instance = &plan.instances[index];
            let session = &project.sessions[instance.session];
            let python = instance.python.clone().unwrap_or_default();
            let env_path = project.env_dir.join(&instance.name);
            let envdir = if session.venv { env_path.to_string_lossy().into_owned() } else { String::new() };
            let mut details = Vec::new();
            if session.commands.is_empty() {
                details.push("aggregate".to_owned());
            } else if session.venv {
                details.push(format!(
                    "venv {}",
                    if python.is_empty() { "python3".to_owned() } else { format!("python {python}") }
                ));
            } else {
                details.push("no venv".to_owned());
            }
            if !session.deps.is_empty() {
                details.push(format!("deps: {}", session.deps.join(", ")));
            }
            if !session.requirements.is_empty() {
                let files: Vec<String> = session
                    .requirements
                    .iter()
                    .map(|file| file.strip_prefix(&project.root).unwrap_or(file).display().to_string())
                    .collect();
                details.push(format!("requirements: {}", files.join(", ")));
            }
            if session.install_project {
                let extras =
                    if session.extras.is_empty() { String::new() } else { format!("[{}]", session.extras.join(",")) };
                details.push(format!("installs the project{extras}"));
            }
            if !session.env.is_empty() {
                let names: Vec<&str> = session.env.iter().map(|(name, _)| name.as_str()).collect();
                details.push(format!("env: {}", names.join(", ")));
            }
            let requires: Vec<&str> =
                instance.requires.iter().map(|&required| plan.instances[required].name.as_str()).collect();
            if !requires.is_empty() {
                details.push(format!("after {}", requires.join(", ")));
            }
            let _ = writeln!(stdout, "  {BOLD}{}{BOLD:#} {DIM}({}){DIM:#}", instance.name, details.join("; "));
            let context = TemplateContext {
                posargs: settings.posargs.as_deref(),
                // Known only once the env's interpreter is: shown as the placeholder.
                python: if python.is_empty() && session.needs_venv() { "{python}" } else { &python },
                session: &instance.name,
                envdir: &envdir,
                reports: &reports,
                root: &root,
                redact_env: true,
            };
            for command in &session.commands {
                let _ = writeln!(stdout, "    $ {}", command.display(&context));
            }
        }
    }
}
