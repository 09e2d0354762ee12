//! One session instance from start to finish: its log, its env (reused or built under a lock),
//! its commands, its retries. Runs as its own task and reports through the dispatcher.

use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::config::{SessionDef, TemplateContext};
use crate::venv::{self, Decision, EnvInputs, EnvLock, EnvRequest, LockMode, RebuildReason, VenvError};

use super::Event;
use super::dispatcher::{Message, RunContext};
use super::environment::{apply_session_env, base_environment, command_environment};
use super::event::EnvProgress;
use super::outcome::{Attempt, EnvState, SessionOutcome, SessionStatus};
use super::process::{CommandEnd, CommandRun, OutputSink, StdinMode, StopRequest, run_command};
use super::retry::backoff;

struct Executor {
    context: Arc<RunContext>,
    index: usize,
    sender: mpsc::Sender<Message>,
    stop: watch::Receiver<StopRequest>,
}

/// Runs plan instance `index` and sends its events, then its outcome, to `sender`.
pub async fn execute(
    context: Arc<RunContext>,
    index: usize,
    sender: mpsc::Sender<Message>,
    stop: watch::Receiver<StopRequest>,
) {
    let mut executor = Executor { context, index, sender, stop };
    let outcome = executor.run().await;
    let _ = executor.sender.send(Message::Finished(index, Box::new(outcome))).await;
}

/// How an attempt ended.
struct AttemptEnd {
    status: SessionStatus,
    exit_code: Option<i32>,
    message: Option<String>,
}

impl Executor {
    fn definition(&self) -> &SessionDef {
        let instance = &self.context.plan.instances[self.index];
        &self.context.project.sessions[instance.session]
    }

    async fn emit(&self, event: Event) {
        let _ = self.sender.send(Message::Event(event)).await;
    }

    async fn run(&mut self) -> SessionOutcome {
        let started = Instant::now();
        self.emit(Event::SessionStarted { index: self.index }).await;
        let context = Arc::clone(&self.context);
        let instance = &context.plan.instances[self.index];
        let definition = self.definition().clone();
        let mut outcome = SessionOutcome::not_run(&instance.name, &instance.base, SessionStatus::Error, String::new());
        outcome.message = None;

        let logs = context.settings.reports_dir.join("logs");
        let log_path = logs.join(format!("{}.log", instance.name));
        // Written under a private name and renamed at the end, so two runs never interleave a log.
        let partial_path = logs.join(format!(".{}.log.{}.partial", instance.name, std::process::id()));
        let log_file = std::fs::File::create(&partial_path);
        let log_file = match log_file {
            Ok(file) => file,
            Err(error) => {
                outcome.message = Some(format!("cannot create log {}: {error}", partial_path.display()));
                outcome.duration = started.elapsed();
                return outcome;
            }
        };
        let live = context.live.then(|| (self.index, self.sender.clone()));
        let mut sink = OutputSink::new(log_file, live);

        let env_path = context.project.env_dir.join(&instance.name);
        let python_request = instance.python.clone();
        let mut python_label = python_request.clone().unwrap_or_default();
        let mut end = None;
        let mut _env_lock = None;
        if definition.needs_venv() {
            match self.prepare_env(&definition, &env_path, python_request.clone(), &mut sink).await {
                Ok((state, version, lock, reason)) => {
                    _env_lock = Some(lock);
                    outcome.env = Some(state);
                    outcome.env_reason = reason;
                    if python_label.is_empty() {
                        python_label = version.split('.').take(2).collect::<Vec<_>>().join(".");
                    }
                    outcome.python = Some(version);
                }
                Err(error) => {
                    sink.note(&format!("forge: {error}"));
                    let (status, message) = match &error {
                        VenvError::MissingInterpreter { .. } if context.settings.skip_missing_interpreters => {
                            let message = format!("{error} (skipped: --skip-missing-interpreters)");
                            outcome.warning = Some(format!("skipped: {error}"));
                            (SessionStatus::Skipped, message)
                        }
                        VenvError::Interrupted => self.stopped_while("preparing the virtualenv"),
                        _ => (SessionStatus::Error, error.to_string()),
                    };
                    end = Some(AttemptEnd { status, exit_code: None, message: Some(message) });
                }
            }
        }

        let reports = context.settings.reports_dir.to_string_lossy().into_owned();
        let root = context.project.root.to_string_lossy().into_owned();
        let envdir = if definition.venv { env_path.to_string_lossy().into_owned() } else { String::new() };
        let template_context = TemplateContext {
            posargs: context.settings.posargs.as_deref(),
            python: &python_label,
            session: &instance.name,
            envdir: &envdir,
            reports: &reports,
            root: &root,
            redact_env: false,
        };
        let resolve =
            |template: &crate::config::Template| context.project.root.join(template.render(&template_context));
        outcome.junit = definition.junit.iter().map(resolve).collect();
        outcome.coverage = definition.coverage.iter().map(resolve).collect();

        if end.is_none() {
            // Stale report files from an earlier run must not be merged as this run's results.
            for stale in outcome.junit.iter().chain(&outcome.coverage) {
                let _ = std::fs::remove_file(stale);
            }
            let environment = command_environment(&definition, &env_path, &template_context);
            let mut attempt_number = 0;
            loop {
                attempt_number += 1;
                let attempt_started = Instant::now();
                if attempt_number > 1 {
                    sink.note(&format!("forge: attempt {attempt_number} of {}", definition.retries + 1));
                }
                let attempt_end = self.run_commands(&definition, &environment, &template_context, &mut sink).await;
                outcome.attempts.push(Attempt {
                    number: attempt_number,
                    status: attempt_end.status,
                    duration: attempt_started.elapsed(),
                    exit_code: attempt_end.exit_code,
                    message: attempt_end.message.clone(),
                    output_tail: sink.tail(),
                });
                let retry = matches!(attempt_end.status, SessionStatus::Failed | SessionStatus::Error)
                    && attempt_number <= definition.retries;
                if !retry {
                    end = Some(attempt_end);
                    break;
                }
                let delay = backoff(definition.retry_delay, attempt_number);
                self.emit(Event::Retrying {
                    index: self.index,
                    attempt: attempt_number,
                    status: attempt_end.status,
                    delay_seconds: delay.as_secs_f64(),
                })
                .await;
                sink.note(&format!(
                    "forge: attempt {attempt_number} {}; retrying in {:.1}s",
                    attempt_end.status.as_str(),
                    delay.as_secs_f64()
                ));
                if !self.sleep_unless_stopped(delay).await {
                    let (status, message) = self.stopped_while("waiting to retry");
                    end = Some(AttemptEnd { status, exit_code: None, message: Some(message) });
                    break;
                }
            }
        }

        let end = end.unwrap_or(AttemptEnd { status: SessionStatus::Success, exit_code: Some(0), message: None });
        outcome.status = end.status;
        outcome.exit_code = end.exit_code;
        outcome.message = end.message;
        outcome.output_tail = sink.tail();
        if let Some(error) = sink.finish() {
            let note = format!("log incomplete: {error}");
            outcome.message = Some(match outcome.message.take() {
                Some(message) => format!("{message} ({note})"),
                None => note,
            });
        }
        drop(sink);
        if std::fs::rename(&partial_path, &log_path).is_ok() {
            outcome.log = Some(log_path);
        }
        outcome.duration = started.elapsed();
        outcome
    }

    /// Waits for the env's lock in `mode`, saying so when another process holds it.
    async fn lock(&mut self, path: &Path, mode: LockMode, sink: &mut OutputSink) -> Result<EnvLock, VenvError> {
        if let Some(lock) = EnvLock::try_acquire(path, mode)? {
            return Ok(lock);
        }
        self.emit(Event::Env { index: self.index, progress: EnvProgress::WaitingForLock }).await;
        sink.note("forge: waiting for another forge process using this virtualenv");
        tokio::select! {
            lock = EnvLock::acquire(path.to_path_buf(), mode) => lock,
            () = stopped(&mut self.stop) => Err(VenvError::Interrupted),
        }
    }

    /// Reuses or builds the env; returns its state, interpreter version, the shared lock that
    /// keeps other forge processes from rebuilding it while the commands run, and why it was built
    /// (or, reused under `--no-install`, why it is stale).
    async fn prepare_env(
        &mut self,
        definition: &SessionDef,
        env_path: &Path,
        python: Option<String>,
        sink: &mut OutputSink,
    ) -> Result<(EnvState, String, EnvLock, Option<RebuildReason>), VenvError> {
        let context = Arc::clone(&self.context);
        let name = &context.plan.instances[self.index].name;
        // Present whenever the plan has a session that needs a venv (app.rs looks uv up first).
        let Some(finder) = &context.finder else {
            return Err(VenvError::UvNotFound { forge_uv: None });
        };
        let lock_path = context.project.env_dir.join(".locks").join(format!("{name}.lock"));
        let request = EnvRequest {
            path: env_path.to_path_buf(),
            inputs: EnvInputs {
                python_request: python.clone().unwrap_or_default(),
                deps: definition.deps.clone(),
                requirements: definition.requirements.clone(),
                install_project: definition.install_project,
                extras: definition.extras.clone(),
                root: context.project.root.clone(),
            },
            python,
        };
        let policy = context.settings.env_policy;
        // Check under a shared lock (many runs may use one env at once); rebuild under an
        // exclusive one, deciding again, since another process may have built it meanwhile.
        let shared = self.lock(&lock_path, LockMode::Shared, sink).await?;
        if let Decision::Reuse { marker, stale } = venv::decide(&request, policy, finder).await? {
            return Ok(self.reused(env_path, marker.python_version, stale, shared, sink).await);
        }
        drop(shared);
        let exclusive = self.lock(&lock_path, LockMode::Exclusive, sink).await?;
        let plan = match venv::decide(&request, policy, finder).await? {
            Decision::Reuse { marker, stale } => {
                let shared = exclusive.downgrade(lock_path).await?;
                return Ok(self.reused(env_path, marker.python_version, stale, shared, sink).await);
            }
            Decision::Build(plan) => plan,
        };
        let version = plan.marker().python_version.clone();
        let reason = plan.reason().clone();
        sink.note(&format!("forge: building virtualenv {} with python {version} ({reason})", env_path.display()));
        self.emit(Event::Env { index: self.index, progress: EnvProgress::Building(version.clone(), reason.clone()) })
            .await;
        plan.begin()?;
        // uv sees the session's `env` too (an index URL, a proxy), rendered before the
        // interpreter is known: `{python}` is the request there.
        let request_label = request.python.clone().unwrap_or_default();
        let build_context = TemplateContext {
            posargs: None,
            python: &request_label,
            session: name,
            envdir: &env_path.to_string_lossy(),
            reports: &context.settings.reports_dir.to_string_lossy(),
            root: &context.project.root.to_string_lossy(),
            redact_env: false,
        };
        let mut uv_environment = base_environment();
        apply_session_env(&mut uv_environment, definition, &build_context);
        for step in &plan.steps {
            sink.note(&format!("$ {}", step.display));
            self.emit(Event::CommandStarted { index: self.index, command: step.display.clone() }).await;
            let run = CommandRun {
                argv: &step.argv,
                env: &uv_environment,
                cwd: &context.project.root,
                stdin: StdinMode::Null,
                timeout: None,
                grace: context.settings.grace,
            };
            match run_command(&run, sink, &mut self.stop).await {
                CommandEnd::Exited(0) => {}
                CommandEnd::Stopped(_) | CommandEnd::RunTimedOut => return Err(VenvError::Interrupted),
                other => return Err(VenvError::Build { step: step.display.clone(), status: describe(&other) }),
            }
        }
        plan.complete()?;
        self.emit(Event::Env { index: self.index, progress: EnvProgress::Built }).await;
        let shared = exclusive.downgrade(lock_path).await?;
        Ok((EnvState::Built, version, shared, Some(reason)))
    }

    async fn reused(
        &self,
        env_path: &Path,
        version: String,
        stale: Option<RebuildReason>,
        lock: EnvLock,
        sink: &mut OutputSink,
    ) -> (EnvState, String, EnvLock, Option<RebuildReason>) {
        let (note, progress) = match &stale {
            None => ("(up to date)".to_owned(), EnvProgress::Reused),
            Some(reason) => (
                format!("as is (--no-install), although it is stale: {reason}"),
                EnvProgress::ReusedStale(reason.clone()),
            ),
        };
        sink.note(&format!("forge: reusing virtualenv {} {note}", env_path.display()));
        self.emit(Event::Env { index: self.index, progress }).await;
        (EnvState::Reused, version, lock, stale)
    }

    async fn run_commands(
        &mut self,
        definition: &SessionDef,
        environment: &[(OsString, OsString)],
        template_context: &TemplateContext<'_>,
        sink: &mut OutputSink,
    ) -> AttemptEnd {
        let context = Arc::clone(&self.context);
        let path = environment.iter().find(|(key, _)| key == "PATH").map(|(_, value)| value.clone());
        for command in &definition.commands {
            let words = command.argv(template_context);
            let Some(program) = words.first() else {
                return AttemptEnd {
                    status: SessionStatus::Error,
                    exit_code: None,
                    message: Some(format!("`{}` expands to nothing", command.source)),
                };
            };
            let display = command.display(template_context);
            sink.note(&format!("$ {display}"));
            self.emit(Event::CommandStarted { index: self.index, command: display.clone() }).await;
            let resolved = which::which_in(program, path.as_ref(), &context.project.root);
            let Ok(resolved) = resolved else {
                let advice = if definition.needs_venv() {
                    "add the package that provides it to the session's `deps`"
                } else {
                    "the session has `venv = false`: it must be on your PATH"
                };
                let message = format!("command not found: `{program}`; {advice}");
                sink.note(&format!("forge: {message}"));
                return AttemptEnd { status: SessionStatus::Error, exit_code: None, message: Some(message) };
            };
            let mut argv: Vec<OsString> = vec![resolved.into()];
            argv.extend(words[1..].iter().map(OsString::from));
            let run = CommandRun {
                argv: &argv,
                env: environment,
                cwd: &context.project.root,
                stdin: context.stdin,
                timeout: definition.timeout,
                grace: context.settings.grace,
            };
            let end = run_command(&run, sink, &mut self.stop).await;
            let attempt_end = match end {
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
                CommandEnd::RunTimedOut => AttemptEnd {
                    status: SessionStatus::Error,
                    exit_code: None,
                    message: Some(format!("`{display}` was stopped: the run's --timeout expired")),
                },
                ref other @ CommandEnd::Signaled(signal) => AttemptEnd {
                    status: SessionStatus::Failed,
                    exit_code: Some(128 + signal),
                    message: Some(format!("`{display}` {}", describe(other))),
                },
                ref other => AttemptEnd {
                    status: SessionStatus::Error,
                    exit_code: None,
                    message: Some(format!("`{display}` {}", describe(other))),
                },
            };
            sink.note(&format!("forge: {}", attempt_end.message.as_deref().unwrap_or_default()));
            return attempt_end;
        }
        AttemptEnd { status: SessionStatus::Success, exit_code: Some(0), message: None }
    }

    /// The status and message of a session stopped by the dispatcher while `doing` something:
    /// `error` when the run's `--timeout` expired (the contract's timeouts are errors),
    /// `interrupted` otherwise.
    fn stopped_while(&self, doing: &str) -> (SessionStatus, String) {
        if *self.stop.borrow() == StopRequest::RunTimeout {
            (SessionStatus::Error, format!("stopped while {doing}: the run's --timeout expired"))
        } else {
            (SessionStatus::Interrupted, format!("interrupted while {doing}"))
        }
    }

    async fn sleep_unless_stopped(&mut self, delay: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(delay) => true,
            () = stopped(&mut self.stop) => false,
        }
    }
}

/// Resolves once a stop is requested.
async fn stopped(stop: &mut watch::Receiver<StopRequest>) {
    let _ = stop.wait_for(|request| *request != StopRequest::None).await;
}

/// Describes how a command ended, to follow its name in a message.
pub fn describe(end: &CommandEnd) -> String {
    match end {
        CommandEnd::Exited(code) => format!("exited with status {code}"),
        CommandEnd::Signaled(signal) => format!("was killed by signal {signal}"),
        CommandEnd::TimedOut(limit) => format!("timed out after {} and was killed", humantime::format_duration(*limit)),
        CommandEnd::Stopped(signal) => format!("was stopped by signal {signal}"),
        CommandEnd::RunTimedOut => "was stopped: the run's --timeout expired".to_owned(),
        CommandEnd::SpawnFailed(error) => format!("could not be started: {error}"),
    }
}
