//! Settings: the command line, `FORGE_*` environment variables and `[forge]` resolved once, with
//! one precedence rule — command line, then environment, then file, then default (as uv's) — into
//! what the runner and reporter read after planning; `--profile` adds a layer between the
//! environment and the file (`profile.rs` states the whole rule).

mod layout;
pub mod profile;
mod resolve;

pub use layout::Layout;
pub use profile::Profile;
pub use resolve::{Ci, EnvPolicy, Rerun, Settings, Verbosity, remote_cache, selection};
