//! The per-env file lock: shared while sessions use an env, exclusive while one is built, so two
//! forge processes never build the same env at once and never delete one that is in use.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use super::VenvError;

/// How an env is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// Using the env (checking it, running commands in it): any number of holders.
    Shared,
    /// Building it: one holder and no users.
    Exclusive,
}

/// An advisory lock (`flock`) on `ENV_DIR/.locks/NAME.lock`, released on drop.
#[derive(Debug)]
pub struct EnvLock {
    file: File,
}

impl EnvLock {
    /// Takes the lock if it is free; `Ok(None)` when another process holds it incompatibly.
    ///
    /// # Errors
    /// The lock file cannot be created or locked.
    pub fn try_acquire(path: &Path, mode: LockMode) -> Result<Option<Self>, VenvError> {
        let file = open(path)?;
        let result = match mode {
            LockMode::Shared => file.try_lock_shared(),
            LockMode::Exclusive => file.try_lock(),
        };
        match result {
            Ok(()) => Ok(Some(Self { file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(source)) => Err(lock_error(path, source)),
        }
    }

    /// Waits for the lock (on a blocking thread, so other sessions go on).
    ///
    /// # Errors
    /// The lock file cannot be created or locked.
    pub async fn acquire(path: PathBuf, mode: LockMode) -> Result<Self, VenvError> {
        let file = open(&path)?;
        blocking(path, move || {
            match mode {
                LockMode::Shared => file.lock_shared(),
                LockMode::Exclusive => file.lock(),
            }
            .map(|()| Self { file })
        })
        .await
    }

    /// Turns an exclusive lock into a shared one once the env is built, so other processes may
    /// use it while this one runs its commands.
    ///
    /// # Errors
    /// The lock cannot be converted.
    pub async fn downgrade(self, path: PathBuf) -> Result<Self, VenvError> {
        blocking(path, move || self.file.lock_shared().map(|()| self)).await
    }
}

async fn blocking(
    path: PathBuf,
    work: impl FnOnce() -> std::io::Result<EnvLock> + Send + 'static,
) -> Result<EnvLock, VenvError> {
    let lock_path = path.clone();
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(|source| lock_error(&lock_path, source)),
        Err(join) => Err(lock_error(&path, std::io::Error::other(join))),
    }
}

fn lock_error(path: &Path, source: std::io::Error) -> VenvError {
    VenvError::Io { action: "cannot lock", path: path.to_path_buf(), source }
}

fn open(path: &Path) -> Result<File, VenvError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| VenvError::Io {
            action: "cannot create",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    File::options().create(true).truncate(false).write(true).open(path).map_err(|source| VenvError::Io {
        action: "cannot open",
        path: path.to_path_buf(),
        source,
    })
}
