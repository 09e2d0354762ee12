//! Substitutions in commands and report paths: `{posargs}`, `{python}`, `{env:NAME:DEFAULT}`…
//!
//! The placeholder names follow tox's (`{posargs}`, `{envdir}`, `{env:NAME}`); `{{` and `}}` are
//! literal braces. Templates are parsed when the config loads, so a malformed one is a config error
//! and nothing runs.

use super::error::excerpt;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Text copied as is.
    Literal(String),
    /// `{posargs}` or `{posargs:DEFAULT}`: the arguments after `--`, or DEFAULT when none were given.
    Posargs(Option<String>),
    /// `{python}`: the instance's interpreter version (empty when the session names none).
    Python,
    /// `{session}`: the instance name.
    Session,
    /// `{envdir}`: the virtualenv's directory.
    Envdir,
    /// `{reports}`: the reports directory.
    Reports,
    /// `{root}`: the directory holding sessions.toml.
    Root,
    /// `{env:NAME}` or `{env:NAME:DEFAULT}`: the caller's environment variable.
    Env(String, Option<String>),
}

/// A parsed template: a sequence of literal text and placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    /// The pieces, in order.
    pub parts: Vec<TemplatePart>,
}

/// Values the placeholders stand for, for one session instance.
#[derive(Debug, Clone, Copy)]
pub struct TemplateContext<'a> {
    /// Arguments after `--`; `None` when no `--` was given.
    pub posargs: Option<&'a [String]>,
    /// Interpreter version of the instance, or "".
    pub python: &'a str,
    /// Instance name.
    pub session: &'a str,
    /// Virtualenv directory, or "" for `venv = false`.
    pub envdir: &'a str,
    /// Reports directory.
    pub reports: &'a str,
    /// Project root.
    pub root: &'a str,
    /// Render `{env:NAME}` as itself instead of its value: for everything displayed or written
    /// to reports, so environment values (tokens) never leave the process that uses them.
    pub redact_env: bool,
}

// Private-use characters stand in for placeholders while a command line is split into words.
const MARK_OPEN: char = '\u{F8F0}';
const MARK_CLOSE: char = '\u{F8F1}';

impl Template {
    /// Parses `text`.
    ///
    /// # Errors
    /// Unclosed or unknown placeholders, e.g. "unknown placeholder `{pyhton}`".
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((index, character)) = chars.next() {
            match character {
                '{' if chars.peek().map(|&(_, next)| next) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, next)| next) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let rest = &text[index + 1..];
                    let end = rest.find('}').ok_or_else(|| format!("unclosed `{{` in `{}`", excerpt(text)))?;
                    let inner = &rest[..end];
                    for _ in 0..inner.chars().count() + 1 {
                        chars.next();
                    }
                    if !literal.is_empty() {
                        parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(parse_placeholder(inner)?);
                }
                '}' => return Err(format!("unmatched `}}` in `{}` (write `}}}}` for a brace)", excerpt(text))),
                _ => literal.push(character),
            }
        }
        if !literal.is_empty() {
            parts.push(TemplatePart::Literal(literal));
        }
        Ok(Self { parts })
    }

    /// Whether this template uses `part` anywhere.
    pub fn uses(&self, wanted: &TemplatePart) -> bool {
        self.parts.iter().any(|part| std::mem::discriminant(part) == std::mem::discriminant(wanted))
    }

    /// Renders to one string; posargs are joined with spaces.
    pub fn render(&self, context: &TemplateContext<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Posargs(default) => match (context.posargs, default) {
                    (Some(args), _) => out.push_str(&args.join(" ")),
                    (None, Some(default)) => out.push_str(default),
                    (None, None) => {}
                },
                TemplatePart::Python => out.push_str(context.python),
                TemplatePart::Session => out.push_str(context.session),
                TemplatePart::Envdir => out.push_str(context.envdir),
                TemplatePart::Reports => out.push_str(context.reports),
                TemplatePart::Root => out.push_str(context.root),
                TemplatePart::Env(name, default) if context.redact_env => {
                    out.push_str("{env:");
                    out.push_str(name);
                    if let Some(default) = default {
                        out.push(':');
                        out.push_str(default);
                    }
                    out.push('}');
                }
                TemplatePart::Env(name, default) => match std::env::var(name) {
                    Ok(value) => out.push_str(&value),
                    Err(_) => out.push_str(default.as_deref().unwrap_or("")),
                },
            }
        }
        out
    }

    /// Renders one argv word: a word that is exactly `{posargs}` becomes zero or more arguments
    /// (the posargs, or the default split like a shell line), as in tox.
    pub fn render_arguments(&self, context: &TemplateContext<'_>) -> Vec<String> {
        if let [TemplatePart::Posargs(default)] = self.parts.as_slice() {
            return match (context.posargs, default) {
                (Some(args), _) => args.to_vec(),
                (None, Some(default)) => shlex::split(default).unwrap_or_default(),
                (None, None) => Vec::new(),
            };
        }
        vec![self.render(context)]
    }

    /// Splits a command line into word templates like a POSIX shell would (quotes, backslashes),
    /// without running one; placeholders may hold spaces (`{posargs:-x tests}`).
    ///
    /// # Errors
    /// Malformed placeholders or unbalanced quotes.
    pub fn split_command(line: &str) -> Result<Vec<Template>, String> {
        if line.contains(MARK_OPEN) || line.contains(MARK_CLOSE) {
            return Err("the command contains reserved private-use characters".into());
        }
        let whole = Template::parse(line)?;
        let mut masked = String::new();
        let mut placeholders = Vec::new();
        for part in whole.parts {
            match part {
                TemplatePart::Literal(text) => masked.push_str(&text),
                other => {
                    masked.push(MARK_OPEN);
                    masked.push_str(&placeholders.len().to_string());
                    masked.push(MARK_CLOSE);
                    placeholders.push(other);
                }
            }
        }
        let words = shlex::split(&masked).ok_or_else(|| {
            format!("cannot split `{}` into words: unbalanced quotes or a trailing backslash", excerpt(line))
        })?;
        if words.is_empty() {
            return Err("the command is empty".into());
        }
        Ok(words.into_iter().map(|word| unmask(&word, &placeholders)).collect())
    }
}

fn unmask(word: &str, placeholders: &[TemplatePart]) -> Template {
    let mut parts = Vec::new();
    let mut rest = word;
    while let Some(start) = rest.find(MARK_OPEN) {
        if start > 0 {
            parts.push(TemplatePart::Literal(rest[..start].to_owned()));
        }
        let after = &rest[start + MARK_OPEN.len_utf8()..];
        let end = after.find(MARK_CLOSE).unwrap_or(after.len());
        if let Some(part) = after[..end].parse::<usize>().ok().and_then(|index| placeholders.get(index)) {
            parts.push(part.clone());
        }
        rest = after.get(end + MARK_CLOSE.len_utf8()..).unwrap_or("");
    }
    if !rest.is_empty() {
        parts.push(TemplatePart::Literal(rest.to_owned()));
    }
    Template { parts }
}

fn parse_placeholder(inner: &str) -> Result<TemplatePart, String> {
    let (name, argument) = match inner.split_once(':') {
        Some((name, argument)) => (name, Some(argument)),
        None => (inner, None),
    };
    let part = match (name, argument) {
        ("posargs", default) => TemplatePart::Posargs(default.map(str::to_owned)),
        ("python", None) => TemplatePart::Python,
        ("session", None) => TemplatePart::Session,
        ("envdir", None) => TemplatePart::Envdir,
        ("reports", None) => TemplatePart::Reports,
        ("root", None) => TemplatePart::Root,
        ("env", Some(argument)) => {
            let (variable, default) = match argument.split_once(':') {
                Some((variable, default)) => (variable, Some(default.to_owned())),
                None => (argument, None),
            };
            if variable.is_empty() {
                return Err("`{env:…}` needs a variable name, e.g. `{env:HOME}`".into());
            }
            if variable.contains(['=', '\0']) {
                return Err(format!("`{{env:{}}}` is not an environment variable name", excerpt(variable)));
            }
            TemplatePart::Env(variable.to_owned(), default)
        }
        _ => {
            let known = ["posargs", "python", "session", "envdir", "reports", "root", "env:NAME"];
            let hint = super::suggest(name, known.iter().copied())
                .map(|near| format!("; did you mean `{{{near}}}`?"))
                .unwrap_or_default();
            let hint = if hint.is_empty() { "; write `{{` and `}}` for literal braces".to_owned() } else { hint };
            return Err(format!("unknown placeholder `{{{}}}`{hint}", excerpt(inner)));
        }
    };
    Ok(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(posargs: Option<&[String]>) -> TemplateContext<'_> {
        TemplateContext {
            posargs,
            python: "3.11",
            session: "test-3.11",
            envdir: "/envs/test-3.11",
            reports: "/r",
            root: "/p",
            redact_env: false,
        }
    }

    fn argv(line: &str, posargs: Option<&[String]>) -> Vec<String> {
        Template::split_command(line)
            .unwrap()
            .iter()
            .flat_map(|word| word.render_arguments(&context(posargs)))
            .collect()
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
    fn env_placeholder_uses_default_when_unset() {
        let template = Template::parse("{env:FORGE_SURELY_UNSET_VARIABLE:fallback}").unwrap();
        assert_eq!(template.render(&context(None)), "fallback");
    }

    #[test]
    fn malformed_templates_are_errors() {
        assert!(Template::parse("{pyhton}").unwrap_err().contains("did you mean `{python}`"));
        assert!(Template::parse("{posargs").is_err());
        assert!(Template::parse("a } b").is_err());
        assert!(Template::parse("{env:}").is_err());
        assert!(Template::parse("{env:A=B}").unwrap_err().contains("not an environment variable name"));
        assert!(Template::split_command("echo 'unclosed").is_err());
        assert!(Template::split_command("   ").is_err());
    }
}
