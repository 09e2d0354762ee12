//! Uploads in read-write mode: one thread takes each stored record, in the order sessions
//! finished, while later sessions run. Blobs go first (each skipped when `HEAD` finds it), the
//! record last, so the server never holds a record naming a blob it lacks. At the end of the run
//! forge waits for the queue, up to a bound, then goes on.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use super::client::{Area, HttpCache, RemoteError};
use super::fetch::action_key;
use super::health::Health;
use crate::cache::record::Record;

/// One record to upload, with where each of its blobs is in the local store.
struct Job {
    record: Record,
    blobs: Vec<(String, u64, PathBuf)>,
}

/// The upload queue and its thread.
#[derive(Debug)]
pub struct Uploader {
    queue: Option<mpsc::Sender<Job>>,
    done: mpsc::Receiver<()>,
    pending: Arc<AtomicU64>,
}

impl Uploader {
    /// Starts the upload thread.
    pub fn start(client: Arc<HttpCache>, health: Arc<Health>) -> Self {
        let (queue, jobs) = mpsc::channel::<Job>();
        let (finished, done) = mpsc::channel();
        let pending = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&pending);
        std::thread::spawn(move || {
            for job in jobs {
                upload(&client, &health, &job);
                counter.fetch_sub(1, Ordering::Relaxed);
            }
            let _ = finished.send(());
        });
        Self { queue: Some(queue), done, pending }
    }

    /// Queues `record`, whose blobs the local store holds at `blob_path(sha256)`.
    pub fn push(&self, record: Record, blob_path: impl Fn(&str) -> PathBuf) {
        let mut blobs: Vec<(String, u64, PathBuf)> = Vec::new();
        for blob in record.blobs() {
            if !blobs.iter().any(|(sha256, _, _)| *sha256 == blob.sha256) {
                blobs.push((blob.sha256.clone(), blob.size, blob_path(&blob.sha256)));
            }
        }
        if let Some(queue) = &self.queue {
            self.pending.fetch_add(1, Ordering::Relaxed);
            if queue.send(Job { record, blobs }).is_err() {
                self.pending.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Closes the queue and waits for it to drain, at most `limit`. Returns how many records
    /// were left unsent.
    pub fn finish(&mut self, limit: Duration) -> u64 {
        drop(self.queue.take());
        match self.done.recv_timeout(limit) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => 0,
            Err(mpsc::RecvTimeoutError::Timeout) => self.pending.load(Ordering::Relaxed),
        }
    }
}

fn upload(client: &HttpCache, health: &Health, job: &Job) {
    if !health.usable() {
        return;
    }
    for (sha256, size, path) in &job.blobs {
        let what = format!("PUT /cas/{sha256}");
        match client.exists(Area::ContentAddressed, sha256) {
            Ok(true) => continue,
            Ok(false) => {}
            Err(error) => return health.failed(&format!("HEAD /cas/{sha256}"), &error),
        }
        // Evicted from the local store meanwhile (a store smaller than one run): not uploaded.
        let Ok(file) = std::fs::File::open(path) else { return };
        match client.put(Area::ContentAddressed, sha256, file, *size) {
            Ok(()) => health.uploaded(*size, false),
            Err(error) => return health.failed(&what, &error),
        }
    }
    let Ok(body) = serde_json::to_vec(&job.record) else { return };
    let address = action_key(&job.record.instance, &job.record.digest);
    let bytes = body.len() as u64;
    match client.put(Area::ActionCache, &address, body, bytes) {
        Ok(()) => health.uploaded(bytes, true),
        // bazel-remote validates /ac/ bodies as REAPI ActionResults unless told not to.
        Err(RemoteError::Status(400)) => health.failed(
            &format!("PUT /ac/{address}"),
            &RemoteError::Record(
                "HTTP 400: the server refused the record (bazel-remote needs --disable_http_ac_validation)".into(),
            ),
        ),
        Err(error) => health.failed(&format!("PUT /ac/{address}"), &error),
    }
}
