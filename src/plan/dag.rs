//! The DAG over session instances: `requires` edges (which gate and pull into the plan) and
//! `after` edges (which only order); building it, rejecting cycles through either, and ordering
//! a selection topologically (stable: file order among instances that are ready together).

use std::collections::{BTreeSet, HashMap};

use crate::config::Project;

use super::{PlanError, Selection};

/// One session instance in the whole file.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub name: String,
    pub base: String,
    pub python: Option<String>,
    pub matrix: Vec<(String, String)>,
    pub session: usize,
    /// Whether the session has no commands (it only groups what it requires).
    pub aggregate: bool,
    pub requires: Vec<usize>,
    pub after: Vec<usize>,
}

impl Node {
    /// Every instance this one runs after: its requirements, then its `after` entries.
    fn ordered_after(&self) -> impl Iterator<Item = &usize> {
        self.requires.iter().chain(&self.after)
    }
}

/// Every instance of the project and the requirement edges between them.
pub(crate) struct Graph {
    pub nodes: Vec<Node>,
    pub by_name: HashMap<String, usize>,
    pub by_base: HashMap<String, Vec<usize>>,
}

/// One instance in a plan.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Instance name: `test-3.11`, or the base name when not parametrized.
    pub name: String,
    /// The `[sessions.NAME]` key.
    pub base: String,
    /// Interpreter request: the session's, else [`Project::python`] for sessions with a venv;
    /// `None` means the `python3` on PATH.
    pub python: Option<String>,
    /// The instance's matrix values, `(axis, value)` in declared order (`{matrix.NAME}`).
    pub matrix: Vec<(String, String)>,
    /// Index into [`Project::sessions`].
    pub session: usize,
    /// Indices (into [`Plan::instances`]) of the instances this one requires.
    pub requires: Vec<usize>,
    /// Indices (into [`Plan::instances`]) of the planned instances this one runs after whatever
    /// their outcome (`after`), requirements left out.
    pub after: Vec<usize>,
    /// Whether `-- ARGS` reach this instance (see [`super::posargs`]).
    pub posargs: bool,
    /// 0 for instances with no requirement in the plan, else 1 + the deepest requirement's level.
    pub level: usize,
}

/// The instances to run, each after everything it requires.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Instances in topological order.
    pub instances: Vec<Instance>,
}

impl Plan {
    /// Instances grouped by level: each group can run at once after the previous ones.
    pub fn levels(&self) -> Vec<Vec<usize>> {
        let depth = self.instances.iter().map(|instance| instance.level + 1).max().unwrap_or(0);
        let mut levels = vec![Vec::new(); depth];
        for (index, instance) in self.instances.iter().enumerate() {
            levels[instance.level].push(index);
        }
        levels
    }
}

impl Graph {
    pub fn new(project: &Project) -> Self {
        let mut nodes = Vec::new();
        let mut by_name = HashMap::new();
        let mut by_base: HashMap<String, Vec<usize>> = HashMap::new();
        for (session_index, session) in project.sessions.iter().enumerate() {
            for instance in session.instances() {
                // `[forge] python` (or `.python-version`) is the interpreter of every session
                // with a venv that names none.
                let python = instance.python.or_else(|| project.python.clone().filter(|_| session.needs_venv()));
                by_name.insert(instance.name.clone(), nodes.len());
                by_base.entry(session.name.clone()).or_default().push(nodes.len());
                nodes.push(Node {
                    name: instance.name,
                    base: session.name.clone(),
                    python,
                    matrix: instance.matrix,
                    session: session_index,
                    aggregate: session.commands.is_empty(),
                    requires: Vec::new(),
                    after: Vec::new(),
                });
            }
        }
        let edges = |names: &[String], own: usize| {
            let mut targets: Vec<usize> = names
                .iter()
                .flat_map(|name| resolve(&by_name, &by_base, name).unwrap_or_default())
                // `after = ["test"]` in an instance of `test` itself orders nothing.
                .filter(|&target| target != own)
                .collect();
            targets.sort_unstable();
            targets.dedup();
            targets
        };
        for (index, node) in nodes.iter_mut().enumerate() {
            let session = &project.sessions[node.session];
            let requires = edges(&session.requires, index);
            // An `after` entry that is also required is a requirement: it gates.
            let after = edges(&session.after, index).into_iter().filter(|target| !requires.contains(target)).collect();
            node.requires = requires;
            node.after = after;
        }
        Self { nodes, by_name, by_base }
    }

    /// Base names resolve to all their instances; an instance name to itself.
    pub fn lookup(&self, name: &str) -> Option<Vec<usize>> {
        resolve(&self.by_name, &self.by_base, name)
    }

    /// Finds a cycle anywhere in the file, even outside the selection: a cyclic file is wrong
    /// whatever is run.
    pub fn check_acyclic(&self, project: &Project) -> Result<(), PlanError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let mut marks = vec![Mark::New; self.nodes.len()];
        for start in 0..self.nodes.len() {
            if marks[start] != Mark::New {
                continue;
            }
            // Iterative DFS: (node, next edge to follow); `path` mirrors the stack for reporting.
            let mut stack = vec![(start, 0usize)];
            marks[start] = Mark::OnPath;
            while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
                if let Some(&next) = self.nodes[node].ordered_after().nth(*edge) {
                    *edge += 1;
                    match marks[next] {
                        Mark::New => {
                            marks[next] = Mark::OnPath;
                            stack.push((next, 0));
                        }
                        Mark::OnPath => {
                            let from = stack.iter().position(|&(on_path, _)| on_path == next).unwrap_or(0);
                            let mut path: Vec<usize> = stack[from..].iter().map(|&(on_path, _)| on_path).collect();
                            path.push(next);
                            return Err(self.cycle_error(project, &path));
                        }
                        Mark::Done => {}
                    }
                } else {
                    marks[node] = Mark::Done;
                    stack.pop();
                }
            }
        }
        Ok(())
    }

    /// The error for the cycle through `path` (node indices, the first repeated at the end): the
    /// names, and the line of each `requires` entry that makes an edge of it.
    fn cycle_error(&self, project: &Project, path: &[usize]) -> PlanError {
        let cycle = path.iter().map(|&node| self.nodes[node].name.clone()).collect();
        let mut through_after = false;
        let lines = path
            .windows(2)
            .filter_map(|edge| {
                let session = &project.sessions[self.nodes[edge[0]].session];
                let leads_there = |name: &String| {
                    resolve(&self.by_name, &self.by_base, name).is_some_and(|targets| targets.contains(&edge[1]))
                };
                if let Some(entry) = session.requires.iter().position(leads_there) {
                    return session.lines.requires.get(entry).copied().flatten();
                }
                through_after = true;
                let entry = session.after.iter().position(leads_there)?;
                session.lines.after.get(entry).copied().flatten()
            })
            .collect();
        let keys = if through_after { "`requires` and `after` form" } else { "`requires` forms" };
        PlanError::Cycle { cycle, keys, file: project.file.clone(), lines }
    }

    /// Orders `chosen` (plus, unless `--no-deps`, their transitive requirements) topologically,
    /// each after its planned requirements and `after` entries; `posargs` are the instances that
    /// get `-- ARGS`.
    pub fn into_plan(self, chosen: &BTreeSet<usize>, selection: &Selection, posargs: &BTreeSet<usize>) -> Plan {
        let mut included = chosen.clone();
        if !selection.no_deps {
            let mut pending: Vec<usize> = chosen.iter().copied().collect();
            while let Some(node) = pending.pop() {
                for &required in &self.nodes[node].requires {
                    if selection.keeps_python(&self.nodes[required]) && included.insert(required) {
                        pending.push(required);
                    }
                }
            }
        }
        // Kahn's algorithm over the included nodes; the BTreeSet keeps file order among ready ones.
        let mut waiting: HashMap<usize, usize> = included
            .iter()
            .map(|&node| {
                (node, self.nodes[node].ordered_after().filter(|required| included.contains(required)).count())
            })
            .collect();
        let mut ready: BTreeSet<usize> =
            waiting.iter().filter(|&(_, &count)| count == 0).map(|(&node, _)| node).collect();
        let mut position = HashMap::new();
        let mut instances: Vec<Instance> = Vec::with_capacity(included.len());
        while let Some(node) = ready.pop_first() {
            waiting.remove(&node);
            let planned = |targets: &[usize]| -> Vec<usize> {
                targets.iter().filter_map(|target| position.get(target).copied()).collect()
            };
            let requires = planned(&self.nodes[node].requires);
            let after = planned(&self.nodes[node].after);
            let level =
                requires.iter().chain(&after).map(|&index: &usize| instances[index].level + 1).max().unwrap_or(0);
            position.insert(node, instances.len());
            let source = &self.nodes[node];
            instances.push(Instance {
                name: source.name.clone(),
                base: source.base.clone(),
                python: source.python.clone(),
                matrix: source.matrix.clone(),
                session: source.session,
                requires,
                after,
                posargs: posargs.contains(&node),
                level,
            });
            for (&other, count) in waiting.iter_mut() {
                if self.nodes[other].ordered_after().any(|&target| target == node) {
                    *count -= 1;
                    if *count == 0 {
                        ready.insert(other);
                    }
                }
            }
        }
        Plan { instances }
    }
}

fn resolve(by_name: &HashMap<String, usize>, by_base: &HashMap<String, Vec<usize>>, name: &str) -> Option<Vec<usize>> {
    if let Some(instances) = by_base.get(name) {
        return Some(instances.clone());
    }
    by_name.get(name).map(|&index| vec![index])
}
