//! What `forge -n` says about each cached instance: its key computed as a run would (in plan
//! order, so each sees its requirements' keys), then the local store and the remote cache
//! asked whether they hold it. Nothing is restored or downloaded beyond records.

use crate::cache::{Lookup, RemoteCache};
use crate::config::Project;
use crate::plan::Plan;
use crate::settings::Settings;
use crate::venv::InterpreterFinder;

use super::cached::{compute_key, find_interpreter, store};
use super::instance::InstanceContext;

/// Per instance, `None` for one without `inputs`, else the lines to show: `cached (local)`,
/// `cached (remote)`, or why it will run; then each glob that matched nothing.
pub async fn dry_run_verdicts(
    project: &Project,
    plan: &Plan,
    settings: &Settings,
    finder: Option<&InterpreterFinder>,
    remote: Option<&RemoteCache>,
) -> Vec<Option<Vec<String>>> {
    let store = store(settings);
    let mut keys: Vec<Option<String>> = vec![None; plan.instances.len()];
    let mut verdicts = Vec::with_capacity(plan.instances.len());
    for (index, instance) in plan.instances.iter().enumerate() {
        let definition = &project.sessions[instance.session];
        if !definition.is_cached() {
            verdicts.push(None);
            continue;
        }
        let values = InstanceContext::new(project, settings, index, instance);
        let requirements = instance
            .requires
            .iter()
            .map(|&required| (plan.instances[required].name.clone(), keys[required].clone()))
            .collect();
        let interpreter = find_interpreter(finder, definition, &values).await;
        let mut lines = Vec::new();
        match compute_key(settings, &project.root, definition, &values, requirements, interpreter) {
            Ok(keyed) => {
                keys[index] = Some(keyed.digest.clone());
                let verdict = if settings.force {
                    "runs: --force".to_owned()
                } else {
                    match store.peek(&instance.name, &keyed.key) {
                        Lookup::Hit(_) => "cached (local)".to_owned(),
                        Lookup::Miss(local) => match remote {
                            None => format!("runs: {local}"),
                            Some(remote) => match remote.peek(&store, &instance.name, &keyed.key, &keyed.digest) {
                                Ok(()) => "cached (remote)".to_owned(),
                                Err(reason) => format!("runs: {local}; {reason}"),
                            },
                        },
                    }
                };
                lines.push(verdict);
                lines.extend(
                    keyed.missing.iter().map(|glob| format!("input `{glob}` matches no file (not part of the key)")),
                );
            }
            Err(error) => lines.push(format!("runs: no cache key: {error}")),
        }
        verdicts.push(Some(lines));
    }
    verdicts
}
