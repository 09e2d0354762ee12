//! Substitutions in commands and report paths: `{posargs}`, `{python}`, `{matrix.NAME}`,
//! `{env:NAME:DEFAULT}`…
//!
//! The placeholder names follow tox's (`{posargs}`, `{envdir}`, `{env:NAME}`); `{{` and `}}` are
//! literal braces, and a default may hold placeholders itself (`{posargs:{root}/tests}`), as in
//! tox. Templates are parsed when the config loads, so a malformed one is a config error and
//! nothing runs.
//!
//! Every rendering has a shown twin in which each `{env:…}` stays a placeholder: the value of an
//! environment variable (a token) is used to run a command but never displayed or written to a
//! report.

mod parse;

use std::fmt;

pub use parse::TemplateError;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Text copied as is.
    Literal(String),
    /// `{posargs}` or `{posargs:DEFAULT}`: the arguments after `--`, or DEFAULT when none were given.
    Posargs(Option<PosargsDefault>),
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
    /// `{matrix.NAME}`: the instance's value on matrix axis NAME (checked to exist when the
    /// session loads; "" when rendered without it).
    Matrix(String),
    /// `{env:NAME}` or `{env:NAME:DEFAULT}`: the caller's environment variable, or DEFAULT (itself
    /// a template) when it is unset.
    Env(String, Option<Template>),
}

/// The DEFAULT of `{posargs:DEFAULT}`, kept two ways because it is used two ways (as tox does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosargsDefault {
    /// The default as one piece of text, for a `{posargs:…}` inside a larger word.
    pub text: Template,
    /// The default split like a shell line, for a word that is exactly `{posargs:…}`: each word
    /// becomes one argument (placeholders in it are never split again).
    pub words: Vec<Template>,
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
    /// The instance's matrix values, `(axis, value)` in declared order.
    pub matrix: &'a [(String, String)],
    /// Render `{env:NAME}` as itself instead of its value: for everything displayed or written
    /// to reports, so environment values (tokens) never leave the process that uses them.
    /// [`Template::rendered`], [`Template::display`] and [`super::Command::program`] set it
    /// themselves; it matters only to [`Template::render`].
    pub redact_env: bool,
}

/// A value rendered for use and for display: `value` has every substitution made, `shown` keeps
/// each `{env:…}` as its placeholder. Everything forge prints or writes to a log or report uses
/// `shown`; only the process being run (its argv, its environment) and the file system see `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The real text, e.g. `s3cr3t-tool`.
    pub value: String,
    /// The same with environment values hidden, e.g. `{env:TOOL}`.
    pub shown: String,
}

impl Template {
    /// Whether this template uses `part` anywhere, defaults included (only the kind of `part`
    /// matters: `Posargs(None)` finds any `{posargs…}`).
    pub fn uses(&self, wanted: &TemplatePart) -> bool {
        self.parts.iter().any(|part| {
            std::mem::discriminant(part) == std::mem::discriminant(wanted)
                || match part {
                    TemplatePart::Posargs(Some(default)) => default.text.uses(wanted),
                    TemplatePart::Env(_, Some(default)) => default.uses(wanted),
                    _ => false,
                }
        })
    }

    /// The matrix axes this template names (`{matrix.NAME}`), defaults included.
    pub fn matrix_axes(&self) -> Vec<&str> {
        let mut axes = Vec::new();
        for part in &self.parts {
            match part {
                TemplatePart::Matrix(axis) => axes.push(axis.as_str()),
                TemplatePart::Posargs(Some(default)) => axes.extend(default.text.matrix_axes()),
                TemplatePart::Env(_, Some(default)) => axes.extend(default.matrix_axes()),
                _ => {}
            }
        }
        axes
    }

    /// Renders to one string; posargs are joined with spaces. With `context.redact_env`, each
    /// `{env:…}` is written as its placeholder (see [`Template::display`]).
    pub fn render(&self, context: &TemplateContext<'_>) -> String {
        let mut out = String::new();
        self.render_into(context, &mut out);
        out
    }

    /// The rendering to show (logs, terminal, reports): `{env:…}` left as placeholders, whatever
    /// `context.redact_env` says.
    pub fn display(&self, context: &TemplateContext<'_>) -> String {
        self.render(&TemplateContext { redact_env: true, ..*context })
    }

    /// Both renderings at once: the value to use and the text to show in its place.
    pub fn rendered(&self, context: &TemplateContext<'_>) -> Rendered {
        Rendered {
            value: self.render(&TemplateContext { redact_env: false, ..*context }),
            shown: self.display(context),
        }
    }

    fn render_into(&self, context: &TemplateContext<'_>, out: &mut String) {
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Posargs(default) => match (context.posargs, default) {
                    (Some(args), _) => out.push_str(&args.join(" ")),
                    (None, Some(default)) => default.text.render_into(context, out),
                    (None, None) => {}
                },
                TemplatePart::Python => out.push_str(context.python),
                TemplatePart::Session => out.push_str(context.session),
                TemplatePart::Envdir => out.push_str(context.envdir),
                TemplatePart::Reports => out.push_str(context.reports),
                TemplatePart::Root => out.push_str(context.root),
                TemplatePart::Matrix(axis) => {
                    if let Some((_, value)) = context.matrix.iter().find(|(name, _)| name == axis) {
                        out.push_str(value);
                    }
                }
                TemplatePart::Env(..) if context.redact_env => out.push_str(&part.to_string()),
                TemplatePart::Env(name, default) => match (std::env::var(name), default) {
                    (Ok(value), _) => out.push_str(&value),
                    (Err(_), Some(default)) => default.render_into(context, out),
                    (Err(_), None) => {}
                },
            }
        }
    }

    /// Renders one argv word: a word that is exactly `{posargs}` becomes zero or more arguments
    /// (the posargs, or the default's words), as in tox.
    pub fn render_arguments(&self, context: &TemplateContext<'_>) -> Vec<String> {
        if let [TemplatePart::Posargs(default)] = self.parts.as_slice() {
            return match (context.posargs, default) {
                (Some(args), _) => args.to_vec(),
                (None, Some(default)) => default.words.iter().map(|word| word.render(context)).collect(),
                (None, None) => Vec::new(),
            };
        }
        vec![self.render(context)]
    }
}

/// The template as written (canonical form): placeholders in braces, literal braces doubled.
impl fmt::Display for Template {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts.iter().try_for_each(|part| part.fmt(formatter))
    }
}

impl fmt::Display for TemplatePart {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplatePart::Literal(text) => formatter.write_str(&text.replace('{', "{{").replace('}', "}}")),
            TemplatePart::Posargs(None) => formatter.write_str("{posargs}"),
            TemplatePart::Posargs(Some(default)) => write!(formatter, "{{posargs:{}}}", default.text),
            TemplatePart::Python => formatter.write_str("{python}"),
            TemplatePart::Session => formatter.write_str("{session}"),
            TemplatePart::Envdir => formatter.write_str("{envdir}"),
            TemplatePart::Reports => formatter.write_str("{reports}"),
            TemplatePart::Root => formatter.write_str("{root}"),
            TemplatePart::Matrix(axis) => write!(formatter, "{{matrix.{axis}}}"),
            TemplatePart::Env(name, None) => write!(formatter, "{{env:{name}}}"),
            TemplatePart::Env(name, Some(default)) => write!(formatter, "{{env:{name}:{default}}}"),
        }
    }
}

#[cfg(test)]
mod tests;
