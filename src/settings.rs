//! Settings: the command line and `[forge]` resolved once into what the runner needs.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{MaxFail, RunArgs};
use crate::config::Project;
use crate::plan::Selection;

pub use crate::venv::EnvPolicy;

/// How much the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: failures and the summary.
    Quiet,
    /// Default: a line per session, failures' output, the summary.
    Normal,
    /// `-v`: successes' output too.
    Verbose,
}

/// Everything a run needs beyond the project and the plan.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What to run.
    pub selection: Selection,
    /// Maximum sessions at once (at least 1).
    pub jobs: usize,
    /// Stop starting sessions after this many failures.
    pub max_fail: Option<MaxFail>,
    /// Limit on the whole run.
    pub run_timeout: Option<Duration>,
    /// Time between the terminating signal and SIGKILL.
    pub grace: Duration,
    /// Virtualenv reuse policy.
    pub env_policy: EnvPolicy,
    /// Skip instances whose interpreter is missing instead of failing them.
    pub skip_missing_interpreters: bool,
    /// Absolute reports directory.
    pub reports_dir: PathBuf,
    /// Terminal verbosity.
    pub verbosity: Verbosity,
    /// Arguments after `--` (`None`: no `--` given).
    pub posargs: Option<Vec<String>>,
}

impl Settings {
    /// Resolves `args` against `project` (CLI wins over `[forge]`).
    pub fn new(args: &RunArgs, project: &Project, cwd: &std::path::Path) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let jobs = match args.jobs.or(project.jobs) {
            None | Some(0) => cpus,
            Some(jobs) => jobs as usize,
        };
        let max_fail = if args.fail_fast { Some(MaxFail { count: 1, immediate: false }) } else { args.max_fail };
        let env_policy = if args.recreate {
            EnvPolicy::Recreate
        } else if args.no_install {
            EnvPolicy::NoInstall
        } else {
            EnvPolicy::Reuse
        };
        let verbosity = if args.quiet {
            Verbosity::Quiet
        } else if args.verbose > 0 {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        };
        Self {
            selection: selection(args),
            jobs,
            max_fail,
            run_timeout: args.timeout.map(|spec| spec.0),
            grace: args.grace.0,
            env_policy,
            skip_missing_interpreters: args.skip_missing_interpreters,
            reports_dir: args.reports_dir.as_ref().map_or_else(|| project.reports_dir.clone(), |dir| cwd.join(dir)),
            verbosity,
            posargs: args.posargs.clone(),
        }
    }
}

/// What the command line selects (`-s -t -k -p --no-deps`); all `forge -l` needs.
pub fn selection(args: &RunArgs) -> Selection {
    Selection {
        sessions: args.sessions.clone(),
        tags: args.tags.clone(),
        keywords: args.keywords.clone(),
        pythons: args.python.clone(),
        no_deps: args.no_deps,
    }
}
