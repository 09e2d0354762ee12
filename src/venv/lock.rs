//! The per-env file lock: shared while sessions use an env, exclusive while one is built, so two
//! forge processes never build the same env at once and never delete one that is in use.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use super::VenvError;

/// How often a waiting process tries the lock again.
const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(50);

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

    /// Waits for the lock, polling: a blocked `flock` on a thread could not be cancelled, and a
    /// signal must be able to end the wait (and forge) at once.
    ///
    /// # Errors
    /// The lock file cannot be created or locked.
    pub async fn acquire(path: PathBuf, mode: LockMode) -> Result<Self, VenvError> {
        loop {
            if let Some(lock) = Self::try_acquire(&path, mode)? {
                return Ok(lock);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Turns an exclusive lock into a shared one once the env is built, so other processes may
    /// use it while this one runs its commands. `flock` converts by unlocking and relocking, so
    /// another process may slip in between; callers decide again after getting a lock for that
    /// reason.
    ///
    /// # Errors
    /// The lock cannot be converted.
    pub async fn downgrade(self, path: PathBuf) -> Result<Self, VenvError> {
        loop {
            match self.file.try_lock_shared() {
                Ok(()) => return Ok(self),
                Err(TryLockError::WouldBlock) => tokio::time::sleep(POLL_INTERVAL).await,
                Err(TryLockError::Error(source)) => return Err(lock_error(&path, source)),
            }
        }
    }
}

impl std::os::fd::AsRawFd for EnvLock {
    /// The locked file's descriptor: a build hands it to uv, so the lock is held for as long as
    /// any process of the build lives, even one that outlives forge.
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.file.as_raw_fd()
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
