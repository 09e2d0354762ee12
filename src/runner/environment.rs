//! What session commands and uv steps run with: the caller's environment minus the variables that
//! would redirect an env, the env's `bin/` first on PATH, and the session's `env`.

use std::ffi::OsString;
use std::path::Path;

use crate::config::{SessionDef, TemplateContext};

/// Variables removed from a session's environment because they would redirect its env.
const REDIRECTING_VARIABLES: [&str; 5] =
    ["PYTHONHOME", "UV_PYTHON", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX", "VIRTUAL_ENV"];

/// forge's own environment without the [`REDIRECTING_VARIABLES`], plus the instance's leak token
/// (see `leaks.rs`), as `(name, value)` pairs.
pub fn base_environment(token: &str) -> Vec<(OsString, OsString)> {
    let mut environment: Vec<(OsString, OsString)> =
        std::env::vars_os().filter(|(key, _)| !REDIRECTING_VARIABLES.iter().any(|name| key == name)).collect();
    set(&mut environment, super::leaks::TOKEN_VARIABLE.into(), token.into());
    environment
}

/// The session's `env` entries, rendered with `context`, set over `environment`.
pub fn apply_session_env(
    environment: &mut Vec<(OsString, OsString)>,
    definition: &SessionDef,
    context: &TemplateContext<'_>,
) {
    for (name, value) in &definition.env {
        set(environment, name.into(), value.render(context).into());
    }
}

/// The commands' environment: the caller's, minus variables that redirect the env, with the
/// env's `bin/` first on PATH and `VIRTUAL_ENV` set (as nox does), then the session's `env`.
pub fn command_environment(
    definition: &SessionDef,
    env_path: &Path,
    context: &TemplateContext<'_>,
    token: &str,
) -> Vec<(OsString, OsString)> {
    let mut environment = base_environment(token);
    if definition.venv {
        let bin = env_path.join("bin");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let joined = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path))).unwrap_or(path);
        set(&mut environment, "PATH".into(), joined);
        set(&mut environment, "VIRTUAL_ENV".into(), env_path.into());
    }
    apply_session_env(&mut environment, definition, context);
    environment
}

/// Sets `key` to `value`, replacing an existing entry.
fn set(environment: &mut Vec<(OsString, OsString)>, key: OsString, value: OsString) {
    match environment.iter_mut().find(|(existing, _)| *existing == key) {
        Some(entry) => entry.1 = value,
        None => environment.push((key, value)),
    }
}
