//! Running one command: its own process group, output streamed to the session log (and, when
//! shown live, to the reporter), a timeout and stop requests that signal the whole group, then
//! SIGKILL after the grace period.

use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::watch;
use tokio::time::Instant;

use super::log::SessionLog;
use super::stop::StopRequest;

/// How long forge keeps reading a finished command's pipes after killing what it left behind.
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// How a command ended.
#[derive(Debug)]
pub enum CommandEnd {
    /// Exited with this code.
    Exited(i32),
    /// Killed by this signal (not sent by forge).
    Signaled(i32),
    /// Its `timeout` expired and forge killed it.
    TimedOut(Duration),
    /// forge stopped it on request (signal number of the request).
    Stopped(i32),
    /// forge stopped it on request and had to SIGKILL it: it outlived the grace period
    /// (`after_grace`) or a second signal asked for it.
    Killed {
        /// The signal number of the request.
        signal: i32,
        /// Whether the grace period ran out (else a second signal killed it).
        after_grace: bool,
    },
    /// forge stopped it because the run's `--timeout` expired.
    RunTimedOut,
    /// It could not be started.
    SpawnFailed(std::io::Error),
}

/// What a command's stdin is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdinMode {
    /// `/dev/null`: sessions running in parallel, or in the background.
    Null,
    /// forge's own stdin (a pipe or file): the single session of a run.
    Inherit,
    /// forge's stdin is the terminal and forge is in its foreground: the command stays in forge's
    /// process group (as nox's do), so it can read input — `pytest --pdb`, a REPL — and the
    /// terminal's Ctrl-C and Ctrl-Z reach it and forge together, with job control intact.
    /// Signals forge sends go to the command's process alone, and SIGINT is not sent again: the
    /// terminal already delivered it.
    Terminal,
}

/// One command to run.
pub struct CommandRun<'a> {
    /// Program (absolute) and arguments.
    pub argv: &'a [OsString],
    /// The complete environment.
    pub env: &'a [(OsString, OsString)],
    /// Working directory.
    pub cwd: &'a Path,
    /// The command's stdin.
    pub stdin: StdinMode,
    /// Limit for this command.
    pub timeout: Option<Duration>,
    /// Time between the terminating signal and SIGKILL.
    pub grace: Duration,
    /// A descriptor the command inherits (the env's lock during a build).
    pub inherit_fd: Option<std::os::fd::RawFd>,
}

/// Runs `run` to completion, streaming its output into `sink`, honouring `stop`.
pub async fn run_command(
    run: &CommandRun<'_>,
    sink: &mut SessionLog,
    stop: &mut watch::Receiver<StopRequest>,
) -> CommandEnd {
    match *stop.borrow() {
        StopRequest::None => {}
        StopRequest::Terminate(signal) | StopRequest::Kill(signal) => return CommandEnd::Stopped(signal),
        StopRequest::RunTimeout => return CommandEnd::RunTimedOut,
    }
    let mut command = tokio::process::Command::new(&run.argv[0]);
    command
        .args(&run.argv[1..])
        .env_clear()
        .envs(run.env.iter().map(|(key, value)| (key, value)))
        .current_dir(run.cwd)
        .stdin(if run.stdin == StdinMode::Null { Stdio::null() } else { Stdio::inherit() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let own_group = run.stdin != StdinMode::Terminal;
    if own_group {
        command.process_group(0);
    }
    #[cfg(target_os = "linux")]
    let parent = std::process::id();
    let inherit_fd = run.inherit_fd;
    // SAFETY: the closure runs between fork and exec and calls only async-signal-safe functions
    // (prctl, getppid, fcntl, _exit).
    unsafe {
        command.pre_exec(move || {
            // The command dies with forge, even when forge is killed with SIGKILL and cannot
            // signal it (the signal fires when the forking thread exits — forge forks from its
            // one runtime thread, which lives as long as forge). Linux only: macOS has no
            // parent-death signal, so there a SIGKILLed forge's commands outlive it.
            #[cfg(target_os = "linux")]
            {
                nix::libc::prctl(nix::libc::PR_SET_PDEATHSIG, nix::libc::SIGKILL as nix::libc::c_ulong, 0, 0, 0);
                if nix::libc::getppid() as u32 != parent {
                    // forge died between fork and prctl.
                    nix::libc::_exit(137);
                }
            }
            if let Some(fd) = inherit_fd {
                nix::libc::fcntl(fd, nix::libc::F_SETFD, 0);
            }
            Ok(())
        });
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return CommandEnd::SpawnFailed(error),
    };
    let pid = child.id().and_then(|id| i32::try_from(id).ok()).map(Pid::from_raw);
    tracing::debug!(pid = ?pid, program = ?run.argv[0], own_group, "spawned");
    // Only called while the child has not been reaped, so `pid` still names it.
    let signal_group = |signal: Signal| match pid {
        Some(pid) if own_group => {
            let _ = killpg(pid, signal);
        }
        // Sharing forge's group: the process alone (its children got the terminal's signals).
        Some(pid) => {
            let _ = nix::sys::signal::kill(pid, signal);
        }
        None => {}
    };
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let mut stdout_buffer = vec![0u8; 32 * 1024];
    let mut stderr_buffer = vec![0u8; 32 * 1024];
    let deadline = run.timeout.and_then(|timeout| Instant::now().checked_add(timeout));
    let mut kill_at: Option<Instant> = None;
    // Set once forge sends SIGKILL: `true` after the grace period, `false` on a second signal.
    let mut killed: Option<bool> = None;
    let mut drain_until: Option<Instant> = None;
    let mut forced: Option<CommandEnd> = None;
    let mut status = None;
    let mut stop_open = true;
    loop {
        if status.is_some() && stdout.is_none() && stderr.is_none() {
            break;
        }
        tokio::select! {
            read = read_some(&mut stdout, &mut stdout_buffer) => match read {
                Some(count) => sink.write(&stdout_buffer[..count]).await,
                None => stdout = None,
            },
            read = read_some(&mut stderr, &mut stderr_buffer) => match read {
                Some(count) => sink.write(&stderr_buffer[..count]).await,
                None => stderr = None,
            },
            waited = child.wait(), if status.is_none() => {
                status = Some(waited);
                if own_group {
                    // Whatever the command left running in its group (a `server &`) goes with it.
                    signal_group(Signal::SIGKILL);
                }
                drain_until = Some(Instant::now() + DRAIN_TIME);
            }
            () = sleep_until(deadline), if forced.is_none() && status.is_none() => {
                forced = Some(CommandEnd::TimedOut(run.timeout.unwrap_or_default()));
                signal_group(Signal::SIGTERM);
                kill_at = Instant::now().checked_add(run.grace);
            }
            () = sleep_until(kill_at), if status.is_none() => {
                signal_group(Signal::SIGKILL);
                kill_at = None;
                killed = Some(true);
            }
            () = sleep_until(drain_until) => break,
            changed = stop.changed(), if stop_open => {
                if changed.is_err() {
                    stop_open = false;
                    continue;
                }
                if status.is_some() {
                    // The command already ended on its own; only its output is still draining.
                    continue;
                }
                let request = *stop.borrow();
                match request {
                    StopRequest::None => {}
                    StopRequest::Terminate(number) => {
                        forced = Some(CommandEnd::Stopped(number));
                        let signal = Signal::try_from(number).unwrap_or(Signal::SIGTERM);
                        // On a terminal the command got Ctrl-C from it already.
                        if own_group || signal != Signal::SIGINT {
                            signal_group(signal);
                        }
                        kill_at = Instant::now().checked_add(run.grace);
                    }
                    StopRequest::RunTimeout => {
                        forced = Some(CommandEnd::RunTimedOut);
                        signal_group(Signal::SIGTERM);
                        kill_at = Instant::now().checked_add(run.grace);
                    }
                    StopRequest::Kill(number) => {
                        forced = Some(CommandEnd::Stopped(number));
                        signal_group(Signal::SIGKILL);
                        killed = Some(false);
                    }
                }
            }
        }
    }
    tracing::debug!(pid = ?pid, status = ?status, forced = ?forced, "command ended");
    if let (Some(CommandEnd::Stopped(signal)), Some(after_grace)) = (&forced, killed) {
        return CommandEnd::Killed { signal: *signal, after_grace };
    }
    if let Some(forced) = forced {
        return forced;
    }
    match status {
        Some(Ok(status)) => {
            use std::os::unix::process::ExitStatusExt;
            match (status.code(), status.signal()) {
                (Some(code), _) => CommandEnd::Exited(code),
                (None, Some(signal)) => CommandEnd::Signaled(signal),
                (None, None) => CommandEnd::Exited(-1),
            }
        }
        Some(Err(error)) => CommandEnd::SpawnFailed(error),
        None => CommandEnd::Exited(-1),
    }
}

async fn read_some<R: AsyncRead + Unpin>(reader: &mut Option<R>, buffer: &mut [u8]) -> Option<usize> {
    match reader {
        Some(reader) => match reader.read(buffer).await {
            Ok(0) | Err(_) => None,
            Ok(count) => Some(count),
        },
        None => std::future::pending().await,
    }
}

/// Sleeps until `at`, or forever when there is no deadline (a `select!` branch that never fires).
pub(super) async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Describes how a command ended, to follow its name in a message.
pub fn describe(end: &CommandEnd) -> String {
    match end {
        CommandEnd::Exited(code) => format!("exited with status {code}"),
        CommandEnd::Signaled(signal) => format!("was killed by signal {signal}"),
        CommandEnd::TimedOut(limit) => format!("timed out after {} and was killed", humantime::format_duration(*limit)),
        CommandEnd::Stopped(signal) => format!("was stopped by signal {signal}"),
        CommandEnd::Killed { signal, after_grace: true } => {
            format!("was stopped by signal {signal}, then killed with SIGKILL when the grace period ran out")
        }
        CommandEnd::Killed { signal, after_grace: false } => {
            format!("was stopped by signal {signal}, then killed with SIGKILL on the second signal")
        }
        CommandEnd::RunTimedOut => "was stopped: the run's --timeout expired".to_owned(),
        CommandEnd::SpawnFailed(error) => format!("could not be started: {error}"),
    }
}
