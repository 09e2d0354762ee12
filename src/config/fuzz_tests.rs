//! Property tests of the config loader and the small parsers behind it: whatever the input,
//! they return a value or a one-line error, and never panic.
//!
//! The structured generator builds TOML from the real key names with values of random types, so
//! most cases get past the TOML parser and exercise the schema and the semantic checks. Case
//! counts are bounded so the whole module runs in a few seconds.

use crate::error::Hint as _;
use std::fmt::Write as _;
use std::path::PathBuf;

use proptest::prelude::*;

use super::{ConfigError, DurationSpec, Template, TemplateContext, is_valid_name, load};
use crate::plan::{self, KeywordExpr, Selection};

const FORGE_KEYS: &[&str] = &["default", "python", "env-dir", "reports-dir", "jobs"];
const SESSION_KEYS: &[&str] = &[
    "description",
    "python",
    "deps",
    "requirements",
    "install-project",
    "extras",
    "groups",
    "locked",
    "env",
    "commands",
    "requires",
    "tags",
    "junit",
    "coverage",
    "timeout",
    "retries",
    "retry-delay",
    "venv",
];
const COVERAGE_KEYS: &[&str] = &["fail-under"];
const NAMES: &[&str] = &["lint", "test", "test-3.11", "a", "b", "Lint", "", "..", "a/b", "-x", "a b", "é", "x\ny"];
const STRINGS: &[&str] = &[
    "",
    "3.11",
    "3.12",
    "pypy3.10",
    "../x",
    "10s",
    "0s",
    "-5s",
    "10",
    "1h 30m",
    "500000000000y",
    "ruff",
    "lint",
    "test",
    "test-3.11",
    "a",
    "b",
    "{posargs}",
    "{posargs:-x}",
    "{pyhton}",
    "{envdir}",
    "{env:HOME}",
    "{env:A=B}",
    "{",
    "}",
    "{{",
    "echo 'x",
    "echo \"a b\" {session}",
    "\\",
    "\0",
    "\n",
    "\u{1b}[2J",
    "\u{202e}",
    "\u{f8f0}0\u{f8f1}",
];

/// A TOML value of a random type, as TOML text.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => prop::sample::select(STRINGS).prop_map(quote),
        1 => any::<String>().prop_map(|text| quote(&text)),
        1 => any::<i64>().prop_map(|number| number.to_string()),
        1 => prop::sample::select(&[0_i64, 1, -1, 100, 101, 1024, 1025, 4_294_967_296][..]).prop_map(|n| n.to_string()),
        1 => prop::sample::select(&["1e9", "3.11", "-0.0", "nan", "inf", "-inf", "120.5", "true", "false"][..])
            .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            3 => prop::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
            1 => prop::collection::vec((prop::sample::select(STRINGS), inner), 0..3).prop_map(|pairs| {
                let pairs: Vec<String> = pairs.iter().map(|(key, value)| format!("{} = {value}", quote(key))).collect();
                format!("{{ {} }}", pairs.join(", "))
            }),
        ]
    })
}

/// A value for `key` in `[section]`: usually of the right type (with hostile content), sometimes of
/// any type.
fn value_for(section: &str, key: &str) -> BoxedStrategy<String> {
    let string = || prop::sample::select(STRINGS).prop_map(quote);
    let strings = move || prop::collection::vec(string(), 0..4).prop_map(|items| format!("[{}]", items.join(", ")));
    let typed: BoxedStrategy<String> = match (section, key) {
        ("forge", "python") => string().boxed(),
        (_, "description" | "env-dir" | "reports-dir" | "timeout" | "retry-delay") => string().boxed(),
        (_, "python") => prop_oneof![string(), strings()].boxed(),
        (_, "commands") => prop::collection::vec(prop_oneof![string(), strings()], 0..3)
            .prop_map(|items| format!("[{}]", items.join(", ")))
            .boxed(),
        (_, "env") => prop::collection::vec((prop::sample::select(STRINGS), string()), 0..3)
            .prop_map(|pairs| {
                let pairs: Vec<String> =
                    pairs.iter().map(|(name, value)| format!("{} = {value}", quote(name))).collect();
                format!("{{ {} }}", pairs.join(", "))
            })
            .boxed(),
        (_, "venv" | "locked") => any::<bool>().prop_map(|flag| flag.to_string()).boxed(),
        (_, "install-project") => {
            prop::sample::select(&["true", "false", "\"editable\"", "\"wheel\"", "\"sdist\"", "\"egg\""][..])
                .prop_map(str::to_owned)
                .boxed()
        }
        (_, "retries" | "jobs") => {
            prop::sample::select(&["0", "1", "2", "100", "101", "1024", "1025", "-1", "99999999999"][..])
                .prop_map(str::to_owned)
                .boxed()
        }
        (_, "fail-under") => prop::sample::select(&["0", "80", "99.5", "100", "120", "-1", "nan", "inf"][..])
            .prop_map(str::to_owned)
            .boxed(),
        _ => strings().boxed(),
    };
    prop_oneof![7 => typed, 1 => value()].boxed()
}

/// A few distinct `keys` of `[section]`, each set to a value.
fn table(section: &'static str, keys: &'static [&'static str]) -> impl Strategy<Value = Vec<(&'static str, String)>> {
    prop::sample::subsequence(keys, 0..=keys.len().min(6))
        .prop_flat_map(move |keys| keys.into_iter().map(|key| (Just(key), value_for(section, key))).collect::<Vec<_>>())
}

/// A whole sessions.toml built from the real keys (and a few misspelled ones).
fn document() -> impl Strategy<Value = String> {
    (
        prop::option::of(table("forge", FORGE_KEYS)),
        prop::sample::subsequence(NAMES, 0..4).prop_flat_map(|names| {
            names.into_iter().map(|name| (Just(name), table("sessions", SESSION_KEYS))).collect::<Vec<_>>()
        }),
        prop::option::of(table("coverage", COVERAGE_KEYS)),
    )
        .prop_map(|(forge, sessions, coverage)| {
            let mut text = String::new();
            let mut write_table = |header: &str, entries: &[(&str, String)]| {
                let _ = writeln!(text, "[{header}]");
                for (key, value) in entries {
                    let _ = writeln!(text, "{key} = {value}");
                }
            };
            if let Some(entries) = forge {
                write_table("forge", &entries);
            }
            for (name, entries) in sessions {
                write_table(&format!("sessions.{}", quote(name)), &entries);
            }
            if let Some(entries) = coverage {
                write_table("coverage", &entries);
            }
            text
        })
}

/// `text` as a TOML basic string.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            control if control.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(control));
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// Parses and validates `text` as if read from /project/sessions.toml; on success, plans the
/// default selection and renders every command, which must not panic either.
fn check(text: &str) -> Result<(), TestCaseError> {
    let path = PathBuf::from("/project/sessions.toml");
    let result = super::load::parse(&path, text)
        .and_then(|file| super::validate::validate(path, file, &super::locate::Locator::new(text)));
    match result {
        Ok(project) => {
            for session in &project.sessions {
                for instance in session.instances().into_iter().map(|instance| instance.name) {
                    prop_assert!(is_valid_name(&instance), "accepted an unsafe instance name {instance:?}");
                }
                for command in &session.commands {
                    let context = TemplateContext {
                        posargs: None,
                        python: "3.12",
                        session: &session.name,
                        envdir: "/e",
                        reports: "/r",
                        root: "/p",
                        matrix: &[],
                        redact_env: false,
                    };
                    let _ = command.words.iter().flat_map(|word| word.render_arguments(&context)).count();
                }
            }
            let _ = plan::plan(&project, &Selection::default());
        }
        Err(error) => assert_one_line(&error)?,
    }
    Ok(())
}

fn assert_one_line(error: &ConfigError) -> Result<(), TestCaseError> {
    let message = error.to_string();
    prop_assert!(!message.trim().is_empty(), "empty message for {error:?}");
    prop_assert!(!message.contains(['\n', '\r']), "multi-line message: {message:?}");
    prop_assert!(message.chars().count() < 600, "overlong message: {message:?}");
    if let Some(hint) = error.hint() {
        prop_assert!(!hint.trim().is_empty() && !hint.contains('\n'), "bad hint: {hint:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn structured_documents_never_panic(text in document()) {
        check(&text)?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn toml_looking_text_never_panics(
        pieces in prop::collection::vec(
            prop::sample::select(&["[", "]", "[[", "]]", "sessions", ".", "\"", "=", "\n", "a", "{", "}", ",", "'", "\\", "#", "1", " ", "forge", "é"][..]),
            0..60,
        )
    ) {
        check(&pieces.concat())?;
    }

    #[test]
    fn templates_never_panic(text in "\\PC*", posargs in prop::option::of(prop::collection::vec(any::<String>(), 0..3))) {
        let context = TemplateContext { posargs: posargs.as_deref(), python: "3.12", session: "s", envdir: "/e", reports: "/r", root: "/p", matrix: &[], redact_env: false };
        match Template::parse(&text) {
            Ok(template) => { let _ = template.render(&context); }
            Err(error) => prop_assert!(!error.message.contains('\n'), "{error:?}"),
        }
        match Template::split_command(&text) {
            Ok(words) => { let _ = words.iter().flat_map(|word| word.render_arguments(&context)).count(); }
            Err(error) => prop_assert!(!error.message.contains('\n'), "{error:?}"),
        }
    }

    #[test]
    fn brace_heavy_templates_never_panic(
        pieces in prop::collection::vec(prop::sample::select(&["{", "}", "posargs", ":", "env", "python", " ", "'", "\"", "\\", "\u{f8f0}", "\u{f8f1}", "0", "é"][..]), 0..30)
    ) {
        let text = pieces.concat();
        // What a template shows as its source reads back as the same template.
        if let Ok(template) = Template::parse(&text) {
            prop_assert_eq!(Template::parse(&template.to_string()), Ok(template));
        }
        let _ = Template::split_command(&text);
    }

    #[test]
    fn keyword_expressions_never_panic(
        pieces in prop::collection::vec(prop::sample::select(&["(", ")", "not", "and", "or", "lint", "test", " ", "é"][..]), 0..40),
        name in "\\PC{0,12}",
    ) {
        if let Ok(expression) = KeywordExpr::parse(&pieces.join(" ")) {
            let _ = expression.matches(&name);
        }
        if let Ok(expression) = KeywordExpr::parse(&pieces.concat()) {
            let _ = expression.matches(&name);
        }
    }

    #[test]
    fn durations_never_panic(text in "\\PC{0,24}") {
        match DurationSpec::parse(&text) {
            Ok(duration) => prop_assert!(!duration.0.is_zero() && duration.0 <= super::duration::MAX_DURATION),
            Err(message) => prop_assert!(!message.contains('\n'), "{message:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// The whole `load` path, file reading and the UTF-8 check included, on random bytes.
    #[test]
    fn loading_random_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256), prefix in prop::sample::select(&["", "[sessions.a]\n", "[sessions.a]\ndescription = \""][..])) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("sessions.toml");
        let mut content = prefix.as_bytes().to_vec();
        content.extend_from_slice(&bytes);
        std::fs::write(&path, content).unwrap();
        if let Err(error) = load(&path) {
            assert_one_line(&error)?;
        }
    }
}

/// The structured generator is only worth its cases if many documents get past the TOML parser
/// and the schema: some must be accepted, some rejected by the semantic checks.
#[test]
fn structured_documents_reach_validation() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut accepted, mut invalid) = (0, 0);
    for _ in 0..500 {
        let text = document().new_tree(&mut runner).unwrap().current();
        let path = PathBuf::from("/project/sessions.toml");
        match super::load::parse(&path, &text)
            .and_then(|file| super::validate::validate(path, file, &super::locate::Locator::new(&text)))
        {
            Ok(_) => accepted += 1,
            Err(ConfigError::Invalid { .. }) => invalid += 1,
            Err(_) => {}
        }
    }
    assert!(accepted > 25 && invalid > 25, "accepted {accepted}, invalid {invalid} of 500");
}
