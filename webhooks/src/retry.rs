//! When to try a failed delivery again: quickly at first (a receiver restarting), then ever
//! more patiently, for about a day in all — the schedule Svix and Stripe made familiar. Each
//! wait is jittered by ±20 % so deliveries that failed together do not return together, and a
//! receiver's `Retry-After` is honoured when it asks for longer.

use std::time::Duration;

use rand::Rng;

/// The wait after the 1st, 2nd, … failed attempt.
const WAITS_S: [u64; 7] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];

/// Attempts in all (the first and its retries): about 27 hours from first to last.
pub const MAX_ATTEMPTS: u32 = WAITS_S.len() as u32 + 1;

/// A receiver's `Retry-After` longer than this is capped: a day is the whole schedule.
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 3600);

/// The wait before the next attempt after `attempts` failed ones, or `None` when the
/// delivery has had all of its attempts.
pub fn next_attempt(attempts: u32, retry_after: Option<Duration>) -> Option<Duration> {
    let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
    let base = Duration::from_secs(*WAITS_S.get(index)?);
    let jittered = base.mul_f64(rand::rng().random_range(0.8..1.2));
    Some(match retry_after {
        Some(asked) => jittered.max(asked.min(LONGEST_WAIT)),
        None => jittered,
    })
}

/// Reads `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = when - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_spans_about_a_day_then_stops() {
        let mut total = Duration::ZERO;
        for attempts in 1..MAX_ATTEMPTS {
            let wait = next_attempt(attempts, None).unwrap();
            let base = Duration::from_secs(WAITS_S[attempts as usize - 1]);
            assert!(
                wait >= base.mul_f64(0.8) && wait <= base.mul_f64(1.2),
                "{attempts}: {wait:?}"
            );
            total += base;
        }
        assert!(
            total > Duration::from_secs(20 * 3600) && total < Duration::from_secs(30 * 3600),
            "{total:?}"
        );
        assert_eq!(next_attempt(MAX_ATTEMPTS, None), None);
        assert_eq!(next_attempt(0, None), None);
    }

    #[test]
    fn retry_after_is_honoured_when_longer_and_capped_at_a_day() {
        let asked = Duration::from_secs(120);
        assert_eq!(next_attempt(1, Some(asked)), Some(asked));
        assert!(next_attempt(3, Some(asked)).unwrap() > asked);
        assert_eq!(
            next_attempt(1, Some(Duration::from_secs(9_999_999))),
            Some(LONGEST_WAIT)
        );
        assert_eq!(parse_retry_after("30"), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 +0000"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
