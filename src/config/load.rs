//! Finding sessions.toml and turning its text into a [`Project`], with errors located by line,
//! column, session and key.

use std::path::{Path, PathBuf};

use super::model::SessionsFile;
use super::{validate, ConfigError, Project};

/// The file name forge looks for.
pub const FILE_NAME: &str = "sessions.toml";

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
    if path.is_dir() {
        return Err(ConfigError::IsDirectory { path: path.to_path_buf() });
    }
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    let text = String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
        let column = valid.len() - valid.iter().rposition(|&byte| byte == b'\n').map_or(0, |at| at + 1) + 1;
        ConfigError::NotUtf8 { path: path.to_path_buf(), line, column }
    })?;
    let file = parse(path, &text)?;
    let absolute = std::path::absolute(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    validate::validate(absolute, file)
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
    let (line, column) = error.span().map_or((1, 1), |span| line_column(text, span.start));
    let message = error.message().trim().replace('\n', "; ");
    let key_path = key_path.filter(|key_path| !key_path.is_empty() && *key_path != ".");
    if let Some((key, expected)) = parse_unknown_field(&message) {
        let table = key_path
            .map(|key_path| key_path.rsplit_once('.').map_or("", |(table, _)| table).to_owned())
            .unwrap_or_default();
        let table = if table.is_empty() { "the top level".to_owned() } else { format!("[{table}]") };
        let hint = match super::suggest(&key, expected.iter().map(String::as_str)) {
            Some(near) => Some(format!("did you mean `{near}`?")),
            None if expected.is_empty() => None,
            None => Some(format!("valid keys here: {}", expected.join(", "))),
        };
        return ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: format!("unknown key `{key}` in {table}"),
            hint,
        };
    }
    let message = match key_path {
        Some(key_path) => format!("`{key_path}`: {message}"),
        None => message,
    };
    ConfigError::Parse { path: path.to_path_buf(), line, column, message, hint: None }
}

/// Extracts the key and the valid keys from serde's "unknown field `x`, expected one of `a`, `b`".
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_owned).collect();
    Some((key.to_owned(), expected))
}

/// 1-based line and character column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
    }
}
