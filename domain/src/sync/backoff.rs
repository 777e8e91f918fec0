//! Exponential backoff with full jitter: retries of many integrations failing at once spread
//! out instead of returning together (no retry storm).

use std::time::Duration;

use rand::Rng;

/// How long to wait before retry number `attempt` (1 = the first retry).
pub fn delay(attempt: i64, base: Duration, max: Duration) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let ceiling = base.saturating_mul(2u32.saturating_pow(exponent)).min(max);
    // Half fixed, half random: never immediately, never all at the same moment.
    let half = ceiling / 2;
    half + rand::rng().random_range(Duration::ZERO..=half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_bounds() {
        let base = Duration::from_secs(2);
        let max = Duration::from_secs(300);
        for attempt in 1..=30 {
            let ceiling = (base * 2u32.pow((attempt as u32 - 1).min(20))).min(max);
            for _ in 0..50 {
                let wait = delay(attempt, base, max);
                assert!(
                    wait >= ceiling / 2 && wait <= ceiling,
                    "attempt {attempt}: {wait:?}"
                );
            }
        }
    }

    #[test]
    fn spreads_retries_out() {
        let waits: std::collections::HashSet<_> = (0..100)
            .map(|_| delay(5, Duration::from_secs(2), Duration::from_secs(300)))
            .collect();
        assert!(waits.len() > 50, "jittered: {}", waits.len());
    }
}
