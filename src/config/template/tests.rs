use super::*;

fn context(posargs: Option<&[String]>) -> TemplateContext<'_> {
    TemplateContext {
        posargs,
        python: "3.11",
        session: "test-3.11",
        envdir: "/envs/test-3.11",
        reports: "/r",
        root: "/p",
        matrix: &[],
        redact_env: false,
    }
}

fn argv(line: &str, posargs: Option<&[String]>) -> Vec<String> {
    Template::split_command(line).unwrap().iter().flat_map(|word| word.render_arguments(&context(posargs))).collect()
}

fn error(text: &str) -> TemplateError {
    Template::parse(text).unwrap_err()
}

/// An environment variable every test process has, whose value is surely not written in a test.
fn path_value() -> String {
    std::env::var("PATH").expect("PATH is set")
}

#[test]
fn posargs_expand_to_separate_words() {
    let given = vec!["-k".to_owned(), "a b".to_owned()];
    assert_eq!(argv("pytest {posargs}", Some(&given)), ["pytest", "-k", "a b"]);
    assert_eq!(argv("pytest {posargs}", None), ["pytest"]);
    assert_eq!(argv("ruff check {posargs:-x tests}", None), ["ruff", "check", "-x", "tests"]);
    assert_eq!(argv("echo x{posargs}y", Some(&given)), ["echo", "x-k a by"]);
}

#[test]
fn other_placeholders_stay_inside_their_word() {
    assert_eq!(
        argv("pytest --junitxml={reports}/pytest-{python}.xml '{session} x'", None),
        ["pytest", "--junitxml=/r/pytest-3.11.xml", "test-3.11 x"]
    );
    assert_eq!(argv("echo {{literal}} {root}", None), ["echo", "{literal}", "/p"]);
}

#[test]
fn a_posargs_default_may_hold_placeholders() {
    // tox accepts `{posargs:{toxinidir}/tests}`; so does forge, with its own names.
    assert_eq!(argv("pytest {posargs:{root}/tests}", None), ["pytest", "/p/tests"]);
    assert_eq!(argv("pytest {posargs:{root}/tests}", Some(&["-x".to_owned()])), ["pytest", "-x"]);
    assert_eq!(
        argv("pytest {posargs:-k 'a b' {reports}/{session}.xml}", None),
        ["pytest", "-k", "a b", "/r/test-3.11.xml"]
    );
    // A substituted value is never split, in a default as anywhere.
    let spaced = TemplateContext { root: "/my project", ..context(None) };
    let words = Template::split_command("pytest {posargs:{root}/tests -q}").unwrap();
    let rendered: Vec<String> = words.iter().flat_map(|word| word.render_arguments(&spaced)).collect();
    assert_eq!(rendered, ["pytest", "/my project/tests", "-q"]);
    // Inside a larger word the default is used as one piece of text.
    assert_eq!(argv("echo --dir={posargs:{root}/x}", None), ["echo", "--dir=/p/x"]);
    // A literal `{` in a default; `}` always closes the default.
    assert_eq!(argv("echo {posargs:{{a}", None), ["echo", "{a"]);
}

#[test]
fn env_placeholder_uses_its_default_when_unset() {
    let template = Template::parse("{env:FORGE_SURELY_UNSET_VARIABLE:fallback}").unwrap();
    assert_eq!(template.render(&context(None)), "fallback");
    let nested = Template::parse("{env:FORGE_SURELY_UNSET_VARIABLE:{root}/x}").unwrap();
    assert_eq!(nested.render(&context(None)), "/p/x");
    assert_eq!(Template::parse("{env:PATH:x}").unwrap().render(&context(None)), path_value());
}

#[test]
fn uses_looks_inside_defaults() {
    let template = Template::parse("{posargs:{envdir}/bin}").unwrap();
    assert!(template.uses(&TemplatePart::Envdir));
    assert!(Template::parse("{env:A:{posargs}}").unwrap().uses(&TemplatePart::Posargs(None)));
    assert!(!Template::parse("{root}/x").unwrap().uses(&TemplatePart::Envdir));
}

#[test]
fn display_round_trips_the_source() {
    for text in ["pytest {posargs:{root}/tests}", "{env:A:{env:B:x}}", "a {{b}} {python}-{session}", "{posargs}"] {
        assert_eq!(Template::parse(text).unwrap().to_string(), text);
    }
}

#[test]
fn shown_renderings_never_hold_an_environment_value() {
    let secret = path_value();
    let template = Template::parse("{env:PATH}/bin-{python}").unwrap();
    let rendered = template.rendered(&context(None));
    assert_eq!(rendered.value, format!("{secret}/bin-3.11"));
    assert_eq!(rendered.shown, "{env:PATH}/bin-3.11");
    assert_eq!(template.display(&context(None)), rendered.shown);
    // `rendered` does not depend on the context's flag: the value is real, the shown text is not.
    let redacting = TemplateContext { redact_env: true, ..context(None) };
    assert_eq!(template.rendered(&redacting), rendered);
    // Nested: an env value used as a default, or inside a posargs default.
    let nested = Template::parse("{env:FORGE_SURELY_UNSET_VARIABLE:{env:PATH}}").unwrap();
    assert_eq!(nested.rendered(&context(None)).value, secret);
    assert_eq!(nested.display(&context(None)), "{env:FORGE_SURELY_UNSET_VARIABLE:{env:PATH}}");
    let words = Template::split_command("{posargs:{env:PATH} -x}").unwrap();
    let shown: Vec<String> = words.iter().flat_map(|word| word.render_arguments(&redacting)).collect();
    assert_eq!(shown, ["{env:PATH}", "-x"]);
}

#[test]
fn malformed_templates_say_what_and_where() {
    let unknown = error("pytest {pyhton}");
    assert_eq!(unknown.message, "unknown placeholder `{pyhton}` at column 8 in `pytest {pyhton}`");
    assert_eq!(unknown.hint.as_deref(), Some("did you mean `{python}`?"));
    assert_eq!(error("pytest {posargs").message, "unclosed `{` at column 8 in `pytest {posargs`");
    assert_eq!(error("a } b").message, "unmatched `}` at column 3 in `a } b`");
    assert_eq!(error("x {posargs:{root}/tests").message, "unclosed `{` at column 3 in `x {posargs:{root}/tests`");
    let typo = error("{posargs:{root/tests}");
    assert_eq!(typo.message, "unknown placeholder `{root/tests}` at column 10 in `{posargs:{root/tests}`");
    assert_eq!(typo.hint.as_deref(), Some("did you mean `{root}`?"));
    assert_eq!(error("{env:}").message, "`{env:…}` needs a variable name at column 1 in `{env:}`");
    assert!(error("{env:A=B}").message.contains("not an environment variable name"));
    assert_eq!(error("{python:3}").message, "`{python}` takes no `:` argument at column 1 in `{python:3}`");
    assert!(error("{posargs:{posargs}}").message.starts_with("`{posargs}` inside the default"));
    let dict = error("python -c \"print({'a': 1})\"");
    assert_eq!(dict.hint.as_deref(), Some("write `{{` and `}}` for literal braces"));
}

#[test]
fn unsplittable_commands_point_at_the_quote() {
    let quote = Template::split_command("echo {posargs:x} 'oops").unwrap_err();
    assert_eq!(quote.message, "unclosed `'` at column 18 in `echo {posargs:x} 'oops`");
    let double = Template::split_command("echo \"a").unwrap_err();
    assert_eq!(double.message, "unclosed `\"` at column 6 in `echo \"a`");
    let backslash = Template::split_command("echo a\\").unwrap_err();
    assert_eq!(backslash.message, "a trailing backslash at column 7 in `echo a\\`");
    let default = Template::split_command("pytest {posargs:-k 'x}").unwrap_err();
    assert_eq!(default.message, "the default of `{posargs:…}`: unclosed `'` at column 20 in `pytest {posargs:-k 'x}`");
    assert!(Template::split_command("   ").is_err());
}

#[test]
fn long_values_are_quoted_around_the_fault() {
    let long = format!("echo {} {{pyhton}} {}", "a".repeat(300), "b".repeat(300));
    let message = error(&long).message;
    assert!(message.starts_with("unknown placeholder `{pyhton}` at column 307 in `…"), "{message}");
    assert!(message.contains("a {pyhton} b") && message.ends_with("…`"), "{message}");
    assert!(message.chars().count() < 200, "{message}");
    // A realistic command is quoted whole, not cut.
    let command = "pytest --junitxml={reports}/pytest-{python}.xml --cov --cov-report=xml:{reports}/coverage-{python}.xml {posargs";
    assert!(error(command).message.ends_with(&format!("`{command}`")));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{{posargs:{}", "{env:A:".repeat(100_000));
    assert!(error(&deep).message.starts_with("placeholders nested more than 8 deep"));
    assert!(Template::parse(&format!("{}x{}", "{env:A:".repeat(7), "}".repeat(7))).is_ok());
}

#[test]
fn the_program_word_has_a_shown_twin() {
    let command =
        |line: &str| crate::config::Command { source: line.to_owned(), words: Template::split_command(line).unwrap() };
    let secret = path_value();
    let from_env = command("{env:PATH}/tool --flag {env:PATH}");
    let program = from_env.program(&context(None)).unwrap();
    assert_eq!(program.value, format!("{secret}/tool"));
    assert_eq!(program.shown, "{env:PATH}/tool");
    assert!(!from_env.display(&context(None)).contains(&secret));
    // The program may come from posargs or their default; with none at all there is no program.
    let posargs = command("{posargs:{env:PATH} -x}");
    assert_eq!(posargs.program(&context(None)).unwrap().shown, "{env:PATH}");
    assert_eq!(posargs.program(&context(Some(&["pytest".to_owned()]))).unwrap().value, "pytest");
    assert_eq!(command("{posargs}").program(&context(None)), None);
}
