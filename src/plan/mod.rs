//! Turning a project and a selection into a plan: which session instances run, in what order,
//! gated by which requirements (the `requires` DAG).

mod dag;
mod error;
mod keyword;
mod select;

pub use dag::{Instance, Plan};
pub use error::PlanError;
pub use keyword::KeywordExpr;
pub use select::Selection;

use crate::config::Project;

/// Checks the whole `requires` graph without selecting anything (for `forge -l`).
///
/// # Errors
/// [`PlanError::Cycle`].
pub fn validate(project: &Project) -> Result<(), PlanError> {
    dag::Graph::new(project).check_acyclic()
}

/// Builds the plan for `selection`: the selected instances plus, unless `--no-deps`, everything
/// they require, in a stable topological order.
///
/// # Errors
/// [`PlanError`]: an unknown session name, a `requires` cycle anywhere in the file, a malformed
/// `-k` expression, or a selection that matches nothing.
pub fn plan(project: &Project, selection: &Selection) -> Result<Plan, PlanError> {
    let graph = dag::Graph::new(project);
    graph.check_acyclic()?;
    let chosen = select::select(&graph, project, selection)?;
    Ok(graph.into_plan(&chosen, selection))
}
