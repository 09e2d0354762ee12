//! `--watch`: run, then watch the files the selected sessions depend on and re-run when one of
//! them changes, until Ctrl-C. As nextest designs its runner, the loop (`driver.rs`) only turns
//! file events, a timer and signals into calls; the decisions — which paths matter
//! (`scope.rs`), which instances a change affects (`affect.rs`), when changes are coalesced
//! into one re-run (`queue.rs`) — are plain functions, unit-tested.

mod affect;
mod driver;
mod queue;
mod scope;

pub use affect::{Target, affected};
pub use driver::{Ran, Runs, WatchError, watch};
pub use queue::Queue;
pub use scope::Scope;
