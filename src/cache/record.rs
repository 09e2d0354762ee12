//! A stored result: `records/INSTANCE.json` in the store, naming its key and the blobs (by
//! SHA-256) of the log, the outputs and the declared report files.

use serde::{Deserialize, Serialize};

use super::key::CacheKey;

/// The last successful, storable result of one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The cache format it was written in ([`super::CACHE_FORMAT_VERSION`]).
    pub format: u32,
    /// The instance name.
    pub instance: String,
    /// The key's digest, checked against the key on read (a record edited by hand is a miss).
    pub digest: String,
    /// The key itself, to say which part differs on a miss.
    pub key: CacheKey,
    /// When the result was produced, seconds since the epoch.
    pub created: u64,
    /// How long the session ran, in milliseconds.
    pub duration_ms: u64,
    /// The interpreter's version the session ran with, if it had a venv.
    pub python: Option<String>,
    /// The session's log.
    pub log: Blob,
    /// Each output file, root-relative.
    pub outputs: Vec<StoredFile>,
    /// Each declared report file (`junit`, then `coverage`, in declaration order), `None` when
    /// the session did not write it.
    pub reports: Vec<Option<Blob>>,
}

/// A blob in the store: `blobs/AB/SHA256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blob {
    /// Hex SHA-256 of the content (also its name).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// An output file: where it goes, its blob, and whether it is executable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Root-relative, `/`-separated.
    pub path: String,
    /// Its content.
    pub blob: Blob,
    /// Restored with the executable bits.
    pub executable: bool,
}

impl Record {
    /// Every blob the record names.
    pub fn blobs(&self) -> impl Iterator<Item = &Blob> {
        std::iter::once(&self.log)
            .chain(self.outputs.iter().map(|file| &file.blob))
            .chain(self.reports.iter().flatten())
    }
}
