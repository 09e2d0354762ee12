//! `forge -n`: the plan by level, with each command after substitution, what each instance
//! requires or runs after, and which instances get the posargs; nothing runs.

use std::io::Write;

use super::style::{BOLD, DIM};
use crate::config::Project;
use crate::plan::Plan;
use crate::runner::InstanceContext;
use crate::settings::Settings;

/// Prints `plan` level by level (each level can run at once after the previous ones).
/// `verdicts` are what the cache says per instance (`runner::dry_run_verdicts`).
pub fn print_plan(project: &Project, plan: &Plan, settings: &Settings, verdicts: &[Option<Vec<String>>]) {
    let mut stdout = anstream::stdout().lock();
    let _ = writeln!(
        stdout,
        "Plan: {} session(s), at most {} at once (dry run: nothing is run)",
        plan.instances.len(),
        settings.jobs
    );
    for (level, members) in plan.levels().iter().enumerate() {
        let _ = writeln!(stdout, "\n{DIM}level {level}{DIM:#}");
        for &index in members {
            let instance = &plan.instances[index];
            let session = &project.sessions[instance.session];
            let mut values = InstanceContext::new(project, settings, index, instance);
            let python = values.python.clone();
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
                details.push(format!("deps: {}", values.deps(session).join(", ")));
            }
            if !session.requirements.is_empty() {
                let files: Vec<String> = session
                    .requirements
                    .iter()
                    .map(|file| file.strip_prefix(&project.root).unwrap_or(file).display().to_string())
                    .collect();
                details.push(format!("requirements: {}", files.join(", ")));
            }
            if session.locked {
                details.push("locked: uv.lock".to_owned());
            }
            if !session.groups.is_empty() {
                details.push(format!("groups: {}", session.groups.join(", ")));
            }
            if session.install_project.installs() {
                let extras =
                    if session.extras.is_empty() { String::new() } else { format!("[{}]", session.extras.join(",")) };
                let mode = match session.install_project {
                    crate::config::InstallProjectSpec::Editable => String::new(),
                    mode => format!(" ({})", mode.as_str()),
                };
                details.push(format!("installs the project{extras}{mode}"));
            }
            if !session.env.is_empty() {
                let names: Vec<&str> = session.env.iter().map(|(name, _)| name.as_str()).collect();
                details.push(format!("env: {}", names.join(", ")));
            }
            if let Some(directory) = &session.working_directory {
                let shown = directory.strip_prefix(&project.root).unwrap_or(directory);
                details.push(format!("in {}", shown.display()));
            }
            let names = |indices: &[usize]| -> Vec<&str> {
                indices.iter().map(|&other| plan.instances[other].name.as_str()).collect()
            };
            if !instance.requires.is_empty() {
                details.push(format!("requires {}", names(&instance.requires).join(", ")));
            }
            if !instance.after.is_empty() {
                details.push(format!("after {}, whatever their outcome", names(&instance.after).join(", ")));
            }
            if let Some(posargs) = &values.posargs {
                details.push(format!("posargs: {}", crate::config::shell_join(posargs)));
            } else if settings.posargs.is_some() {
                details.push("no posargs".to_owned());
            }
            if let Some(changed) = &settings.changed {
                details.push(crate::changes::session_verdict(session, changed).describe(&changed.reference));
            }
            let _ = writeln!(stdout, "  {BOLD}{}{BOLD:#} {DIM}({}){DIM:#}", instance.name, details.join("; "));
            if python.is_empty() && session.needs_venv() {
                // Known only once the env's interpreter is: shown as the placeholder.
                values.python = "{python}".to_owned();
            }
            let context = values.template();
            for command in &session.commands {
                let _ = writeln!(stdout, "    $ {}", command.display(&context));
            }
            for line in verdicts.get(index).into_iter().flatten().flatten() {
                let _ = writeln!(stdout, "    {DIM}cache:{DIM:#} {line}");
            }
        }
    }
}
