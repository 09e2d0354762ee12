//! The watch loop: the first run, then file events (from `notify`'s inotify watcher, on its own
//! thread, timestamped as they arrive), the debounce timer and signals turned into re-runs of the
//! selection through [`Runs`]. Events that arrive during a run wait in the channel and are one
//! batch when it ends: never lost, never a re-run each.

use std::future::Future;
use std::path::PathBuf;
use std::time::Instant;

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
        let own = vec![layout.reports_dir.clone(), layout.env_dir.clone()];
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

/// Runs once, then re-runs on every relevant change until a signal: SIGINT, SIGTERM or SIGHUP
/// while waiting ends the watch with 128+N (the last run's reports stay on disk); a run a signal
/// interrupted ends it with that run's status.
///
/// # Errors
/// The first run's error (a bad sessions.toml: exit 2), or a [`WatchError`]. A later run's error
/// is printed and the watch goes on, with what the last good run watched.
pub async fn watch(runs: &mut impl Runs) -> Result<ExitStatus, Error> {
    let Some(mut ran) = runs.run(None).await? else { return Ok(ExitStatus::Success) };
    if let ExitStatus::Signal(_) = ran.status {
        return Ok(ran.status);
    }
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<PathBuf>)>();
    let mut watcher = notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
        let Ok(event) = result else { return };
        // A queue overflow lost events: what changed is unknown, so everything did (the empty
        // path list stands for that).
        if event.need_rescan() {
            let _ = sender.send((Instant::now(), Vec::new()));
        } else if matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)) {
            let _ = sender.send((Instant::now(), event.paths));
        }
    })
    .map_err(|source| WatchError::Watcher { root: ran.scope.root().to_path_buf(), source })?;
    watcher
        .watch(ran.scope.root(), RecursiveMode::Recursive)
        .map_err(|source| WatchError::Watcher { root: ran.scope.root().to_path_buf(), source })?;
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
                Some((at, paths)) = events.recv() => {
                    if paths.is_empty() {
                        queue.push(ran.scope.config().to_path_buf(), at);
                    }
                    for path in paths {
                        if let Some(relative) = ran.scope.relevant(&path) {
                            queue.push(relative, at);
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
