//! The driver: spawns a task per instance the dispatcher starts, and `select!`s the sources —
//! executor messages, task exits, signals, the run's deadline, a cancel — into dispatcher inputs.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::channel::Message;
use super::dispatcher::{Dispatcher, Input, Response};
use super::executor::execute;
use super::outcome::RunOutcome;
use super::process::sleep_until;
use super::signals::Signals;
use super::stop::StopRequest;
use super::{EventSink, RunContext};

/// Runs the plan in `context`, feeding `sink`, and returns the outcome of every instance.
///
/// # Errors
/// Installing signal handlers failed.
pub async fn run(context: RunContext, sink: &mut dyn EventSink) -> std::io::Result<RunOutcome> {
    run_until(context, sink, std::future::pending()).await
}

/// [`run`], stopping the running sessions (as on SIGTERM, but not counted as a signal) once
/// `cancel` resolves.
///
/// # Errors
/// Installing signal handlers failed.
pub async fn run_until(
    context: RunContext,
    sink: &mut dyn EventSink,
    cancel: impl Future<Output = ()>,
) -> std::io::Result<RunOutcome> {
    super::directories::prepare(&context);
    let context = Arc::new(context);
    let mut signals = Signals::new()?;
    let (sender, mut receiver) = mpsc::channel::<Message>(256);
    let (stop_sender, stop_receiver) = watch::channel(StopRequest::None);
    // A limit too far away to represent is no limit.
    let deadline = context.settings.run_timeout.and_then(|limit| Instant::now().checked_add(limit));
    let mut tasks = tokio::task::JoinSet::new();
    let mut task_index = HashMap::new();
    let mut cancel = std::pin::pin!(cancel);
    let mut cancelled = false;

    let mut dispatcher = Dispatcher::new(&context.plan, context.settings.jobs, context.settings.max_fail, sink);
    loop {
        for index in dispatcher.schedule() {
            tracing::debug!(session = %context.plan.instances[index].name, "starting");
            let requirements = dispatcher.requirement_keys(index);
            let task =
                tasks.spawn(execute(Arc::clone(&context), index, requirements, sender.clone(), stop_receiver.clone()));
            task_index.insert(task.id(), index);
        }
        if dispatcher.is_finished() {
            break;
        }
        let input = tokio::select! {
            Some(Err(error)) = tasks.join_next() => match task_index.get(&error.id()) {
                // An executor that panicked never reports: the dispatcher ends its instance (exit 3)
                // instead of waiting for it forever.
                Some(&index) => Input::TaskFailed(index, error.to_string()),
                None => continue,
            },
            message = receiver.recv() => match message {
                Some(Message::Event(event)) => Input::Event(event),
                Some(Message::Finished(index, outcome)) => Input::Finished(index, outcome),
                // The driver holds a sender, so the channel never closes while it runs.
                None => break,
            },
            number = signals.recv() => {
                tracing::info!(signal = number, "signal received");
                Input::Signal(number)
            }
            () = sleep_until(deadline), if dispatcher.awaits_deadline() => Input::Deadline,
            () = &mut cancel, if !cancelled => {
                cancelled = true;
                Input::Cancel
            }
        };
        if let Response::Stop(request) = dispatcher.handle(input) {
            tracing::debug!(?request, "stopping running sessions");
            let _ = stop_sender.send(request);
        }
    }
    Ok(dispatcher.into_outcome())
}
