//! Reading files forge did not write (requirements files, other tools' JUnit and coverage files,
//! earlier runs' run.json): regular files only, opened without blocking, read up to a size cap.
//!
//! A FIFO, a device or `/dev/zero` declared as an input must not hang forge or grow it without
//! bound; a file over the cap is refused with its size in the message rather than truncated.

use std::io::Read as _;
use std::path::Path;

/// The cap on one requirements or pyproject file: 16 MiB (bytes).
pub const CONFIG_FILE_LIMIT: u64 = 16 * 1024 * 1024;

/// The cap on one JUnit, coverage or run.json file: 512 MiB (bytes).
pub const REPORT_FILE_LIMIT: u64 = 512 * 1024 * 1024;

/// Why an input file was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputFileError {
    /// It does not exist.
    #[error("no such file")]
    NotFound,
    /// It exists but is a directory, FIFO, socket or device.
    #[error("not a regular file ({kind})")]
    NotRegular {
        /// "a directory", "a FIFO", "a device", …
        kind: &'static str,
    },
    /// It is larger than the cap.
    #[error("too large: {size} bytes, the limit is {limit} bytes")]
    TooLarge {
        /// Its size in bytes (at least `limit + 1` when it grew while being read).
        size: u64,
        /// The cap in bytes.
        limit: u64,
    },
    /// Opening or reading it failed.
    #[error("{0}")]
    Io(std::io::Error),
}

impl InputFileError {
    /// Whether the file simply does not exist (callers often treat that as "not written").
    pub fn is_not_found(&self) -> bool {
        matches!(self, InputFileError::NotFound)
    }
}

/// Reads the regular file at `path`, at most `limit` bytes.
///
/// The file is opened with `O_NONBLOCK` so that a FIFO cannot block the open, then checked with
/// `fstat` on the open descriptor (no race between the check and the read).
///
/// # Errors
/// [`InputFileError`]: missing, not a regular file, larger than `limit`, or unreadable.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, InputFileError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => InputFileError::NotFound,
            _ => InputFileError::Io(error),
        })?;
    let metadata = file.metadata().map_err(InputFileError::Io)?;
    let file_type = metadata.file_type();
    if !file_type.is_file() {
        return Err(InputFileError::NotRegular { kind: kind_of(file_type) });
    }
    if metadata.len() > limit {
        return Err(InputFileError::TooLarge { size: metadata.len(), limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // One byte past the cap tells a file that grew while being read from one that fits exactly.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(InputFileError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(InputFileError::TooLarge { size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, for messages: "a directory", "a FIFO", "a socket",
/// "a device", else "not a file".
pub fn kind_of(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"hello").unwrap();
        assert_eq!(read_regular(&path, 5).unwrap(), b"hello");
    }

    #[test]
    fn refuses_a_file_over_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"hello!").unwrap();
        assert!(matches!(read_regular(&path, 5), Err(InputFileError::TooLarge { size: 6, limit: 5 })));
    }

    #[test]
    fn refuses_devices_directories_and_fifos_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 1024),
            Err(InputFileError::NotRegular { kind: "a device" })
        ));
        assert!(matches!(read_regular(dir.path(), 1024), Err(InputFileError::NotRegular { kind: "a directory" })));
        let fifo = dir.path().join("fifo");
        let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `name` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        assert!(matches!(read_regular(&fifo, 1024), Err(InputFileError::NotRegular { kind: "a FIFO" })));
    }

    #[test]
    fn a_missing_file_is_not_found() {
        assert!(read_regular(Path::new("/nonexistent/forge/file"), 10).unwrap_err().is_not_found());
    }
}
