//! Choosing the instances a run starts from: `-s`, `-t`, `-k`, `-p`, or the defaults.

use std::collections::BTreeSet;

use crate::config::{Project, suggest};

use super::dag::{Graph, Node};
use super::{KeywordExpr, PlanError};

/// What the command line asked to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `-s`: base or instance names.
    pub sessions: Vec<String>,
    /// `-t`: keep sessions carrying any of these tags.
    pub tags: Vec<String>,
    /// `-k`: keep sessions whose name matches.
    pub keywords: Option<String>,
    /// `-p`: keep instances for these interpreter versions.
    pub pythons: Vec<String>,
    /// `--no-deps`: do not pull in requirements.
    pub no_deps: bool,
    /// `--last-failed`: keep only these instance names (those that failed last time). Without
    /// `-s`, `-t` or `-k` the run starts from all of them, not from `[forge] default`.
    pub only: Option<BTreeSet<String>>,
}

impl Selection {
    /// Whether any of `-s`, `-t`, `-k`, `-p` was given.
    pub fn is_filtered(&self) -> bool {
        !self.sessions.is_empty() || !self.tags.is_empty() || self.keywords.is_some() || !self.pythons.is_empty()
    }

    /// `-p` keeps an instance whose interpreter (its session's `python`, else `[forge] python`)
    /// is one of these; instances with none (the `python3` on PATH, or no venv) are kept, as they
    /// have no version to choose.
    pub(crate) fn keeps_python(&self, node: &Node) -> bool {
        self.pythons.is_empty() || node.python.as_ref().is_none_or(|python| self.pythons.contains(python))
    }
}

/// The chosen instances and a description of the filters that chose them (for messages).
pub(crate) fn select(
    graph: &Graph,
    project: &Project,
    selection: &Selection,
) -> Result<(BTreeSet<usize>, String), PlanError> {
    let lookup = |name: &str| {
        graph.lookup(name).ok_or_else(|| {
            let names =
                graph.by_base.keys().map(String::as_str).chain(graph.nodes.iter().map(|node| node.name.as_str()));
            PlanError::UnknownSession {
                name: name.to_owned(),
                suggestions: suggest(name, names).map(str::to_owned).into_iter().collect(),
            }
        })
    };
    if graph.nodes.is_empty() {
        return Err(PlanError::NoSessions);
    }
    let mut chosen = BTreeSet::new();
    let mut filters = Vec::new();
    if !selection.sessions.is_empty() {
        for name in &selection.sessions {
            chosen.extend(lookup(name)?);
        }
        filters.push(format!("-s {}", selection.sessions.join(" ")));
    } else if selection.tags.is_empty()
        && selection.keywords.is_none()
        && selection.only.is_none()
        && project.default.is_some()
    {
        for name in project.default.iter().flatten() {
            chosen.extend(lookup(name)?);
        }
        filters.push("[forge] default".to_owned());
    } else {
        chosen.extend(0..graph.nodes.len());
    }
    if !selection.tags.is_empty() {
        chosen.retain(|&node| {
            let session = &project.sessions[graph.nodes[node].session];
            session.tags.iter().any(|tag| selection.tags.contains(tag))
        });
        filters.push(format!("-t {}", selection.tags.join(" ")));
    }
    if let Some(expression) = &selection.keywords {
        let parsed = KeywordExpr::parse(expression)
            .map_err(|message| PlanError::Keyword { expression: expression.clone(), message })?;
        chosen.retain(|&node| parsed.matches(&graph.nodes[node].name));
        filters.push(format!("-k {expression:?}"));
    }
    if !selection.pythons.is_empty() {
        chosen.retain(|&node| selection.keeps_python(&graph.nodes[node]));
        filters.push(format!("-p {}", selection.pythons.join(" ")));
    }
    let what = filters.join(", ");
    if chosen.is_empty() {
        return Err(PlanError::NothingSelected { what });
    }
    // Intersected last: none of the selection having failed last time is not an error (an empty
    // plan, which the caller reports), a selection that matches nothing at all still is.
    if let Some(only) = &selection.only {
        chosen.retain(|&node| only.contains(&graph.nodes[node].name));
    }
    Ok((chosen, what))
}
