//! The dispatcher: owns the run state, starts each session once its requirements succeeded (at
//! most `jobs` at once), and `select!`s over executor messages, signals and the run's deadline.

use std::sync::Arc;
use std::time::SystemTime;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::config::Project;
use crate::plan::Plan;
use crate::settings::Settings;
use crate::venv::InterpreterFinder;

use super::executor::execute;
use super::outcome::{RunOutcome, SessionOutcome, SessionStatus};
use super::process::{StdinMode, StopRequest, sleep_until};
use super::{Event, EventSink};

/// Everything executors share, read-only.
#[derive(Debug)]
pub struct RunContext {
    /// The project.
    pub project: Project,
    /// The plan being run.
    pub plan: Plan,
    /// Resolved settings.
    pub settings: Settings,
    /// `uv` and interpreter discovery, when any session needs a virtualenv.
    pub finder: Option<InterpreterFinder>,
    /// Stream output to the reporter as it comes (one session at a time).
    pub live: bool,
    /// The stdin of session commands (see [`StdinMode`]).
    pub stdin: StdinMode,
}

/// What executors send the dispatcher.
#[derive(Debug)]
pub enum Message {
    /// Forwarded to the reporter.
    Event(Event),
    /// Instance `.0` is done.
    Finished(usize, Box<SessionOutcome>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Pending,
    Running,
    Done(SessionStatus),
}

/// Runs the plan in `context`, feeding `sink`, and returns the outcome of every instance.
///
/// # Errors
/// Installing signal handlers failed.
pub async fn run(context: RunContext, sink: &mut dyn EventSink) -> std::io::Result<RunOutcome> {
    let started = SystemTime::now();
    super::directories::prepare(&context);
    let context = Arc::new(context);
    let total = context.plan.instances.len();
    let jobs = context.settings.jobs.max(1);
    sink.handle(&Event::RunStarted { total, jobs });

    let (sender, mut receiver) = mpsc::channel::<Message>(256);
    let (stop_sender, stop_receiver) = watch::channel(StopRequest::None);
    let mut signals = Signals::new()?;
    // A limit too far away to represent is no limit.
    let deadline = context.settings.run_timeout.and_then(|limit| Instant::now().checked_add(limit));
    let mut tasks = tokio::task::JoinSet::new();
    let mut task_index = std::collections::HashMap::new();
    let mut internal_error = false;

    let mut states = vec![State::Pending; total];
    let mut outcomes: Vec<Option<SessionOutcome>> = vec![None; total];
    let mut running = 0usize;
    let mut failures = 0usize;
    let mut stopped_reason: Option<String> = None;
    let mut first_signal: Option<i32> = None;
    let mut signal_count = 0usize;
    let mut timed_out = false;

    loop {
        // Start (or skip) everything that is ready, in plan order.
        for index in 0..total {
            if states[index] != State::Pending {
                continue;
            }
            let instance = &context.plan.instances[index];
            let mut blocked = None;
            let mut ready = true;
            for &required in &instance.requires {
                match states[required] {
                    State::Done(SessionStatus::Success) => {}
                    State::Done(status) => {
                        blocked = Some((context.plan.instances[required].name.clone(), status));
                        break;
                    }
                    _ => ready = false,
                }
            }
            if let Some((required, status)) = blocked {
                let verb = match status {
                    SessionStatus::Skipped => "was skipped",
                    SessionStatus::Interrupted => "was interrupted",
                    SessionStatus::Error => "errored",
                    _ => "failed",
                };
                let outcome = SessionOutcome::not_run(
                    &instance.name,
                    &instance.base,
                    SessionStatus::Skipped,
                    format!("requirement `{required}` {verb}"),
                );
                finish(sink, &mut states, &mut outcomes, index, outcome);
                continue;
            }
            if let Some(reason) = &stopped_reason {
                let outcome =
                    SessionOutcome::not_run(&instance.name, &instance.base, SessionStatus::Skipped, reason.clone());
                finish(sink, &mut states, &mut outcomes, index, outcome);
                continue;
            }
            if ready && running < jobs {
                states[index] = State::Running;
                running += 1;
                let task = tasks.spawn(execute(Arc::clone(&context), index, sender.clone(), stop_receiver.clone()));
                task_index.insert(task.id(), index);
            }
        }
        if running == 0 {
            // The pass above walks the plan in topological order, so with nothing running every
            // instance is now done (run, skipped or blocked).
            break;
        }

        tokio::select! {
            Some(Err(error)) = tasks.join_next() => {
                // An executor that panicked never reports: record it here so the run ends (exit 3)
                // instead of waiting for it forever.
                if let Some(&index) = task_index.get(&error.id())
                    && states[index] == State::Running
                {
                    running -= 1;
                    internal_error = true;
                    let instance = &context.plan.instances[index];
                    let message = format!("internal error: forge's task for this session failed ({error})");
                    let outcome = SessionOutcome::not_run(&instance.name, &instance.base, SessionStatus::Error, message);
                    finish(sink, &mut states, &mut outcomes, index, outcome);
                }
            }
            message = receiver.recv() => match message {
                Some(Message::Event(event)) => sink.handle(&event),
                Some(Message::Finished(index, outcome)) => {
                    running -= 1;
                    let failed = outcome.status.is_failure();
                    finish(sink, &mut states, &mut outcomes, index, *outcome);
                    if failed {
                        failures += 1;
                        if let Some(max_fail) = context.settings.max_fail
                            && failures >= max_fail.count
                            && stopped_reason.is_none()
                        {
                            stopped_reason = Some(format!("not started: --max-fail {} reached", max_fail.count));
                            sink.handle(&Event::MaxFailReached { count: max_fail.count });
                            if max_fail.immediate {
                                let _ = stop_sender.send(StopRequest::Terminate(nix::sys::signal::Signal::SIGTERM as i32));
                            }
                        }
                    }
                }
                None => break,
            },
            number = signals.recv() => {
                signal_count += 1;
                let first = *first_signal.get_or_insert(number);
                sink.handle(&Event::Signal { signal: number, count: signal_count });
                stopped_reason.get_or_insert_with(|| format!("not started: run interrupted by {}", signal_name(first)));
                let request = if signal_count == 1 { StopRequest::Terminate(number) } else { StopRequest::Kill(first) };
                let _ = stop_sender.send(request);
            }
            () = sleep_until(deadline), if !timed_out => {
                timed_out = true;
                sink.handle(&Event::RunTimedOut);
                stopped_reason.get_or_insert_with(|| "not started: the run's --timeout expired".to_owned());
                let _ = stop_sender.send(StopRequest::RunTimeout);
            }
        }
    }

    Ok(RunOutcome {
        started,
        finished: SystemTime::now(),
        sessions: outcomes.into_iter().flatten().collect(),
        signal: first_signal,
        timed_out,
        internal_error,
    })
}

fn finish(
    sink: &mut dyn EventSink,
    states: &mut [State],
    outcomes: &mut [Option<SessionOutcome>],
    index: usize,
    outcome: SessionOutcome,
) {
    states[index] = State::Done(outcome.status);
    // The event owns the outcome while the reporter reads it, then hands it back: no copy of the
    // output tails.
    let event = Event::SessionFinished { index, outcome: Box::new(outcome) };
    sink.handle(&event);
    if let Event::SessionFinished { outcome, .. } = event {
        outcomes[index] = Some(*outcome);
    }
}

/// "SIGINT" for 2, and so on.
pub fn signal_name(number: i32) -> String {
    nix::sys::signal::Signal::try_from(number)
        .map_or_else(|_| format!("signal {number}"), |signal| signal.as_str().to_owned())
}

/// SIGINT, SIGTERM and SIGHUP as one stream of signal numbers.
struct Signals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    async fn recv(&mut self) -> i32 {
        use nix::sys::signal::Signal::{SIGHUP, SIGINT, SIGTERM};
        tokio::select! {
            _ = self.interrupt.recv() => SIGINT as i32,
            _ = self.terminate.recv() => SIGTERM as i32,
            _ = self.hangup.recv() => SIGHUP as i32,
        }
    }
}
