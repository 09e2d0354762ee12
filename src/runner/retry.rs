//! Back-off between attempts of a session with `retries`.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Longest back-off between attempts, as the contract caps it.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// The delay before retry `attempt + 1`: `first` doubled per failed attempt, capped at 30 s, plus
/// up to 10 % jitter so parallel retries do not align (the shape of tenacity's and AWS's
/// exponential back-off with jitter).
pub fn backoff(first: Duration, attempt: u32) -> Duration {
    let doubled = first.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
    let capped = doubled.min(MAX_RETRY_DELAY);
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let jitter = capped.mul_f64((random % 1000) as f64 / 10_000.0);
    capped + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let first = Duration::from_secs(1);
        let first_delay = backoff(first, 1);
        assert!(first_delay >= first && first_delay <= Duration::from_millis(1100));
        let third = backoff(first, 3);
        assert!(third >= Duration::from_secs(4) && third <= Duration::from_millis(4400));
        let capped = backoff(first, 20);
        assert!(capped >= MAX_RETRY_DELAY && capped <= Duration::from_secs(33));
    }
}
