//! The project's `.python-version`: the interpreter of sessions that name none when `[forge]
//! python` is unset, read as uv reads it (the first line that is neither blank nor a `#`
//! comment, trimmed). Only the project root's file counts, not a parent directory's.

use std::path::Path;

use super::ConfigError;
use super::error::excerpt;
use super::names::is_valid_name;

/// The file name.
pub const FILE_NAME: &str = ".python-version";

/// The largest `.python-version` read, in bytes: a version is a few bytes.
const LIMIT: u64 = 64 * 1024;

/// The version `root/.python-version` names, `None` when there is no such file or it names none.
///
/// # Errors
/// [`ConfigError::Invalid`] for a file that cannot be read (a directory, a FIFO, too large) or
/// whose version is not one forge can use.
pub(super) fn read(root: &Path) -> Result<Option<String>, ConfigError> {
    let path = root.join(FILE_NAME);
    let invalid = |line: Option<usize>, message: String, hint: Option<&str>| ConfigError::Invalid {
        path: path.clone(),
        line,
        place: FILE_NAME.to_owned(),
        message,
        hint: hint.map(str::to_owned),
    };
    let bytes = match crate::input_file::read_regular(&path, LIMIT) {
        Ok(bytes) => bytes,
        Err(error) if error.is_not_found() => return Ok(None),
        Err(error) => return Err(invalid(None, format!("cannot be read: {error}"), None)),
    };
    let text = String::from_utf8_lossy(&bytes);
    let Some((index, version)) =
        text.lines().map(str::trim).enumerate().find(|(_, line)| !line.is_empty() && !line.starts_with('#'))
    else {
        return Ok(None);
    };
    if !is_valid_name(version) {
        return Err(invalid(
            Some(index + 1),
            format!("`{}` is not a Python version forge can use", excerpt(version)),
            Some("write a version such as 3.12 (or pypy3.10), or set `[forge] python` in sessions.toml"),
        ));
    }
    Ok(Some(version.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_that_is_not_a_comment_names_the_version() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join(FILE_NAME), "# pinned\n\n  3.12 \n3.11\n").unwrap();
        assert_eq!(read(dir.path()).unwrap().as_deref(), Some("3.12"));
        std::fs::write(dir.path().join(FILE_NAME), "# nothing\n").unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join(FILE_NAME), "3.12 3.13\n").unwrap();
        let error = read(dir.path()).unwrap_err();
        assert!(error.to_string().contains(".python-version:1: .python-version: `3.12 3.13`"), "{error}");
    }
}
