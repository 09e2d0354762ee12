//! Processes a session leaves behind: every command and uv step of an instance carries a token in
//! its environment (`FORGE_SESSION_TOKEN`), which children inherit even when they leave the
//! command's process group (`setsid`, a double fork); when the session ends, forge finds what
//! still carries the token, kills it and reports it — as cargo-nextest reports `LEAK`.
//!
//! Linux only: the search reads `/proc/PID/environ` of the processes forge's user may read. Only
//! the process ids allocated since the instance began are looked at ([`PidMark`]), unless the
//! kernel's counters cannot prove that range holds all of them; then every process is.

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

/// The kernel's process counters when an instance began: every process it starts afterwards
/// gets a later process id, so at its end only those ids need looking at.
///
/// Linux allocates process ids cyclically: each new task gets the first free id after the last
/// one given, wrapping at `/proc/sys/kernel/pid_max` back to 300 (`RESERVED_PIDS`). The ids given
/// out since the mark are therefore those after its `last_pid` up to the current one, unless the
/// allocation wrapped. A wrap that ends below the mark's id shows (the current id is lower); one
/// that came all the way round again must have allocated every id that was free between 300 and
/// the mark's id: at least `last_pid - 300 - tasks` of them, where `tasks` bounds the ids in use
/// (those alive at the mark plus every task created since). `/proc/stat`'s `processes` (every
/// fork and thread since boot, machine-wide) bounds how many were created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PidMark(Option<Counters>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counters {
    /// The newest process id (`/proc/loadavg`'s fifth field).
    last_pid: u32,
    /// Tasks the kernel knows now (`/proc/loadavg`'s fourth field, after the `/`).
    tasks: u32,
    /// Forks since boot (`/proc/stat`'s `processes`).
    forks: u64,
}

impl PidMark {
    /// The counters now; a mark that makes the search look at every process when they cannot be
    /// read.
    pub fn now() -> Self {
        Self(Counters::read())
    }

    /// A mark that makes the search look at every process (what unreadable counters give).
    #[cfg(test)]
    const fn unknown() -> Self {
        Self(None)
    }
}

impl Counters {
    fn read() -> Option<Self> {
        let loadavg = std::fs::read_to_string("/proc/loadavg").ok()?;
        let mut fields = loadavg.split_ascii_whitespace().skip(3);
        let tasks = fields.next()?.split_once('/')?.1.parse().ok()?;
        let last_pid = fields.next()?.parse().ok()?;
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let forks = stat.lines().find_map(|line| line.strip_prefix("processes "))?.trim().parse().ok()?;
        Some(Self { last_pid, tasks, forks })
    }
}

/// Which process ids to look at.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// Those in the range: every process started since the mark has one.
    Range(std::ops::RangeInclusive<u32>),
    /// Every process in `/proc`.
    All,
}

/// The ids given out between `start` and `end` when they provably hold every process started in
/// between and are fewer than the processes a full listing would visit, else [`Scan::All`].
fn scan(start: PidMark, end: PidMark) -> Scan {
    /// The ids below this are not given out again after a wrap (the kernel's `RESERVED_PIDS`).
    const RESERVED_PIDS: u64 = 300;
    let (PidMark(Some(start)), PidMark(Some(end))) = (start, end) else { return Scan::All };
    let created = end.forks.saturating_sub(start.forks);
    let in_use = u64::from(start.tasks) + created;
    let free_below_mark = u64::from(start.last_pid).saturating_sub(RESERVED_PIDS).saturating_sub(in_use);
    let wrapped = end.last_pid < start.last_pid || created >= free_below_mark;
    if wrapped || end.last_pid - start.last_pid > end.tasks.max(64) {
        return Scan::All;
    }
    Scan::Range(start.last_pid + 1..=end.last_pid)
}

/// Kills (SIGKILL) every process whose environment holds `token` and returns them. `since` is
/// the mark taken before the instance started its first process.
///
/// Each process looked at costs as few system calls as it can: its `environ` is read into one
/// buffer reused for all of them (see [`EnvironReader`]). An id in the range may name a thread
/// (`/proc/TID` resolves though `/proc` does not list it): only a thread group's leader counts.
pub fn kill_leaked(token: &str, since: PidMark) -> Vec<LeakedProcess> {
    let needle = format!("{TOKEN_VARIABLE}={token}");
    let mut reader = EnvironReader::default();
    let mut leaked = Vec::new();
    let own = std::process::id();
    let visit = |pid: i32| {
        if pid as u32 == own {
            return;
        }
        let directory = std::path::PathBuf::from(format!("/proc/{pid}"));
        // Unreadable (another user's, a kernel thread's, or gone): not ours.
        let Ok(environ) = reader.read(&directory.join("environ")) else { return };
        if !environ.split(|&byte| byte == 0).any(|variable| variable == needle.as_bytes())
            || !is_leader(&directory, pid)
        {
            return;
        }
        let name = std::fs::read_to_string(directory.join("comm"))
            .map_or_else(|_| "?".to_owned(), |name| name.trim().to_owned());
        if nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).is_ok() {
            tracing::info!(pid, %name, "killed a process the session left behind");
            leaked.push(LeakedProcess { pid, name });
        }
    };
    match scan(since, PidMark::now()) {
        Scan::Range(range) => range.filter_map(|pid| i32::try_from(pid).ok()).for_each(visit),
        Scan::All => {
            let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
            entries
                .flatten()
                .filter_map(|entry| entry.file_name().to_str().and_then(|name| name.parse::<i32>().ok()))
                .for_each(visit);
        }
    }
    leaked
}

/// Whether `pid` is a process (its thread group's leader), not another of its threads.
fn is_leader(directory: &std::path::Path, pid: i32) -> bool {
    let Ok(status) = std::fs::read_to_string(directory.join("status")) else { return false };
    status.lines().find_map(|line| line.strip_prefix("Tgid:")).is_some_and(|tgid| tgid.trim() == pid.to_string())
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

    /// `program` with `token` in its environment, once it has exec'd (until then /proc shows
    /// the parent's environment: waited for, bounded).
    fn spawn_with_token(program: &str, args: &[&str], token: &str) -> std::process::Child {
        let child = std::process::Command::new(program).args(args).env(TOKEN_VARIABLE, token).spawn().unwrap();
        let environ = format!("/proc/{}/environ", child.id());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !std::fs::read(&environ)
            .is_ok_and(|bytes| bytes.windows(token.len()).any(|window| window == token.as_bytes()))
        {
            assert!(std::time::Instant::now() < deadline, "{program} never started");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child
    }

    fn killed(child: &mut std::process::Child) -> Option<i32> {
        use std::os::unix::process::ExitStatusExt as _;
        child.wait().unwrap().signal()
    }

    #[test]
    fn a_process_started_after_the_mark_is_killed_and_reported() {
        let token = format!("{}-test", token(7));
        let mark = PidMark::now();
        assert_ne!(mark, PidMark::unknown(), "Linux's counters are readable");
        let mut child = spawn_with_token("sleep", &["600"], &token);
        let leaked = kill_leaked(&token, mark);
        assert_eq!(leaked, [LeakedProcess { pid: child.id() as i32, name: "sleep".into() }]);
        assert_eq!(killed(&mut child), Some(9));
        assert!(kill_leaked(&token, mark).is_empty());
    }

    #[test]
    fn without_a_mark_every_process_is_looked_at() {
        let token = format!("{}-unmarked", token(9));
        let mut child = spawn_with_token("sleep", &["600"], &token);
        let leaked = kill_leaked(&token, PidMark::unknown());
        assert_eq!(leaked, [LeakedProcess { pid: child.id() as i32, name: "sleep".into() }]);
        assert_eq!(killed(&mut child), Some(9));
    }

    #[test]
    fn a_process_with_threads_is_reported_once() {
        // Its threads' ids follow its own in the range, and /proc/TID/environ is its environ.
        let token = format!("{}-threads", token(10));
        let mark = PidMark::now();
        let program = "import threading, time\nfor _ in range(3): threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\ntime.sleep(600)";
        let mut child = spawn_with_token("python3", &["-c", program], &token);
        let task = format!("/proc/{}/task", child.id());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::fs::read_dir(&task).unwrap().count() < 4 {
            assert!(std::time::Instant::now() < deadline, "the threads never started");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let leaked = kill_leaked(&token, mark);
        assert_eq!(leaked, [LeakedProcess { pid: child.id() as i32, name: "python3".into() }]);
        assert_eq!(killed(&mut child), Some(9));
    }

    fn mark(last_pid: u32, tasks: u32, forks: u64) -> PidMark {
        PidMark(Some(Counters { last_pid, tasks, forks }))
    }

    #[test]
    fn the_range_is_the_ids_given_out_since_the_mark() {
        assert_eq!(scan(mark(10_000, 90, 5000), mark(10_010, 90, 5012)), Scan::Range(10_001..=10_010));
        // Nothing started: an empty range.
        let Scan::Range(range) = scan(mark(10_000, 90, 5000), mark(10_000, 90, 5000)) else { panic!() };
        assert!(range.is_empty());
    }

    #[test]
    fn a_counter_that_wrapped_or_may_have_wrapped_means_every_process() {
        // The newest id is below the mark's: it wrapped.
        assert_eq!(scan(mark(32_000, 90, 5000), mark(400, 90, 6000)), Scan::All);
        // From id 1,000 with 90 tasks alive, coming round again means allocating every id free in
        // 300..1000: at least 700 - 90 - N of them after N were created (each may hold one). 305
        // created are enough (305 >= 700 - 90 - 305): every process; 304 are not.
        assert_eq!(scan(mark(1000, 90, 5000), mark(1010, 90, 5000 + 305)), Scan::All);
        assert_eq!(scan(mark(1000, 90, 5000), mark(1010, 90, 5000 + 304)), Scan::Range(1001..=1010));
        // Low ids (a container's namespace): a few forks are already too many (8 >= 20 - 5 - 8).
        assert_eq!(scan(mark(320, 5, 0), mark(330, 5, 8)), Scan::All);
        assert_eq!(scan(mark(320, 5, 0), mark(326, 5, 7)), Scan::Range(321..=326));
    }

    #[test]
    fn a_range_longer_than_a_full_listing_means_every_process() {
        assert_eq!(scan(mark(10_000, 90, 0), mark(10_091, 90, 100)), Scan::All);
        assert_eq!(scan(mark(10_000, 90, 0), mark(10_090, 90, 100)), Scan::Range(10_001..=10_090));
        // A listing visits at least its kernel threads: 64 ids are always worth probing.
        assert_eq!(scan(mark(10_000, 10, 0), mark(10_064, 10, 100)), Scan::Range(10_001..=10_064));
    }

    #[test]
    fn unreadable_counters_mean_every_process() {
        assert_eq!(scan(PidMark::unknown(), mark(10_010, 90, 5012)), Scan::All);
        assert_eq!(scan(mark(10_000, 90, 5000), PidMark::unknown()), Scan::All);
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
