//! The per-env file lock, so two forge processes never build the same env at once.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use super::VenvError;

/// An exclusive advisory lock (`flock`) on `ENV_DIR/.locks/NAME.lock`, released on drop.
#[derive(Debug)]
pub struct EnvLock {
    _file: File,
}

impl EnvLock {
    /// Takes the lock if it is free; `Ok(None)` when another process holds it.
    ///
    /// # Errors
    /// The lock file cannot be created.
    pub fn try_acquire(path: &Path) -> Result<Option<Self>, VenvError> {
        let file = open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(source)) => Err(VenvError::Io { action: "cannot lock", path: path.to_path_buf(), source }),
        }
    }

    /// Waits for the lock (on a blocking thread, so other sessions go on).
    ///
    /// # Errors
    /// The lock file cannot be created or locked.
    pub async fn acquire(path: PathBuf) -> Result<Self, VenvError> {
        tokio::task::spawn_blocking(move || {
            let file = open(&path)?;
            file.lock().map_err(|source| VenvError::Io { action: "cannot lock", path: path.clone(), source })?;
            Ok(Self { _file: file })
        })
        .await
        .unwrap_or_else(|join| Err(VenvError::Io { action: "cannot lock", path: PathBuf::new(), source: std::io::Error::other(join) }))
    }
}

fn open(path: &Path) -> Result<File, VenvError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|source| VenvError::Io { action: "cannot create", path: parent.to_path_buf(), source })?;
    }
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|source| VenvError::Io { action: "cannot open", path: path.to_path_buf(), source })
}
