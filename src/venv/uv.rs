//! Locating the `uv` executable.

use std::path::PathBuf;

use super::{VenvError, pyenv};

/// The `uv` to run: `$FORGE_UV` when set, else `uv` on PATH. A pyenv shim is resolved to the
/// executable behind it, so each uv call does not pay for pyenv's bash start-up.
///
/// # Errors
/// [`VenvError::UvNotFound`] (exit 2, with an install hint).
pub fn find_uv() -> Result<PathBuf, VenvError> {
    if let Some(forced) = std::env::var_os("FORGE_UV").filter(|value| !value.is_empty()) {
        let forced = PathBuf::from(forced);
        return which::which(&forced).map_err(|_| VenvError::UvNotFound { forge_uv: Some(forced) });
    }
    let found = which::which("uv").map_err(|_| VenvError::UvNotFound { forge_uv: None })?;
    if pyenv::is_shim(&found) {
        // Fall back to the shim itself when pyenv's choice cannot be read without running it.
        return Ok(pyenv::resolve_shim("uv").unwrap_or(found));
    }
    Ok(found)
}
