//! Turning the TOML parser's and serde's messages into one plain line and a hint: the key at
//! fault, "an array" rather than "a sequence", "a whole number" rather than "u32", the nearest
//! valid key for a typo.

use super::error::excerpt;

/// The longest message kept from the parser; the rest (a huge quoted value…) is cut.
const MAX_MESSAGE_CHARS: usize = 200;

/// `(message, hint)` for a parse error: `raw` is the parser's message, `key_path` the dotted path
/// to the value at fault (when serde got that far), `at` the text the error points at, and
/// `opens_table` whether that text is a key that opens a table (in a `[header]`, or followed by a
/// `.` in a dotted key).
pub fn explain(raw: &str, key_path: Option<&str>, at: &str, opens_table: bool) -> (String, Option<String>) {
    let raw = raw.trim().replace('\n', "; ");
    if let Some((key, expected)) = parse_unknown_field(&raw) {
        return unknown_key(&key, &expected, key_path, opens_table);
    }
    if raw == "duplicate key" {
        let key = at.trim().trim_start_matches('[').trim_end_matches(']').trim();
        let message = if key.is_empty() { raw } else { format!("duplicate key `{}`", excerpt(key)) };
        return (message, Some("each key and each [table] may appear only once".into()));
    }
    if raw.contains("recursion") {
        return ("arrays or tables are nested too deeply".into(), Some("sessions.toml needs only a few levels".into()));
    }
    let message = plain_words(&raw);
    let hint = key_path.and_then(|key_path| hint_for(key_path, &raw));
    let message = match key_path {
        Some(key_path) => format!("`{}`: {message}", excerpt(key_path)),
        None => message,
    };
    (shorten(&message), hint)
}

fn unknown_key(key: &str, expected: &[String], key_path: Option<&str>, opens_table: bool) -> (String, Option<String>) {
    let table = key_path.and_then(|key_path| key_path.rsplit_once('.')).map_or("", |(table, _)| table);
    let shown = if table.is_empty() { "the top level".to_owned() } else { format!("[{}]", excerpt(table)) };
    // `[sessions.build.package]` is a table `package` inside session `build`, not a session
    // named `build.package`: TOML splits unquoted keys at each dot.
    if let Some(session) = table.strip_prefix("sessions.").filter(|_| opens_table) {
        let name = excerpt(&format!("{session}.{key}"));
        return (
            format!("unknown key `{}` in {shown}", excerpt(key)),
            Some(format!("a session name with a `.` must be quoted: [sessions.\"{name}\"]")),
        );
    }
    let table = shown;
    let hint = match super::suggest(key, expected.iter().map(String::as_str)) {
        Some(near) => Some(format!("did you mean `{near}`?")),
        None if expected.is_empty() => None,
        None => Some(format!("valid keys here: {}", expected.join(", "))),
    };
    (format!("unknown key `{}` in {table}", excerpt(key)), hint)
}

/// Extracts the key and the valid keys from serde's "unknown field `x`, expected one of `a`, `b`".
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_owned).collect();
    Some((key.to_owned(), expected))
}

/// serde's type names in TOML's words.
fn plain_words(message: &str) -> String {
    let Some((found, expected)) = message.rsplit_once(", expected ") else {
        return message.to_owned();
    };
    let found = found.replace(" as i128", "").replace("floating point", "float");
    let expected = match expected {
        "u32" | "u64" | "usize" => "a whole number (0 or more)".to_owned(),
        "i64" | "i32" => "a whole number".to_owned(),
        "f64" | "f32" => "a number".to_owned(),
        "a sequence" => "an array".to_owned(),
        "a map" => "a table".to_owned(),
        "a boolean" => "`true` or `false`".to_owned(),
        other if other.starts_with("struct ") => "a table".to_owned(),
        other => other.to_owned(),
    };
    format!("{found}, expected {expected}")
}

/// A hint for the mistakes people make most: an unquoted version, a single value where an array
/// belongs, a number of seconds where a duration string belongs.
fn hint_for(key_path: &str, message: &str) -> Option<String> {
    let key = key_path.rsplit('.').next().unwrap_or(key_path);
    let key = key.split('[').next().unwrap_or(key);
    let is_number = message.contains("integer") || message.contains("floating point");
    if key == "python" && is_number {
        return Some("quote the version: python = \"3.12\" (unquoted, 3.10 would be read as 3.1)".into());
    }
    if message.ends_with("expected a sequence") && message.starts_with("invalid type: string") {
        return Some(format!("write an array: {key} = [\"…\"]"));
    }
    if matches!(key, "timeout" | "retry-delay") && is_number {
        return Some(format!("write a duration with a unit: {key} = \"90s\""));
    }
    None
}

fn shorten(message: &str) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message.to_owned();
    }
    let head: String = message.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_the_table_and_the_nearest_key() {
        let raw = "unknown field `dep`, expected one of `deps`, `commands`";
        let (message, hint) = explain(raw, Some("sessions.lint.dep"), "dep", false);
        assert_eq!(message, "unknown key `dep` in [sessions.lint]");
        assert_eq!(hint.as_deref(), Some("did you mean `deps`?"));
        let (message, hint) = explain("unknown field `zzz`, expected `forge` or `sessions`", Some("zzz"), "", false);
        assert_eq!(message, "unknown key `zzz` in the top level");
        assert_eq!(hint.as_deref(), Some("valid keys here: forge, sessions"));
    }

    #[test]
    fn a_dotted_session_name_gets_the_quoted_header() {
        let raw = "unknown field `package`, expected one of `deps`, `commands`";
        let (message, hint) = explain(raw, Some("sessions.build.package"), "package", true);
        assert_eq!(message, "unknown key `package` in [sessions.build]");
        assert_eq!(hint.as_deref(), Some("a session name with a `.` must be quoted: [sessions.\"build.package\"]"));
        // A plain key in a session's table is a typo, not a dotted name.
        let (_, hint) = explain(raw, Some("sessions.build.package"), "package", false);
        assert_eq!(hint.as_deref(), Some("valid keys here: deps, commands"));
    }

    #[test]
    fn serde_jargon_becomes_toml_words() {
        let (message, _) = explain("invalid type: string \"two\", expected u32", Some("sessions.a.retries"), "", false);
        assert_eq!(message, "`sessions.a.retries`: invalid type: string \"two\", expected a whole number (0 or more)");
        let (message, _) =
            explain("invalid type: integer `1`, expected struct SessionTable", Some("sessions.a"), "", false);
        assert_eq!(message, "`sessions.a`: invalid type: integer `1`, expected a table");
        let (message, _) = explain("invalid type: integer `9` as i128, expected u32", Some("forge.jobs"), "", false);
        assert!(!message.contains("i128"), "{message}");
    }

    #[test]
    fn common_mistakes_get_hints() {
        let (_, hint) = explain("invalid type: floating point `3.1`, expected x", Some("sessions.a.python"), "", false);
        assert!(hint.unwrap().contains("python = \"3.12\""));
        let (_, hint) =
            explain("invalid type: string \"x\", expected a sequence", Some("sessions.a.commands"), "", false);
        assert_eq!(hint.as_deref(), Some("write an array: commands = [\"…\"]"));
        let (_, hint) =
            explain("invalid type: integer `10`, expected a duration", Some("sessions.a.timeout"), "", false);
        assert_eq!(hint.as_deref(), Some("write a duration with a unit: timeout = \"90s\""));
    }

    #[test]
    fn duplicate_keys_are_named_and_long_messages_cut() {
        let (message, _) = explain("duplicate key", None, "[sessions.a]", false);
        assert_eq!(message, "duplicate key `sessions.a`");
        let raw = format!("invalid type: string \"{}\", expected u32", "x".repeat(10_000));
        let (message, _) = explain(&raw, Some("forge.jobs"), "", false);
        assert!(message.chars().count() <= MAX_MESSAGE_CHARS);
    }
}
