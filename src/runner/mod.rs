//! Running a plan: the dispatcher (the run's state machine), the driver that feeds it (`run.rs`),
//! executors that run one session each, and the events and outcomes they produce.

mod cached;
mod channel;
mod directories;
mod dispatcher;
mod dry_run;
mod env;
mod environment;
mod event;
mod executor;
mod instance;
mod leaks;
mod log;
mod outcome;
mod process;
mod retry;
pub use retry::RetryPolicy;
mod run;
mod signals;
mod stop;

pub use dry_run::dry_run_verdicts;
pub use event::{EnvProgress, Event};
pub use instance::InstanceContext;
pub use log::TAIL_BYTES;
pub use outcome::{Attempt, CacheSource, EnvState, RunOutcome, SessionOutcome, SessionStatus};
pub use process::StdinMode;
pub use run::{run, run_until};
pub use signals::{finish_honouring_signals, finish_inline};
pub use stop::{StopCause, signal_name};

use crate::config::Project;
use crate::plan::Plan;
use crate::settings::Settings;
use crate::venv::InterpreterFinder;

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
    /// The remote cache, when one is configured.
    pub remote: Option<std::sync::Arc<crate::cache::RemoteCache>>,
}

/// Receives the run's events synchronously, in order, from the dispatcher.
pub trait EventSink {
    /// Handles one event.
    fn handle(&mut self, event: &Event);
}
