//! The dispatcher: the run's state machine. It decides which instances start (requirements
//! succeeded, fewer than `jobs` running, no stop cause) and turns every input — an executor's
//! event or result, a task that died, a signal, the deadline, a cancel — into state changes, events
//! for the reporter and a [`Response`] for the driver (`run.rs`), which owns the tasks and the
//! `select!`. Plain methods, no I/O: unit-tested in `dispatcher/tests.rs`.
//!
//! The shape follows cargo-nextest's dispatcher (`handle_event(&mut self) -> Response`).

use std::time::{Instant, SystemTime};

use crate::cli::MaxFail;
use crate::plan::Plan;

use super::outcome::{RunOutcome, SessionOutcome, SessionStatus};
use super::stop::{StopCause, StopRequest};
use super::{Event, EventSink};

/// Something the driver hands the dispatcher.
#[derive(Debug)]
pub enum Input {
    /// An executor's progress, forwarded to the reporter as is.
    Event(Event),
    /// Instance `.0`'s executor finished with this outcome.
    Finished(usize, Box<SessionOutcome>),
    /// Instance `.0`'s task ended without an outcome (it panicked): forge's own failure.
    TaskFailed(usize, String),
    /// A signal (its number) arrived.
    Signal(i32),
    /// The run's `--timeout` expired.
    Deadline,
    /// The caller cancelled the run.
    Cancel,
}

/// What the driver must do after an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// Nothing beyond scheduling.
    Continue,
    /// Broadcast this request to the running executors.
    Stop(StopRequest),
}

#[derive(Debug)]
enum Slot {
    Pending,
    /// Started this long after the run.
    Running(std::time::Duration),
    Done(Box<SessionOutcome>),
}

/// The run's state: one slot per plan instance, the stop cause, the failure count.
pub struct Dispatcher<'a> {
    plan: &'a Plan,
    jobs: usize,
    max_fail: Option<MaxFail>,
    sink: &'a mut dyn EventSink,
    slots: Vec<Slot>,
    running: usize,
    failures: usize,
    stop: Option<StopCause>,
    signals: usize,
    first_signal: Option<i32>,
    timed_out: bool,
    internal_error: bool,
    started_at: SystemTime,
    started: Instant,
}

impl<'a> Dispatcher<'a> {
    /// A dispatcher for `plan`, at most `jobs` (at least 1) at once, reporting to `sink`; emits
    /// [`Event::RunStarted`].
    pub fn new(plan: &'a Plan, jobs: usize, max_fail: Option<MaxFail>, sink: &'a mut dyn EventSink) -> Self {
        let jobs = jobs.max(1);
        let names = plan.instances.iter().map(|instance| instance.name.clone()).collect();
        sink.handle(&Event::RunStarted { names, jobs });
        Self {
            plan,
            jobs,
            max_fail,
            sink,
            slots: plan.instances.iter().map(|_| Slot::Pending).collect(),
            running: 0,
            failures: 0,
            stop: None,
            signals: 0,
            first_signal: None,
            timed_out: false,
            internal_error: false,
            started_at: SystemTime::now(),
            started: Instant::now(),
        }
    }

    /// Settles every pending instance that can be settled, in plan order: skips those whose
    /// requirement did not succeed or that a stop cause keeps from starting, and returns those to
    /// start now (marked running). Call after every input.
    pub fn schedule(&mut self) -> Vec<usize> {
        let mut start = Vec::new();
        for index in 0..self.slots.len() {
            if !matches!(self.slots[index], Slot::Pending) {
                continue;
            }
            match self.readiness(index) {
                Readiness::Waiting => {}
                Readiness::Blocked(message) => self.skip(index, message),
                Readiness::Ready => {
                    if let Some(cause) = self.stop {
                        self.skip(index, cause.not_started());
                    } else if self.running < self.jobs {
                        self.slots[index] = Slot::Running(self.started.elapsed());
                        self.running += 1;
                        start.push(index);
                    }
                }
            }
        }
        start
    }

    /// Whether every instance is done: nothing runs and (the plan being topologically ordered,
    /// so [`Dispatcher::schedule`] settles it in one pass) nothing is pending.
    pub fn is_finished(&self) -> bool {
        self.running == 0 && self.slots.iter().all(|slot| matches!(slot, Slot::Done(_)))
    }

    /// The cache keys of instance `index`'s requirements, `(name, key)` in `requires` order
    /// (`None` for an uncached one): an input of its own key, read when it starts (all of them
    /// have finished then).
    pub fn requirement_keys(&self, index: usize) -> Vec<(String, Option<String>)> {
        self.plan.instances[index]
            .requires
            .iter()
            .map(|&required| {
                let key = match &self.slots[required] {
                    Slot::Done(outcome) => outcome.cache_key.clone(),
                    _ => None,
                };
                (self.plan.instances[required].name.clone(), key)
            })
            .collect()
    }

    /// Whether the run's deadline still matters (it has not fired yet).
    pub fn awaits_deadline(&self) -> bool {
        !self.timed_out
    }

    /// Handles one input.
    pub fn handle(&mut self, input: Input) -> Response {
        match input {
            Input::Event(event) => {
                self.sink.handle(&event);
                Response::Continue
            }
            Input::Finished(index, outcome) => self.finished(index, *outcome),
            Input::TaskFailed(index, message) => {
                if !matches!(self.slots[index], Slot::Running(_)) {
                    return Response::Continue;
                }
                self.internal_error = true;
                let instance = &self.plan.instances[index];
                let message = format!("internal error: forge's task for this session failed ({message})");
                let outcome = SessionOutcome::not_run(&instance.name, &instance.base, SessionStatus::Error, message);
                self.finished(index, outcome)
            }
            Input::Signal(number) => {
                self.signals += 1;
                let first = *self.first_signal.get_or_insert(number);
                self.sink.handle(&Event::Signal { signal: number, count: self.signals });
                self.stop_with(StopCause::Signal(first));
                // The first signal is forwarded; a second one kills at once.
                Response::Stop(if self.signals == 1 {
                    StopRequest::Terminate(number)
                } else {
                    StopRequest::Kill(first)
                })
            }
            Input::Deadline => {
                if self.timed_out {
                    return Response::Continue;
                }
                self.timed_out = true;
                self.sink.handle(&Event::RunTimedOut);
                self.stop_with(StopCause::RunTimeout);
                Response::Stop(StopRequest::RunTimeout)
            }
            Input::Cancel => {
                self.stop_with(StopCause::Cancelled);
                Response::Stop(StopRequest::Terminate(nix::sys::signal::Signal::SIGTERM as i32))
            }
        }
    }

    /// The outcome of the run: every instance's, in plan order.
    ///
    /// Instances still pending or running (only when the driver stopped early) are left out.
    pub fn into_outcome(self) -> RunOutcome {
        RunOutcome {
            started: self.started_at,
            finished: SystemTime::now(),
            duration: self.started.elapsed(),
            sessions: self
                .slots
                .into_iter()
                .filter_map(|slot| match slot {
                    Slot::Done(outcome) => Some(*outcome),
                    _ => None,
                })
                .collect(),
            signal: self.first_signal,
            timed_out: self.timed_out,
            internal_error: self.internal_error,
            remote_cache: None,
        }
    }

    fn finished(&mut self, index: usize, mut outcome: SessionOutcome) -> Response {
        let Slot::Running(start) = self.slots[index] else {
            return Response::Continue;
        };
        outcome.start = Some(start);
        self.running -= 1;
        let failed = outcome.status.is_failure();
        self.settle(index, outcome);
        if !failed {
            return Response::Continue;
        }
        self.failures += 1;
        match self.max_fail {
            Some(max_fail) if self.failures == max_fail.count => {
                self.sink.handle(&Event::MaxFailReached { count: max_fail.count });
                self.stop_with(StopCause::MaxFail { count: max_fail.count });
                if max_fail.immediate {
                    Response::Stop(StopRequest::Terminate(nix::sys::signal::Signal::SIGTERM as i32))
                } else {
                    Response::Continue
                }
            }
            _ => Response::Continue,
        }
    }

    fn stop_with(&mut self, cause: StopCause) {
        self.stop = Some(self.stop.map_or(cause, |current| current.max(cause)));
    }

    /// Whether instance `index` can start: every requirement succeeded (one that did not blocks
    /// it) and every `after` entry is done, whatever its outcome.
    fn readiness(&self, index: usize) -> Readiness {
        let mut waiting = false;
        for &required in &self.plan.instances[index].requires {
            match &self.slots[required] {
                Slot::Done(outcome) if outcome.status.satisfies_requirement() => {}
                Slot::Done(outcome) => {
                    let verb = match outcome.status {
                        SessionStatus::Skipped => "was skipped",
                        SessionStatus::Interrupted => "was interrupted",
                        SessionStatus::Error => "errored",
                        _ => "failed",
                    };
                    let name = &self.plan.instances[required].name;
                    return Readiness::Blocked(format!("requirement `{name}` {verb}"));
                }
                _ => waiting = true,
            }
        }
        // `after` only orders (tox's `depends`): a failed or skipped one is as good as a success.
        waiting |= self.plan.instances[index].after.iter().any(|&before| !matches!(self.slots[before], Slot::Done(_)));
        if waiting { Readiness::Waiting } else { Readiness::Ready }
    }

    fn skip(&mut self, index: usize, message: String) {
        let instance = &self.plan.instances[index];
        let outcome = SessionOutcome::not_run(&instance.name, &instance.base, SessionStatus::Skipped, message);
        self.settle(index, outcome);
    }

    /// Records `outcome` as instance `index`'s, after the reporter has seen it.
    fn settle(&mut self, index: usize, mut outcome: SessionOutcome) {
        let plan = self.plan;
        outcome.requires = plan.instances[index].requires.iter().map(|&at| plan.instances[at].name.clone()).collect();
        // The event owns the outcome while the reporter reads it, then hands it back: no copy of
        // the output tails.
        let event = Event::SessionFinished { index, outcome: Box::new(outcome) };
        self.sink.handle(&event);
        if let Event::SessionFinished { outcome, .. } = event {
            self.slots[index] = Slot::Done(outcome);
        }
    }
}

enum Readiness {
    Waiting,
    Ready,
    Blocked(String),
}

#[cfg(test)]
mod tests;
