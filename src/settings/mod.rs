//! Settings: the command line, `FORGE_*` environment variables and `[forge]` resolved once, with
//! one precedence rule — command line, then environment, then file, then default (as uv's) — into
//! what the runner and reporter read after planning.

mod layout;
mod resolve;

pub use layout::Layout;
pub use resolve::{Ci, EnvPolicy, Rerun, Settings, Verbosity, selection};
