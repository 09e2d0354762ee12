//! The glue between the command line and the pipeline: load, plan, run, report, exit status.

use std::collections::{BTreeSet, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

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
        Some(CliCommand::Cache(_)) => ColorChoice::Auto,
        Some(CliCommand::Schema | CliCommand::Completions(_) | CliCommand::Init) => ColorChoice::Never,
        None => cli.run.color,
    };
    set_color(color);
    match cli.command {
        Some(CliCommand::Report(args)) => crate::commands::report::run(&args),
        Some(CliCommand::Clean(args)) => clean(&args),
        Some(CliCommand::Cache(args)) => cache_clean(&args),
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
    let (project, _) = load_project(args.file.as_deref(), None)?;
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

/// `forge cache clean`: empties the project's cache store.
fn cache_clean(args: &crate::cli::CacheArgs) -> Result<ExitStatus, Error> {
    let crate::cli::CacheAction::Clean = args.action;
    let (project, _) = load_project(args.file.as_deref(), None)?;
    let store = crate::cache::Store { dir: project.run_defaults.cache_dir.clone(), size_limit: 0 };
    let removed = store.clean();
    reporter::print_cache_clean(&store.dir, removed);
    Ok(if removed.is_some() { ExitStatus::Success } else { ExitStatus::Failure })
}

/// The project of `-f FILE` (relative to the current directory), else of the sessions.toml found
/// from the current directory upwards, with `[profiles.PROFILE]` applied; with the current directory.
fn load_project(
    file: Option<&std::path::Path>,
    profile: Option<&str>,
) -> Result<(config::Project, std::path::PathBuf), Error> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let file = match file {
        Some(file) => cwd.join(file),
        None => config::find_sessions_file(&cwd)?,
    };
    Ok((config::load_with_profile(&file, profile)?, cwd))
}

fn set_color(choice: ColorChoice) {
    let choice = match choice {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// `--last-failed`: the previous run's failures, `Ok(None)` to leave the selection as it is (no
/// record, or one that cannot be read: pytest's `--lf` runs everything then, and forge says so),
/// `Err(())` when there is nothing to run (the previous run had no failure).
fn last_failed(reports_dir: &Path) -> Result<Option<BTreeSet<String>>, ()> {
    use crate::changes::LastFailed;
    match crate::changes::last_failed::read(reports_dir) {
        LastFailed::Failed { names, .. } => return Ok(Some(names)),
        LastFailed::NoneFailed { started } => {
            reporter::print_note(&format!(
                "no instance failed in the previous run (started {}): nothing to run",
                humantime::format_rfc3339_seconds(started)
            ));
            return Err(());
        }
        LastFailed::NoRecord { path } => reporter::print_note(&format!(
            "--last-failed: no previous run ({} does not exist): running the usual selection",
            path.display()
        )),
        LastFailed::Unreadable { path, message } => reporter::print_warning(&format!(
            "--last-failed: cannot read the previous run {}: {message}; running the usual selection",
            path.display()
        )),
    }
    Ok(None)
}

/// `forge -l` (with `--json` or `--names`): the sessions, or those the filters select.
fn list(args: &RunArgs) -> Result<ExitStatus, Error> {
    let (project, _) = load_project(args.file.as_deref(), args.profile.as_deref())?;
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
    Ok(ExitStatus::Success)
}

fn run_sessions(args: &RunArgs) -> Result<ExitStatus, Error> {
    if args.list {
        return list(args);
    }
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    let mut pipeline = Pipeline { args, last_failed: None };
    if args.watch {
        let (project, _) = load_project(args.file.as_deref(), args.profile.as_deref())?;
        return runtime.block_on(crate::watch::watch(&project.root, &mut pipeline));
    }
    runtime.block_on(pipeline.run_once()).map(|ran| ran.map_or(ExitStatus::Success, |ran| ran.status))
}

/// The pipeline of one run — load, settings, plan, run, reports, summary — kept across
/// `--watch`'s re-runs. sessions.toml is read again for each run (an edit to it is a change
/// like any other); `--last-failed` is read once, before the first run.
struct Pipeline<'a> {
    args: &'a RunArgs,
    /// `--last-failed`'s instances once read (`Some(None)`: the usual selection).
    last_failed: Option<Option<BTreeSet<String>>>,
}

/// A run that happened, with what the watch needs of it.
struct Finished {
    status: ExitStatus,
    /// The project and plan, under `--watch`.
    kept: Option<(config::Project, plan::Plan)>,
    layout: settings::Layout,
}

impl Pipeline<'_> {
    /// One run; `Ok(None)` when nothing was run (a dry run, or `--last-failed` with no failure).
    async fn run_once(&mut self) -> Result<Option<Finished>, Error> {
        let args = self.args;
        let (project, cwd) = load_project(args.file.as_deref(), args.profile.as_deref())?;
        let mut settings = Settings::new(args, &project, &cwd);
        settings.remote_cache = settings::remote_cache(args, &project)?;
        if args.last_failed {
            if self.last_failed.is_none() {
                let Ok(names) = last_failed(&settings.layout.reports_dir) else { return Ok(None) };
                self.last_failed = Some(names);
            }
            settings.selection.only = self.last_failed.clone().flatten();
        }
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
        if plan.instances.is_empty() {
            // Only `--last-failed` empties a plan: the selection matched, none of it failed.
            reporter::print_note("none of the selected instances failed in the previous run: nothing to run");
            return Ok(None);
        }
        if let Some(reference) = &args.changed {
            let reference = Some(reference.as_str()).filter(|reference| !reference.is_empty());
            settings.changed = Some(std::sync::Arc::new(crate::changes::changed_since(&project.root, reference)?));
        }
        let needs_venv = plan.instances.iter().any(|instance| project.sessions[instance.session].needs_venv());
        let remote = settings.remote_cache.clone().map(|config| {
            let auth = crate::cache::remote::Auth::from_env(|name| std::env::var(name).ok());
            std::sync::Arc::new(crate::cache::RemoteCache::new(config, &auth))
        });
        if args.dry_run {
            // Without uv, cached instances' keys lack their interpreter: -n then says they run.
            let finder = needs_venv
                .then(venv::find_uv)
                .and_then(Result::ok)
                .map(|uv| InterpreterFinder::new(uv, Some(settings.layout.interpreter_cache())));
            let verdicts =
                runner::dry_run_verdicts(&project, &plan, &settings, finder.as_ref(), remote.as_deref()).await;
            reporter::print_plan(&project, &plan, &settings, &verdicts);
            return Ok(None);
        }
        settings.fit(&plan);

        let uv = if needs_venv { Some(venv::find_uv()?) } else { None };
        let finder = uv.map(|uv| InterpreterFinder::new(uv, Some(settings.layout.interpreter_cache())));
        // The watch needs them after the run, which owns its context.
        let kept = args.watch.then(|| (project.clone(), plan.clone()));
        let context = RunContext { finder, project, plan, settings: settings.clone(), remote: remote.clone() };

        let mut reporter =
            Reporter::new(settings.live, std::io::stderr().is_terminal(), settings.verbosity, settings.ci);
        // With a remote cache the reports are written on tokio's blocking pool (uploads are
        // waited for first, see `write_run_reports`). Its thread is started now, while the sessions
        // run, so the end of the run hands the work to an idle thread instead of waiting for a new
        // one to be created and scheduled: ~0.06 ms on an idle machine, up to milliseconds when
        // the CPUs are busy. An idle blocking thread lives 10 s (tokio's default).
        if remote.is_some() {
            drop(tokio::task::spawn_blocking(|| ()));
        }
        let outcome = runner::run(context, &mut reporter).await.context("cannot install signal handlers")?;
        let (outcome, reports, late_signal) = write_run_reports(outcome, &settings, remote).await?;
        reporter.finish(&outcome, &reports, &settings.rerun);
        let status = match late_signal {
            Some(signal) => ExitStatus::Signal(signal),
            None => ExitStatus::of_run(&outcome, !reports.is_clean()),
        };
        Ok(Some(Finished { status, kept, layout: settings.layout }))
    }
}

impl crate::watch::Runs for Pipeline<'_> {
    async fn run(&mut self, _changed: Option<&[PathBuf]>) -> Result<Option<crate::watch::Ran>, Error> {
        let Some(Finished { status, kept: Some((project, plan)), layout }) = self.run_once().await? else {
            return Ok(None);
        };
        Ok(Some(crate::watch::Ran::new(status, &project, &plan, &layout)))
    }
}

/// The report phase of a run, interrupted ones included; a signal while the reports are written
/// still ends forge with 128+N (the signal returned). Without a remote cache and with the
/// reports directory's lock free — every run but one ending together with another — it is ~1 ms
/// of local file I/O that cannot wait, done on this thread; otherwise on a blocking thread, so a
/// second signal ends forge at once while uploads or the lock are waited for.
async fn write_run_reports(
    outcome: runner::RunOutcome,
    settings: &Settings,
    remote: Option<std::sync::Arc<crate::cache::RemoteCache>>,
) -> Result<(runner::RunOutcome, report::Merged, Option<i32>), Error> {
    let layout = settings.layout.clone();
    let fail_under = settings.fail_under;
    let profile = settings.profile.clone();
    let rerun = report::RerunCommand { prefix: settings.rerun.prefix.clone(), suffix: settings.rerun.suffix.clone() };
    let held = if remote.is_none() { report::ReportsLock::try_acquire(&layout.reports_dir) } else { None };
    let inline = held.is_some();
    let work = move || {
        let mut outcome = outcome;
        // Uploads still queued are waited for (bounded), so run.json counts what they moved.
        outcome.remote_cache = remote.map(|remote| remote.finish(crate::cache::remote::UPLOAD_WAIT));
        let input = report::ReportInput {
            root: &layout.root,
            reports_dir: &layout.reports_dir,
            fail_under,
            profile: profile.as_deref(),
            rerun: &rerun,
            run: &outcome,
        };
        let reports = report::write_run(&input, held);
        (outcome, reports)
    };
    let ((outcome, reports), late_signal) =
        if inline { runner::finish_inline(work).await } else { runner::finish_honouring_signals(work).await }
            .context("cannot install signal handlers")?;
    Ok((outcome, reports, late_signal))
}
