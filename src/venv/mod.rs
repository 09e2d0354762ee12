//! Virtualenvs: finding `uv` and interpreters, fingerprinting an env's inputs, and building or
//! reusing an env under a file lock.

mod build;
mod clean;
mod error;
mod fingerprint;
mod interpreter;
mod lock;
mod marker;
mod pyenv;
mod reason;
mod steps;
mod uv;

pub use build::{BuildPlan, Decision, EnvPolicy, EnvRequest, decide};
pub use clean::{CleanReport, clean};
pub use error::VenvError;
pub use fingerprint::{EnvInputs, FORMAT_VERSION, FileDigest, Fingerprint, InputParts, fingerprint};
pub use interpreter::{Interpreter, InterpreterFinder};
pub use lock::{EnvLock, LockMode};
pub use marker::{MARKER_FILE, Marker};
pub use reason::RebuildReason;
pub use steps::{ArtifactSlot, BuildStep, PACKAGE_DIR};
pub use uv::find_uv;
