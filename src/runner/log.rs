//! A session's log: every byte its commands print (and forge's own `$ command` notes), written
//! as it arrives to a private partial file that becomes `logs/NAME.log` when the session ends, a
//! bounded tail kept in memory for reports, and live output handed to a callback.

use std::collections::VecDeque;
use std::fs::File;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;

/// The most output kept in memory per session (the rest is only in the log), in bytes.
pub const TAIL_BYTES: usize = 64 * 1024;

/// Receives output as it arrives, when a session's output is shown live; its future resolving is
/// the back-pressure that keeps a slow terminal from queueing unbounded output.
pub type LiveOutput = Box<dyn FnMut(&[u8]) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// Where a session's output goes.
pub struct SessionLog {
    file: File,
    partial: PathBuf,
    path: PathBuf,
    error: Option<std::io::Error>,
    tail: VecDeque<u8>,
    live: Option<LiveOutput>,
    /// Whether the last byte recorded ended a line (forge's own notes start on a fresh line).
    at_line_start: bool,
}

/// How a log ended.
#[derive(Debug)]
pub struct LogEnd {
    /// `logs/NAME.log`, when the log is complete there.
    pub path: Option<PathBuf>,
    /// Why the log is incomplete or missing (a full disk, say), naming the file.
    pub error: Option<String>,
}

impl SessionLog {
    /// Creates the partial log of instance `name` in `logs` (`.NAME.log.PID.partial`): a private
    /// name, so two forge processes never interleave one log, created exclusively (a symlink or
    /// file planted at that name is never followed or truncated). `live` receives output too.
    ///
    /// # Errors
    /// The partial file cannot be created; the message names it.
    pub fn create(logs: &Path, name: &str, live: Option<LiveOutput>) -> Result<Self, String> {
        let path = logs.join(format!("{name}.log"));
        let partial = logs.join(format!(".{name}.log.{}.partial", std::process::id()));
        let file =
            create_exclusive(&partial).map_err(|error| format!("cannot create log {}: {error}", partial.display()))?;
        Ok(Self { file, partial, path, error: None, tail: VecDeque::new(), live, at_line_start: true })
    }

    /// Records `bytes` everywhere: written straight to the file (no buffer, so a killed run's
    /// partial log holds everything printed so far), the tail, and live output.
    pub async fn write(&mut self, bytes: &[u8]) {
        if let Some(&last) = bytes.last() {
            self.at_line_start = last == b'\n';
        }
        self.write_file(bytes);
        self.push_tail(bytes);
        if let Some(live) = &mut self.live {
            live(bytes).await;
        }
    }

    /// Records a line forge itself writes (e.g. `$ command`), in the log and tail only.
    pub fn note(&mut self, line: &str) {
        let separator = if self.at_line_start { "" } else { "\n" };
        self.at_line_start = true;
        let text = format!("{separator}{line}\n");
        self.write_file(text.as_bytes());
        self.push_tail(text.as_bytes());
    }

    /// The last [`TAIL_BYTES`] recorded.
    pub fn tail(&self) -> Vec<u8> {
        self.tail.iter().copied().collect()
    }

    /// Moves the partial file to `logs/NAME.log`; on a write error, keeps what was written there
    /// and says so.
    pub fn finish(self) -> LogEnd {
        let Self { file, partial, path, error, .. } = self;
        let error = error.map(|error| format!("cannot write log {}: {error}", path.display()));
        drop(file);
        match crate::output_file::replace(&partial, &path) {
            Ok(()) => LogEnd { path: Some(path), error },
            Err(rename) => {
                let _ = std::fs::remove_file(&partial);
                LogEnd { path: None, error: Some(format!("cannot create log {}: {rename}", path.display())) }
            }
        }
    }

    fn write_file(&mut self, bytes: &[u8]) {
        if self.error.is_none()
            && let Err(error) = self.file.write_all(bytes)
        {
            self.error = Some(error);
        }
    }

    fn push_tail(&mut self, bytes: &[u8]) {
        let bytes = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
        let overflow = (self.tail.len() + bytes.len()).saturating_sub(TAIL_BYTES);
        self.tail.drain(..overflow);
        self.tail.extend(bytes);
    }
}

/// Creates `path` with `O_CREAT | O_EXCL` (which never follows a symlink). A leftover at that
/// name (this PID's earlier forge process was killed) is removed first: removing a symlink leaves
/// its target alone.
fn create_exclusive(path: &Path) -> std::io::Result<File> {
    let open = || std::fs::OpenOptions::new().write(true).create_new(true).open(path);
    match open() {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(path)?;
            open()
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_planted_symlink_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let partial = dir.path().join(format!(".s.log.{}.partial", std::process::id()));
        std::os::unix::fs::symlink(&victim, &partial).unwrap();
        let mut log = SessionLog::create(dir.path(), "s", None).unwrap();
        log.write(b"output\n").await;
        let end = log.finish();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(end.path.unwrap()).unwrap(), "output\n");
        assert!(end.error.is_none());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_log_holds_output_before_the_session_ends() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SessionLog::create(dir.path(), "s", None).unwrap();
        log.write(b"partial line").await;
        log.note("$ next");
        let partial = dir.path().join(format!(".s.log.{}.partial", std::process::id()));
        assert_eq!(std::fs::read_to_string(partial).unwrap(), "partial line\n$ next\n");
        assert_eq!(log.tail(), b"partial line\n$ next\n");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_write_error_is_reported_with_the_log_path() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SessionLog::create(dir.path(), "s", None).unwrap();
        // /dev/full fails every write with ENOSPC, as a full disk does.
        log.file = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        log.write(b"lost").await;
        let end = log.finish();
        let error = end.error.unwrap();
        assert!(error.starts_with("cannot write log ") && error.contains("s.log"), "{error}");
        assert!(error.contains("No space left on device"), "{error}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_tail_keeps_the_last_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SessionLog::create(dir.path(), "s", None).unwrap();
        log.write(&vec![b'a'; 100 * 1024]).await;
        log.write(b"end").await;
        let tail = log.tail();
        // The documented 64 KiB (docs/running.md), not whatever the constant says.
        assert_eq!(tail.len(), 64 * 1024);
        assert!(tail.ends_with(b"aend"));
    }
}
