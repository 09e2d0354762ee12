//! Cached sessions: the typed cache key (`key.rs`), the input walk and hashing (`inputs.rs`),
//! the stored record (`record.rs`), the bounded, locked store (`store.rs`) and the remote cache
//! shared between machines (`remote/`). No printing and no runner knowledge here: the executor
//! computes the key, looks it up, restores or stores.

mod inputs;
mod key;
mod record;
pub mod relocate;
pub mod remote;
mod store;

pub use inputs::{InputError, InputSet, collect as collect_inputs, collect_outputs, hash_file, literal_base};
pub use key::{CACHE_FORMAT_VERSION, CacheKey, InputFile, ProgramIdentity, digest_of_list, hex, to_hex};
pub use record::{Blob, Record, StoredFile};
pub use remote::{RemoteCache, RemoteConfig, RemoteMode, RemoteSummary};
pub use store::{BlobSource, Lookup, Store};

/// The default `[forge] cache-size`: 1 GiB.
pub const DEFAULT_CACHE_SIZE: u64 = 1024 * 1024 * 1024;
