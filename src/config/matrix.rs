//! Checking a session's `matrix` axes and `matrix-exclude` tables, and `{matrix.NAME}` in
//! `deps` (which are not templates otherwise: only that placeholder is substituted there).
//!
//! The shape follows tox's factors and GitHub Actions' `strategy.matrix` / `exclude`: one
//! instance per combination, an exclude entry removes every combination that matches all of
//! its values.

use std::collections::HashSet;

use indexmap::IndexMap;

use super::ConfigError;
use super::error::excerpt;
use super::locate::Step;
use super::names::name_problem;
use super::project::PYTHON_AXIS;

/// Axes `(name, values)` in declared order, and the exclude tables as `(axis, value)` pairs.
pub(super) type Checked = (Vec<(String, Vec<String>)>, Vec<Vec<(String, String)>>);

/// Reports an error about `key` (`matrix`, `matrix-exclude`) and, within it, a step.
pub(super) trait Errors {
    fn error(&self, key: &str, within: &[Step<'_>], message: String, hint: Option<String>) -> ConfigError;
}

/// Checks `matrix` and `matrix-exclude`; `python` is the session's python values (an axis when
/// the session has a `python`).
///
/// # Errors
/// An axis named `python` or with an unusable name, an empty axis, a value that is not a safe
/// name or is listed twice, an exclude table that is empty, names an unknown axis or a value its
/// axis does not have, or an exclude that leaves no instance at all.
pub(super) fn check(
    errors: &dyn Errors,
    matrix: IndexMap<String, Vec<String>>,
    exclude: Vec<IndexMap<String, String>>,
    python: Option<Vec<&str>>,
) -> Result<Checked, ConfigError> {
    for (axis, values) in &matrix {
        let at = [Step::Key(axis)];
        if axis == PYTHON_AXIS {
            let hint = "write the versions as `python = [\"3.12\", \"3.13\"]`: python is always an axis";
            return Err(errors.error("matrix", &at, "`matrix.python` is not allowed".into(), Some(hint.into())));
        }
        if let Some(problem) = name_problem(axis).or_else(|| axis.contains('.').then(|| "the name contains `.`".into()))
        {
            let message = format!("axis `{}`: {problem}", excerpt(axis));
            let hint = "axis names use letters, digits, `-`, `_` and `:`; they are part of instance names";
            return Err(errors.error("matrix", &at, message, Some(hint.into())));
        }
        if values.is_empty() {
            let message = format!("axis `{axis}` has no values");
            let hint = "list at least one value, e.g. `matrix.django = [\"4.2\", \"5.2\"]`, or remove the axis";
            return Err(errors.error("matrix", &at, message, Some(hint.into())));
        }
        let mut seen = HashSet::new();
        for (index, value) in values.iter().enumerate() {
            let at = [Step::Key(axis), Step::Index(index)];
            if let Some(problem) = name_problem(value) {
                let message = format!("axis `{axis}`: value `{}`: {problem}", excerpt(value));
                let hint = "values use letters, digits, `-`, `_`, `:` and `.`: they are part of instance names";
                return Err(errors.error("matrix", &at, message, Some(hint.into())));
            }
            if !seen.insert(value) {
                return Err(errors.error("matrix", &at, format!("axis `{axis}`: `{value}` is listed twice"), None));
            }
        }
    }
    let axis_values = |axis: &str| -> Option<Vec<&str>> {
        if axis == PYTHON_AXIS {
            return python.clone();
        }
        matrix.get(axis).map(|values| values.iter().map(String::as_str).collect())
    };
    let known_axes = || {
        let mut names: Vec<&str> = python.iter().map(|_| PYTHON_AXIS).collect();
        names.extend(matrix.keys().map(String::as_str));
        names
    };
    let mut excludes = Vec::with_capacity(exclude.len());
    for (index, table) in exclude.into_iter().enumerate() {
        if table.is_empty() {
            let message = "an empty table would exclude every combination".to_owned();
            return Err(errors.error("matrix-exclude", &[Step::Index(index)], message, None));
        }
        for (axis, value) in &table {
            let at = [Step::Index(index), Step::Key(axis)];
            let Some(values) = axis_values(axis) else {
                let known = known_axes();
                let hint = if known.is_empty() {
                    "the session has no axis: add `python = [...]` or `matrix.NAME = [...]`".to_owned()
                } else {
                    format!("the session's axes: {}", known.join(", "))
                };
                return Err(errors.error(
                    "matrix-exclude",
                    &at,
                    format!("unknown axis `{}`", excerpt(axis)),
                    Some(hint),
                ));
            };
            if !values.contains(&value.as_str()) {
                return Err(errors.error(
                    "matrix-exclude",
                    &at,
                    format!("axis `{axis}` has no value `{}`", excerpt(value)),
                    Some(format!("its values: {}", values.join(", "))),
                ));
            }
        }
        excludes.push(table.into_iter().collect());
    }
    Ok((matrix.into_iter().collect(), excludes))
}

/// The axes `{matrix.NAME}` placeholders in `text` name (a dependency string).
pub(crate) fn named_axes(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("{matrix.").filter_map(move |(start, opening)| {
        let rest = &text[start + opening.len()..];
        rest.find('}').map(|end| &rest[..end])
    })
}

/// `text` with each `{matrix.NAME}` replaced by the instance's value (`matrix`, `(axis,
/// value)` pairs); other braces are left as written.
pub fn substitute(text: &str, matrix: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for (axis, value) in matrix {
        out = out.replace(&format!("{{matrix.{axis}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deps_substitute_only_matrix_placeholders() {
        let matrix = [("django".to_owned(), "4.2".to_owned())];
        assert_eq!(substitute("django~={matrix.django}.0", &matrix), "django~=4.2.0");
        assert_eq!(substitute("x{python}{matrix.other}", &matrix), "x{python}{matrix.other}");
        assert_eq!(named_axes("a{matrix.x}b{matrix.y}{matrix.").collect::<Vec<_>>(), ["x", "y"]);
    }
}
