//! The remote cache's standing during one run and what it moved: the first problem (the run's
//! one warning), how many requests failed, whether the server is still used, and the counts
//! the summary, run.json and the HTML report show. Shared by the executors and the upload thread.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::client::RemoteError;

/// Problems and counts; every method takes `&self`.
#[derive(Debug, Default)]
pub struct Health {
    unreachable: AtomicBool,
    problems: Mutex<Problems>,
    hits: AtomicU64,
    misses: AtomicU64,
    downloaded: AtomicU64,
    uploaded: AtomicU64,
    records_uploaded: AtomicU64,
}

#[derive(Debug, Default)]
struct Problems {
    first: Option<String>,
    count: u64,
}

/// What the remote cache did in a run, for the summary, run.json and the HTML report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteSummary {
    /// The server's base URL (it never holds credentials).
    pub url: String,
    /// `read-write` or `read`.
    pub mode: String,
    /// Instances restored from the remote cache.
    pub hits: u64,
    /// Instances looked up there and not found (or not usable).
    pub misses: u64,
    /// Bytes downloaded (records and blobs).
    pub bytes_downloaded: u64,
    /// Bytes uploaded (records and blobs).
    pub bytes_uploaded: u64,
    /// Records uploaded.
    pub uploads: u64,
    /// The run's one warning: the first problem, with how many requests failed in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl RemoteSummary {
    /// `3 hits, 1 miss, 1.2 MiB downloaded, 20.0 KiB uploaded (1 result)`, or `… downloaded
    /// (read only)`: what the summary and the HTML report say.
    pub fn counts(&self) -> String {
        let plural = |count: u64, word: &str| format!("{count} {word}{}", if count == 1 { "" } else { "s" });
        let misses = if self.misses == 1 { "1 miss".to_owned() } else { format!("{} misses", self.misses) };
        let mut line = format!("{}, {misses}, {} downloaded", plural(self.hits, "hit"), bytes(self.bytes_downloaded));
        if self.mode == super::RemoteMode::ReadWrite.as_str() {
            line.push_str(&format!(", {} uploaded ({})", bytes(self.bytes_uploaded), plural(self.uploads, "result")));
        } else {
            line.push_str(" (read only)");
        }
        line
    }
}

/// Bytes as people read them: `512 B`, `1.5 KiB`, `12.0 MiB` (binary units, as uv and cargo).
fn bytes(count: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if count < 1024 {
        return format!("{count} B");
    }
    let mut value = count as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

impl Health {
    /// Whether requests should still be made (the server has not proved unreachable).
    pub fn usable(&self) -> bool {
        !self.unreachable.load(Ordering::Relaxed)
    }

    /// Records a failed request (`what`: `GET /ac/…`). An unreachable server is not asked again
    /// in this run.
    pub fn failed(&self, what: &str, error: &RemoteError) {
        if error.is_unreachable() {
            self.unreachable.store(true, Ordering::Relaxed);
        }
        let mut problems = self.problems.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        problems.count += 1;
        if problems.first.is_none() {
            problems.first = Some(format!("{what}: {error}"));
        }
        tracing::debug!(%what, %error, "remote cache request failed");
    }

    /// An instance restored from the remote cache, `bytes` downloaded for it.
    pub fn hit(&self, bytes: u64) {
        self.hits.fetch_add(1, Ordering::Relaxed);
        self.downloaded.fetch_add(bytes, Ordering::Relaxed);
    }

    /// An instance the remote cache could not restore, `bytes` downloaded meanwhile.
    pub fn miss(&self, bytes: u64) {
        self.misses.fetch_add(1, Ordering::Relaxed);
        self.downloaded.fetch_add(bytes, Ordering::Relaxed);
    }

    /// `bytes` uploaded; `record` when they completed a record.
    pub fn uploaded(&self, bytes: u64, record: bool) {
        self.uploaded.fetch_add(bytes, Ordering::Relaxed);
        if record {
            self.records_uploaded.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counts so far, and the warning when a request failed.
    pub fn summary(&self, url: &str, mode: &str) -> RemoteSummary {
        let problems = self.problems.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let warning = problems.first.as_ref().map(|first| {
            let mut text = format!("remote cache {url}: {first}");
            if problems.count > 1 {
                text.push_str(&format!(" ({} failed requests in all)", problems.count));
            }
            if self.unreachable.load(Ordering::Relaxed) {
                text.push_str("; not used for the rest of the run");
            }
            text.push_str("; each failure was a cache miss");
            text
        });
        RemoteSummary {
            url: url.to_owned(),
            mode: mode.to_owned(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes_downloaded: self.downloaded.load(Ordering::Relaxed),
            bytes_uploaded: self.uploaded.load(Ordering::Relaxed),
            uploads: self.records_uploaded.load(Ordering::Relaxed),
            warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_a_sentence() {
        let summary = RemoteSummary {
            mode: "read-write".into(),
            hits: 1,
            misses: 2,
            bytes_downloaded: 1536,
            bytes_uploaded: 3 * 1024 * 1024,
            uploads: 1,
            ..RemoteSummary::default()
        };
        assert_eq!(summary.counts(), "1 hit, 2 misses, 1.5 KiB downloaded, 3.0 MiB uploaded (1 result)");
        let read = RemoteSummary { mode: "read".into(), misses: 1, bytes_downloaded: 10, ..summary };
        assert_eq!(read.counts(), "1 hit, 1 miss, 10 B downloaded (read only)");
    }

    #[test]
    fn one_warning_names_the_first_problem_and_counts_the_rest() {
        let health = Health::default();
        assert!(health.summary("http://c", "read").warning.is_none());
        health.failed("GET /ac/1", &RemoteError::Status(500));
        assert!(health.usable(), "a 500 is one miss, the server stays in use");
        health.failed(
            "GET /ac/2",
            &RemoteError::Timeout { after: std::time::Duration::from_secs(1), phase: "receive response".into() },
        );
        assert!(!health.usable(), "a timeout: the server is not asked again");
        let warning = health.summary("http://c", "read").warning.unwrap();
        assert_eq!(
            warning,
            "remote cache http://c: GET /ac/1: HTTP 500 (2 failed requests in all); not used for the rest of \
             the run; each failure was a cache miss"
        );
    }
}
