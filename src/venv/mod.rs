//! Virtualenvs: finding `uv` and interpreters, fingerprinting an env's inputs, and building or
//! reusing an env under a file lock.

mod build;
mod error;
mod fingerprint;
mod interpreter;
mod lock;
mod pyenv;
mod uv;

pub use build::{BuildPlan, BuildStep, Decision, EnvPolicy, EnvRequest, MARKER_FILE, decide};
pub use error::VenvError;
pub use fingerprint::{EnvInputs, FORMAT_VERSION, Marker, fingerprint};
pub use interpreter::{Interpreter, InterpreterFinder};
pub use lock::{EnvLock, LockMode};
pub use uv::find_uv;
