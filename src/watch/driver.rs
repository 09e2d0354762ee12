//! The watch loop: the first run, then file events (from `notify`'s inotify watcher, on its own
//! thread, timestamped as they arrive), the debounce timer and signals turned into re-runs of the
//! selection through [`Runs`]. Events that arrive during a run wait in the channel and are one
//! batch when it ends: never lost, never a re-run each.

use std::future::Future;
use std::path::PathBuf;
use std::time::Instant;

use notify::event::{ModifyKind, RemoveKind};
use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::signal::unix::{SignalKind, signal};

use super::{Queue, Scope, Target, affected};
use crate::changes::Inputs;
use crate::config::Project;
use crate::error::{Error, ExitStatus};
use crate::plan::Plan;
use crate::reporter;
use crate::settings::Layout;

/// What one run left for the watch: how it ended and what to watch next (sessions.toml may have
/// changed what the selection depends on).
pub struct Ran {
    /// The run's exit status (a signal ends the watch).
    pub status: ExitStatus,
    /// The paths that matter now.
    pub scope: Scope,
    /// The planned instances, in plan order.
    pub targets: Vec<Target>,
}

impl Ran {
    /// What to watch after a run of `plan` of `project` whose files are laid out as `layout`:
    /// the selected instances' inputs (the whole project when one of them declares none, an
    /// aggregate aside), never forge's directories or any session's `outputs`.
    pub fn new(status: ExitStatus, project: &Project, plan: &Plan, layout: &Layout) -> Self {
        let targets: Vec<Target> = plan
            .instances
            .iter()
            .map(|instance| {
                let session = &project.sessions[instance.session];
                Target {
                    name: instance.name.clone(),
                    inputs: session.inputs.as_deref().map(Inputs::new),
                    aggregate: session.commands.is_empty(),
                    requires: instance.requires.clone(),
                }
            })
            .collect();
        let mut globs = Vec::new();
        let mut whole_project = false;
        for instance in &plan.instances {
            let session = &project.sessions[instance.session];
            match &session.inputs {
                _ if session.commands.is_empty() => {}
                Some(inputs) => globs.extend(inputs.iter().cloned()),
                None => whole_project = true,
            }
        }
        let outputs: Vec<String> =
            project.sessions.iter().flat_map(|session| session.outputs.iter().cloned()).collect();
        let own = vec![layout.reports_dir.clone(), layout.env_dir.clone(), layout.cache_dir.clone()];
        let inputs = (!whole_project).then(|| Inputs::new(&globs));
        let scope = Scope::new(&layout.root, own, Inputs::new(&outputs), inputs, &project.file);
        Self { status, scope, targets }
    }
}

/// The runs a watch drives (the app's whole pipeline: load, plan, run, write reports).
pub trait Runs {
    /// Runs the selection once; `changed` (paths relative to the root) says why, `None` for the
    /// first run. `Ok(None)`: nothing was run (`--last-failed` found no failure).
    fn run(&mut self, changed: Option<&[PathBuf]>) -> impl Future<Output = Result<Option<Ran>, Error>>;
}

/// Why a watch could not start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The file watcher could not be set up (inotify unavailable or out of watches).
    #[error("--watch: cannot watch {}: {source}", root.display())]
    Watcher {
        /// The project root.
        root: PathBuf,
        /// notify's error.
        source: notify::Error,
    },
    /// The signal handlers could not be installed.
    #[error("--watch: cannot install signal handlers: {0}")]
    Signals(std::io::Error),
}

impl crate::error::Hint for WatchError {
    fn hint(&self) -> Option<String> {
        match self {
            WatchError::Watcher { source, .. } if matches!(source.kind, notify::ErrorKind::MaxFilesWatch) => {
                Some("raise the inotify limit: `sysctl fs.inotify.max_user_watches=524288`".into())
            }
            _ => None,
        }
    }
}

/// Watches the project at `root`, runs once, then re-runs on every relevant change until a signal: SIGINT, SIGTERM or SIGHUP
/// while waiting ends the watch with 128+N (the last run's reports stay on disk); a run a signal
/// interrupted ends it with that run's status.
///
/// # Errors
/// The first run's error (a bad sessions.toml: exit 2), or a [`WatchError`]. A later run's error
/// is printed and the watch goes on, with what the last good run watched.
pub async fn watch(root: &std::path::Path, runs: &mut impl Runs) -> Result<ExitStatus, Error> {
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel::<Seen>();
    let mut watcher = notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
        let Ok(event) = result else { return };
        let at = Instant::now();
        // A queue overflow lost events: what changed is unknown, so everything did (the empty
        // path list stands for that).
        if event.need_rescan() {
            let _ = sender.send(Seen { at, paths: Vec::new(), arrived: false });
            return;
        }
        let arrived = matches!(event.kind, EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_)));
        // A removed directory's files were each reported as removed.
        let counts = !matches!(event.kind, EventKind::Remove(RemoveKind::Folder))
            && matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_));
        if counts {
            let _ = sender.send(Seen { at, paths: event.paths, arrived });
        }
    })
    .map_err(|source| WatchError::Watcher { root: root.to_path_buf(), source })?;
    // Watching starts before the first run, so that what changes while it runs is queued too.
    watcher
        .watch(root, RecursiveMode::Recursive)
        .map_err(|source| WatchError::Watcher { root: root.to_path_buf(), source })?;
    let Some(mut ran) = runs.run(None).await? else { return Ok(ExitStatus::Success) };
    if let ExitStatus::Signal(_) = ran.status {
        return Ok(ran.status);
    }
    let mut signals = Vec::new();
    for kind in [SignalKind::interrupt(), SignalKind::terminate(), SignalKind::hangup()] {
        signals.push((kind.as_raw_value(), signal(kind).map_err(WatchError::Signals)?));
    }
    let [(interrupt, sigint), (terminate, sigterm), (hangup, sighup)] = &mut signals[..] else {
        unreachable!("three signals")
    };
    let mut queue = Queue::new();
    loop {
        reporter::print_watching();
        let batch = loop {
            let due = queue.due().map(tokio::time::Instant::from_std);
            tokio::select! {
                // Events first: a batch whose debounce is already due (its changes came during a
                // run) must still take every event waiting in the channel, or a change that came
                // with it would start a second re-run.
                biased;
                Some(seen) = events.recv() => {
                    if seen.paths.is_empty() {
                        queue.push(ran.scope.config().to_path_buf(), seen.at);
                    }
                    for path in files_of(seen.paths, seen.arrived) {
                        if let Some(relative) = ran.scope.relevant(&path) {
                            queue.push(relative, seen.at);
                        }
                    }
                }
                () = sleep_until(due), if due.is_some() => {
                    if let Some(batch) = queue.take(Instant::now()) {
                        break batch;
                    }
                }
                _ = sigint.recv() => return Ok(stopped(*interrupt)),
                _ = sigterm.recv() => return Ok(stopped(*terminate)),
                _ = sighup.recv() => return Ok(stopped(*hangup)),
            }
        };
        let changed: Vec<PathBuf> = batch.into_iter().collect();
        let hit = affected(&ran.targets, &changed, ran.scope.config());
        if hit.is_empty() {
            reporter::print_watch_change(&changed, &[]);
            continue;
        }
        let names: Vec<&str> = hit.iter().map(|&index| ran.targets[index].name.as_str()).collect();
        reporter::print_watch_change(&changed, &names);
        match runs.run(Some(&changed)).await {
            Ok(Some(next)) if matches!(next.status, ExitStatus::Signal(_)) => return Ok(next.status),
            Ok(Some(next)) => ran = next,
            Ok(None) => {}
            Err(error) => reporter::print_error(&error),
        }
    }
}

/// What the watcher saw: when, which paths, and whether they arrived (created or moved in).
struct Seen {
    at: Instant,
    paths: Vec<PathBuf>,
    arrived: bool,
}

/// At most this many files are listed for a directory that arrived (10,000).
const ARRIVED_FILES_LIMIT: usize = 10_000;

/// The files behind the paths of an event: a file is itself; a directory that arrived (moved in
/// whole, its files reported by no event of their own) stands for the files it holds; any other
/// directory event (an entry added, its times changed) stands for nothing, its files having
/// events of their own — so `mkdir -p dist` before writing an output is no change.
fn files_of(paths: Vec<PathBuf>, arrived: bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        match std::fs::symlink_metadata(&path) {
            Ok(metadata) if metadata.is_dir() => {
                if arrived {
                    list_files(&path, &mut files);
                }
            }
            _ => files.push(path),
        }
    }
    files
}

/// Appends the files under `dir` (symlinks not followed) to `files`, up to the limit.
fn list_files(dir: &std::path::Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if files.len() >= ARRIVED_FILES_LIMIT {
            return;
        }
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => list_files(&entry.path(), files),
            Ok(_) => files.push(entry.path()),
            Err(_) => {}
        }
    }
}

fn stopped(signal: i32) -> ExitStatus {
    reporter::print_watch_stopped();
    ExitStatus::Signal(signal)
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_stands_for_its_files_only_when_it_arrived() {
        let dir = tempfile::tempdir().unwrap();
        let moved = dir.path().join("moved");
        std::fs::create_dir_all(moved.join("deep")).unwrap();
        std::fs::write(moved.join("a.py"), "a").unwrap();
        std::fs::write(moved.join("deep/b.py"), "b").unwrap();
        let file = dir.path().join("c.py");
        let gone = dir.path().join("gone.py");
        assert_eq!(files_of(vec![moved.clone(), file.clone(), gone.clone()], false), [file.clone(), gone]);
        let mut arrived = files_of(vec![moved.clone()], true);
        arrived.sort();
        assert_eq!(arrived, [moved.join("a.py"), moved.join("deep/b.py")]);
    }
}
