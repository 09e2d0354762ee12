//! The cache key: a typed, versioned struct of everything that decides a cached session's result,
//! serialized canonically (serde_json, fields in declaration order, lists sorted where order
//! does not matter) and hashed with SHA-256. Modelled on just's `cache_key.rs`: a struct, not a
//! concatenated string, so a new part cannot collide with an old one and a miss can say which
//! part differs.
//!
//! No part holds an absolute path of the checkout (commands are rendered with `{root}`,
//! `{envdir}` and `{reports}` left as placeholders; inputs are root-relative), so a later issue
//! can share keys between machines. Values that may be secrets (`env` values, a `deps` URL with a
//! token) appear only as digests.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Bumped whenever the key's parts or the record's layout change: a record of another format is
/// a miss, never misread.
///
/// 2: the interpreter's identity is part of the key (records are shared between machines).
pub const CACHE_FORMAT_VERSION: u32 = 2;

/// Everything a cached result depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheKey {
    /// [`CACHE_FORMAT_VERSION`].
    pub format: u32,
    /// Digest of the posargs (`None`: no `--` given).
    pub posargs: Option<String>,
    /// Digest of each command's argv after substitution (posargs included), in order.
    pub commands: Vec<String>,
    /// `working-directory`, relative to the project root (`None`: the root).
    pub working_directory: Option<String>,
    /// The env fingerprint's digest (deps, requirements files, interpreter request, project files
    /// for `install-project`); `None` for `venv = false`.
    pub env_fingerprint: Option<String>,
    /// The interpreter the env is made from, as `VERSION OS-ARCH` (`3.12.7 linux-x86_64`): the
    /// part of a key that is the machine's, never a path; `None` for `venv = false`.
    pub interpreter: Option<String>,
    /// For `venv = false`: each program as resolved on PATH, with its identity.
    pub programs: Vec<ProgramIdentity>,
    /// `(variable, digest of its value)` per `env` entry, in file order.
    pub env: Vec<(String, String)>,
    /// Every input file, sorted by path.
    pub inputs: Vec<InputFile>,
    /// `(required instance, its cache key)`, in `requires` order; an uncached requirement has
    /// none (it only has to succeed).
    pub requirements: Vec<(String, Option<String>)>,
    /// The `outputs` globs.
    pub outputs: Vec<String>,
    /// The declared report paths (`junit`, then `coverage`), as written.
    pub reports: Vec<String>,
}

/// One input file: its root-relative `/`-separated path and the hex SHA-256 of its content (of
/// its target's name, for a symlink).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Relative to the project root.
    pub path: String,
    /// Hex SHA-256.
    pub sha256: String,
}

/// A `venv = false` program: as written, where PATH resolved it (root-relative when inside the
/// project) and the resolved file's size and modification time (nanoseconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramIdentity {
    /// The program word as shown (`uv`).
    pub name: String,
    /// The resolved executable; `None` when PATH has no such program (the run will fail, and
    /// failures are never stored).
    pub path: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
}

impl CacheKey {
    /// The key's hex SHA-256 over its canonical serialization.
    pub fn digest(&self) -> String {
        hex(&serde_json::to_vec(self).unwrap_or_default())
    }

    /// Why `self` (the key now) differs from `stored` (the record's), as `-n`/`-v` say it: the
    /// first changed part, in the order a user would look. `None` when they are equal.
    pub fn difference(&self, stored: &CacheKey) -> Option<String> {
        if self.format != stored.format {
            return Some(format!("cache format changed ({} → {})", stored.format, self.format));
        }
        if let Some(change) = input_change(&stored.inputs, &self.inputs) {
            return Some(change);
        }
        if self.posargs != stored.posargs {
            return Some("posargs differ".into());
        }
        if self.commands != stored.commands {
            return Some("command changed".into());
        }
        if self.working_directory != stored.working_directory {
            return Some("working directory changed".into());
        }
        if self.env_fingerprint != stored.env_fingerprint {
            return Some("deps changed".into());
        }
        if self.interpreter != stored.interpreter {
            let shown = |interpreter: &Option<String>| interpreter.clone().unwrap_or_else(|| "none".into());
            return Some(format!(
                "interpreter changed ({} → {})",
                shown(&stored.interpreter),
                shown(&self.interpreter)
            ));
        }
        if self.programs != stored.programs {
            let changed = self.programs.iter().find(|program| !stored.programs.contains(program));
            return Some(match changed {
                Some(program) => format!("program `{}` changed", program.name),
                None => "programs changed".into(),
            });
        }
        if self.env != stored.env {
            let changed = self
                .env
                .iter()
                .find(|entry| !stored.env.contains(entry))
                .or_else(|| stored.env.iter().find(|entry| !self.env.iter().any(|(name, _)| *name == entry.0)));
            // The variable's name only: its value may be a secret.
            return Some(match changed {
                Some((name, _)) => format!("env {name} changed"),
                None => "env changed".into(),
            });
        }
        if self.requirements != stored.requirements {
            let changed = self.requirements.iter().find(|entry| !stored.requirements.contains(entry));
            return Some(match changed {
                Some((name, _)) => format!("requirement {name} re-ran"),
                None => "requirements changed".into(),
            });
        }
        if self.outputs != stored.outputs || self.reports != stored.reports {
            return Some("outputs changed".into());
        }
        (self != stored).then(|| "key changed".into())
    }
}

/// The first input (by path) changed, added or removed between `old` and `new` (both sorted).
fn input_change(old: &[InputFile], new: &[InputFile]) -> Option<String> {
    let (mut old, mut new) = (old.iter().peekable(), new.iter().peekable());
    loop {
        match (old.peek(), new.peek()) {
            (None, None) => return None,
            (Some(gone), None) => return Some(format!("input {} removed", gone.path)),
            (None, Some(added)) => return Some(format!("input {} added", added.path)),
            (Some(before), Some(now)) => match before.path.cmp(&now.path) {
                std::cmp::Ordering::Less => return Some(format!("input {} removed", before.path)),
                std::cmp::Ordering::Greater => return Some(format!("input {} added", now.path)),
                std::cmp::Ordering::Equal if before.sha256 != now.sha256 => {
                    return Some(format!("input {} changed", now.path));
                }
                std::cmp::Ordering::Equal => {
                    old.next();
                    new.next();
                }
            },
        }
    }
}

/// Hex SHA-256 over length-prefixed items: no two different lists hash the same byte stream.
pub fn digest_of_list<S: AsRef<str>>(items: &[S]) -> String {
    let mut hasher = Sha256::new();
    for item in items {
        hasher.update((item.as_ref().len() as u64).to_le_bytes());
        hasher.update(item.as_ref().as_bytes());
    }
    to_hex(&hasher.finalize())
}

/// Hex SHA-256 of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Lowercase hex of a digest.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A key of every part, for the store's and the remote cache's tests too.
    pub(crate) fn key() -> CacheKey {
        CacheKey {
            format: CACHE_FORMAT_VERSION,
            posargs: None,
            commands: vec![digest_of_list(&["pytest"])],
            working_directory: None,
            env_fingerprint: Some("f".into()),
            interpreter: Some("3.12.7 linux-x86_64".into()),
            programs: Vec::new(),
            env: vec![("TOKEN".into(), hex(b"secret"))],
            inputs: vec![
                InputFile { path: "a.py".into(), sha256: "1".into() },
                InputFile { path: "b.py".into(), sha256: "2".into() },
            ],
            requirements: vec![("lint".into(), Some("k".into()))],
            outputs: vec!["dist/*".into()],
            reports: Vec::new(),
        }
    }

    #[test]
    fn every_part_changes_the_digest_and_is_named() {
        let base = key();
        assert_eq!(base.difference(&base), None);
        type Change = Box<dyn Fn(&mut CacheKey)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|key| key.format += 1), "cache format changed (2 → 3)"),
            (Box::new(|key| key.inputs[0].sha256 = "9".into()), "input a.py changed"),
            (Box::new(|key| drop(key.inputs.remove(1))), "input b.py removed"),
            (
                Box::new(|key| key.inputs.insert(1, InputFile { path: "ab.py".into(), sha256: "3".into() })),
                "input ab.py added",
            ),
            (Box::new(|key| key.posargs = Some(digest_of_list(&["-x"]))), "posargs differ"),
            (Box::new(|key| key.commands[0] = digest_of_list(&["pytest", "-q"])), "command changed"),
            (Box::new(|key| key.working_directory = Some("docs".into())), "working directory changed"),
            (Box::new(|key| key.env_fingerprint = Some("g".into())), "deps changed"),
            (
                Box::new(|key| key.interpreter = Some("3.12.8 linux-x86_64".into())),
                "interpreter changed (3.12.7 linux-x86_64 → 3.12.8 linux-x86_64)",
            ),
            (
                Box::new(|key| {
                    key.programs.push(ProgramIdentity { name: "uv".into(), path: None, size: 0, mtime_ns: 0 });
                }),
                "program `uv` changed",
            ),
            (Box::new(|key| key.env[0].1 = hex(b"other")), "env TOKEN changed"),
            (Box::new(|key| key.requirements[0].1 = Some("k2".into())), "requirement lint re-ran"),
            (Box::new(|key| key.outputs.clear()), "outputs changed"),
        ];
        for (change, says) in cases {
            let mut changed = key();
            change(&mut changed);
            assert_ne!(changed.digest(), base.digest(), "{says}");
            assert_eq!(changed.difference(&base).as_deref(), Some(says));
        }
    }

    #[test]
    fn a_miss_never_shows_an_env_value() {
        let mut changed = key();
        changed.env[0].1 = hex(b"new-secret");
        let reason = changed.difference(&key()).unwrap();
        assert!(!reason.contains("secret"), "{reason}");
    }

    #[test]
    fn a_removed_variable_is_named_not_one_still_set() {
        let mut stored = key();
        stored.env.insert(0, ("KEPT".into(), hex(b"same")));
        let mut now = stored.clone();
        now.env.retain(|(name, _)| name == "KEPT");
        assert_eq!(now.difference(&stored).as_deref(), Some("env TOKEN changed"));
    }
}
