//! Turning a project and a selection into a plan: which session instances run, in what order,
//! gated by which requirements (the `requires` DAG).

mod dag;
mod error;
mod keyword;
mod posargs;
mod select;

pub use dag::{Instance, Plan};
pub use error::PlanError;
pub use keyword::KeywordExpr;
pub use select::Selection;

use crate::config::{self, Project};

/// Checks the whole `requires` graph without selecting anything (for `forge -l`).
///
/// # Errors
/// [`PlanError::Cycle`].
pub fn validate(project: &Project) -> Result<(), PlanError> {
    dag::Graph::new(project).check_acyclic(project)
}

/// Builds the plan for `selection`: the selected instances plus, unless `--no-deps`, everything
/// they require, in a stable topological order; each instance says whether it gets the posargs.
///
/// # Errors
/// [`PlanError`]: an unknown session name, a `requires` cycle anywhere in the file, a malformed
/// `-k` expression, a selection that matches nothing, or a planned session whose `requirements`
/// file is missing ([`PlanError::Config`]). The plan is empty only when `--last-failed` left
/// nothing of a selection that matched.
pub fn plan(project: &Project, selection: &Selection) -> Result<Plan, PlanError> {
    let graph = dag::Graph::new(project);
    graph.check_acyclic(project)?;
    let (chosen, what) = select::select(&graph, project, selection)?;
    let receivers = posargs::receivers(&graph, &chosen);
    let plan = graph.into_plan(&chosen, selection, &receivers);
    // `-p` keeps instances that name no interpreter, but they alone are not a match: `-p 3.99`
    // with no 3.99 instance in the plan (requirements included) is a typo or a missing matrix
    // entry, not "run everything else".
    let matched = plan
        .instances
        .iter()
        .any(|instance| instance.python.as_ref().is_some_and(|python| selection.pythons.contains(python)));
    if !selection.pythons.is_empty() && !matched && !plan.instances.is_empty() {
        return Err(PlanError::NothingSelected { what });
    }
    // Checked for the planned sessions only: a file missing for a session that does not run
    // (the docs' requirements on a checkout without docs) stops nothing.
    for instance in &plan.instances {
        let session = &project.sessions[instance.session];
        config::check_requirement_files(project, session)
            .and_then(|()| config::check_project_inputs(project, session))
            .and_then(|()| config::check_working_directory(project, session))
            .map_err(|error| PlanError::Config(Box::new(error)))?;
    }
    Ok(plan)
}

#[cfg(test)]
mod tests;
