//! Processes a session leaves behind: every command and uv step of an instance carries a token in
//! its environment (`FORGE_SESSION_TOKEN`), which children inherit even when they leave the
//! command's process group (`setsid`, a double fork); when the session ends, forge finds what
//! still carries the token, kills it and reports it — as cargo-nextest reports `LEAK`.
//!
//! Linux only: the search reads `/proc/PID/environ` of the processes forge's user may read.

use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable carrying an instance's token.
pub const TOKEN_VARIABLE: &str = "FORGE_SESSION_TOKEN";

/// A process found still running after its session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakedProcess {
    /// Its process id.
    pub pid: i32,
    /// Its command name (`/proc/PID/comm`).
    pub name: String,
}

impl std::fmt::Display for LeakedProcess {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "pid {} ({})", self.pid, self.name)
    }
}

/// The token of plan instance `index` in this forge process: the process id, a per-process
/// nonce (so a recycled pid of an earlier run never matches) and the index.
pub fn token(index: usize) -> String {
    static NONCE: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    let nonce = NONCE.get_or_init(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_nanos()));
    format!("{}.{nonce:x}.{index}", std::process::id())
}

/// Kills (SIGKILL) every process whose environment holds `token` and returns them.
///
/// Every process on the machine is looked at after every session, so each costs as few system
/// calls as it can: its `environ` is read into one buffer reused for all of them (see
/// [`EnvironReader`]).
pub fn kill_leaked(token: &str) -> Vec<LeakedProcess> {
    let needle = format!("{TOKEN_VARIABLE}={token}");
    let own = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut reader = EnvironReader::default();
    let mut leaked = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<i32>().ok()) else { continue };
        if pid as u32 == own {
            continue;
        }
        // Unreadable (another user's, a kernel thread's, or gone): not ours.
        let Ok(environ) = reader.read(&entry.path().join("environ")) else { continue };
        if !environ.split(|&byte| byte == 0).any(|variable| variable == needle.as_bytes()) {
            continue;
        }
        let name = std::fs::read_to_string(entry.path().join("comm"))
            .map_or_else(|_| "?".to_owned(), |name| name.trim().to_owned());
        if nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).is_ok() {
            tracing::info!(pid, %name, "killed a process the session left behind");
            leaked.push(LeakedProcess { pid, name });
        }
    }
    leaked
}

/// Reads `/proc/PID/environ` files into one buffer kept across them. procfs reports their size
/// as 0, so `std::fs::read` spends a `statx` and then reads of 32, 32, 64, 128… bytes on each
/// (a dozen system calls for a few KiB); here a file is an `open`, one `read` that
/// takes it whole, a `read` that finds its end and a `close`.
#[derive(Default)]
struct EnvironReader {
    buffer: Vec<u8>,
}

impl EnvironReader {
    /// The buffer's first size, in bytes: larger than nearly every environment (it doubles for
    /// one that is not).
    const INITIAL_BYTES: usize = 64 * 1024;

    /// The content of `path`.
    fn read(&mut self, path: &std::path::Path) -> std::io::Result<&[u8]> {
        use std::io::Read as _;
        let mut file = std::fs::File::open(path)?;
        if self.buffer.is_empty() {
            self.buffer.resize(Self::INITIAL_BYTES, 0);
        }
        let mut filled = 0;
        loop {
            if filled == self.buffer.len() {
                self.buffer.resize(filled * 2, 0);
            }
            match file.read(&mut self.buffer[filled..]) {
                Ok(0) => return Ok(&self.buffer[..filled]),
                Ok(count) => filled += count,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_carrying_the_token_is_killed_and_reported() {
        let token = format!("{}-test", token(7));
        let mut child = std::process::Command::new("sleep").arg("600").env(TOKEN_VARIABLE, &token).spawn().unwrap();
        let pid = child.id() as i32;
        // Until the child has exec'd, /proc shows the parent's environment: wait (bounded) for
        // the child's own.
        let environ = format!("/proc/{pid}/environ");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !std::fs::read(&environ)
            .is_ok_and(|bytes| bytes.windows(token.len()).any(|window| window == token.as_bytes()))
        {
            assert!(std::time::Instant::now() < deadline, "sleep never started");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let leaked = kill_leaked(&token);
        assert_eq!(leaked, [LeakedProcess { pid, name: "sleep".into() }]);
        use std::os::unix::process::ExitStatusExt as _;
        assert_eq!(child.wait().unwrap().signal(), Some(9));
        assert!(kill_leaked(&token).is_empty());
    }

    #[test]
    fn an_environment_larger_than_the_buffer_is_read_whole() {
        // The token after 200 KiB of other variables (four, as one may hold at most 128 KiB):
        // past the reader's first 64 KiB.
        let token = format!("{}-large", token(8));
        let padding = "x".repeat(50 * 1024);
        let mut command = std::process::Command::new("sleep");
        command.arg("600");
        for index in 0..4 {
            command.env(format!("FORGE_TEST_PADDING_{index}"), &padding);
        }
        let mut child = command.env(TOKEN_VARIABLE, &token).spawn().unwrap();
        let environ = std::path::PathBuf::from(format!("/proc/{}/environ", child.id()));
        let needle = format!("{TOKEN_VARIABLE}={token}");
        let mut reader = EnvironReader::default();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let read = reader.read(&environ).unwrap().to_vec();
            if read.split(|&byte| byte == 0).any(|variable| variable == needle.as_bytes()) {
                assert!(read.len() > 200 * 1024, "read whole: {} bytes", read.len());
                break;
            }
            // Until the child has exec'd, /proc shows the parent's environment.
            assert!(std::time::Instant::now() < deadline, "sleep never started");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // The buffer is reused: a smaller file after a larger one is read as itself.
        let own = reader.read(std::path::Path::new("/proc/self/environ")).unwrap().to_vec();
        assert_eq!(own, std::fs::read("/proc/self/environ").unwrap());
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn tokens_differ_per_instance() {
        assert_ne!(token(1), token(2));
        assert!(token(3).starts_with(&format!("{}.", std::process::id())));
    }
}
