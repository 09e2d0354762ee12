//! Narrowing a run by what happened before it: the previous run's failures (`--last-failed`)
//! and the files changed since a git ref (`--changed`).

pub mod last_failed;

pub use last_failed::LastFailed;
