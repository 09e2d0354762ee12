//! Finding a `requires` cycle among session instances when the file loads, so a cyclic file is
//! rejected whatever is run (even `forge -l`), with the cycle spelled out.

use std::collections::HashMap;

use super::SessionDef;

/// The first cycle found, as `(base name of the session where it starts, instance names with the
/// first repeated at the end)`, e.g. `("a", ["a", "b", "a"])`. Requirements must already be known
/// names (unknown ones are ignored here).
pub fn find_cycle(sessions: &[SessionDef]) -> Option<(String, Vec<String>)> {
    let mut names = Vec::new();
    let mut owner = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut by_base: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, session) in sessions.iter().enumerate() {
        for (instance, _) in session.instances() {
            by_name.insert(instance.clone(), names.len());
            by_base.entry(session.name.as_str()).or_default().push(names.len());
            names.push(instance);
            owner.push(index);
        }
    }
    let edges: Vec<Vec<usize>> = owner
        .iter()
        .map(|&session| {
            let mut targets: Vec<usize> = sessions[session]
                .requires
                .iter()
                .flat_map(|required| match by_base.get(required.as_str()) {
                    Some(instances) => instances.clone(),
                    None => by_name.get(required).copied().into_iter().collect(),
                })
                .collect();
            targets.sort_unstable();
            targets.dedup();
            targets
        })
        .collect();

    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut marks = vec![Mark::New; names.len()];
    for start in 0..names.len() {
        if marks[start] != Mark::New {
            continue;
        }
        // Iterative depth-first search: (node, next edge to follow); no recursion, so a long
        // chain of requirements cannot overflow the stack.
        let mut stack = vec![(start, 0usize)];
        marks[start] = Mark::OnPath;
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            let Some(&next) = edges[node].get(*edge) else {
                marks[node] = Mark::Done;
                stack.pop();
                continue;
            };
            *edge += 1;
            match marks[next] {
                Mark::New => {
                    marks[next] = Mark::OnPath;
                    stack.push((next, 0));
                }
                Mark::OnPath => {
                    let from = stack.iter().position(|&(on_path, _)| on_path == next).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        stack[from..].iter().map(|&(on_path, _)| names[on_path].clone()).collect();
                    cycle.push(names[next].clone());
                    return Some((sessions[owner[next]].name.clone(), cycle));
                }
                Mark::Done => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PythonSpec;

    fn session(name: &str, python: Option<&[&str]>, requires: &[&str]) -> SessionDef {
        SessionDef {
            name: name.into(),
            description: None,
            python: python.map(|versions| PythonSpec::Parametrize(versions.iter().map(|v| (*v).to_owned()).collect())),
            deps: Vec::new(),
            requirements: Vec::new(),
            install_project: false,
            extras: Vec::new(),
            env: Vec::new(),
            commands: Vec::new(),
            requires: requires.iter().map(|r| (*r).to_owned()).collect(),
            tags: Vec::new(),
            junit: Vec::new(),
            coverage: Vec::new(),
            timeout: None,
            retries: 0,
            retry_delay: std::time::Duration::from_secs(1),
            venv: true,
        }
    }

    #[test]
    fn finds_a_two_session_cycle() {
        let sessions = [session("a", None, &["b"]), session("b", None, &["a"])];
        assert_eq!(find_cycle(&sessions), Some(("a".into(), vec!["a".into(), "b".into(), "a".into()])));
    }

    #[test]
    fn finds_a_cycle_through_an_instance() {
        let sessions = [session("lint", None, &["test-3.11"]), session("test", Some(&["3.11", "3.12"]), &["lint"])];
        let (_, cycle) = find_cycle(&sessions).unwrap();
        assert_eq!(cycle, ["lint", "test-3.11", "lint"]);
        // `test` requiring its own instance makes that instance require itself.
        let sessions = [session("test", Some(&["3.11", "3.12"]), &["test-3.11"])];
        assert_eq!(find_cycle(&sessions).map(|(_, cycle)| cycle), Some(vec!["test-3.11".into(), "test-3.11".into()]));
    }

    #[test]
    fn accepts_a_long_chain_without_recursion() {
        let names: Vec<String> = (0..20_000).map(|index| format!("s{index}")).collect();
        let sessions: Vec<SessionDef> = names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let requires: Vec<&str> = names.get(index + 1).map(String::as_str).into_iter().collect();
                session(name, None, &requires)
            })
            .collect();
        assert_eq!(find_cycle(&sessions), None);
    }
}
