//! The glue between the command line and the pipeline: load, plan, run, report, exit status.

use std::collections::HashSet;
use std::io::IsTerminal;

use anyhow::Context as _;

use crate::cli::{CleanArgs, Cli, CliCommand, ColorChoice, RunArgs};
use crate::config;
use crate::error::{Error, ExitStatus};
use crate::plan::{self, Selection};
use crate::report;
use crate::reporter::{self, Reporter};
use crate::runner::{self, RunContext};
use crate::settings::{self, Settings};
use crate::venv::{self, InterpreterFinder};

/// Runs the parsed command line.
///
/// # Errors
/// Configuration, planning and usage errors (exit 2) and internal errors (exit 3); session
/// failures are not errors but exit status 1.
pub fn run(cli: Cli) -> Result<ExitStatus, Error> {
    let color = match &cli.command {
        Some(CliCommand::Report(args)) => args.color,
        Some(CliCommand::Clean(args)) => args.color,
        Some(CliCommand::Schema | CliCommand::Completions(_) | CliCommand::Init) => ColorChoice::Never,
        None => cli.run.color,
    };
    set_color(color);
    match cli.command {
        Some(CliCommand::Report(args)) => crate::commands::report::run(&args),
        Some(CliCommand::Clean(args)) => clean(&args),
        Some(CliCommand::Schema) => crate::commands::schema::run(),
        Some(CliCommand::Completions(args)) => crate::commands::completions::run(&args),
        Some(CliCommand::Init) => {
            crate::commands::init::run(&std::env::current_dir().context("cannot read the current directory")?)
        }
        None => run_sessions(&cli.run),
    }
}

/// `forge clean`: removes the project's envs (and those an older forge kept in `.forge/envs`).
fn clean(args: &CleanArgs) -> Result<ExitStatus, Error> {
    let (project, _) = load_project(args.file.as_deref())?;
    let mut env_dirs = vec![project.run_defaults.env_dir.clone()];
    let legacy = project.root.join(".forge/envs");
    if legacy != project.run_defaults.env_dir {
        env_dirs.push(legacy);
    }
    let report = venv::clean(&env_dirs, args.dry_run);
    reporter::print_clean(&report, &env_dirs, args.dry_run);
    let clean = report.in_use.is_empty() && report.failed.is_empty();
    Ok(if clean { ExitStatus::Success } else { ExitStatus::Failure })
}

/// The project of `-f FILE` (relative to the current directory), else of the sessions.toml found
/// from the current directory upwards; with the current directory.
fn load_project(file: Option<&std::path::Path>) -> Result<(config::Project, std::path::PathBuf), Error> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let file = match file {
        Some(file) => cwd.join(file),
        None => config::find_sessions_file(&cwd)?,
    };
    Ok((config::load(&file)?, cwd))
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
    let (project, cwd) = load_project(args.file.as_deref())?;

    if args.list {
        let selection = settings::selection(args);
        let only: Option<HashSet<String>> = if selection.is_filtered() {
            let selection = Selection { no_deps: true, ..selection };
            Some(plan::plan(&project, &selection)?.instances.into_iter().map(|instance| instance.name).collect())
        } else {
            plan::validate(&project)?;
            None
        };
        if args.names {
            reporter::print_list_names(&project, only.as_ref());
        } else if args.json {
            reporter::print_list_json(&project, only.as_ref());
        } else {
            reporter::print_list(&project, only.as_ref());
        }
        return Ok(ExitStatus::Success);
    }

    let mut settings = Settings::new(args, &project, &cwd);
    // GitHub's and GitLab's job logs render ANSI colour though they are no terminal.
    if args.color == ColorChoice::Auto
        && settings.ci != settings::Ci::None
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
    {
        anstream::ColorChoice::Always.write_global();
    }
    let plan = plan::plan(&project, &settings.selection)?;
    tracing::debug!(
        selection = ?settings.selection,
        instances = ?plan.instances.iter().map(|instance| instance.name.as_str()).collect::<Vec<_>>(),
        "planned"
    );
    if args.dry_run {
        reporter::print_plan(&project, &plan, &settings);
        return Ok(ExitStatus::Success);
    }
    settings.fit(&plan);

    let needs_venv = plan.instances.iter().any(|instance| project.sessions[instance.session].needs_venv());
    let uv = if needs_venv { Some(venv::find_uv()?) } else { None };
    let finder = uv.map(|uv| InterpreterFinder::new(uv, Some(settings.layout.interpreter_cache())));
    let context = RunContext { finder, project, plan, settings: settings.clone() };

    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    let mut reporter = Reporter::new(settings.live, std::io::stderr().is_terminal(), settings.verbosity, settings.ci);
    let outcome = runtime.block_on(runner::run(context, &mut reporter)).context("cannot install signal handlers")?;

    // The reports are written after an interrupted run too, and a signal while they are written
    // still ends forge with 128+N.
    let layout = settings.layout.clone();
    let fail_under = settings.fail_under;
    let ((outcome, reports), late_signal) = runtime
        .block_on(runner::finish_honouring_signals(move || {
            let reports = report::write_run(&report::ReportInput {
                root: &layout.root,
                reports_dir: &layout.reports_dir,
                fail_under,
                run: &outcome,
            });
            (outcome, reports)
        }))
        .context("cannot install signal handlers")?;
    reporter.finish(&outcome, &reports, &settings.rerun);
    if let Some(signal) = late_signal {
        return Ok(ExitStatus::Signal(signal));
    }
    Ok(ExitStatus::of_run(&outcome, !reports.is_clean()))
}
