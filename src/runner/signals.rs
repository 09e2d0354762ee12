//! SIGINT, SIGTERM and SIGHUP as one stream of signal numbers for the dispatcher's `select!`.

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The signals that stop a run (each handled as the contract says: forward, then kill).
pub struct Signals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl Signals {
    /// Installs the handlers; from now on these signals no longer kill forge outright.
    ///
    /// # Errors
    /// The runtime could not register a handler.
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// The next signal's number.
    pub async fn recv(&mut self) -> i32 {
        use nix::sys::signal::Signal::{SIGHUP, SIGINT, SIGTERM};
        tokio::select! {
            _ = self.interrupt.recv() => SIGINT as i32,
            _ = self.terminate.recv() => SIGTERM as i32,
            _ = self.hangup.recv() => SIGHUP as i32,
        }
    }
}
