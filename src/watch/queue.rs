//! Coalescing changes into re-runs: a burst of writes (an editor's save, a `git checkout`) is one
//! re-run, and so is everything that changed while a run was going on. Plain state, the clock
//! passed in: unit-tested without a watcher.
//!
//! The shape is watchexec's and cargo-watch's debounce: fire once the changes have been quiet
//! for [`QUIET`], but never later than [`MAX_DELAY`] after the first one (a file written
//! continuously must not postpone the re-run forever).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long the changes must be quiet before a re-run starts: 50 ms (an editor's save is a
/// few events within a millisecond or two; a person does not notice 50 ms).
pub const QUIET: Duration = Duration::from_millis(50);

/// The longest a change waits for the changes after it to stop: 1 s.
pub const MAX_DELAY: Duration = Duration::from_secs(1);

/// The changes not yet re-run, and when they happened.
#[derive(Debug, Default)]
pub struct Queue {
    changed: BTreeSet<PathBuf>,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Queue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `path` (relative to the project root) changed `at` (when the watcher saw it,
    /// which for a change during a run is before the run ended).
    pub fn push(&mut self, path: PathBuf, at: Instant) {
        self.changed.insert(path);
        self.first = Some(self.first.map_or(at, |first| first.min(at)));
        self.last = Some(self.last.map_or(at, |last| last.max(at)));
    }

    /// When the queued changes are due for a re-run (`None`: nothing is queued).
    pub fn due(&self) -> Option<Instant> {
        let (first, last) = (self.first?, self.last?);
        Some((last + QUIET).min(first + MAX_DELAY))
    }

    /// The queued changes, sorted, if they are due at `now`; the queue is empty afterwards.
    pub fn take(&mut self, now: Instant) -> Option<BTreeSet<PathBuf>> {
        if self.due()? > now {
            return None;
        }
        self.first = None;
        self.last = None;
        Some(std::mem::take(&mut self.changed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(batch: &BTreeSet<PathBuf>) -> Vec<&str> {
        batch.iter().map(|path| path.to_str().unwrap()).collect()
    }

    #[test]
    fn a_burst_is_one_batch_once_quiet() {
        let start = Instant::now();
        let mut queue = Queue::new();
        assert_eq!(queue.due(), None);
        assert!(queue.take(start + MAX_DELAY * 10).is_none());
        queue.push("a.py".into(), start);
        queue.push("b.py".into(), start + Duration::from_millis(10));
        queue.push("a.py".into(), start + Duration::from_millis(20));
        assert_eq!(queue.due(), Some(start + Duration::from_millis(20) + QUIET));
        assert!(queue.take(start + Duration::from_millis(30)).is_none(), "not quiet yet");
        let batch = queue.take(start + Duration::from_millis(20) + QUIET).expect("due");
        assert_eq!(paths(&batch), ["a.py", "b.py"]);
        assert_eq!(queue.due(), None, "taken");
    }

    #[test]
    fn a_steady_stream_fires_after_the_maximum_delay() {
        let start = Instant::now();
        let mut queue = Queue::new();
        let mut at = start;
        while at < start + MAX_DELAY * 2 {
            queue.push("log.txt".into(), at);
            at += QUIET / 2;
        }
        assert_eq!(queue.due(), Some(start + MAX_DELAY));
    }

    #[test]
    fn changes_seen_during_a_run_are_due_when_it_ends_as_one_batch() {
        let start = Instant::now();
        let mut queue = Queue::new();
        // Seen while the run went on, handed to the queue when it ended, ten seconds later.
        queue.push("src/a.py".into(), start + Duration::from_secs(1));
        queue.push("src/b.py".into(), start + Duration::from_secs(3));
        let ended = start + Duration::from_secs(10);
        let batch = queue.take(ended).expect("due at once");
        assert_eq!(paths(&batch), ["src/a.py", "src/b.py"]);
        assert!(queue.take(ended).is_none(), "one re-run, not two");
    }
}
