//! `forge init`: writes a starter sessions.toml for the project in the current directory from
//! what `init::scan` finds there, and never overwrites a file (cargo init, uv init and
//! `npm init -y` refuse the same way).

use std::io::Write as _;
use std::path::Path;

use crate::error::{Error, ExitStatus};
use crate::init::{self, InitError};

/// Runs `forge init` in `root`: exit 0 with one line naming the file written.
///
/// # Errors
/// sessions.toml exists (exit 2, one line); pyproject.toml or a tox file cannot be read (exit
/// 2); the file cannot be written (exit 3).
pub fn run(root: &Path) -> Result<ExitStatus, Error> {
    let path = root.join("sessions.toml");
    // `symlink_metadata`: a dangling symlink named sessions.toml exists too.
    if path.symlink_metadata().is_ok() {
        return Err(InitError::Exists(path).into());
    }
    let text = init::render(&init::scan(root)?);
    // create_new: a file that appeared since the check is still not overwritten.
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()).and_then(|()| file.sync_all()));
    match written {
        Ok(()) => {
            println!("wrote {}: check it with `forge -l`", path.display());
            Ok(ExitStatus::Success)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Err(InitError::Exists(path).into()),
        Err(error) => Err(InitError::Write { path, error }.into()),
    }
}
