//! The report model: a run as forge's reports describe it, apart from the runner's own structs.
//! `run.json` is this model serialized; `forge report` reads it back typed, so a malformed or
//! foreign file is an error instead of being merged blindly.
//!
//! The shape is run.json's since forge 0.1 (see `docs/reports.md`); `format_version` was added
//! later, so a file without it is read as format 1.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// The run.json format this forge writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// One run (or several merged by `forge report`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// run.json's format ([`FORMAT_VERSION`]); absent in files of forge versions before the field
    /// existed, which wrote format 1.
    #[serde(default = "first_format")]
    pub format_version: u32,
    /// The forge that wrote it (`CARGO_PKG_VERSION`).
    pub forge_version: String,
    /// When the run started; RFC 3339 in UTC with milliseconds in JSON.
    #[serde(with = "rfc3339")]
    pub start: SystemTime,
    /// When it ended; as `start`.
    #[serde(with = "rfc3339")]
    pub end: SystemTime,
    /// Wall time; seconds with millisecond precision in JSON.
    #[serde(with = "seconds")]
    pub duration: Duration,
    /// The signal that interrupted the run ("SIGINT"), if one did.
    pub interrupted_by: Option<String>,
    /// Whether the run's `--timeout` expired.
    pub timed_out: bool,
    /// The `--profile` the run applied (`[profiles.NAME]`), absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The input directories, when `forge report` merged several runs into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// What the remote cache did (hits, misses, bytes moved), absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_cache: Option<crate::cache::RemoteSummary>,
    /// Session instances in plan (or input) order.
    pub sessions: Vec<SessionReport>,
}

/// One session instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionReport {
    /// Instance name (`test-3.12`).
    pub name: String,
    /// Base session name (`test`).
    pub session: String,
    /// Interpreter version used ("3.11.7"), when known.
    pub python: Option<String>,
    /// Final status.
    pub status: Status,
    /// When it started, from the run's start; seconds in JSON, absent when it never started
    /// (and in files of forge versions before the field existed).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "optional_seconds")]
    pub start_offset: Option<Duration>,
    /// Wall time, all attempts included; seconds in JSON.
    #[serde(with = "seconds")]
    pub duration: Duration,
    /// The instances of the run it required (`requires`, resolved to instance names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Exit code of the last failing command, 0 on success, absent when nothing ran.
    pub exit_code: Option<i32>,
    /// Every attempt, in order (more than one with `retries`).
    pub attempts: Vec<AttemptReport>,
    /// Env reuse, absent for `venv = false` or when no env was prepared.
    pub env: Option<EnvState>,
    /// The session log, absent when the session never started.
    pub log: Option<PathBuf>,
    /// Why it failed, errored or was skipped.
    pub message: Option<String>,
    /// Processes its commands left running that forge killed when it ended (`pid 42 (sleep)`);
    /// absent when there were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaked: Vec<String>,
    /// For a `cached` instance, the cache that restored it: `local` or `remote`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<String>,
    /// What preparing the session printed when no attempt ran (e.g. a failed env build),
    /// sanitized; otherwise empty, the output living in the attempts. Not in run.json.
    #[serde(skip)]
    pub setup_output: String,
    /// The JUnit files it declared, rendered and absolute. Not in run.json (a path may hold an
    /// `{env:…}` value).
    #[serde(skip)]
    pub junit: Vec<PathBuf>,
    /// The coverage files it declared, as `junit`.
    #[serde(skip)]
    pub coverage: Vec<PathBuf>,
}

impl SessionReport {
    /// Whether any attempt ran, or a cache hit restored what one wrote (declared report files are
    /// looked for only then).
    pub fn ran(&self) -> bool {
        !self.attempts.is_empty() || self.status == Status::Cached
    }

    /// The output shown with its final status: the last attempt's tail, or what setup printed.
    pub fn final_output(&self) -> &str {
        self.attempts.last().map_or(self.setup_output.as_str(), |attempt| attempt.output_tail.as_str())
    }
}

/// One attempt at a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptReport {
    /// 1-based.
    pub number: u32,
    /// How it ended.
    pub status: Status,
    /// Wall time; seconds in JSON.
    #[serde(with = "seconds")]
    pub duration: Duration,
    /// Exit code of the failing command, if it exited.
    pub exit_code: Option<i32>,
    /// Why it failed, if it did.
    pub message: Option<String>,
    /// The last output up to this attempt's end (at most 64 KiB, sanitized for XML 1.0), for
    /// JUnit. Kept once, here; not in run.json (junit.xml carries it).
    #[serde(skip)]
    pub output_tail: String,
}

/// A session's or attempt's status (run.json's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every command exited 0.
    Success,
    /// A command exited non-zero.
    Failed,
    /// forge could not run it (env build, interpreter missing, timeout, command not found).
    Error,
    /// Not run.
    Skipped,
    /// Stopped by a signal.
    Interrupted,
    /// Not run: a stored result was restored from the cache.
    Cached,
    /// Not run: `--changed` found its inputs unchanged.
    Unchanged,
}

impl Status {
    /// The lowercase name, as in run.json.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Failed => "failed",
            Status::Error => "error",
            Status::Skipped => "skipped",
            Status::Interrupted => "interrupted",
            Status::Cached => "cached",
            Status::Unchanged => "unchanged",
        }
    }
}

/// Whether a session's env was reused or built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvState {
    /// Up to date: nothing installed.
    Reused,
    /// Created and filled in this run.
    Built,
}

impl EnvState {
    /// The lowercase name, as in run.json.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvState::Reused => "reused",
            EnvState::Built => "built",
        }
    }
}

impl RunReport {
    /// run.json's bytes: pretty-printed JSON and a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        // A derived Serialize of strings, numbers and paths cannot fail.
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Reads run.json's bytes: the format version first (so a newer format is named as such, not
    /// as a shape error), then the whole model.
    ///
    /// # Errors
    /// A message: not JSON, not a forge run.json (with the JSON path of the offending field), or
    /// a format version this forge does not read.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct Header {
            format_version: Option<serde_json::Value>,
        }
        if bytes.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
            return Err("not a forge run.json: not a JSON object".to_owned());
        }
        let header: Header = serde_json::from_slice(bytes).map_err(|error| format!("not a forge run.json: {error}"))?;
        match header.format_version {
            None => {}
            Some(serde_json::Value::Number(number)) if number.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
            Some(serde_json::Value::Number(number)) => {
                return Err(format!(
                    "run.json format version {number} is not one this forge ({}) reads (it reads {FORMAT_VERSION})",
                    env!("CARGO_PKG_VERSION")
                ));
            }
            Some(other) => return Err(format!("not a forge run.json: format_version is {other}, not a number")),
        }
        let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if path == "." {
                format!("not a forge run.json: {inner}")
            } else {
                format!("not a forge run.json: {path}: {inner}")
            }
        })
    }
}

fn first_format() -> u32 {
    1
}

/// `SystemTime` as RFC 3339 in UTC with milliseconds (`2024-05-01T12:00:00.123Z`).
mod rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&humantime::format_rfc3339_millis(*time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_rfc3339_weak(&text)
            .map_err(|error| serde::de::Error::custom(format!("`{text}` is not an RFC 3339 time: {error}")))
    }
}

/// `Option<Duration>` as [`seconds`] or `null`.
mod optional_seconds {
    use std::time::Duration;

    use serde::{Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => super::seconds::serialize(duration, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
        Option::<f64>::deserialize(deserializer)?
            .map(|seconds| {
                Duration::try_from_secs_f64(seconds)
                    .map_err(|_| serde::de::Error::custom(format!("{seconds} is not a duration in seconds")))
            })
            .transpose()
    }
}

/// `Duration` as seconds, rounded to milliseconds (`4.02`).
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64((duration.as_secs_f64() * 1000.0).round() / 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        Duration::try_from_secs_f64(seconds)
            .map_err(|_| serde::de::Error::custom(format!("{seconds} is not a duration in seconds")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RunReport {
        RunReport {
            format_version: FORMAT_VERSION,
            forge_version: "9.9.9".into(),
            start: SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
            end: SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_004_143),
            duration: Duration::from_millis(4020),
            interrupted_by: None,
            timed_out: false,
            profile: None,
            merged_from: Vec::new(),
            remote_cache: None,
            sessions: vec![SessionReport {
                name: "test-3.12".into(),
                session: "test".into(),
                python: Some("3.12.3".into()),
                status: Status::Failed,
                start_offset: Some(Duration::from_millis(20)),
                duration: Duration::from_millis(4000),
                requires: vec!["lint".into()],
                exit_code: Some(1),
                attempts: vec![AttemptReport {
                    number: 1,
                    status: Status::Failed,
                    duration: Duration::from_millis(3999),
                    exit_code: Some(1),
                    message: Some("`pytest` exited with status 1".into()),
                    output_tail: String::new(),
                }],
                env: Some(EnvState::Built),
                log: Some("/p/.forge/reports/logs/test-3.12.log".into()),
                message: Some("`pytest` exited with status 1".into()),
                leaked: Vec::new(),
                cache: None,
                setup_output: String::new(),
                junit: Vec::new(),
                coverage: Vec::new(),
            }],
        }
    }

    #[test]
    fn run_json_has_the_documented_shape_and_reads_back() {
        let report = sample();
        let json: serde_json::Value = serde_json::from_slice(&report.to_json()).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "format_version": 1,
                "forge_version": "9.9.9",
                "start": "2023-11-14T22:13:20.123Z",
                "end": "2023-11-14T22:13:24.143Z",
                "duration": 4.02,
                "interrupted_by": null,
                "timed_out": false,
                "sessions": [{
                    "name": "test-3.12", "session": "test", "python": "3.12.3", "status": "failed",
                    "start_offset": 0.02, "duration": 4.0, "requires": ["lint"], "exit_code": 1,
                    "attempts": [{"number": 1, "status": "failed", "duration": 3.999, "exit_code": 1,
                                  "message": "`pytest` exited with status 1"}],
                    "env": "built", "log": "/p/.forge/reports/logs/test-3.12.log",
                    "message": "`pytest` exited with status 1"
                }]
            })
        );
        assert_eq!(RunReport::from_json(&report.to_json()), Ok(report));
    }

    #[test]
    fn a_file_without_format_version_is_format_one() {
        let mut json: serde_json::Value = serde_json::from_slice(&sample().to_json()).expect("json");
        json.as_object_mut().expect("object").remove("format_version");
        let read = RunReport::from_json(json.to_string().as_bytes()).expect("reads");
        assert_eq!(read.format_version, 1);
    }

    #[test]
    fn malformed_and_foreign_files_are_errors_that_say_where() {
        let error = |text: &str| RunReport::from_json(text.as_bytes()).expect_err(text);
        assert_eq!(error("not json"), "not a forge run.json: not a JSON object");
        assert_eq!(error(" []"), "not a forge run.json: not a JSON object");
        assert!(error("{\"a\": nope}").starts_with("not a forge run.json: expected ident at line 1"));
        assert_eq!(
            error(r#"{"format_version": 2, "sessions": "whatever"}"#),
            format!(
                "run.json format version 2 is not one this forge ({}) reads (it reads 1)",
                env!("CARGO_PKG_VERSION")
            )
        );
        assert!(error(r#"{"format_version": "1"}"#).contains("format_version is \"1\", not a number"));
        let mut json: serde_json::Value = serde_json::from_slice(&sample().to_json()).expect("json");
        json["sessions"][0]["status"] = "passed".into();
        let message = error(&json.to_string());
        assert!(message.starts_with("not a forge run.json: sessions[0].status: unknown variant `passed`"), "{message}");
        json["sessions"][0]["status"] = "failed".into();
        json["start"] = "yesterday".into();
        assert!(error(&json.to_string()).contains("start: `yesterday` is not an RFC 3339 time"));
        json.as_object_mut().expect("object").remove("start");
        assert!(error(&json.to_string()).contains("missing field `start`"));
    }
}
