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
use crate::error::{Error, ExitStatus};
use crate::reporter;

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

/// The runs a watch drives (the app's whole pipeline: load, plan, run, write reports).
pub trait Runs {
    /// Runs the selection once; `changed` (paths relative to the root) says why, `None` for the
    /// first run.
    fn run(&mut self, changed: Option<&[PathBuf]>) -> impl Future<Output = Result<Ran, Error>>;
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
    let mut ran = runs.run(None).await?;
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
            Ok(next) if matches!(next.status, ExitStatus::Signal(_)) => return Ok(next.status),
            Ok(next) => ran = next,
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
