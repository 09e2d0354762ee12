//! The command line, parsed with clap: flags exactly as the contract names them. A few options
//! can also come from `FORGE_*` environment variables (`FORGE_JOBS`, `FORGE_TIMEOUT`,
//! `FORGE_GRACE`, `FORGE_REPORTS_DIR`, `FORGE_SKIP_MISSING_INTERPRETERS`, `FORGE_CI`, `FORGE_PROFILE`,
//! `FORGE_REMOTE_CACHE`, `FORGE_REMOTE_CACHE_MODE`, `FORGE_REMOTE_CACHE_TIMEOUT`): the command line wins
//! over the variable, which wins over `[forge]` in sessions.toml (see `settings`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::DurationSpec;

/// forge: run the sessions of a sessions.toml as a DAG, in parallel, in uv virtualenvs.
#[derive(Debug, Parser)]
#[command(name = "forge", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A subcommand; without one, forge runs (or lists) sessions.
    #[command(subcommand)]
    pub command: Option<CliCommand>,
    /// Session selection and run options.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Subcommands besides running sessions.
#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Merge the report directories of several runs (e.g. CI jobs) into one junit.xml and coverage.xml.
    Report(ReportArgs),
    /// Remove this project's virtualenvs (only what forge created), saying what was removed.
    Clean(CleanArgs),
    /// Manage the cache of session results (`forge cache clean` empties it).
    Cache(CacheArgs),
    /// Print the JSON Schema (draft 7) of sessions.toml, for editors (taplo, Even Better TOML).
    Schema,
    /// Print a shell completion script for forge.
    Completions(CompletionsArgs),
    /// Write a starter sessions.toml for the project in the current directory (never overwrites).
    Init,
}

/// `forge cache ACTION`.
#[derive(Debug, Args)]
pub struct CacheArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: CacheAction,
    /// The sessions.toml to use (default: found from the current directory upwards).
    #[arg(short = 'f', long = "file", value_name = "FILE", global = true)]
    pub file: Option<PathBuf>,
}

/// A `forge cache` action.
#[derive(Debug, Clone, Copy, clap::Subcommand)]
pub enum CacheAction {
    /// Remove every stored result of this project.
    Clean,
}

/// `forge completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `forge clean`.
#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Use this sessions.toml (default: ./sessions.toml, then parent directories).
    #[arg(short, long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Say what would be removed, and remove nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `forge report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report directories written by earlier forge runs.
    #[arg(required = true, value_name = "DIR")]
    pub inputs: Vec<PathBuf>,
    /// Where to write the merged junit.xml, coverage.xml, report.html and run.json.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Project root that coverage paths are made relative to (default: current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Fail (exit 1) when merged line coverage is below this percentage.
    #[arg(long, value_name = "PERCENT")]
    pub fail_under: Option<f64>,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// Options for listing and running sessions.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// List the sessions (`*` marks a default) and exit.
    #[arg(short, long)]
    pub list: bool,
    /// With --list: print a JSON array (usable as a CI matrix).
    #[arg(long, requires = "list")]
    pub json: bool,
    /// With --list: print only the instance names, one a line (for shell completion scripts).
    #[arg(long, requires = "list", conflicts_with = "json", hide = true)]
    pub names: bool,
    /// Run these sessions (base or instance names) and, first, what they require.
    #[arg(short, long = "session", alias = "sessions", num_args = 1.., value_name = "NAME")]
    pub sessions: Vec<String>,
    /// Select sessions carrying any of these tags.
    #[arg(short, long = "tags", num_args = 1.., value_name = "TAG")]
    pub tags: Vec<String>,
    /// Select sessions whose name matches a keyword expression (`lint or test`, `not slow`).
    #[arg(short, long = "keywords", value_name = "EXPR")]
    pub keywords: Option<String>,
    /// Keep only instances for these interpreter versions.
    #[arg(short, long = "python", num_args = 1.., value_name = "VERSION")]
    pub python: Vec<String>,
    /// Use this sessions.toml (default: ./sessions.toml, then parent directories).
    #[arg(short, long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Apply `[profiles.NAME]`: its coverage gate, env, `[forge]` keys and session defaults.
    #[arg(long, value_name = "PROFILE", env = "FORGE_PROFILE")]
    pub profile: Option<String>,
    /// Run at most N sessions at once (default: `[forge] jobs`, else the number of CPUs).
    #[arg(short, long, value_name = "N", env = "FORGE_JOBS")]
    pub jobs: Option<u32>,
    /// Run only the named sessions, not what they require.
    #[arg(long)]
    pub no_deps: bool,
    /// After the first failure, start no new session.
    #[arg(short = 'x', long)]
    pub fail_fast: bool,
    /// Start no new session after N failures; `N:immediate` also stops running ones.
    #[arg(long, value_name = "N[:immediate]", conflicts_with = "fail_fast")]
    pub max_fail: Option<MaxFail>,
    /// A time limit for the whole run (e.g. `30m`).
    #[arg(long, value_name = "DURATION", env = "FORGE_TIMEOUT")]
    pub timeout: Option<DurationSpec>,
    /// Time between the signal and SIGKILL for interrupted or timed-out sessions.
    #[arg(long, value_name = "DURATION", default_value = "10s", env = "FORGE_GRACE")]
    pub grace: DurationSpec,
    /// Recreate virtualenvs even when they are up to date.
    #[arg(short = 'R', long)]
    pub recreate: bool,
    /// Reuse existing virtualenvs as they are and skip installs.
    #[arg(long, conflicts_with = "recreate")]
    pub no_install: bool,
    /// Skip (with a warning) instances whose interpreter cannot be found, instead of failing them.
    #[arg(long, env = "FORGE_SKIP_MISSING_INTERPRETERS")]
    pub skip_missing_interpreters: bool,
    /// Print the plan and run nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Start from the instances that failed, errored or were interrupted in the previous run
    /// (its run.json); with -s, -t, -k or -p, those of them that match.
    #[arg(long = "last-failed", visible_alias = "lf")]
    pub last_failed: bool,
    /// Do not run instances whose `inputs` are all unchanged since REF (default: the merge-base
    /// with the upstream branch, else HEAD); uncommitted and untracked files count.
    #[arg(long, value_name = "REF", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub changed: Option<String>,
    /// Run, then watch the sessions' inputs and re-run what a change affects, until Ctrl-C.
    #[arg(short, long, conflicts_with_all = ["dry_run", "list"])]
    pub watch: bool,
    /// Run cached sessions even when a stored result matches (and store the new result).
    #[arg(long)]
    pub force: bool,
    /// Share cached results through this remote cache (Bazel's HTTP protocol), over `[forge]
    /// remote-cache`; an empty value turns it off. Credentials come from
    /// FORGE_REMOTE_CACHE_TOKEN, or FORGE_REMOTE_CACHE_USER and FORGE_REMOTE_CACHE_PASSWORD.
    #[arg(long, value_name = "URL", env = "FORGE_REMOTE_CACHE", hide_env_values = true)]
    pub remote_cache: Option<String>,
    /// `read-write` (default) or `read`: whether this run uploads its new results.
    #[arg(long, value_enum, value_name = "MODE", env = "FORGE_REMOTE_CACHE_MODE")]
    pub remote_cache_mode: Option<crate::cache::RemoteMode>,
    /// The longest one remote-cache request waits (default `[forge] remote-cache-timeout`, else 5s).
    #[arg(long, value_name = "DURATION", env = "FORGE_REMOTE_CACHE_TIMEOUT")]
    pub remote_cache_timeout: Option<DurationSpec>,
    /// Where reports go (default: `[forge] reports-dir`, else `.forge/reports`).
    #[arg(long, value_name = "DIR", env = "FORGE_REPORTS_DIR")]
    pub reports_dir: Option<PathBuf>,
    /// More output: show the output of successful sessions too.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Less output: only failures and the summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// CI output: GitHub Actions groups, annotations and job summary, or GitLab sections
    /// (`auto`: GitHub when `GITHUB_ACTIONS=true`, GitLab when `GITLAB_CI=true`).
    #[arg(long, value_enum, default_value_t = CiChoice::Auto, value_name = "CI", env = "FORGE_CI")]
    pub ci: CiChoice,
    /// Arguments after `--`: they become `{posargs}`.
    #[arg(last = true, value_name = "POSARGS")]
    pub posargs: Option<Vec<String>>,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `--ci`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiChoice {
    /// From the environment: `GITHUB_ACTIONS=true` or `GITLAB_CI=true`, else none.
    Auto,
    /// GitHub Actions workflow commands and job summary.
    Github,
    /// GitLab CI collapsible sections.
    Gitlab,
    /// Plain output.
    None,
}

/// `--max-fail N` or `--max-fail N:immediate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxFail {
    /// Failures after which no new session starts (at least 1).
    pub count: usize,
    /// Also terminate running sessions, as on a signal.
    pub immediate: bool,
}

impl std::str::FromStr for MaxFail {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (count, immediate) = match text.split_once(':') {
            Some((count, "immediate")) => (count, true),
            Some((_, other)) => return Err(format!("unknown mode `{other}` (the only mode is `immediate`)")),
            None => (text, false),
        };
        let count: usize = count.parse().map_err(|_| format!("`{count}` is not a positive whole number"))?;
        if count == 0 {
            return Err("must be at least 1".into());
        }
        Ok(Self { count, immediate })
    }
}

#[cfg(test)]
mod grace_default_tests {
    use clap::Parser;

    use super::Cli;

    #[test]
    fn without_grace_the_grace_period_is_ten_seconds() {
        let cli = Cli::try_parse_from(["forge", "-s", "test"]).unwrap();
        assert_eq!(cli.run.grace.0, std::time::Duration::from_secs(10));
    }

    #[test]
    fn grace_takes_a_duration() {
        let cli = Cli::try_parse_from(["forge", "--grace", "1500ms"]).unwrap();
        assert_eq!(cli.run.grace.0, std::time::Duration::from_millis(1500));
    }
}
