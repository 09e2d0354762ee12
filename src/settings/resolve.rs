//! [`Settings`]: resolved once from the command line (which clap already layered over the
//! `FORGE_*` environment variables) and `[forge]`, then fitted to the plan.

use std::path::Path;
use std::time::Duration;

use super::Layout;
use crate::cache::remote::{DEFAULT_TIMEOUT, RemoteConfig, RemoteMode, check_url};
use crate::cli::{CiChoice, MaxFail, RunArgs};
use crate::config::Project;
use crate::error::Error;
use crate::plan::{Plan, Selection};
use crate::runner::StdinMode;

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

/// The CI whose log forge writes for, resolved from `--ci` (or `FORGE_CI`) and the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ci {
    /// Plain output.
    None,
    /// GitHub Actions: groups, `::error` annotations, the job summary.
    GitHub,
    /// GitLab CI: collapsible sections.
    GitLab,
}

impl Ci {
    /// `choice`, with `auto` read from `env` as the runners set it: `GITHUB_ACTIONS=true` is
    /// GitHub, `GITLAB_CI=true` is GitLab (GitHub first, as a GitHub runner is never GitLab's).
    pub fn resolve(choice: CiChoice, env: impl Fn(&str) -> Option<String>) -> Self {
        match choice {
            CiChoice::Github => Ci::GitHub,
            CiChoice::Gitlab => Ci::GitLab,
            CiChoice::None => Ci::None,
            CiChoice::Auto if env("GITHUB_ACTIONS").as_deref() == Some("true") => Ci::GitHub,
            CiChoice::Auto if env("GITLAB_CI").as_deref() == Some("true") => Ci::GitLab,
            CiChoice::Auto => Ci::None,
        }
    }
}

/// How to re-run a failure alone: `PREFIX -s NAME --no-deps SUFFIX`, e.g. `forge -f ci/sessions.toml`
/// and ` -- -k slow`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rerun {
    /// `forge`, with `-f FILE` when one was given.
    pub prefix: String,
    /// ` -- POSARGS` when posargs were given, else "".
    pub suffix: String,
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
    /// Every path forge writes.
    pub layout: Layout,
    /// Terminal verbosity.
    pub verbosity: Verbosity,
    /// Arguments after `--` (`None`: no `--` given).
    pub posargs: Option<Vec<String>>,
    /// `[coverage] fail-under`: minimum merged line coverage, in percent.
    pub fail_under: Option<f64>,
    /// How the summary tells to re-run a failure.
    pub rerun: Rerun,
    /// Run cached sessions anyway (`--force`).
    pub force: bool,
    /// `[forge] cache-size`, in bytes.
    pub cache_size: u64,
    /// The `--profile` applied (`[profiles.NAME]`), if any.
    pub profile: Option<String>,
    /// The CI output, if any (`--ci`).
    pub ci: Ci,
    /// Stream output as it comes (one session at a time); set by [`Settings::fit`].
    pub live: bool,
    /// The commands' stdin; set by [`Settings::fit`].
    pub stdin: StdinMode,
    /// `--changed`: the files changed since its REF (instances whose inputs are all unchanged
    /// are not run); `None` without `--changed`.
    pub changed: Option<std::sync::Arc<crate::changes::ChangedSince>>,
    /// The remote cache, when one is configured; set by [`remote_cache`].
    pub remote_cache: Option<RemoteConfig>,
}

impl Settings {
    /// Resolves `args` against `project`: the command line (or its `FORGE_*` variable) wins over
    /// `[forge]`, which wins over the default. Relative paths given on the command line are
    /// relative to `cwd`.
    pub fn new(args: &RunArgs, project: &Project, cwd: &Path) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let jobs = match args.jobs.or(project.run_defaults.jobs) {
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
        let reports_dir =
            args.reports_dir.as_ref().map_or_else(|| project.run_defaults.reports_dir.clone(), |dir| cwd.join(dir));
        let layout = Layout {
            root: project.root.clone(),
            reports_dir: reports_dir.clone(),
            env_dir: project.run_defaults.env_dir.clone(),
            cache_dir: project.run_defaults.cache_dir.clone(),
        };
        Self {
            selection: selection(args),
            jobs,
            max_fail,
            run_timeout: args.timeout.map(|spec| spec.0),
            grace: args.grace.0,
            env_policy,
            skip_missing_interpreters: skip_missing_interpreters(args, project, |key| std::env::var_os(key)),
            layout,
            verbosity,
            posargs: args.posargs.clone(),
            fail_under: project.coverage.fail_under,
            rerun: rerun(args),
            force: args.force,
            cache_size: project.run_defaults.cache_size,
            profile: project.profile.as_ref().map(|profile| profile.name.clone()),
            ci: Ci::resolve(args.ci, |key| std::env::var(key).ok()),
            live: false,
            stdin: StdinMode::Null,
            changed: None,
            remote_cache: None,
        }
    }

    /// Fits the settings to `plan`: output is streamed live when sessions run one at a time
    /// (never with `-q`, which shows only failures, nor under CI, which shows each session's
    /// output as one block in a group or section); a single session gets forge's stdin.
    pub fn fit(&mut self, plan: &Plan) {
        self.live = self.verbosity != Verbosity::Quiet
            && self.ci == Ci::None
            && (self.jobs == 1 || plan.levels().iter().all(|level| level.len() == 1));
        self.stdin = stdin_mode(plan.instances.len());
    }
}

/// `--skip-missing-interpreters`, else `FORGE_SKIP_MISSING_INTERPRETERS` (clap reads it into
/// the same flag; `false`, `0`, `no`, `off` or empty turn it off, and so override the file),
/// else `[forge] skip-missing-interpreters`, else off.
fn skip_missing_interpreters(
    args: &RunArgs,
    project: &Project,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> bool {
    if args.skip_missing_interpreters {
        return true;
    }
    if env("FORGE_SKIP_MISSING_INTERPRETERS").is_some() {
        return false;
    }
    project.run_defaults.skip_missing_interpreters.unwrap_or(false)
}

/// The remote cache: `--remote-cache` (or `FORGE_REMOTE_CACHE`; empty turns it off) over
/// `[forge] remote-cache` (already checked at load); mode and timeout the same way, defaulting
/// to read-write and [`DEFAULT_TIMEOUT`].
///
/// # Errors
/// [`Error::Usage`] (exit 2) when the command line's or the variable's URL is not usable; the
/// message never repeats the URL, which may hold a password.
pub fn remote_cache(args: &RunArgs, project: &Project) -> Result<Option<RemoteConfig>, Error> {
    let defaults = &project.run_defaults;
    let url = match args.remote_cache.as_deref().map(str::trim) {
        Some("") => return Ok(None),
        Some(url) => check_url(url).map_err(|message| Error::Usage {
            message: format!("--remote-cache (or FORGE_REMOTE_CACHE): the URL {message}"),
            hint: Some("give the server's base URL, e.g. --remote-cache http://cache.internal:8080".into()),
        })?,
        None => match &defaults.remote_cache {
            Some(url) => url.clone(),
            None => return Ok(None),
        },
    };
    Ok(Some(RemoteConfig {
        url,
        mode: args.remote_cache_mode.or(defaults.remote_cache_mode).unwrap_or(RemoteMode::ReadWrite),
        timeout: args
            .remote_cache_timeout
            .map(|timeout| timeout.0)
            .or(defaults.remote_cache_timeout)
            .unwrap_or(DEFAULT_TIMEOUT),
    }))
}

/// What the command line selects (`-s -t -k -p --no-deps`); all `forge -l` needs.
pub fn selection(args: &RunArgs) -> Selection {
    Selection {
        sessions: args.sessions.clone(),
        tags: args.tags.clone(),
        keywords: args.keywords.clone(),
        pythons: args.python.clone(),
        no_deps: args.no_deps,
        only: None,
    }
}

/// The re-run command's parts: `-f FILE` and `--profile NAME` as given, the same `-- posargs`.
fn rerun(args: &RunArgs) -> Rerun {
    let mut prefix = match &args.file {
        Some(file) => format!("forge -f {}", shlex::try_quote(&file.to_string_lossy()).unwrap_or_default()),
        None => "forge".to_owned(),
    };
    if let Some(profile) = &args.profile {
        prefix.push_str(&format!(" --profile {}", shlex::try_quote(profile).unwrap_or_default()));
    }
    let suffix = match &args.posargs {
        Some(posargs) => format!(" -- {}", crate::config::shell_join(posargs)),
        None => String::new(),
    };
    Rerun { prefix, suffix }
}

/// stdin for the commands: forge's own for a single session (the terminal only when forge is in
/// its foreground: `forge &` must not read from it), `/dev/null` when sessions may run at once.
fn stdin_mode(instances: usize) -> StdinMode {
    use std::io::IsTerminal as _;
    let stdin = std::io::stdin();
    match (instances, stdin.is_terminal()) {
        (1, false) => StdinMode::Inherit,
        (1, true) if nix::unistd::tcgetpgrp(&stdin).is_ok_and(|group| group == nix::unistd::getpgrp()) => {
            StdinMode::Terminal
        }
        _ => StdinMode::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::{Ci, CiChoice};

    #[test]
    fn auto_reads_the_runners_variables_and_an_explicit_choice_wins() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| pairs.iter().find(|(name, _)| *name == key).map(|(_, value)| (*value).to_owned())
        };
        assert_eq!(Ci::resolve(CiChoice::Auto, env(&[("GITHUB_ACTIONS", "true")])), Ci::GitHub);
        assert_eq!(Ci::resolve(CiChoice::Auto, env(&[("GITLAB_CI", "true")])), Ci::GitLab);
        assert_eq!(Ci::resolve(CiChoice::Auto, env(&[("GITHUB_ACTIONS", "1")])), Ci::None);
        assert_eq!(Ci::resolve(CiChoice::Auto, env(&[])), Ci::None);
        assert_eq!(Ci::resolve(CiChoice::None, env(&[("GITHUB_ACTIONS", "true")])), Ci::None);
        assert_eq!(Ci::resolve(CiChoice::Gitlab, env(&[("GITHUB_ACTIONS", "true")])), Ci::GitLab);
    }
}
