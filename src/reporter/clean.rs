//! What `forge clean` prints: one line per removed path, a warning per env in use.

use std::io::Write;
use std::path::PathBuf;

use super::diagnostic::{print_diagnostic, print_warning};
use crate::venv::CleanReport;

/// Prints `removed virtualenv PATH` (or `would remove …` with `dry_run`) per removed path, and
/// says so when `env_dirs` held nothing of forge's.
pub fn print_clean(report: &CleanReport, env_dirs: &[PathBuf], dry_run: bool) {
    let mut stdout = anstream::stdout().lock();
    let verb = if dry_run { "would remove" } else { "removed" };
    for (path, what) in &report.removed {
        let _ = writeln!(stdout, "{verb} {what} {}", path.display());
    }
    if report.removed.is_empty() && report.in_use.is_empty() && report.failed.is_empty() {
        let _ = writeln!(stdout, "nothing to remove: no virtualenvs of forge's in {}", env_dirs[0].display());
    }
    drop(stdout);
    for path in &report.in_use {
        print_warning(&format!("{} is in use by another forge process; not removed", path.display()));
    }
    for (path, reason) in &report.failed {
        print_diagnostic(&format!("cannot remove {}: {reason}", path.display()), &[], None);
    }
}

/// What `forge cache clean` did: how many stored results it removed from `store`, or (`None`)
/// that another forge process held the store too long.
pub fn print_cache_clean(store: &std::path::Path, removed: Option<usize>) {
    match removed {
        Some(count) => {
            let mut stdout = anstream::stdout().lock();
            let noun = if count == 1 { "result" } else { "results" };
            let _ = writeln!(stdout, "removed {count} cached {noun} from {}", store.display());
        }
        None => print_diagnostic(
            &format!("cannot clean the cache {}: another forge process holds it", store.display()),
            &[],
            None,
        ),
    }
}
