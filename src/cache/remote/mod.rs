//! The remote cache: the local store's results shared over Bazel's HTTP remote-cache protocol
//! (`config.rs` what a run is given, `client.rs` the protocol, `fetch.rs` lookups, `upload.rs`
//! the upload thread, `health.rs` failures and counts, `cache.rs` the run's handle on it all).

mod cache;
mod client;
mod config;
mod fetch;
mod health;
mod upload;

pub use cache::{RemoteCache, UPLOAD_WAIT};
pub use client::{Area, HttpCache, RemoteError};
pub use config::{
    Auth, DEFAULT_TIMEOUT, PASSWORD_VARIABLE, RemoteConfig, RemoteMode, TOKEN_VARIABLE, USER_VARIABLE, check_url,
};
pub use fetch::action_key;
pub use health::RemoteSummary;
