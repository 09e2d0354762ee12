//! Finding sessions.toml and turning its text into a [`Project`], with errors located by line,
//! column, session and key.

use std::path::{Path, PathBuf};

use super::locate::{Locator, line_column};
use super::model::SessionsFile;
use super::{ConfigError, Project, explain, inherit, validate};

/// The file name forge looks for.
pub const FILE_NAME: &str = "sessions.toml";

/// The largest sessions.toml forge reads (16 MiB, bytes); real ones are a few kilobytes.
pub const MAX_FILE_SIZE: u64 = crate::input_file::CONFIG_FILE_LIMIT;

/// Looks for sessions.toml in `start`, then in each parent directory (as nox and tox do not, but
/// cargo and just do), so forge works from any subdirectory of a project.
///
/// # Errors
/// [`ConfigError::NotFound`] when no directory up to `/` has one.
pub fn find_sessions_file(start: &Path) -> Result<PathBuf, ConfigError> {
    start
        .ancestors()
        .map(|directory| directory.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| ConfigError::NotFound { start: start.to_path_buf() })
}

/// Reads, parses and validates `path`.
///
/// # Errors
/// Any [`ConfigError`]: unreadable file, not UTF-8, TOML syntax, unknown key, wrong type, or a
/// semantic problem (bad name, unknown requirement, duplicate instance, bad template…).
pub fn load(path: &Path) -> Result<Project, ConfigError> {
    load_with_profile(path, None)
}

/// [`load`], with `[profiles.PROFILE]` folded into the file's tables first (see
/// `settings::profile`), so its values are checked like the file's own.
///
/// # Errors
/// As [`load`], and [`ConfigError::Invalid`] for a profile the file does not have.
pub fn load_with_profile(path: &Path, profile: Option<&str>) -> Result<Project, ConfigError> {
    if path.is_dir() {
        return Err(ConfigError::IsDirectory { path: path.to_path_buf() });
    }
    let bytes = read_bounded(path)?;
    let text = String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
        let column = valid.len() - valid.iter().rposition(|&byte| byte == b'\n').map_or(0, |at| at + 1) + 1;
        ConfigError::NotUtf8 { path: path.to_path_buf(), line, column }
    })?;
    let mut file = parse(path, &text)?;
    let absolute =
        std::path::absolute(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    let locator = Locator::new(&text);
    inherit::resolve(&absolute, &text, &mut file, &locator)?;
    // After inheritance: a value a session inherits is the file's, and beats the profile's default.
    let profile = profile.map(|name| crate::settings::profile::apply(&mut file, path, name)).transpose()?;
    let mut project = validate::validate(absolute, file, &locator)?;
    project.profile = profile;
    Ok(project)
}

/// Reads a regular file of at most [`MAX_FILE_SIZE`] bytes: `-f /dev/zero` or a FIFO is an error,
/// not an out-of-memory kill or a hang, and so is a runaway generated file.
fn read_bounded(path: &Path) -> Result<Vec<u8>, ConfigError> {
    use crate::input_file::{InputFileError, read_regular};
    read_regular(path, MAX_FILE_SIZE).map_err(|error| match error {
        InputFileError::NotFound => {
            ConfigError::Read { path: path.to_path_buf(), source: std::io::Error::from_raw_os_error(nix::libc::ENOENT) }
        }
        InputFileError::NotRegular { kind: "a directory" } => ConfigError::IsDirectory { path: path.to_path_buf() },
        InputFileError::NotRegular { kind } => ConfigError::NotRegular { path: path.to_path_buf(), kind },
        InputFileError::TooLarge { .. } => ConfigError::TooLarge { path: path.to_path_buf(), limit: MAX_FILE_SIZE },
        InputFileError::Io(source) => ConfigError::Read { path: path.to_path_buf(), source },
    })
}

/// Parses TOML text into the schema types.
///
/// # Errors
/// [`ConfigError::Parse`] with line, column and the key path at fault.
pub fn parse(path: &Path, text: &str) -> Result<SessionsFile, ConfigError> {
    let deserializer = toml::Deserializer::parse(text).map_err(|error| toml_error(path, text, &error, None))?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let key_path = error.path().to_string();
        toml_error(path, text, error.inner(), Some(&key_path))
    })
}

fn toml_error(path: &Path, text: &str, error: &toml::de::Error, key_path: Option<&str>) -> ConfigError {
    let span = error.span();
    let (line, column) = span.clone().map_or((1, 1), |span| line_column(text, span.start));
    let at = span.and_then(|span| text.get(span)).unwrap_or("");
    let key_path = key_path.filter(|key_path| !key_path.is_empty() && *key_path != ".");
    let opens_table = error.span().is_some_and(|span| {
        let line_start = text.get(..span.start).unwrap_or("").rfind('\n').map_or(0, |newline| newline + 1);
        let in_header = text.get(line_start..).unwrap_or("").trim_start().starts_with('[');
        in_header || text.get(span.end..).is_some_and(|after| after.trim_start().starts_with('.'))
    });
    let (message, hint) = explain::explain(error.message(), key_path, at, opens_table);
    ConfigError::Parse { path: path.to_path_buf(), line, column, message, hint }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Hint as _;

    fn parse_error(text: &str) -> ConfigError {
        parse(Path::new("sessions.toml"), text).unwrap_err()
    }

    #[test]
    fn unknown_key_names_table_and_nearest_key() {
        let error = parse_error("[sessions.lint]\ncommands = [\"ruff\"]\ndep = [\"ruff\"]\n");
        assert_eq!(error.to_string(), "sessions.toml:3:1: unknown key `dep` in [sessions.lint]");
        assert_eq!(error.hint().as_deref(), Some("did you mean `deps`?"));
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let error = parse_error("[sessions.lint]\ncommands = [\"ruff\"\n");
        let ConfigError::Parse { line, .. } = error else { panic!("{error:?}") };
        assert_eq!(line, 2);
    }

    #[test]
    fn wrong_type_names_the_key() {
        let error = parse_error("[sessions.lint]\nretries = \"two\"\n");
        assert!(error.to_string().contains("`sessions.lint.retries`"), "{error}");
    }
}
