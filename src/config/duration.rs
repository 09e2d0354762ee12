//! Human durations (`"90s"`, `"10m"`, `"1h 30m"`) in `sessions.toml` and on the command line.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// The longest duration forge accepts. Anything longer is surely a typo, and an absurd value
/// (`"500000000000y"`) would overflow the clock arithmetic of whoever waits for it.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A strictly positive duration written the way humans write them (`"500ms"`, `"90s"`, `"10m"`).
///
/// Parsed with the `humantime` crate; zero, negative and unit-less values are rejected so a typo
/// never becomes "no timeout" by accident, and values over `MAX_DURATION` (one year) are
/// rejected so every deadline forge computes from one fits its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationSpec(pub Duration);

impl DurationSpec {
    /// Parses `text` (e.g. `"10m"`).
    ///
    /// # Errors
    /// A one-line message naming the value: malformed text, a negative, zero or too long duration.
    pub fn parse(text: &str) -> Result<Self, String> {
        let shown = super::error::excerpt(text);
        let trimmed = text.trim();
        if trimmed.starts_with('-') {
            return Err(format!("`{shown}` is negative; durations must be positive"));
        }
        let duration = humantime::parse_duration(trimmed).map_err(|error| {
            let reason = match error {
                humantime::DurationError::UnknownUnit { unit, .. } if unit.is_empty() => {
                    "a unit is needed, e.g. \"90s\" or \"10m\"".to_owned()
                }
                humantime::DurationError::UnknownUnit { unit, .. } => {
                    format!("unknown unit `{}`; use ms, s, m, h or d, e.g. \"1h 30m\"", super::error::excerpt(&unit))
                }
                humantime::DurationError::NumberOverflow => "the number is too large".to_owned(),
                humantime::DurationError::Empty => "it is empty".to_owned(),
                other => other.to_string(),
            };
            format!("`{shown}` is not a duration ({reason})")
        })?;
        if duration.is_zero() {
            return Err(format!("`{shown}` is zero; durations must be positive"));
        }
        if duration > MAX_DURATION {
            return Err(format!("`{shown}` is longer than the maximum of 365 days"));
        }
        Ok(Self(duration))
    }
}

impl std::str::FromStr for DurationSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl<'de> Deserialize<'de> for DurationSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;

        impl Visitor<'_> for DurationVisitor {
            type Value = DurationSpec;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a duration string such as \"90s\", \"10m\" or \"1h 30m\"")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                DurationSpec::parse(text).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(DurationVisitor)
    }
}

/// By hand, as the visitor above is invisible to the derive: a string of number-unit pairs. The
/// pattern is the shape only; zero, unknown units and the one-year cap are left to forge's own
/// message.
impl JsonSchema for DurationSpec {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A positive duration with a unit (ms, s, m, h, d), such as \"500ms\", \"90s\", \"10m\" or \"1h 30m\"; at most 365 days.",
            "type": "string",
            "pattern": DURATION_PATTERN,
            "examples": ["90s", "10m", "1h 30m"]
        })
    }
}

/// The shape `humantime` parses: one or more numbers (with an optional fraction), each followed
/// by a unit word.
const DURATION_PATTERN: &str = r"^\s*([0-9]+(\.[0-9]+)?\s*[A-Za-zµ]+\s*)+$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(DurationSpec::parse("90s").unwrap().0, Duration::from_secs(90));
        assert_eq!(DurationSpec::parse("10m").unwrap().0, Duration::from_secs(600));
        assert_eq!(DurationSpec::parse("1h 30m").unwrap().0, Duration::from_secs(5400));
        assert_eq!(DurationSpec::parse("250ms").unwrap().0, Duration::from_millis(250));
    }

    #[test]
    fn rejects_bad_forms() {
        for bad in ["", "10", "ten minutes", "-5s", "0s", "5 parsecs", "500000000000y", "366d", "99999999999999999999h"]
        {
            assert!(DurationSpec::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn messages_say_what_is_wrong() {
        assert_eq!(
            DurationSpec::parse("10").unwrap_err(),
            "`10` is not a duration (a unit is needed, e.g. \"90s\" or \"10m\")"
        );
        assert!(DurationSpec::parse("5 parsecs").unwrap_err().contains("unknown unit"));
        assert_eq!(DurationSpec::parse("400d").unwrap_err(), "`400d` is longer than the maximum of 365 days");
        assert_eq!(DurationSpec::parse("365d").unwrap().0, MAX_DURATION);
        assert!(!DurationSpec::parse("1\n2").unwrap_err().contains('\n'));
    }
}
