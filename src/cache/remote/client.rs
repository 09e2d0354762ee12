//! Bazel's HTTP remote-cache protocol, as bazel-remote, nginx's WebDAV module and object stores
//! serve it: `GET`/`HEAD`/`PUT` on `BASE/ac/KEY` (action results: forge's records) and
//! `BASE/cas/SHA256` (content-addressed blobs), KEY and SHA256 lowercase hex. 200 is found, 404
//! is not found; anything else is an error (source: the "HTTP caching" section of Bazel's remote
//! caching documentation, and bazel-remote's README).
//!
//! Blocking (ureq): the runner calls it from its blocking pool and an upload thread. Every
//! request is bounded: connecting, waiting for the response and each read or write by the
//! configured timeout, and the whole exchange by the timeout plus the time the body needs at
//! 1 MiB/s, so a stalled or trickling server never hangs a run.

use std::io::{Read, Write};
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use super::config::{Auth, RemoteConfig};

/// The slowest transfer rate a request is given time for, in bytes per second.
const SLOWEST_RATE: u64 = 1024 * 1024;
/// The largest record accepted, in bytes (a record lists files, it holds no content).
pub const RECORD_LIMIT: u64 = 64 * 1024 * 1024;

/// Why a request did not give an answer. Never holds a credential.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// No connection, a reset, a DNS failure, a TLS failure.
    #[error("{0}")]
    Transport(String),
    /// A timeout expired: after how long, and in which phase (`receive response`).
    #[error("timed out after {} ({phase})", humantime::format_duration(*after))]
    Timeout {
        /// The limit that expired.
        after: Duration,
        /// What the request was doing.
        phase: String,
    },
    /// An answer that is neither 200 nor 404.
    #[error("HTTP {0}")]
    Status(u16),
    /// A blob whose content does not hash to its address.
    #[error("blob {address} has SHA-256 {actual}")]
    Digest {
        /// The address asked for.
        address: String,
        /// What the body hashes to.
        actual: String,
    },
    /// A body of the wrong length (a truncated download).
    #[error("body of {got} bytes where {expected} were expected")]
    Length {
        /// Bytes the record (or Content-Length) promised.
        expected: u64,
        /// Bytes received.
        got: u64,
    },
    /// A record that is not one forge wrote (not JSON of a record, or its digest does not match
    /// its key).
    #[error("{0}")]
    Record(String),
    /// A local file could not be read or written.
    #[error("{0}")]
    Local(#[from] std::io::Error),
}

impl RemoteError {
    /// Whether the server is unusable for the rest of the run (it cannot be reached or does not
    /// answer in time): later requests would each wait out their timeout.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, RemoteError::Transport(_) | RemoteError::Timeout { .. })
    }
}

/// The two stores of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// `ac/`: action results (forge's records).
    ActionCache,
    /// `cas/`: blobs by SHA-256.
    ContentAddressed,
}

impl Area {
    fn path(self) -> &'static str {
        match self {
            Area::ActionCache => "ac",
            Area::ContentAddressed => "cas",
        }
    }
}

/// A client for one server.
#[derive(Debug)]
pub struct HttpCache {
    agent: ureq::Agent,
    base: String,
    timeout: Duration,
    authorization: Option<String>,
}

impl HttpCache {
    /// A client for `config`'s server, authenticating with `auth`.
    pub fn new(config: &RemoteConfig, auth: &Auth) -> Self {
        let timeout = Some(config.timeout);
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(timeout)
            .timeout_resolve(timeout)
            .timeout_send_request(timeout)
            .timeout_recv_response(timeout)
            .timeout_per_read(timeout)
            .timeout_per_write(timeout)
            .user_agent(concat!("forge/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Self { agent, base: config.url.clone(), timeout: config.timeout, authorization: auth.header() }
    }

    fn url(&self, area: Area, key: &str) -> String {
        format!("{}/{}/{key}", self.base, area.path())
    }

    /// The whole exchange's bound for a body of `bytes`.
    fn call_limit(&self, bytes: u64) -> Duration {
        self.timeout + Duration::from_secs(bytes / SLOWEST_RATE)
    }

    fn error(&self, error: ureq::Error, bytes: u64) -> RemoteError {
        match error {
            ureq::Error::Timeout(ureq::Timeout::PerCall | ureq::Timeout::Global) => {
                RemoteError::Timeout { after: self.call_limit(bytes), phase: "the whole request".into() }
            }
            ureq::Error::Timeout(phase) => RemoteError::Timeout { after: self.timeout, phase: phase.to_string() },
            ureq::Error::Io(error) if error.kind() == std::io::ErrorKind::TimedOut => {
                RemoteError::Timeout { after: self.timeout, phase: "read".into() }
            }
            // ureq's messages name the host, never the Authorization header.
            other => RemoteError::Transport(other.to_string()),
        }
    }

    fn request<B>(&self, builder: ureq::RequestBuilder<B>, bytes: u64) -> ureq::RequestBuilder<B> {
        let builder = builder.config().timeout_per_call(Some(self.call_limit(bytes))).build();
        match &self.authorization {
            Some(value) => builder.header("Authorization", value),
            None => builder,
        }
    }

    /// `HEAD`: whether the entry exists.
    ///
    /// # Errors
    /// [`RemoteError`] for anything but 200 and 404.
    pub fn exists(&self, area: Area, key: &str) -> Result<bool, RemoteError> {
        let response = self.request(self.agent.head(self.url(area, key)), 0).call().map_err(|e| self.error(e, 0))?;
        found(response.status().as_u16())
    }

    /// `GET` of an entry of at most `limit` bytes into memory; `None` when there is none. The
    /// whole request is given the time a 1 MiB body needs (records are far smaller).
    ///
    /// # Errors
    /// [`RemoteError`]: transport, timeout, a status but 200 and 404, a body over `limit`.
    pub fn get(&self, area: Area, key: &str, limit: u64) -> Result<Option<Vec<u8>>, RemoteError> {
        let expected = limit.min(SLOWEST_RATE);
        let mut response =
            self.request(self.agent.get(self.url(area, key)), expected).call().map_err(|e| self.error(e, expected))?;
        if !found(response.status().as_u16())? {
            return Ok(None);
        }
        let mut body = Vec::new();
        let mut reader = response.body_mut().with_config().limit(limit.saturating_add(1)).reader();
        reader.read_to_end(&mut body).map_err(|error| self.io_error(error, expected))?;
        if body.len() as u64 > limit {
            return Err(RemoteError::Length { expected: limit, got: body.len() as u64 });
        }
        Ok(Some(body))
    }

    /// `GET /cas/SHA256` of a blob of `size` bytes, streamed into `out`; `Ok(false)` when the
    /// server has no such blob. The body is checked against its address as it arrives: a blob of
    /// another length or hash is an error, and `out` then holds bytes to throw away.
    ///
    /// # Errors
    /// [`RemoteError`], [`RemoteError::Length`] and [`RemoteError::Digest`] included.
    pub fn get_blob(&self, sha256: &str, size: u64, out: &mut impl Write) -> Result<bool, RemoteError> {
        let url = self.url(Area::ContentAddressed, sha256);
        let mut response = self.request(self.agent.get(url), size).call().map_err(|e| self.error(e, size))?;
        if !found(response.status().as_u16())? {
            return Ok(false);
        }
        let mut reader = response.body_mut().with_config().limit(size.saturating_add(1)).reader();
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut got = 0u64;
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) => return Err(self.io_error(error, size)),
            };
            got += read as u64;
            if got > size {
                return Err(RemoteError::Length { expected: size, got });
            }
            hasher.update(&buffer[..read]);
            out.write_all(&buffer[..read])?;
        }
        if got != size {
            return Err(RemoteError::Length { expected: size, got });
        }
        let actual = crate::cache::to_hex(&hasher.finalize());
        if actual != sha256 {
            return Err(RemoteError::Digest { address: sha256.to_owned(), actual });
        }
        Ok(true)
    }

    /// `PUT` of `body` (`bytes` long).
    ///
    /// # Errors
    /// [`RemoteError`] for a transport failure or a status outside 2xx.
    pub fn put(&self, area: Area, key: &str, body: impl ureq::AsSendBody, bytes: u64) -> Result<(), RemoteError> {
        let response =
            self.request(self.agent.put(self.url(area, key)), bytes).send(body).map_err(|e| self.error(e, bytes))?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            status => Err(RemoteError::Status(status)),
        }
    }

    /// A failed body read: a timeout, a connection closed early (a truncated body), or another
    /// transport failure.
    fn io_error(&self, error: std::io::Error, bytes: u64) -> RemoteError {
        match error.kind() {
            std::io::ErrorKind::TimedOut => RemoteError::Timeout { after: self.timeout, phase: "read".into() },
            _ => match error.into_inner() {
                Some(inner) => match inner.downcast::<ureq::Error>() {
                    Ok(error) => self.error(*error, bytes),
                    Err(other) => RemoteError::Transport(other.to_string()),
                },
                None => RemoteError::Transport("the connection closed early".into()),
            },
        }
    }
}

/// 200: found; 404: not found; anything else: an error.
fn found(status: u16) -> Result<bool, RemoteError> {
    match status {
        200 => Ok(true),
        404 => Ok(false),
        status => Err(RemoteError::Status(status)),
    }
}
