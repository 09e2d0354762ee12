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

/// Runs `work` (the report phase: blocking file I/O) on a blocking thread while signals are still
/// honoured: the first SIGINT/SIGTERM/SIGHUP is remembered and `work` finishes (its inputs are
/// bounded, and the reports must be written); a second one ends forge at once with 128+N, as a
/// second signal does during a run. Returns what `work` returned and the first signal, if any.
///
/// # Errors
/// Installing the signal handlers failed.
pub async fn finish_honouring_signals<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<(T, Option<i32>)> {
    let mut signals = Signals::new()?;
    let mut task = tokio::task::spawn_blocking(work);
    let mut first = None;
    loop {
        tokio::select! {
            done = &mut task => {
                // A panic in `work` is forge's own bug: let it surface as one.
                let value = done.unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
                return Ok((value, first));
            }
            number = signals.recv() => {
                tracing::info!(signal = number, "signal received while writing the reports");
                if first.is_some() {
                    std::process::exit(128 + number);
                }
                first = Some(number);
            }
        }
    }
}

/// [`finish_honouring_signals`] for work that is short and never waits (the reports directory's
/// lock already held, no uploads to wait for): it runs on this thread, which saves a warm run the
/// hand-over to a blocking thread and back (~0.3–0.5 ms, `bench/ab`), and a signal arriving
/// meanwhile is queued by the handlers and returned as the first signal, as there.
///
/// # Errors
/// Installing the signal handlers failed.
pub async fn finish_inline<T>(work: impl FnOnce() -> T) -> std::io::Result<(T, Option<i32>)> {
    let mut signals = Signals::new()?;
    let value = work();
    // The runtime's signal driver takes in what arrived while this thread was busy when it is next
    // polled, which a yield lets happen before the queue is looked at.
    tokio::task::yield_now().await;
    let first = tokio::select! {
        biased;
        number = signals.recv() => Some(number),
        () = std::future::ready(()) => None,
    };
    Ok((value, first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
    }

    // One test, not two: a raised signal reaches every listener in the process. SIGHUP: no other
    // unit test installs a handler for it, or runs a runtime that would see it.
    #[test]
    fn a_signal_during_inline_work_is_returned_once_the_work_finished() {
        assert_eq!(block_on(finish_inline(|| 7)).unwrap(), (7, None));
        let (value, first) = block_on(finish_inline(|| {
            nix::sys::signal::raise(nix::sys::signal::Signal::SIGHUP).unwrap();
            "written"
        }))
        .unwrap();
        assert_eq!((value, first), ("written", Some(nix::libc::SIGHUP)));
    }
}
