//! Virtualenvs: finding `uv` and interpreters, fingerprinting an env's inputs, and building or
//! reusing an env under a file lock.

mod build;
mod lock;
mod error;
mod fingerprint;
mod interpreter;
mod pyenv;
mod uv;

pub use build::{decide, BuildPlan, BuildStep, Decision, EnvRequest, MARKER_FILE};
pub use lock::{EnvLock, LockMode};
pub use error::VenvError;
pub use fingerprint::{fingerprint, EnvInputs, Marker, FORMAT_VERSION};
pub use interpreter::{Interpreter, InterpreterFinder};
pub use uv::find_uv;
