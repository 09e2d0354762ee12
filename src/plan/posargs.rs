//! Which instances get `-- ARGS` (`{posargs}`): the ones the selection chose (`-s`, `-t`, `-k`,
//! `-p`, `[forge] default`, or every session), and, for a chosen aggregate (a session with no
//! commands), what it requires — through nested aggregates, transitively — but never the
//! requirements a session with commands pulls in.
//!
//! So `forge -s test -- -k slow` gives `-k slow` to pytest and not to the `lint` that `test`
//! requires, while `forge -s check -- -x` (with `check` requiring `lint` and `test`) gives `-x` to
//! both. nox hands posargs to every session it runs and tox to every env; both assume the user
//! named exactly what runs, which a DAG of requirements breaks. An instance without posargs
//! renders `{posargs:DEFAULT}` as DEFAULT.

use std::collections::BTreeSet;

use super::dag::Graph;

/// The instances (graph indices) that get posargs when `chosen` were selected.
pub(crate) fn receivers(graph: &Graph, chosen: &BTreeSet<usize>) -> BTreeSet<usize> {
    let mut receivers = chosen.clone();
    let mut aggregates: Vec<usize> = chosen.iter().copied().filter(|&node| graph.nodes[node].aggregate).collect();
    let mut seen: BTreeSet<usize> = aggregates.iter().copied().collect();
    while let Some(aggregate) = aggregates.pop() {
        for &required in &graph.nodes[aggregate].requires {
            receivers.insert(required);
            if graph.nodes[required].aggregate && seen.insert(required) {
                aggregates.push(required);
            }
        }
    }
    receivers
}
