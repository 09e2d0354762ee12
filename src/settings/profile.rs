//! `--profile NAME`: folding `[profiles.NAME]` into the file's own tables before they are checked,
//! so a profile's values are validated, located and resolved exactly like the file's.
//!
//! The precedence rule, the same for every key (as Cargo's profiles and tox's factors): the most
//! specific value wins. For a session: its own key (inherited through `extends` or `[defaults]`
//! included: the file's values), then the profile's default, then forge's
//! default. For a `[forge]` key: the command line, then its `FORGE_*` variable, then the profile,
//! then the file's `[forge]`, then forge's default. The profile's `coverage.fail-under` replaces
//! `[coverage]`'s (a target's gate is the point of a profile), and its `env` is added to every
//! session below the session's own `env` keys.

use crate::config::{ConfigError, SessionsFile, suggest};

/// The profile a run applied, as run.json, junit.xml and report.html name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The `[profiles.NAME]` key.
    pub name: String,
    /// Its `description`, when it has one.
    pub description: Option<String>,
}

/// Folds `[profiles.NAME]` of `file` (read from `path`) into its other tables, by the rule above,
/// and returns what the reports name.
///
/// # Errors
/// [`ConfigError::Invalid`] (exit 2) when the file has no such profile, with the nearest name.
pub fn apply(file: &mut SessionsFile, path: &std::path::Path, name: &str) -> Result<Profile, ConfigError> {
    let Some(profile) = file.profiles.get(name).cloned() else {
        let names = file.profiles.keys().map(String::as_str);
        let hint = match suggest(name, names.clone()) {
            Some(nearest) => format!("did you mean `{nearest}`?"),
            None if file.profiles.is_empty() => "add a [profiles.NAME] table to sessions.toml".to_owned(),
            None => format!("profiles: {}", names.collect::<Vec<_>>().join(", ")),
        };
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            line: None,
            place: "--profile".to_owned(),
            message: format!("no profile `{}` in sessions.toml", crate::config::excerpt(name)),
            hint: Some(hint),
        });
    };
    let forge = &mut file.forge;
    // Every key, named: a `[forge]` key added later does not compile until it is folded here too.
    let crate::config::ForgeTable {
        default,
        python,
        env_dir,
        reports_dir,
        cache_dir,
        cache_size,
        jobs,
        skip_missing_interpreters,
        remote_cache,
        remote_cache_mode,
        remote_cache_timeout,
    } = profile.forge;
    forge.default = default.or(forge.default.take());
    forge.python = python.or(forge.python.take());
    forge.env_dir = env_dir.or(forge.env_dir.take());
    forge.reports_dir = reports_dir.or(forge.reports_dir.take());
    forge.cache_dir = cache_dir.or(forge.cache_dir.take());
    forge.cache_size = cache_size.or(forge.cache_size.take());
    forge.jobs = jobs.or(forge.jobs);
    forge.skip_missing_interpreters = skip_missing_interpreters.or(forge.skip_missing_interpreters);
    forge.remote_cache = remote_cache.or(forge.remote_cache.take());
    forge.remote_cache_mode = remote_cache_mode.or(forge.remote_cache_mode);
    forge.remote_cache_timeout = remote_cache_timeout.or(forge.remote_cache_timeout);
    if let Some(percent) = profile.coverage.fail_under {
        // Checked here, as the file's `[coverage]` is checked later under its own name.
        if !(0.0..=100.0).contains(&percent) {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line: None,
                place: format!("[profiles.{}] coverage", crate::config::excerpt(name)),
                message: format!("fail-under {percent} is not a percentage between 0 and 100"),
                hint: None,
            });
        }
        file.coverage.fail_under = Some(percent);
    }
    for session in file.sessions.values_mut() {
        for (key, value) in &profile.env {
            if !session.env.contains_key(key) {
                session.env.insert(key.clone(), value.clone());
            }
        }
        session.retries = session.retries.or(profile.retries);
        session.timeout = session.timeout.or(profile.timeout);
        session.retry_delay = session.retry_delay.or(profile.retry_delay);
        session.retry_backoff = session.retry_backoff.or(profile.retry_backoff);
        session.retry_max_delay = session.retry_max_delay.or(profile.retry_max_delay);
    }
    Ok(Profile { name: name.to_owned(), description: profile.description })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Hint as _;

    const FILE: &str = r#"
[forge]
jobs = 2
reports-dir = "out"

[coverage]
fail-under = 50

[sessions.own]
commands = ["true"]
retries = 1
timeout = "5s"
env = { TARGET = "mine" }

[sessions.bare]
commands = ["true"]

[profiles.production]
description = "the real thing"
coverage = { fail-under = 80 }
env = { TARGET = "production", EXTRA = "1" }
retries = 3
timeout = "1m"
retry-backoff = 3.0
forge = { jobs = 8, cache-dir = "ci-cache", cache-size = "2GB", skip-missing-interpreters = true }

[profiles.staging]
"#;

    fn file() -> SessionsFile {
        crate::config::parse(std::path::Path::new("sessions.toml"), FILE).expect("parses")
    }

    #[test]
    fn the_most_specific_value_wins() {
        let mut file = file();
        let profile = apply(&mut file, std::path::Path::new("sessions.toml"), "production").expect("applies");
        assert_eq!(profile, Profile { name: "production".into(), description: Some("the real thing".into()) });
        assert_eq!((file.forge.jobs, file.forge.reports_dir.as_deref()), (Some(8), Some("out")));
        assert_eq!(
            (file.forge.cache_dir.as_deref(), file.forge.cache_size.as_deref(), file.forge.skip_missing_interpreters),
            (Some("ci-cache"), Some("2GB"), Some(true))
        );
        assert_eq!(file.coverage.fail_under, Some(80.0));
        let own = &file.sessions["own"];
        assert_eq!((own.retries, own.timeout.map(|spec| spec.0.as_secs())), (Some(1), Some(5)));
        assert_eq!(own.env["TARGET"], "mine");
        assert_eq!(own.env["EXTRA"], "1");
        let bare = &file.sessions["bare"];
        assert_eq!((bare.retries, bare.timeout.map(|spec| spec.0.as_secs())), (Some(3), Some(60)));
        assert_eq!(bare.env["TARGET"], "production");
        assert_eq!((own.retry_backoff, bare.retry_backoff), (Some(3.0), Some(3.0)));
    }

    #[test]
    fn an_empty_profile_changes_nothing() {
        let mut file = file();
        apply(&mut file, std::path::Path::new("sessions.toml"), "staging").expect("applies");
        assert_eq!((file.forge.jobs, file.coverage.fail_under), (Some(2), Some(50.0)));
        assert_eq!(file.sessions["bare"].retries, None);
        assert!(file.sessions["bare"].env.is_empty());
    }

    #[test]
    fn an_unknown_profile_names_the_nearest() {
        let error = apply(&mut file(), std::path::Path::new("sessions.toml"), "prodution").expect_err("unknown");
        assert_eq!(error.to_string(), "sessions.toml: --profile: no profile `prodution` in sessions.toml");
        assert_eq!(error.hint().as_deref(), Some("did you mean `production`?"));
        let error = apply(&mut file(), std::path::Path::new("sessions.toml"), "qa").expect_err("unknown");
        assert_eq!(error.hint().as_deref(), Some("profiles: production, staging"));
        let mut bad = crate::config::parse(
            std::path::Path::new("sessions.toml"),
            "[profiles.x]\ncoverage = { fail-under = 101 }\n",
        )
        .expect("parses");
        let error = apply(&mut bad, std::path::Path::new("sessions.toml"), "x").expect_err("not a percentage");
        assert_eq!(
            error.to_string(),
            "sessions.toml: [profiles.x] coverage: fail-under 101 is not a percentage between 0 and 100"
        );
        let mut empty = crate::config::parse(std::path::Path::new("sessions.toml"), "").expect("parses");
        let error = apply(&mut empty, std::path::Path::new("sessions.toml"), "qa").expect_err("unknown");
        assert_eq!(error.hint().as_deref(), Some("add a [profiles.NAME] table to sessions.toml"));
    }
}
