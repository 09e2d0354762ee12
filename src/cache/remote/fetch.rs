//! A lookup in the remote cache: the record under the instance's action key, checked as the
//! local store checks its own, then each blob it names that the local store lacks, verified
//! against its address, and the whole written into the local store, from which the runner
//! restores it as it restores a local hit.

use super::client::{Area, HttpCache, RECORD_LIMIT, RemoteError};
use super::health::Health;
use crate::cache::key::{CACHE_FORMAT_VERSION, CacheKey, digest_of_list};
use crate::cache::record::{Blob, Record};
use crate::cache::store::{BlobSource, Store};

/// The action key of `instance` under the cache key `digest`: the hex SHA-256 Bazel's protocol
/// addresses `/ac/` entries by. The instance is part of it, as a record is one instance's.
pub fn action_key(instance: &str, digest: &str) -> String {
    digest_of_list(&["forge-action", instance, digest])
}

/// The result a lookup wants: an instance's, under its cache key.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    /// The instance name.
    pub instance: &'a str,
    /// Its cache key now.
    pub key: &'a CacheKey,
    /// The key's digest.
    pub digest: &'a str,
}

/// Records a failed request (`what`) in `health` and returns the miss's reason.
fn failed(health: &Health, what: &str, error: &RemoteError) -> String {
    health.failed(what, error);
    format!("remote cache: {error}")
}

/// What a remote lookup found.
#[derive(Debug)]
pub struct Found {
    /// The record, checked against the key.
    pub record: Record,
    /// Bytes the lookup downloaded.
    pub bytes: u64,
}

/// `GET /ac/KEY` and the checks a record must pass: forge's format, this instance, this key.
///
/// # Errors
/// The miss's reason; a failed request or a corrupt record is also recorded in `health`.
pub fn record(client: &HttpCache, health: &Health, wanted: Wanted<'_>) -> Result<Found, String> {
    let Wanted { instance, key, digest } = wanted;
    if !health.usable() {
        return Err("the remote cache is not used for the rest of this run".into());
    }
    let address = action_key(instance, digest);
    let bytes = match client.get(Area::ActionCache, &address, RECORD_LIMIT) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err("not in the remote cache".into()),
        Err(error) => return Err(failed(health, &format!("GET /ac/{address}"), &error)),
    };
    let size = bytes.len() as u64;
    let record: Record = match serde_json::from_slice(&bytes) {
        Ok(record) => record,
        Err(_)
            if serde_json::from_slice::<serde_json::Value>(&bytes)
                .is_ok_and(|value| value["format"] != CACHE_FORMAT_VERSION) =>
        {
            return Err("the remote result is of another cache format".into());
        }
        Err(error) => {
            let error = RemoteError::Record(format!("not a forge cache record ({error})"));
            return Err(failed(health, &format!("GET /ac/{address}"), &error));
        }
    };
    if record.format != CACHE_FORMAT_VERSION || record.key.format != CACHE_FORMAT_VERSION {
        return Err(format!("the remote result is of cache format {}", record.format));
    }
    // Stored under another instance's address, or for another key (the digest is ours, so equal
    // keys imply an equal digest): not this result.
    if record.instance != instance || record.key != *key || record.digest != digest {
        let error = RemoteError::Record("the record does not match its key".into());
        return Err(failed(health, &format!("GET /ac/{address}"), &error));
    }
    Ok(Found { record, bytes: size })
}

/// Looks `wanted` up and, on a usable record, downloads what the local store lacks (verified,
/// then moved in) and stores the record there. Counts the hit or the miss in `health`.
///
/// # Errors
/// The miss's reason.
pub fn fetch(client: &HttpCache, health: &Health, store: &Store, wanted: Wanted<'_>) -> Result<(), String> {
    let mut bytes = 0;
    let result = (|| {
        let found = record(client, health, wanted)?;
        bytes += found.bytes;
        let temporary = store.temporary_dir().map_err(|error| format!("cannot write the local cache: {error}"))?;
        let (mut blobs, mut files): (Vec<Blob>, Vec<tempfile::NamedTempFile>) = (Vec::new(), Vec::new());
        for blob in found.record.blobs() {
            if store.has_blob(blob) || blobs.iter().any(|done| done.sha256 == blob.sha256) {
                continue;
            }
            let mut file = tempfile::NamedTempFile::new_in(&temporary)
                .map_err(|error| format!("cannot write the local cache: {error}"))?;
            match client.get_blob(&blob.sha256, blob.size, file.as_file_mut()) {
                Ok(true) => bytes += blob.size,
                // The server evicted it: an ordinary miss.
                Ok(false) => return Err(format!("the remote cache lacks blob {}", blob.sha256)),
                Err(error) => return Err(failed(health, &format!("GET /cas/{}", blob.sha256), &error)),
            }
            blobs.push(blob.clone());
            files.push(file);
        }
        let sources = blobs.iter().zip(files.into_iter().map(BlobSource::Move)).collect();
        if !store.save(&found.record, sources) {
            return Err("the remote result could not be written to the local cache".into());
        }
        Ok(())
    })();
    match &result {
        Ok(()) => health.hit(bytes),
        Err(_) => health.miss(bytes),
    }
    result
}

/// What [`fetch`] would find, downloading no blob (for `forge -n`): the record is fetched and
/// checked, and each blob the local store lacks is asked for with `HEAD`.
///
/// # Errors
/// The miss's reason.
pub fn peek(client: &HttpCache, health: &Health, store: &Store, wanted: Wanted<'_>) -> Result<(), String> {
    let found = record(client, health, wanted)?;
    for blob in found.record.blobs().filter(|blob| !store.has_blob(blob)) {
        match client.exists(Area::ContentAddressed, &blob.sha256) {
            Ok(true) => {}
            Ok(false) => return Err(format!("the remote cache lacks blob {}", blob.sha256)),
            Err(error) => return Err(failed(health, &format!("HEAD /cas/{}", blob.sha256), &error)),
        }
    }
    Ok(())
}
