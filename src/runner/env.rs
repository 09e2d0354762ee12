//! Preparing one instance's virtualenv: the session's definition mapped to the env's inputs
//! (written once, here), the env's lock, the reuse-or-rebuild decision, and the uv build steps.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::config::SessionDef;
use crate::venv::{BuildStep, Decision, EnvInputs, EnvLock, EnvRequest, LockMode, RebuildReason, VenvError};

use super::channel::SessionChannel;
use super::environment::{apply_session_env, base_environment};
use super::event::EnvProgress;
use super::instance::InstanceContext;
use super::log::SessionLog;
use super::outcome::EnvState;
use super::process::{CommandEnd, CommandRun, StdinMode, describe, run_command};
use super::{Event, RunContext};

/// A ready env: how it got ready, its interpreter's version, and the shared lock that keeps other
/// forge processes from rebuilding it while the commands run.
pub struct PreparedEnv {
    /// Reused or built.
    pub state: EnvState,
    /// The interpreter's full version (`3.11.7`).
    pub python_version: String,
    /// Held until the session ends.
    pub lock: EnvLock,
    /// Why it was built, or why a reused env is stale (`--no-install`); `None` for an env
    /// reused up to date.
    pub reason: Option<RebuildReason>,
}

/// What decides whether instance `instance`'s env is up to date.
pub fn env_request(definition: &SessionDef, instance: &InstanceContext, context: &RunContext) -> EnvRequest {
    let python = (!instance.python_request.is_empty()).then(|| instance.python_request.clone());
    EnvRequest {
        path: instance.env_path.clone(),
        inputs: env_inputs(definition, instance, &context.project.root),
        python,
    }
}

/// What instance `instance`'s env is built from (also part of its cache key).
pub fn env_inputs(definition: &SessionDef, instance: &InstanceContext, root: &std::path::Path) -> EnvInputs {
    EnvInputs {
        python_request: instance.python_request.clone(),
        deps: instance.deps(definition),
        requirements: definition.requirements.clone(),
        install_project: definition.install_project,
        extras: definition.extras.clone(),
        groups: definition.groups.clone(),
        locked: definition.locked,
        root: root.to_path_buf(),
    }
}

/// Reuses or builds the env of the channel's instance.
///
/// # Errors
/// [`VenvError`]: no interpreter, a failed build step, a stop request while waiting or building.
pub async fn prepare(
    channel: &mut SessionChannel,
    context: &RunContext,
    definition: &SessionDef,
    instance: &InstanceContext,
    log: &mut SessionLog,
) -> Result<PreparedEnv, VenvError> {
    // Present whenever the plan has a session that needs a venv (app.rs looks uv up first).
    let Some(finder) = &context.finder else {
        return Err(VenvError::UvNotFound { forge_uv: None });
    };
    let lock_path = context.settings.layout.lock_path(&instance.name);
    let request = env_request(definition, instance, context);
    let policy = context.settings.env_policy;
    // Check under a shared lock (many runs may use one env at once); rebuild under an exclusive
    // one, deciding again, since another process may have built it meanwhile.
    // Without a marker there is nothing to reuse, so a new env goes straight to the exclusive lock
    // and is decided once (the fingerprint hashes the lock file and pyproject.toml).
    if crate::venv::Marker::exists(&request.path) {
        let shared = lock(channel, &lock_path, LockMode::Shared, log).await?;
        tracing::debug!(session = %instance.name, inputs = ?request.inputs, ?policy, "checking the virtualenv");
        if let Decision::Reuse { marker, stale, refresh } = crate::venv::decide(&request, policy, finder).await?
            && refresh.is_empty()
        {
            tracing::debug!(session = %instance.name, ?stale, "virtualenv reused");
            return Ok(reused(channel, instance, marker.python_version, stale, shared, log).await);
        }
    }
    let exclusive = lock(channel, &lock_path, LockMode::Exclusive, log).await?;
    // uv sees the session's `env` too (an index URL, a proxy), rendered before the interpreter is
    // known: `{python}` is the request there.
    let mut uv_environment = base_environment(&instance.token);
    apply_session_env(&mut uv_environment, definition, &instance.build_template());
    let steps = Steps { context, environment: &uv_environment, lock: &exclusive };
    let plan = match crate::venv::decide(&request, policy, finder).await? {
        Decision::Reuse { marker, stale, refresh } => {
            if !refresh.is_empty() {
                // A wheel or sdist env: the project is rebuilt and reinstalled on every run (the
                // fingerprint does not cover its sources), as tox does.
                let mode = definition.install_project.as_str();
                log.note(&format!(
                    "forge: rebuilding and reinstalling the project ({mode}) into the reused virtualenv"
                ));
                steps.run(channel, &refresh, log).await?;
            }
            let shared = exclusive.downgrade(lock_path).await?;
            return Ok(reused(channel, instance, marker.python_version, stale, shared, log).await);
        }
        Decision::Build(plan) => plan,
    };
    let version = plan.marker().python_version.clone();
    let reason = plan.reason().clone();
    tracing::info!(session = %instance.name, python = %version, %reason, "building the virtualenv");
    log.note(&format!("forge: building virtualenv {} with python {version} ({reason})", instance.env_path.display()));
    let progress = EnvProgress::Building(version.clone(), reason.clone());
    channel.emit(Event::Env { index: channel.index, progress }).await;
    plan.begin()?;
    steps.run(channel, &plan.steps, log).await?;
    plan.complete()?;
    channel.emit(Event::Env { index: channel.index, progress: EnvProgress::Built }).await;
    let shared = exclusive.downgrade(lock_path).await?;
    Ok(PreparedEnv { state: EnvState::Built, python_version: version, lock: shared, reason: Some(reason) })
}

/// Runs uv build steps under an env's exclusive lock.
struct Steps<'a> {
    context: &'a RunContext,
    /// The environment every step gets (each step may add its own variables).
    environment: &'a [(OsString, OsString)],
    lock: &'a EnvLock,
}

impl Steps<'_> {
    /// Runs `steps` in order; the first failure stops them.
    async fn run(
        &self,
        channel: &mut SessionChannel,
        steps: &[BuildStep],
        log: &mut SessionLog,
    ) -> Result<(), VenvError> {
        for step in steps {
            let step = step.prepared()?;
            log.note(&format!("$ {}", step.display));
            channel.emit(Event::CommandStarted { index: channel.index, command: step.display.clone() }).await;
            let mut environment = self.environment.to_vec();
            for (key, value) in &step.env {
                environment.retain(|(existing, _)| existing != key);
                environment.push((key.clone(), value.clone()));
            }
            let run = CommandRun {
                argv: &step.argv,
                env: &environment,
                cwd: &self.context.project.root,
                stdin: StdinMode::Null,
                timeout: None,
                grace: self.context.settings.grace,
                // An install that outlives forge (killed mid-build) keeps the env locked until it
                // ends, so no later run rebuilds the env while it is still being written.
                inherit_fd: Some(std::os::fd::AsRawFd::as_raw_fd(self.lock)),
            };
            match run_command(&run, log, &mut channel.stop).await {
                CommandEnd::Exited(0) => {}
                CommandEnd::Stopped(_) | CommandEnd::Killed { .. } | CommandEnd::RunTimedOut => {
                    return Err(VenvError::Interrupted);
                }
                // uv's words for a lock that `--locked` refuses: "The lockfile at `uv.lock` needs
                // to be updated, but `--locked` was provided."
                _ if step.syncs_lock && String::from_utf8_lossy(&log.tail()).contains("needs to be updated") => {
                    return Err(VenvError::StaleLock { step: step.display });
                }
                other => return Err(VenvError::Build { step: step.display.clone(), status: describe(&other) }),
            }
        }
        Ok(())
    }
}

/// Waits for the env's lock in `mode`, saying so when another process holds it.
async fn lock(
    channel: &mut SessionChannel,
    path: &std::path::Path,
    mode: LockMode,
    log: &mut SessionLog,
) -> Result<EnvLock, VenvError> {
    if let Some(lock) = EnvLock::try_acquire(path, mode)? {
        return Ok(lock);
    }
    channel.emit(Event::Env { index: channel.index, progress: EnvProgress::WaitingForLock }).await;
    log.note("forge: waiting for another forge process using this virtualenv");
    let path: PathBuf = path.to_path_buf();
    tokio::select! {
        lock = EnvLock::acquire(path, mode) => lock,
        () = channel.stopped() => Err(VenvError::Interrupted),
    }
}

async fn reused(
    channel: &SessionChannel,
    instance: &InstanceContext,
    python_version: String,
    stale: Option<RebuildReason>,
    lock: EnvLock,
    log: &mut SessionLog,
) -> PreparedEnv {
    let (note, progress) = match &stale {
        None => ("(up to date)".to_owned(), EnvProgress::Reused),
        Some(reason) => {
            (format!("as is (--no-install), although it is stale: {reason}"), EnvProgress::ReusedStale(reason.clone()))
        }
    };
    log.note(&format!("forge: reusing virtualenv {} {note}", instance.env_path.display()));
    channel.emit(Event::Env { index: channel.index, progress }).await;
    PreparedEnv { state: EnvState::Reused, python_version, lock, reason: stale }
}
