//! The glue between the command line and the pipeline: load, plan, run, report, exit status.

use std::collections::HashSet;
use std::io::IsTerminal;

use anyhow::Context as _;

use crate::cli::{Cli, CliCommand, ColorChoice, RunArgs};
use crate::config;
use crate::error::{Error, ExitStatus};
use crate::plan::{self, Selection};
use crate::report;
use crate::reporter::{self, Display};
use crate::runner::{self, RunContext, StdinMode};
use crate::settings::{self, Settings, Verbosity};
use crate::venv::{self, InterpreterFinder};

/// Runs the parsed command line.
///
/// # Errors
/// Configuration, planning and usage errors (exit 2) and internal errors (exit 3); session
/// failures are not errors but exit status 1.
pub fn run(cli: Cli) -> Result<ExitStatus, Error> {
    let color = match &cli.command {
        Some(CliCommand::Report(args)) => args.color,
        None => cli.run.color,
    };
    set_color(color);
    match cli.command {
        Some(CliCommand::Report(args)) => crate::commands::report::run(&args),
        None => run_sessions(&cli.run),
    }
}

fn set_color(choice: ColorChoice) {
    let choice = match choice {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

fn run_sessions(args: &RunArgs) -> Result<ExitStatus, Error> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let file = match &args.file {
        Some(file) => cwd.join(file),
        None => config::find_sessions_file(&cwd)?,
    };
    let project = config::load(&file)?;

    if args.list {
        let selection = settings::selection(args);
        let only: Option<HashSet<String>> = if selection.is_filtered() {
            let selection = Selection { no_deps: true, ..selection };
            Some(plan::plan(&project, &selection)?.instances.into_iter().map(|instance| instance.name).collect())
        } else {
            plan::validate(&project)?;
            None
        };
        if args.json {
            reporter::print_list_json(&project, only.as_ref());
        } else {
            reporter::print_list(&project, only.as_ref());
        }
        return Ok(ExitStatus::Success);
    }

    let settings = Settings::new(args, &project, &cwd);
    let plan = plan::plan(&project, &settings.selection)?;
    if args.dry_run {
        reporter::print_plan(&project, &plan, &settings);
        return Ok(ExitStatus::Success);
    }

    let needs_venv = plan.instances.iter().any(|instance| project.sessions[instance.session].needs_venv());
    let uv = if needs_venv { Some(venv::find_uv()?) } else { None };
    // One session at a time streams its output live; `-q` shows only failures, so it never does.
    let live = settings.verbosity != Verbosity::Quiet
        && (settings.jobs == 1 || plan.levels().iter().all(|level| level.len() == 1));
    let names: Vec<String> = plan.instances.iter().map(|instance| instance.name.clone()).collect();
    let rerun_prefix = match &args.file {
        Some(file) => format!("forge -f {}", shlex::try_quote(&file.to_string_lossy()).unwrap_or_default()),
        None => "forge".to_owned(),
    };
    // The same `-- posargs` re-run the failure as it ran.
    let rerun_suffix = match &settings.posargs {
        Some(posargs) => format!(" -- {}", config::shell_join(posargs)),
        None => String::new(),
    };
    let root = project.root.clone();
    let fail_under = project.coverage.fail_under;
    let context = RunContext {
        finder: uv.map(|uv| InterpreterFinder::new(uv, Some(project.env_dir.join(".interpreters.json")))),
        live,
        stdin: stdin_mode(plan.instances.len()),
        project,
        plan,
        settings: settings.clone(),
    };

    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    let mut display = Display::new(names, live, std::io::stderr().is_terminal(), settings.verbosity);
    let outcome = runtime.block_on(runner::run(context, &mut display)).context("cannot install signal handlers")?;
    drop(display);

    let reports = report::write_run(&report::ReportInput {
        root: &root,
        reports_dir: &settings.reports_dir,
        fail_under,
        run: &outcome,
    });
    reporter::print_summary(&outcome, (&rerun_prefix, &rerun_suffix), &reports);
    reporter::print_reports(&reports);
    for session in &outcome.sessions {
        if let Some(warning) = &session.warning {
            reporter::print_warning(&format!("{}: {warning}", session.name));
        }
    }
    Ok(ExitStatus::of_run(&outcome, !reports.is_clean()))
}

/// stdin for the commands: forge's own for a single session (the terminal only when forge is in
/// its foreground: `forge &` must not read from it), `/dev/null` when sessions may run at once.
fn stdin_mode(instances: usize) -> StdinMode {
    let stdin = std::io::stdin();
    match (instances, stdin.is_terminal()) {
        (1, false) => StdinMode::Inherit,
        (1, true) if nix::unistd::tcgetpgrp(&stdin).is_ok_and(|group| group == nix::unistd::getpgrp()) => {
            StdinMode::Terminal
        }
        _ => StdinMode::Null,
    }
}
