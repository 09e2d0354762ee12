//! The directories a run writes to, prepared once before any session starts.

use std::path::Path;

use super::RunContext;

/// Makes the reports directory (with `logs/`) and, when sessions need envs, the env directory;
/// removes partial logs that forge processes killed mid-session left behind.
pub fn prepare(context: &RunContext) {
    ignore_directory(&context.settings.layout.reports_dir);
    if context.finder.is_some() {
        ignore_directory(&context.settings.layout.env_dir);
    }
    let logs = context.settings.layout.logs_dir();
    let _ = std::fs::create_dir_all(&logs);
    remove_orphaned_logs(&logs);
}

/// Creates `directory` with a `.gitignore` of `*` (as pytest and uv do for their caches), so envs
/// and reports never end up in commits or sdists. A directory that already exists is left alone:
/// it may be the user's (`--reports-dir .`).
fn ignore_directory(directory: &Path) {
    if !directory.exists() && std::fs::create_dir_all(directory).is_ok() {
        let _ = std::fs::write(directory.join(".gitignore"), "# created by forge\n*\n");
    }
}

/// Removes `.NAME.log.PID.partial` files whose forge process no longer exists (killed with
/// SIGKILL, say); a live process's partial log is its own.
fn remove_orphaned_logs(logs: &Path) {
    let Ok(entries) = std::fs::read_dir(logs) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .filter(|name| name.starts_with('.'))
            .and_then(|name| name.strip_suffix(".partial"))
            .and_then(|rest| rest.rsplit_once('.'))
            .map(|(_, pid)| pid)
        else {
            continue;
        };
        // Signal 0 checks that the process exists without signalling it; ESRCH means none does
        // (EPERM: it exists, another user's). Portable, unlike a look in /proc.
        let Ok(pid) = pid.parse::<i32>() else { continue };
        if pid > 0 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) == Err(nix::errno::Errno::ESRCH) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
