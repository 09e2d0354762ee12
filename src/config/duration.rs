//! Human durations (`"90s"`, `"10m"`, `"1h 30m"`) in `sessions.toml` and on the command line.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// A strictly positive duration written the way humans write them (`"500ms"`, `"90s"`, `"10m"`).
///
/// Parsed with the `humantime` crate; zero, negative and unit-less values are rejected so a typo
/// never becomes "no timeout" by accident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationSpec(pub Duration);

impl DurationSpec {
    /// Parses `text` (e.g. `"10m"`).
    ///
    /// # Errors
    /// A message fit to follow "invalid duration": malformed text, or a zero duration.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.starts_with('-') {
            return Err(format!("`{text}` is negative; durations must be positive"));
        }
        let duration = humantime::parse_duration(trimmed)
            .map_err(|error| format!("`{text}` is not a duration ({error})"))?;
        if duration.is_zero() {
            return Err(format!("`{text}` is zero; durations must be positive"));
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
        for bad in ["", "10", "ten minutes", "-5s", "0s", "5 parsecs"] {
            assert!(DurationSpec::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
