//! `error:` / `caused by:` / `hint:` diagnostics on stderr, one line each.

use std::io::Write;

use super::style::{ERROR, HINT, WARNING};
use crate::error::Error;

/// Prints `error` with its causes and hint.
pub fn print_error(error: &Error) {
    let mut stderr = anstream::stderr().lock();
    let _ = writeln!(stderr, "{ERROR}error:{ERROR:#} {}", one_line(&error.to_string()));
    if let Error::Internal(inner) = error {
        for cause in inner.chain().skip(1) {
            let _ = writeln!(stderr, "  {ERROR}caused by:{ERROR:#} {}", one_line(&cause.to_string()));
        }
    }
    if let Some(hint) = error.hint() {
        let _ = writeln!(stderr, "{HINT}hint:{HINT:#} {}", one_line(&hint));
    }
}

/// Prints `warning: message`.
pub fn print_warning(message: &str) {
    let _ = writeln!(anstream::stderr(), "{WARNING}warning:{WARNING:#} {}", one_line(message));
}

fn one_line(text: &str) -> String {
    text.trim().replace('\n', "; ")
}
