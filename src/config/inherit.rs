//! Shared defaults: each session's table is resolved over its `extends` target (itself resolved
//! first) or, without one, over `[defaults]`, before the session is checked.
//!
//! How values combine, as tox's `[testenv]` inheritance does for settings: a key the session
//! writes replaces the inherited value — scalars and lists alike (`deps`, `commands`, `tags`…:
//! a list is never appended to, so a session can always drop an inherited entry, and what it
//! gets is what one table says) — except the tables `env` and `matrix`, which are merged key by
//! key (the session's key wins, new keys come after the inherited ones). The chain is
//! `session > extends target > … > [defaults]`; `extends` itself is not inherited.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize as _;

use super::ConfigError;
use super::error::excerpt;
use super::locate::{Locator, Step};
use super::model::{SessionTable, SessionsFile};
use super::names::suggest;
use super::validate::table_name;

/// The keys whose tables merge key by key instead of being replaced.
const MERGED_TABLES: [&str; 2] = ["env", "matrix"];

/// Replaces each session of `file` (parsed from `text` at `path`) with its table resolved over
/// `extends` and `[defaults]`.
///
/// # Errors
/// [`ConfigError::Invalid`]: `extends` in `[defaults]`, naming an unknown session, or forming a
/// cycle.
pub(super) fn resolve(
    path: &Path,
    text: &str,
    file: &mut SessionsFile,
    locator: &Locator<'_>,
) -> Result<(), ConfigError> {
    let inherits = file.defaults.is_some() || file.sessions.values().any(|session| session.extends.is_some());
    if !inherits {
        return Ok(());
    }
    let error = |at: &[Step<'_>], place: String, message: String, hint: Option<String>| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: locator.line(at),
        place,
        message,
        hint,
    };
    if file.defaults.as_ref().is_some_and(|defaults| defaults.extends.is_some()) {
        return Err(error(
            &[Step::Key("defaults"), Step::Key("extends")],
            "[defaults] extends".into(),
            "`[defaults]` cannot extend a session".into(),
            Some("every session starts from `[defaults]`; use `extends` in a session's table".into()),
        ));
    }
    // Parsed once more as plain TOML: a key the table does not write must stay unset (not the
    // serde default), so that it is inherited. The text already parsed once, so this cannot fail.
    let Ok(raw) = toml::from_str::<toml::Table>(text) else {
        return Ok(());
    };
    let empty = toml::Table::new();
    let defaults = raw.get("defaults").and_then(toml::Value::as_table).unwrap_or(&empty);
    let sessions = raw.get("sessions").and_then(toml::Value::as_table).unwrap_or(&empty);
    let mut resolved: HashMap<String, toml::Table> = HashMap::new();
    for name in file.sessions.keys() {
        let mut chain = vec![name.as_str()];
        // Follow `extends` up to a resolved session or `[defaults]`, checking each step.
        loop {
            let current = chain[chain.len() - 1];
            if resolved.contains_key(current) {
                break;
            }
            let Some(target) = file.sessions.get(current).and_then(|session| session.extends.as_deref()) else {
                break;
            };
            let at = [Step::Key("sessions"), Step::Key(current), Step::Key("extends")];
            let place = format!("[sessions.{}] extends", table_name(current));
            if !file.sessions.contains_key(target) {
                let hint = suggest(target, file.sessions.keys().map(String::as_str))
                    .map(|near| format!("did you mean `{near}`?"));
                return Err(error(&at, place, format!("unknown session `{}`", excerpt(target)), hint));
            }
            if let Some(start) = chain.iter().position(|&on_chain| on_chain == target) {
                let mut cycle: Vec<&str> = chain[start..].to_vec();
                cycle.push(target);
                let message = format!("`extends` forms a cycle: {}", cycle.join(" -> "));
                return Err(error(&at, place, message, Some("remove `extends` from one of these sessions".into())));
            }
            chain.push(target);
        }
        // Resolve from the far end of the chain back to `name`.
        while let Some(current) = chain.pop() {
            if resolved.contains_key(current) {
                continue;
            }
            let own = sessions.get(current).and_then(toml::Value::as_table).unwrap_or(&empty);
            let base = match file.sessions.get(current).and_then(|session| session.extends.as_deref()) {
                Some(target) => resolved.get(target).unwrap_or(defaults),
                None => defaults,
            };
            resolved.insert(current.to_owned(), merge(base, own));
        }
    }
    for (name, table) in &mut file.sessions {
        let Some(merged) = resolved.remove(name) else { continue };
        *table = SessionTable::deserialize(toml::Value::Table(merged)).map_err(|problem| {
            error(
                &[Step::Key("sessions"), Step::Key(name)],
                format!("[sessions.{}]", table_name(name)),
                format!("with its inherited values: {}", excerpt(&problem.to_string())),
                None,
            )
        })?;
    }
    Ok(())
}

/// `own` over `base`: `own`'s keys replace `base`'s, except [`MERGED_TABLES`], merged key by key.
fn merge(base: &toml::Table, own: &toml::Table) -> toml::Table {
    let mut merged = base.clone();
    merged.remove("extends");
    for (key, value) in own {
        match (merged.get_mut(key), value) {
            (Some(toml::Value::Table(inherited)), toml::Value::Table(written))
                if MERGED_TABLES.contains(&key.as_str()) =>
            {
                for (entry, entry_value) in written {
                    inherited.insert(entry.clone(), entry_value.clone());
                }
            }
            _ => {
                merged.insert(key.clone(), value.clone());
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Project;

    fn load(text: &str) -> Result<Project, ConfigError> {
        let path = std::path::PathBuf::from("/project/sessions.toml");
        let mut file = super::super::load::parse(&path, text)?;
        let locator = Locator::new(text);
        resolve(&path, text, &mut file, &locator)?;
        super::super::validate::validate(path, file, &locator)
    }

    #[test]
    fn scalars_and_lists_are_replaced_and_tables_merged_key_by_key() {
        let project = load(
            r#"
            [defaults]
            deps = ["pytest"]
            env = { A = "defaults", B = "defaults" }
            timeout = "1m"
            tags = ["ci"]
            [sessions.test]
            commands = ["pytest"]
            env = { B = "test", C = "test" }
            [sessions.fast]
            extends = "test"
            deps = ["pytest", "pytest-xdist"]
            env = { C = "fast" }
            retries = 2
            [sessions.lint]
            deps = []
            tags = []
            "#,
        )
        .unwrap();
        let by_name = |name: &str| project.sessions.iter().find(|session| session.name == name).unwrap();
        let env = |name: &str| -> Vec<(String, String)> {
            by_name(name).env.iter().map(|(key, value)| (key.clone(), value.to_string())).collect()
        };
        let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
            items.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
        };
        assert_eq!(by_name("test").deps, ["pytest"]);
        assert_eq!(env("test"), pairs(&[("A", "defaults"), ("B", "test"), ("C", "test")]));
        assert_eq!(by_name("fast").deps, ["pytest", "pytest-xdist"]);
        assert_eq!(by_name("fast").commands[0].source, "pytest");
        assert_eq!(env("fast"), pairs(&[("A", "defaults"), ("B", "test"), ("C", "fast")]));
        assert_eq!((by_name("fast").retries, by_name("test").retries), (2, 0));
        assert_eq!(by_name("fast").timeout, Some(std::time::Duration::from_secs(60)));
        assert_eq!(by_name("fast").tags, ["ci"]);
        // An empty list is a value: it replaces the inherited one.
        assert!(by_name("lint").deps.is_empty() && by_name("lint").tags.is_empty());
    }

    #[test]
    fn extends_cycles_and_unknown_targets_are_errors() {
        let error = load("[sessions.a]\nextends = \"b\"\n[sessions.b]\nextends = \"a\"\n").unwrap_err();
        assert!(error.to_string().contains("`extends` forms a cycle: a -> b -> a"), "{error}");
        let error = load("[sessions.a]\nextends = \"a\"\n").unwrap_err();
        assert!(error.to_string().contains("cycle: a -> a"), "{error}");
        let error = load("[sessions.test]\n[sessions.b]\nextends = \"tset\"\n").unwrap_err();
        assert!(error.to_string().contains("[sessions.b] extends: unknown session `tset`"), "{error}");
        assert_eq!(crate::error::Hint::hint(&error).as_deref(), Some("did you mean `test`?"));
        let error = load("[defaults]\nextends = \"a\"\n[sessions.a]\n").unwrap_err();
        assert!(error.to_string().contains("[defaults] extends"), "{error}");
    }
}
