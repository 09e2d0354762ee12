//! Back-off between attempts of a session with `retries`: `retry-delay`, multiplied by
//! `retry-backoff` per failed attempt, capped at `retry-max-delay`, plus jitter.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How long to wait between attempts, as a session's `retry-*` keys set it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// `retry-delay`: the wait before the second attempt (default 1 s).
    pub delay: Duration,
    /// `retry-backoff`: the factor each further wait is multiplied by (default 2.0, at least 1).
    pub backoff: f64,
    /// `retry-max-delay`: the longest wait, jitter excluded (default 30 s).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { delay: Duration::from_secs(1), backoff: 2.0, max_delay: Duration::from_secs(30) }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based) before the next, without jitter:
    /// `delay × backoff^(attempt − 1)`, capped at `max_delay` (tenacity's `wait_exponential`
    /// with `multiplier`, `exp_base` and `max`).
    pub fn base_delay(&self, attempt: u32) -> Duration {
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let seconds = self.delay.as_secs_f64() * self.backoff.powi(exponent);
        // A huge exponent is infinite, and `min` keeps it at the cap.
        Duration::try_from_secs_f64(seconds.min(self.max_delay.as_secs_f64())).unwrap_or(self.max_delay)
    }

    /// [`RetryPolicy::base_delay`] plus up to 10 % jitter, so parallel retries do not align (the
    /// shape of AWS's exponential back-off with jitter).
    pub fn delay(&self, attempt: u32) -> Duration {
        let base = self.base_delay(attempt);
        let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
        base + base.mul_f64((random % 1000) as f64 / 10_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(delay_ms: u64, backoff: f64, max_ms: u64) -> RetryPolicy {
        RetryPolicy { delay: Duration::from_millis(delay_ms), backoff, max_delay: Duration::from_millis(max_ms) }
    }

    #[test]
    fn the_default_doubles_from_one_second_and_caps_at_thirty() {
        let default = RetryPolicy::default();
        let waits: Vec<u64> = (1..=7).map(|attempt| default.base_delay(attempt).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(default.base_delay(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn the_factor_and_the_cap_are_the_sessions() {
        let triple = policy(500, 3.0, 10_000);
        let waits: Vec<u128> = (1..=5).map(|attempt| triple.base_delay(attempt).as_millis()).collect();
        assert_eq!(waits, [500, 1500, 4500, 10_000, 10_000]);
        let constant = policy(250, 1.0, 30_000);
        assert!((1..=10).all(|attempt| constant.base_delay(attempt) == Duration::from_millis(250)));
        // A first delay above the cap is capped too.
        assert_eq!(policy(60_000, 2.0, 30_000).base_delay(1), Duration::from_secs(30));
    }

    #[test]
    fn jitter_adds_at_most_a_tenth() {
        let default = RetryPolicy::default();
        for attempt in [1, 3, 20] {
            let base = default.base_delay(attempt);
            let delay = default.delay(attempt);
            assert!(delay >= base && delay <= base + base / 10, "{attempt}: {delay:?} vs {base:?}");
        }
    }
}
