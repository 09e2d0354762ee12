//! Narrowing a run by what happened before it: the previous run's failures (`--last-failed`),
//! the files changed since a git ref (`--changed`), and which sessions changed files affect
//! (`--changed` and `--watch`).

pub mod affected;
pub mod git;
pub mod last_failed;

pub use affected::{Inputs, Verdict, session_verdict, verdict};
pub use git::{ChangedSince, GitError, changed_since};
pub use last_failed::LastFailed;
