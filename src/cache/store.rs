//! The store of one project's cached results: `records/INSTANCE.json` (the last result per
//! instance) and content-addressed `blobs/AB/SHA256` (logs, outputs, report files), under
//! `.lock` (flock: shared to read and restore, exclusive to write and evict, as the env lock).
//!
//! Every file is written to a temporary name in the store and renamed into place, so a reader
//! sees a whole record or none; a record that is corrupt, partial, of another format, or whose
//! blobs are gone is a miss, never an error. The store is bounded: after each write, records
//! are evicted least recently used first (a hit touches its record) until the whole store fits
//! in the size limit, then blobs no record names are removed (turbo and nx keep an LRU cache
//! the same way).

use std::fs::{File, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::key::{CACHE_FORMAT_VERSION, CacheKey};
use super::record::{Blob, Record};

/// The longest a store operation waits for another forge process's lock before giving up (a
/// lookup then misses, a write is skipped): bounded, so a stopped process never hangs a run.
const LOCK_WAIT: Duration = Duration::from_secs(10);
/// The largest record file read, in bytes (a record lists files, it holds no content).
const RECORD_LIMIT: u64 = 64 * 1024 * 1024;

/// One project's store.
#[derive(Debug, Clone)]
pub struct Store {
    /// `CACHE/cache/PROJECT-ID`.
    pub dir: PathBuf,
    /// The most bytes the store may hold (records and blobs).
    pub size_limit: u64,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A record under the same key whose blobs are all present.
    Hit(Box<Record>),
    /// Why not: `no stored result`, `input src/a.py changed`, …
    Miss(String),
}

/// Where a blob [`Store::save`] stores comes from.
#[derive(Debug)]
pub enum BlobSource<'a> {
    /// A file to copy in (a session's output, report file or log).
    Copy(&'a Path),
    /// A complete file in [`Store::temporary_dir`] (a verified download), renamed into place.
    Move(tempfile::NamedTempFile),
}

/// A held store lock, released on drop.
struct StoreLock(#[allow(dead_code)] File);

impl Store {
    fn lock(&self, exclusive: bool) -> Option<StoreLock> {
        std::fs::create_dir_all(&self.dir).ok()?;
        let file = File::options().create(true).truncate(false).write(true).open(self.dir.join(".lock")).ok()?;
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            let result = if exclusive { file.try_lock() } else { file.try_lock_shared() };
            match result {
                Ok(()) => return Some(StoreLock(file)),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(_) => return None,
            }
        }
    }

    fn record_path(&self, instance: &str) -> PathBuf {
        self.dir.join("records").join(format!("{instance}.json"))
    }

    /// Where blob `sha256` lives.
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.dir.join("blobs").join(sha256.get(..2).unwrap_or("00")).join(sha256)
    }

    /// Whether the store holds `blob` (a file of its size under its address).
    pub fn has_blob(&self, blob: &Blob) -> bool {
        std::fs::symlink_metadata(self.blob_path(&blob.sha256))
            .is_ok_and(|metadata| metadata.is_file() && metadata.len() == blob.size)
    }

    /// The store's directory for files being written (downloads land there before
    /// [`Store::save`] takes them in), created when missing.
    ///
    /// # Errors
    /// The directory cannot be created.
    pub fn temporary_dir(&self) -> std::io::Result<PathBuf> {
        let temporary = self.dir.join("tmp");
        std::fs::create_dir_all(&temporary)?;
        Ok(temporary)
    }

    /// The stored record of `instance`, if one can be read (of any key).
    pub fn read(&self, instance: &str) -> Option<Record> {
        let bytes = crate::input_file::read_regular(&self.record_path(instance), RECORD_LIMIT).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Looks `instance` up under `key`; on a hit, `restore` runs under the shared lock (so no
    /// eviction removes a blob meanwhile) and the record is marked as used. A restore that fails
    /// turns the hit into a miss.
    pub fn lookup<E: std::fmt::Display>(
        &self,
        instance: &str,
        key: &CacheKey,
        restore: impl FnOnce(&Store, &Record) -> Result<(), E>,
    ) -> Lookup {
        let Some(_lock) = self.lock(false) else {
            return Lookup::Miss("the cache is locked by another forge process".into());
        };
        let record = match self.check(instance, key) {
            Ok(record) => record,
            Err(reason) => return Lookup::Miss(reason),
        };
        if let Err(error) = restore(self, &record) {
            return Lookup::Miss(format!("the stored result could not be restored: {error}"));
        }
        // The record's modification time is its last use, for eviction.
        if let Ok(file) = File::options().append(true).open(self.record_path(instance)) {
            let _ = file.set_modified(SystemTime::now());
        }
        Lookup::Hit(Box::new(record))
    }

    /// What [`Store::lookup`] would find, restoring nothing (for `-n`).
    pub fn peek(&self, instance: &str, key: &CacheKey) -> Lookup {
        match self.check(instance, key) {
            Ok(record) => Lookup::Hit(Box::new(record)),
            Err(reason) => Lookup::Miss(reason),
        }
    }

    fn check(&self, instance: &str, key: &CacheKey) -> Result<Record, String> {
        let path = self.record_path(instance);
        if !path.exists() {
            return Err("no stored result".into());
        }
        let record = self.read(instance).ok_or("the stored record is unreadable")?;
        if record.format != CACHE_FORMAT_VERSION || record.key.format != CACHE_FORMAT_VERSION {
            return Err(format!("the stored result is of cache format {}", record.format));
        }
        if record.digest != record.key.digest() || record.instance != instance {
            return Err("the stored record is corrupt".into());
        }
        if let Some(reason) = key.difference(&record.key) {
            return Err(reason);
        }
        let complete = record.blobs().all(|blob| self.has_blob(blob));
        if !complete {
            return Err("the stored result is incomplete".into());
        }
        Ok(record)
    }

    /// Stores `blob_sources` and `record` atomically, then evicts down to the size limit. Returns
    /// `false` when the store could not be written (a full disk, a lock held too long): the run
    /// goes on, uncached.
    pub fn save(&self, record: &Record, blob_sources: Vec<(&Blob, BlobSource<'_>)>) -> bool {
        let Some(_lock) = self.lock(true) else { return false };
        let written = (|| -> std::io::Result<()> {
            let temporary = self.temporary_dir()?;
            for (blob, source) in blob_sources {
                let target = self.blob_path(&blob.sha256);
                if target.is_file() {
                    continue;
                }
                std::fs::create_dir_all(target.parent().unwrap_or(&self.dir))?;
                let file = match source {
                    BlobSource::Copy(path) => {
                        let mut file = tempfile::NamedTempFile::new_in(&temporary)?;
                        std::io::copy(&mut File::open(path)?, &mut file)?;
                        file
                    }
                    BlobSource::Move(file) => file,
                };
                file.as_file().sync_data()?;
                file.persist(&target).map_err(|error| error.error)?;
            }
            let target = self.record_path(&record.instance);
            std::fs::create_dir_all(target.parent().unwrap_or(&self.dir))?;
            let mut file = tempfile::NamedTempFile::new_in(&temporary)?;
            file.write_all(&serde_json::to_vec(record).map_err(std::io::Error::other)?)?;
            file.as_file().sync_data()?;
            file.persist(&target).map_err(|error| error.error)?;
            Ok(())
        })();
        if let Err(error) = &written {
            tracing::warn!(%error, "cannot store the result in the cache");
        }
        self.evict();
        written.is_ok()
    }

    /// Removes records, least recently used first, until the store fits its size limit, then
    /// every blob no record names. Call under the exclusive lock.
    fn evict(&self) {
        let mut records: Vec<(SystemTime, PathBuf, Option<Record>, u64)> = Vec::new();
        if let Ok(entries) = std::fs::read_dir(self.dir.join("records")) {
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(metadata) = entry.metadata() else { continue };
                let used = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                let record = crate::input_file::read_regular(&path, RECORD_LIMIT)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice::<Record>(&bytes).ok());
                records.push((used, path, record, metadata.len()));
            }
        }
        // Newest first: the records kept are a prefix.
        records.sort_by_key(|record| std::cmp::Reverse(record.0));
        let mut kept_blobs = std::collections::HashSet::new();
        let mut total = 0u64;
        for (_, path, record, size) in &records {
            let Some(record) = record else {
                // Unreadable: nothing will ever hit it.
                let _ = std::fs::remove_file(path);
                continue;
            };
            let new_bytes: u64 =
                record.blobs().filter(|blob| !kept_blobs.contains(&blob.sha256)).map(|blob| blob.size).sum::<u64>()
                    + size;
            if total + new_bytes > self.size_limit {
                tracing::debug!(record = %path.display(), "evicting a cached result");
                let _ = std::fs::remove_file(path);
                continue;
            }
            total += new_bytes;
            kept_blobs.extend(record.blobs().map(|blob| blob.sha256.clone()));
        }
        let Ok(prefixes) = std::fs::read_dir(self.dir.join("blobs")) else { return };
        for prefix in prefixes.flatten() {
            let Ok(blobs) = std::fs::read_dir(prefix.path()) else { continue };
            for blob in blobs.flatten() {
                if !kept_blobs.contains(blob.file_name().to_string_lossy().as_ref()) {
                    let _ = std::fs::remove_file(blob.path());
                }
            }
        }
        // Temporary files of a process that died mid-write.
        if let Ok(entries) = std::fs::read_dir(self.dir.join("tmp")) {
            for entry in entries.flatten() {
                let old = entry
                    .metadata()
                    .and_then(|metadata| metadata.modified())
                    .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > Duration::from_secs(3600)));
                if old {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }

    /// Empties the store (`forge cache clean`): its records, blobs and temporary files, under the
    /// exclusive lock. Returns the number of records removed, or `None` when another process
    /// held the lock too long.
    pub fn clean(&self) -> Option<usize> {
        if !self.dir.exists() {
            return Some(0);
        }
        let _lock = self.lock(true)?;
        let count = std::fs::read_dir(self.dir.join("records")).map_or(0, |entries| entries.flatten().count());
        for directory in ["records", "blobs", "tmp"] {
            let _ = std::fs::remove_dir_all(self.dir.join(directory));
        }
        Some(count)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::cache::record::Blob;

    fn record(instance: &str, log: &Blob) -> Record {
        let key = crate::cache::key::tests::key();
        Record {
            format: CACHE_FORMAT_VERSION,
            instance: instance.into(),
            digest: key.digest(),
            key,
            created: 0,
            duration_ms: 1,
            python: None,
            log: log.clone(),
            outputs: Vec::new(),
            reports: Vec::new(),
        }
    }

    /// Stores `instance` with a log of its own 1000 bytes.
    fn save(store: &Store, directory: &Path, instance: &str) {
        let path = directory.join(format!("{instance}.log"));
        std::fs::write(&path, instance.repeat(1000 / instance.len())).unwrap();
        let log = Blob { sha256: crate::cache::hash_file(&path).unwrap(), size: 1000 };
        assert!(store.save(&record(instance, &log), vec![(&log, BlobSource::Copy(&path))]));
    }

    fn used_at(store: &Store, instance: &str, seconds_ago: u64) {
        let file = File::options().append(true).open(store.record_path(instance)).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(seconds_ago)).unwrap();
    }

    fn stored(store: &Store) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(store.dir.join("records"))
            .unwrap()
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().trim_end_matches(".json").to_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn eviction_removes_the_least_recently_used_first_and_a_hit_counts_as_use() {
        let directory = tempfile::tempdir().unwrap();
        let mut store = Store { dir: directory.path().join("store"), size_limit: u64::MAX };
        save(&store, directory.path(), "a");
        // Room for two results (a 1000-byte log and a record each), not three.
        let record = std::fs::metadata(store.record_path("a")).unwrap().len();
        store.size_limit = 2 * (1000 + record) + record / 2;
        save(&store, directory.path(), "b");
        // `a` was stored first but used last: `b` is the one to go.
        used_at(&store, "b", 300);
        used_at(&store, "a", 200);
        save(&store, directory.path(), "c");
        assert_eq!(stored(&store), ["a", "c"]);
        // A hit on `a` makes `c` the least recently used.
        used_at(&store, "a", 300);
        used_at(&store, "c", 200);
        let key = crate::cache::key::tests::key();
        assert!(matches!(store.lookup("a", &key, |_, _| Ok::<(), String>(())), Lookup::Hit(_)));
        save(&store, directory.path(), "d");
        assert_eq!(stored(&store), ["a", "d"]);
        // The evicted results' blobs went with them.
        let blobs = std::fs::read_dir(store.dir.join("blobs")).unwrap().flatten();
        assert_eq!(blobs.flat_map(|prefix| std::fs::read_dir(prefix.path()).unwrap().flatten()).count(), 2);
    }
}
