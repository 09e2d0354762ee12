//! Running forge with a deadline, for inputs that used to hang it: a run that outlives the
//! deadline is killed and fails the test instead of hanging the suite.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far longer than any of these runs takes; reaching it means forge hung.
pub const HANG: Duration = Duration::from_secs(120);

/// What a bounded run printed and how it ended.
pub struct Finished {
    /// Exit code (`None` when killed by a signal, e.g. a stack overflow's SIGABRT).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// Asserts the exit code, showing both streams on failure.
    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(self.code, Some(expected), "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }
}

/// Runs `command` to completion with its output in files (no pipe to drain), killing it and
/// failing the test after [`HANG`].
#[track_caller]
pub fn run_bounded(mut command: Command) -> Finished {
    let stdout = tempfile::tempfile().expect("stdout file");
    let stderr = tempfile::tempfile().expect("stderr file");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(stdout.try_clone().expect("clone"))
        .stderr(stderr.try_clone().expect("clone"))
        .spawn()
        .expect("forge starts");
    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("forge did not finish within {HANG:?}: {}", read(stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Finished { code: status.code(), stdout: read(stdout), stderr: read(stderr) }
}

fn read(mut file: std::fs::File) -> String {
    use std::io::{Read as _, Seek as _};
    let mut bytes = Vec::new();
    file.rewind().expect("rewind");
    file.read_to_end(&mut bytes).expect("read output");
    String::from_utf8_lossy(&bytes).into_owned()
}
