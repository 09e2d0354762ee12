//! `error:` / `caused by:` / `hint:` diagnostics on stderr, one line each.

use std::io::Write;

use crate::error::Hint as _;

use super::style::{ERROR, HINT, WARNING};
use crate::error::Error;

/// Prints `error` with its causes and hint.
pub fn print_error(error: &Error) {
    let causes: Vec<String> = match error {
        Error::Internal(inner) => inner.chain().skip(1).map(ToString::to_string).collect(),
        _ => Vec::new(),
    };
    print_diagnostic(&error.to_string(), &causes, error.hint().as_deref());
}

/// Prints `error: message`, a `caused by:` line per cause, and `hint: hint`.
pub fn print_diagnostic(message: &str, causes: &[String], hint: Option<&str>) {
    let mut stderr = anstream::stderr().lock();
    let _ = writeln!(stderr, "{ERROR}error:{ERROR:#} {}", one_line(message));
    for cause in causes {
        let _ = writeln!(stderr, "  {ERROR}caused by:{ERROR:#} {}", one_line(cause));
    }
    if let Some(hint) = hint {
        let _ = writeln!(stderr, "{HINT}hint:{HINT:#} {}", one_line(hint));
    }
}

/// Prints `warning: message`.
pub fn print_warning(message: &str) {
    let _ = writeln!(anstream::stderr(), "{WARNING}warning:{WARNING:#} {}", one_line(message));
}

/// Prints `note: message`: something the user asked for that changes what runs (`--lf` with no
/// record of a previous run), not a problem.
pub fn print_note(message: &str) {
    let _ = writeln!(anstream::stderr(), "{HINT}note:{HINT:#} {}", one_line(message));
}

fn one_line(text: &str) -> String {
    text.trim().replace('\n', "; ")
}
