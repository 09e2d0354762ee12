//! The terminal display, fed the runner's events in order.
//!
//! Three modes: *live* (one session at a time: its output streams as it comes), *progress* (a TTY
//! and parallel sessions: a spinner per running session, each finished session's output printed
//! as one block) and *blocks* (no TTY, as in CI: no spinners, blocks only). Failures' output is
//! always shown; successes' with `-v`.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::style::{BOLD, DIM, WARNING, duration_column, status_label};
use crate::runner::{EnvProgress, Event, EventSink, SessionOutcome, SessionStatus};
use crate::settings::Verbosity;
use crate::venv::RebuildReason;

/// The most of a log printed in a block; longer logs show their end and the log's path.
///
/// The block is read back from the log (bounded) rather than taken from the outcome's in-memory
/// tail on purpose: the tail is 64 KiB so that many sessions and attempts stay cheap, while a
/// failure's block shows up to 1 MiB.
const BLOCK_BYTES: u64 = 1024 * 1024;

/// How far into a truncated block forge looks for a line break to start the block at.
const LINE_SEARCH_BYTES: usize = 4096;

enum Mode {
    Live,
    Progress { multi: MultiProgress, bars: HashMap<usize, ProgressBar> },
    Blocks,
}

/// Terminal output for one run.
pub struct Display {
    names: Vec<String>,
    mode: Mode,
    verbosity: Verbosity,
    /// Print finished sessions' output blocks (off when a CI output prints them instead).
    blocks: bool,
    /// Bytes of a UTF-8 sequence split across two live output chunks.
    carry: Vec<u8>,
}

impl Display {
    /// A display; `live` when sessions run one at a time, `tty` when stderr is a terminal. The
    /// instances' names arrive with [`Event::RunStarted`].
    pub fn new(live: bool, tty: bool, verbosity: Verbosity) -> Self {
        let mode = if live {
            Mode::Live
        } else if tty {
            Mode::Progress {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: HashMap::new(),
            }
        } else {
            Mode::Blocks
        };
        Self { names: Vec::new(), mode, verbosity, blocks: true, carry: Vec::new() }
    }

    /// This display without output blocks: a CI output prints them, in groups or sections.
    pub fn without_blocks(mut self) -> Self {
        self.blocks = false;
        self
    }

    fn print_err(&self, line: &str) {
        match &self.mode {
            Mode::Progress { multi, .. } => multi.suspend(|| {
                let _ = writeln!(anstream::stderr(), "{line}");
            }),
            _ => {
                let _ = writeln!(anstream::stderr(), "{line}");
            }
        }
    }

    fn set_message(&mut self, index: usize, message: String) {
        if let Mode::Progress { bars, .. } = &mut self.mode
            && let Some(bar) = bars.get(&index)
        {
            bar.set_message(message);
        }
    }

    fn finished(&mut self, index: usize, outcome: &SessionOutcome) {
        if let Mode::Progress { bars, .. } = &mut self.mode
            && let Some(bar) = bars.remove(&index)
        {
            bar.finish_and_clear();
        }
        let show_block = self.blocks
            && !matches!(self.mode, Mode::Live)
            && (outcome.status.is_failure()
                || outcome.status == SessionStatus::Interrupted
                || self.verbosity == Verbosity::Verbose);
        if show_block && let Some(log) = &outcome.log {
            let block = String::from_utf8_lossy(&read_block(log)).into_owned().into_bytes();
            let header = format!("{DIM}──── output of {} ────{DIM:#}", outcome.name);
            let footer = format!("{DIM}──── end of {} (log: {}) ────{DIM:#}", outcome.name, log.display());
            let print = || {
                let mut stdout = anstream::stdout().lock();
                let _ = writeln!(stdout, "{header}");
                let _ = stdout.write_all(&block);
                if !block.ends_with(b"\n") && !block.is_empty() {
                    let _ = writeln!(stdout);
                }
                let _ = writeln!(stdout, "{footer}");
                let _ = stdout.flush();
            };
            match &self.mode {
                Mode::Progress { multi, .. } => multi.suspend(print),
                _ => print(),
            }
        }
        if self.verbosity == Verbosity::Verbose
            && let Some(verdict) = &outcome.cache_verdict
        {
            self.print_err(&format!("{DIM}forge ▸ {}: cache: {verdict}{DIM:#}", outcome.name));
        }
        let quiet_success = self.verbosity == Verbosity::Quiet
            && matches!(
                outcome.status,
                SessionStatus::Success | SessionStatus::Skipped | SessionStatus::Cached | SessionStatus::Unchanged
            );
        if !quiet_success {
            self.print_err(&status_line(outcome));
        }
    }
}

/// `      PASS [  1.234s] lint (venv reused)`: the line printed per finished session.
pub fn status_line(outcome: &SessionOutcome) -> String {
    let (label, style) = status_label(outcome);
    let mut detail = Vec::new();
    match outcome.env {
        Some(crate::runner::EnvState::Reused) => match &outcome.env_reason {
            Some(stale) => detail.push(format!("venv reused as is, stale: {stale}")),
            None => detail.push("venv reused".to_owned()),
        },
        Some(crate::runner::EnvState::Built) => match &outcome.env_reason {
            // A first build needs no reason; a rebuild says what changed.
            Some(reason) if *reason != RebuildReason::New => detail.push(format!("venv built: {reason}")),
            _ => detail.push("venv built".to_owned()),
        },
        None => {}
    }
    if let Some(source) = outcome.cache_source {
        detail.push(source.as_str().to_owned());
    }
    if outcome.attempts.len() > 1 {
        detail.push(format!("{} attempts", outcome.attempts.len()));
    }
    if !outcome.leaked.is_empty() {
        detail.push(format!("left {} process(es) running: killed", outcome.leaked.len()));
    }
    if let Some(message) = &outcome.message
        && outcome.status != SessionStatus::Success
    {
        detail.push(message.clone());
    }
    let detail = if detail.is_empty() { String::new() } else { format!(" {DIM}({}){DIM:#}", detail.join("; ")) };
    format!("{style}{label:>11}{style:#} {} {BOLD}{}{BOLD:#}{detail}", duration_column(outcome), outcome.name)
}

/// Whether a SIGINT most likely came from Ctrl-C typed at forge's terminal and the terminal
/// echoed it: stdin is that terminal, forge is its foreground process group, and the terminal
/// echoes control characters (`ECHO` and `ECHOCTL`, the default of Linux and macOS terminals).
fn echoed_interrupt() -> bool {
    use nix::sys::termios::{LocalFlags, tcgetattr};
    let stdin = std::io::stdin();
    let foreground = nix::unistd::tcgetpgrp(&stdin).is_ok_and(|group| group == nix::unistd::getpgrp());
    foreground
        && tcgetattr(&stdin).is_ok_and(|termios| termios.local_flags.contains(LocalFlags::ECHO | LocalFlags::ECHOCTL))
}

/// Decodes a chunk of output for display: invalid UTF-8 becomes U+FFFD (the log keeps the bytes),
/// and an incomplete sequence at the end waits in `carry` for the next chunk.
fn decode_streaming(carry: &mut Vec<u8>, bytes: &[u8]) -> String {
    carry.extend_from_slice(bytes);
    let complete = carry.len() - incomplete_tail(carry);
    let text = String::from_utf8_lossy(&carry[..complete]).into_owned();
    carry.drain(..complete);
    text
}

/// How many bytes at the end of `bytes` start a UTF-8 sequence that is not complete yet.
fn incomplete_tail(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let byte = bytes[bytes.len() - back];
        if byte & 0xC0 != 0x80 {
            // A lead byte (or ASCII): does its sequence run past the end?
            let length = match byte {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            return if length > back { back } else { 0 };
        }
    }
    0
}

/// Up to [`BLOCK_BYTES`] of the end of `log`, from a line break, saying what was left out.
pub(super) fn read_block(log: &std::path::Path) -> Vec<u8> {
    let Ok(mut file) = std::fs::File::open(log) else { return Vec::new() };
    let length = file.metadata().map_or(0, |metadata| metadata.len());
    let mut block = Vec::new();
    if length > BLOCK_BYTES {
        let _ = file.seek(SeekFrom::Start(length - BLOCK_BYTES));
        block.extend_from_slice(
            format!("[… {} bytes omitted; the whole output is in the log]\n", length - BLOCK_BYTES).as_bytes(),
        );
    }
    let header = block.len();
    let _ = file.take(BLOCK_BYTES).read_to_end(&mut block);
    // Start at a line boundary rather than in the middle of a line — unless the output has no
    // line break near the cut (one long line), which would leave nothing of it to show.
    if length > BLOCK_BYTES
        && let Some(newline) = block[header..].iter().take(LINE_SEARCH_BYTES).position(|&byte| byte == b'\n')
    {
        block.drain(header..=header + newline);
    }
    block
}

impl EventSink for Display {
    fn handle(&mut self, event: &Event) {
        match event {
            Event::RunStarted { names, .. } => self.names.clone_from(names),
            Event::SessionStarted { index } => match &mut self.mode {
                Mode::Live => {
                    if self.verbosity > Verbosity::Quiet {
                        let name = &self.names[*index];
                        let _ = writeln!(anstream::stderr(), "{BOLD}forge ▸ {name}{BOLD:#}");
                    }
                }
                Mode::Progress { multi, bars } => {
                    let bar = multi.add(ProgressBar::new_spinner());
                    // indicatif styles by its own colour detection, blind to `--color never`.
                    let plain = anstream::AutoStream::choice(&std::io::stderr()) == anstream::ColorChoice::Never;
                    let template = if plain {
                        "{spinner} {prefix} {elapsed:>4} {wide_msg}"
                    } else {
                        "{spinner} {prefix:.bold} {elapsed:>4} {wide_msg:.dim}"
                    };
                    bar.set_style(
                        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.set_prefix(self.names[*index].clone());
                    bar.set_message("starting");
                    bar.enable_steady_tick(Duration::from_millis(100));
                    bars.insert(*index, bar);
                }
                Mode::Blocks => {}
            },
            Event::Env { index, progress } => {
                let text = match progress {
                    EnvProgress::WaitingForLock => "waiting for another forge process using this venv".to_owned(),
                    EnvProgress::Reused => "venv up to date: reused".to_owned(),
                    EnvProgress::ReusedStale(stale) => format!("venv reused as is (--no-install), stale: {stale}"),
                    EnvProgress::Building(version, reason) => format!("building venv (python {version}; {reason})"),
                    EnvProgress::Built => "venv built".to_owned(),
                };
                match self.mode {
                    Mode::Live if self.verbosity > Verbosity::Quiet => {
                        self.print_err(&format!("{DIM}forge ▸ {text}{DIM:#}"))
                    }
                    Mode::Blocks if *progress == EnvProgress::WaitingForLock => {
                        self.print_err(&format!("{DIM}forge ▸ {}: {text}{DIM:#}", self.names[*index]));
                    }
                    _ => self.set_message(*index, text),
                }
            }
            Event::CommandStarted { index, command } => match self.mode {
                Mode::Live if self.verbosity > Verbosity::Quiet => {
                    self.print_err(&format!("{DIM}forge ▸ ${DIM:#} {command}"))
                }
                _ => self.set_message(*index, format!("$ {command}")),
            },
            Event::Output { bytes, .. } => {
                let text = decode_streaming(&mut self.carry, bytes);
                // anstream drops the commands' own colours under --color never / NO_COLOR.
                let mut stdout = anstream::stdout().lock();
                let _ = stdout.write_all(text.as_bytes());
                let _ = stdout.flush();
            }
            Event::Retrying { index, attempt, status, delay_seconds } => {
                self.print_err(&format!(
                    "{WARNING}      RETRY{WARNING:#} {} attempt {attempt} {}; retrying in {delay_seconds:.1}s",
                    self.names[*index],
                    status.as_str()
                ));
            }
            Event::SessionFinished { index, outcome } => {
                if !self.carry.is_empty() {
                    // A session ended inside a UTF-8 sequence: show what is left, replaced.
                    let rest = String::from_utf8_lossy(&std::mem::take(&mut self.carry)).into_owned();
                    let _ = anstream::stdout().lock().write_all(rest.as_bytes());
                }
                self.finished(*index, outcome);
            }
            Event::Signal { signal, count } => {
                if matches!(self.mode, Mode::Progress { .. }) && *signal == nix::libc::SIGINT && echoed_interrupt() {
                    // The terminal echoed `^C` after the last spinner line, which fills the width:
                    // the echo wrapped onto a line of its own. Clear it and step back up, so the
                    // redraw starts where indicatif believes the cursor is (else the top spinner
                    // line stays on screen for good).
                    let _ = write!(anstream::stderr(), "\r\x1b[2K\x1b[1A");
                }
                let name = crate::runner::signal_name(*signal);
                let line = if *count == 1 {
                    format!(
                        "{WARNING}forge: received {name}: stopping running sessions (again to kill them now){WARNING:#}"
                    )
                } else {
                    format!("{WARNING}forge: received {name} again: killing running sessions{WARNING:#}")
                };
                self.print_err(&line);
            }
            Event::RunTimedOut => self.print_err(&format!(
                "{WARNING}forge: the run's --timeout expired: stopping running sessions{WARNING:#}"
            )),
            Event::MaxFailReached { count } => {
                self.print_err(&format!(
                    "{WARNING}forge: {count} failure(s): starting no new session (--max-fail){WARNING:#}"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decode_streaming;

    #[test]
    fn a_long_log_without_line_breaks_shows_its_last_mebibyte() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("big.log");
        let mut text = vec![b'x'; 3 * 1024 * 1024];
        text.extend_from_slice(b"\nforge: exited with status 1\n");
        std::fs::write(&log, &text).unwrap();
        let block = super::read_block(&log);
        let omitted = text.len() as u64 - super::BLOCK_BYTES;
        let header = format!("[… {omitted} bytes omitted; the whole output is in the log]\n");
        assert!(block.starts_with(header.as_bytes()));
        assert_eq!(block.len(), header.len() + super::BLOCK_BYTES as usize);
        assert!(block.ends_with(b"xxx\nforge: exited with status 1\n"));
    }

    #[test]
    fn a_truncated_block_starts_at_a_line_break_near_the_cut() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("lines.log");
        let text: String = (0..200_000).map(|line| format!("line {line}\n")).collect();
        std::fs::write(&log, &text).unwrap();
        let block = String::from_utf8(super::read_block(&log)).unwrap();
        let first = block.lines().nth(1).unwrap();
        assert!(first.starts_with("line ") && text.contains(&format!("\n{first}\n")), "{first}");
        assert!(block.ends_with("line 199999\n"));
    }

    #[test]
    fn split_sequences_are_joined_and_invalid_bytes_replaced() {
        let mut carry = Vec::new();
        let euro = "€".as_bytes();
        assert_eq!(decode_streaming(&mut carry, &[b'a', euro[0]]), "a");
        assert_eq!(decode_streaming(&mut carry, &euro[1..]), "€");
        assert_eq!(decode_streaming(&mut carry, &[0xff, b'b']), "\u{fffd}b");
        assert!(carry.is_empty());
    }
}
