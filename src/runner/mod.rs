//! Running a plan: a dispatcher that owns the run's state and schedules session tasks, executors
//! that run one session each, and the events and outcomes they produce.

mod directories;
mod dispatcher;
mod environment;
mod event;
mod executor;
mod outcome;
mod process;
mod retry;

pub use dispatcher::{RunContext, run, signal_name};
pub use event::{EnvProgress, Event};
pub use outcome::{Attempt, EnvState, RunOutcome, SessionOutcome, SessionStatus};
pub use process::{StdinMode, TAIL_BYTES};

/// Receives the run's events synchronously, in order, from the dispatcher.
pub trait EventSink {
    /// Handles one event.
    fn handle(&mut self, event: &Event);
}
