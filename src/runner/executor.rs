//! One session instance from start to finish: its log, its env, its attempts (commands, then
//! retries with back-off), and the status its end maps to. Runs as its own task.

use std::ffi::OsString;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::config::SessionDef;
use crate::settings::Layout;
use crate::venv::VenvError;

use super::cached;
use super::channel::{Message, SessionChannel};
use super::env::{PreparedEnv, prepare};
use super::environment::command_environment;
use super::instance::InstanceContext;
use super::log::SessionLog;
use super::outcome::{Attempt, SessionOutcome, SessionStatus};
use super::process::{CommandEnd, CommandRun, describe, run_command};
use super::stop::StopRequest;
use super::{Event, RunContext};

/// Runs plan instance `index` and sends its events, then its outcome, to `sender`.
///
/// `requirements` are its required instances' cache keys (see `Dispatcher::requirement_keys`).
pub async fn execute(
    context: Arc<RunContext>,
    index: usize,
    requirements: Vec<(String, Option<String>)>,
    sender: mpsc::Sender<Message>,
    stop: watch::Receiver<StopRequest>,
) {
    let mut channel = SessionChannel::new(index, sender, stop);
    let outcome = match unchanged(&context, index) {
        Some(outcome) => outcome,
        None => run(&context, &mut channel, requirements).await,
    };
    channel.finish(outcome).await;
}

/// Under `--changed`, the outcome of an instance none of whose inputs changed: `unchanged`,
/// nothing run or restored (a success for `requires`).
fn unchanged(context: &RunContext, index: usize) -> Option<SessionOutcome> {
    let changed = context.settings.changed.as_ref()?;
    let instance = &context.plan.instances[index];
    let session = &context.project.sessions[instance.session];
    (crate::changes::session_verdict(session, changed) == crate::changes::Verdict::Unchanged).then(|| {
        let message = format!("no input changed since {}", changed.reference);
        SessionOutcome::not_run(&instance.name, &instance.base, SessionStatus::Unchanged, message)
    })
}

/// How an attempt (or the env before it) ended.
struct AttemptEnd {
    status: SessionStatus,
    exit_code: Option<i32>,
    message: Option<String>,
}

impl AttemptEnd {
    fn error(message: String) -> Self {
        Self { status: SessionStatus::Error, exit_code: None, message: Some(message) }
    }
}

async fn run(
    context: &RunContext,
    channel: &mut SessionChannel,
    requirements: Vec<(String, Option<String>)>,
) -> SessionOutcome {
    let started = Instant::now();
    channel.emit(Event::SessionStarted { index: channel.index }).await;
    let instance = &context.plan.instances[channel.index];
    let definition = &context.project.sessions[instance.session];
    let mut outcome = SessionOutcome::not_run(&instance.name, &instance.base, SessionStatus::Error, String::new());
    outcome.message = None;
    // Before the instance starts anything: where its leaks can be (see leaks.rs).
    let pid_mark = super::leaks::PidMark::now();
    let mut values = InstanceContext::new(&context.project, &context.settings, channel.index, instance);

    let live = context.settings.live.then(|| channel.live_output());
    let mut log = match SessionLog::create(&context.settings.layout.logs_dir(), &instance.name, live) {
        Ok(log) => log,
        Err(message) => {
            outcome.message = Some(message);
            outcome.duration = started.elapsed();
            return outcome;
        }
    };

    let keyed = if definition.is_cached() {
        let interpreter = cached::find_interpreter(context.finder.as_ref(), definition, &values).await;
        let (settings, root) = (context.settings.clone(), context.project.root.clone());
        let (definition, values) = (definition.clone(), values.clone());
        let computed = tokio::task::spawn_blocking(move || {
            cached::compute_key(&settings, &root, &definition, &values, requirements, interpreter)
        })
        .await;
        Some(computed.unwrap_or_else(|error| Err(error.to_string())))
    } else {
        None
    };
    match &keyed {
        Some(Ok(keyed)) => {
            outcome.cache_key = Some(keyed.digest.clone());
            if context.settings.force {
                outcome.cache_verdict = Some("--force".into());
            } else {
                match restore(context, definition, &values, keyed).await {
                    Ok(restored) => {
                        log.write(&restored.log).await;
                        outcome.status = SessionStatus::Cached;
                        outcome.exit_code = Some(0);
                        outcome.python = restored.record.python;
                        outcome.junit = definition.junit.iter().map(|template| values.path(template)).collect();
                        outcome.coverage = definition.coverage.iter().map(|template| values.path(template)).collect();
                        outcome.cache_verdict = Some(format!("cached ({})", restored.source.as_str()));
                        outcome.cache_source = Some(restored.source);
                        outcome.output_tail = log.tail();
                        let log_end = log.finish();
                        outcome.log = log_end.path;
                        outcome.duration = started.elapsed();
                        return outcome;
                    }
                    Err(reason) => outcome.cache_verdict = Some(reason),
                }
            }
        }
        Some(Err(error)) => outcome.cache_verdict = Some(format!("no cache key: {error}")),
        None => {}
    }

    let mut end = None;
    let mut _env_lock = None;
    if definition.needs_venv() {
        match prepare(channel, context, definition, &values, &mut log).await {
            Ok(PreparedEnv { state, python_version, lock, reason }) => {
                _env_lock = Some(lock);
                outcome.env = Some(state);
                outcome.env_reason = reason;
                values.learn_python(&python_version);
                outcome.python = Some(python_version);
            }
            Err(error) => {
                log.note(&format!("forge: {error}"));
                end = Some(match &error {
                    VenvError::MissingInterpreter { .. } if context.settings.skip_missing_interpreters => {
                        outcome.warning = Some(format!("skipped: {error}"));
                        let message = format!("{error} (skipped: --skip-missing-interpreters)");
                        AttemptEnd { status: SessionStatus::Skipped, exit_code: None, message: Some(message) }
                    }
                    VenvError::Interrupted => stopped_while(channel, "preparing the virtualenv"),
                    VenvError::StaleLock { .. } | VenvError::Groups(_) => {
                        // What to do is part of the outcome: the summary shows the message only.
                        let hint = crate::error::Hint::hint(&error).unwrap_or_default();
                        log.note(&format!("hint: {hint}"));
                        AttemptEnd::error(format!("{error}; hint: {hint}"))
                    }
                    _ => AttemptEnd::error(error.to_string()),
                });
            }
        }
    }

    outcome.junit = definition.junit.iter().map(|template| values.path(template)).collect();
    outcome.coverage = definition.coverage.iter().map(|template| values.path(template)).collect();
    let end = match end {
        Some(end) => end,
        None => {
            // Stale report files from an earlier run must not be merged as this run's results.
            for stale in outcome.junit.iter().chain(&outcome.coverage) {
                remove_stale(stale, &context.settings.layout);
            }
            attempts(context, channel, definition, &values, &mut log, &mut outcome.attempts).await
        }
    };

    outcome.status = end.status;
    outcome.exit_code = end.exit_code;
    outcome.message = end.message;
    let leaked = super::leaks::kill_leaked(&values.token, pid_mark);
    if !leaked.is_empty() {
        let list: Vec<String> = leaked.iter().map(ToString::to_string).collect();
        let note = format!("left {} process(es) running, killed: {}", list.len(), list.join(", "));
        log.note(&format!("forge: {note}"));
        outcome.warning = Some(note);
        outcome.leaked = list;
    }
    outcome.output_tail = log.tail();
    let log_end = log.finish();
    outcome.log = log_end.path;
    if let Some(error) = log_end.error {
        // A session whose log is incomplete has not shown what it did: it is not a success.
        if outcome.status == SessionStatus::Success {
            outcome.status = SessionStatus::Error;
            outcome.exit_code = None;
        }
        outcome.message = Some(match outcome.message.take() {
            Some(message) => format!("{message} ({error})"),
            None => error,
        });
    }
    outcome.duration = started.elapsed();
    if let Some(Ok(keyed)) = keyed
        && cached::storable(&outcome)
    {
        let store = cached::store(&context.settings);
        let (definition, root, stored) = (definition.clone(), context.project.root.clone(), outcome.clone());
        let remote = context.remote.clone();
        let saved = tokio::task::spawn_blocking(move || {
            cached::save(&store, remote.as_deref(), &keyed, &definition, &stored, &root)
        })
        .await;
        tracing::debug!(session = %outcome.name, saved = ?saved.ok(), "stored the result in the cache");
    }
    outcome
}

/// Looks a cached instance up and restores its result on a hit (on the blocking pool).
async fn restore(
    context: &RunContext,
    definition: &SessionDef,
    values: &InstanceContext,
    keyed: &cached::Keyed,
) -> Result<cached::Restored, String> {
    let layout = &context.settings.layout;
    // Only where forge may write a report file (as `remove_stale` checks): symlinks resolved.
    let reports: Vec<_> = definition
        .junit
        .iter()
        .chain(&definition.coverage)
        .map(|path| {
            Some(values.path(path)).filter(|path| crate::config::is_inside(path, &[&layout.root, &layout.reports_dir]))
        })
        .collect();
    let store = cached::store(&context.settings);
    let (name, keyed, root) = (values.name.clone(), keyed.clone(), context.project.root.clone());
    let remote = context.remote.clone();
    tokio::task::spawn_blocking(move || cached::restore(&store, remote.as_deref(), &name, &keyed, &root, &reports))
        .await
        .unwrap_or_else(|error| Err(error.to_string()))
}

/// Runs the session's commands, retrying a failed attempt up to `retries` times.
async fn attempts(
    context: &RunContext,
    channel: &mut SessionChannel,
    definition: &SessionDef,
    values: &InstanceContext,
    log: &mut SessionLog,
    attempts: &mut Vec<Attempt>,
) -> AttemptEnd {
    let environment = command_environment(definition, &values.env_path, &values.template(), &values.token);
    let mut number = 0;
    loop {
        number += 1;
        let attempt_started = Instant::now();
        if number > 1 {
            log.note(&format!("forge: attempt {number} of {}", definition.retries + 1));
        }
        let end = commands(context, channel, definition, &environment, values, log).await;
        attempts.push(Attempt {
            number,
            status: end.status,
            duration: attempt_started.elapsed(),
            exit_code: end.exit_code,
            message: end.message.clone(),
            output_tail: log.tail(),
        });
        if !end.status.is_failure() || number > definition.retries {
            return end;
        }
        let delay = definition.retry.delay(number);
        let index = channel.index;
        channel
            .emit(Event::Retrying { index, attempt: number, status: end.status, delay_seconds: delay.as_secs_f64() })
            .await;
        log.note(&format!("forge: attempt {number} {}; retrying in {:.1}s", end.status.as_str(), delay.as_secs_f64()));
        if !sleep_unless_stopped(channel, delay).await {
            return stopped_while(channel, "waiting to retry");
        }
    }
}

/// One attempt: the commands in order, the first failure ends it.
async fn commands(
    context: &RunContext,
    channel: &mut SessionChannel,
    definition: &SessionDef,
    environment: &[(OsString, OsString)],
    values: &InstanceContext,
    log: &mut SessionLog,
) -> AttemptEnd {
    let template = values.template();
    let path = environment.iter().find(|(key, _)| key == "PATH").map(|(_, value)| value.clone());
    for command in &definition.commands {
        let words = command.argv(&template);
        let Some(program) = command.program(&template) else {
            return AttemptEnd::error(format!("`{}` expands to nothing", command.source));
        };
        let display = command.display(&template);
        log.note(&format!("$ {display}"));
        channel.emit(Event::CommandStarted { index: channel.index, command: display.clone() }).await;
        let Ok(resolved) = which::which_in(&program.value, path.as_ref(), &values.working_directory) else {
            let program = &program.shown;
            let advice = if definition.needs_venv() {
                "add the package that provides it to the session's `deps`"
            } else {
                "the session has `venv = false`: it must be on your PATH"
            };
            let message = format!("command not found: `{program}`; {advice}");
            log.note(&format!("forge: {message}"));
            return AttemptEnd::error(message);
        };
        let mut argv: Vec<OsString> = vec![resolved.into()];
        argv.extend(words[1..].iter().map(OsString::from));
        let run = CommandRun {
            argv: &argv,
            env: environment,
            cwd: &values.working_directory,
            stdin: context.settings.stdin,
            timeout: definition.timeout,
            grace: context.settings.grace,
            inherit_fd: None,
        };
        let end = match run_command(&run, log, &mut channel.stop).await {
            CommandEnd::Exited(0) => continue,
            CommandEnd::Exited(code) => AttemptEnd {
                status: SessionStatus::Failed,
                exit_code: Some(code),
                message: Some(format!("`{display}` exited with status {code}")),
            },
            CommandEnd::Stopped(_) => AttemptEnd {
                status: SessionStatus::Interrupted,
                exit_code: None,
                message: Some(format!("`{display}` was interrupted")),
            },
            CommandEnd::Killed { after_grace, .. } => AttemptEnd {
                status: SessionStatus::Interrupted,
                exit_code: None,
                message: Some(if after_grace {
                    format!(
                        "`{display}` was interrupted and killed (SIGKILL): it outlived the {} grace period",
                        humantime::format_duration(context.settings.grace)
                    )
                } else {
                    format!("`{display}` was interrupted and killed (SIGKILL) on the second signal")
                }),
            },
            CommandEnd::RunTimedOut => {
                AttemptEnd::error(format!("`{display}` was stopped: the run's --timeout expired"))
            }
            ref other @ CommandEnd::Signaled(signal) => AttemptEnd {
                status: SessionStatus::Failed,
                exit_code: Some(128 + signal),
                message: Some(format!("`{display}` {}", describe(other))),
            },
            ref other => AttemptEnd::error(format!("`{display}` {}", describe(other))),
        };
        log.note(&format!("forge: {}", end.message.as_deref().unwrap_or_default()));
        return end;
    }
    AttemptEnd { status: SessionStatus::Success, exit_code: Some(0), message: None }
}

/// The end of a session stopped by the dispatcher while `doing` something: `error` when the
/// run's `--timeout` expired (the contract's timeouts are errors), `interrupted` otherwise.
fn stopped_while(channel: &SessionChannel, doing: &str) -> AttemptEnd {
    if channel.stop_request() == StopRequest::RunTimeout {
        AttemptEnd::error(format!("stopped while {doing}: the run's --timeout expired"))
    } else {
        AttemptEnd {
            status: SessionStatus::Interrupted,
            exit_code: None,
            message: Some(format!("interrupted while {doing}")),
        }
    }
}

async fn sleep_unless_stopped(channel: &mut SessionChannel, delay: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(delay) => true,
        () = channel.stopped() => false,
    }
}

/// Removes a declared report file left by an earlier run — only a regular file (never a
/// directory, a device, or what a symlink points at) inside the project root or the reports
/// directory, whatever the declared path says.
fn remove_stale(path: &std::path::Path, layout: &Layout) {
    let regular = std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_file());
    if regular && crate::config::is_inside(path, &[&layout.root, &layout.reports_dir]) {
        let _ = std::fs::remove_file(path);
    }
}
