//! The remote cache of one run: its client, standing and upload queue, behind the three calls
//! the runner makes (look up, upload, finish) and the one `forge -n` makes (peek).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::client::HttpCache;
use super::config::{Auth, RemoteConfig, RemoteMode};
use super::fetch::Wanted;
use super::health::{Health, RemoteSummary};
use super::upload::Uploader;
use crate::cache::key::CacheKey;
use crate::cache::record::Record;
use crate::cache::store::Store;

/// The longest forge waits at the end of a run for uploads still queued.
pub const UPLOAD_WAIT: Duration = Duration::from_secs(60);

/// A run's remote cache.
#[derive(Debug)]
pub struct RemoteCache {
    config: RemoteConfig,
    client: Arc<HttpCache>,
    health: Arc<Health>,
    uploader: Mutex<Option<Uploader>>,
}

impl RemoteCache {
    /// A remote cache for `config`, authenticating with `auth`.
    pub fn new(config: RemoteConfig, auth: &Auth) -> Self {
        let client = Arc::new(HttpCache::new(&config, auth));
        Self { config, client, health: Arc::default(), uploader: Mutex::new(None) }
    }

    /// Looks `instance` up under `key` (its digest `digest`) and, on a hit, writes the record
    /// and its blobs into `store`, from which the caller restores them.
    ///
    /// # Errors
    /// The miss's reason.
    pub fn fetch(&self, store: &Store, instance: &str, key: &CacheKey, digest: &str) -> Result<(), String> {
        super::fetch::fetch(&self.client, &self.health, store, Wanted { instance, key, digest })
    }

    /// Whether [`RemoteCache::fetch`] would hit, downloading no blob.
    ///
    /// # Errors
    /// The miss's reason.
    pub fn peek(&self, store: &Store, instance: &str, key: &CacheKey, digest: &str) -> Result<(), String> {
        super::fetch::peek(&self.client, &self.health, store, Wanted { instance, key, digest })
    }

    /// Queues `record` (just written to `store`) for upload, starting the upload thread with the
    /// first one (a run of hits, or `-n`, starts none); nothing in read mode.
    pub fn upload(&self, store: &Store, record: &Record) {
        if self.config.mode != RemoteMode::ReadWrite {
            return;
        }
        let mut uploader = self.uploader.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        uploader
            .get_or_insert_with(|| Uploader::start(Arc::clone(&self.client), Arc::clone(&self.health)))
            .push(record.clone(), |sha256| store.blob_path(sha256));
    }

    /// Waits for queued uploads (at most `limit`) and returns what the run moved, with its
    /// one warning.
    pub fn finish(&self, limit: Duration) -> RemoteSummary {
        let unsent = self
            .uploader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_mut()
            .map_or(0, |uploader| uploader.finish(limit));
        if unsent > 0 {
            let error = super::client::RemoteError::Timeout { after: limit, phase: "uploading".into() };
            self.health.failed(&format!("{unsent} upload(s) still queued at the end of the run"), &error);
        }
        self.health.summary(&self.config.url, self.config.mode.as_str())
    }
}
