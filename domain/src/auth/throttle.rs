//! When the next sign-in attempt may be made, given the recent failed ones.
//!
//! The database records failed sign-ins (account, client address, time); this module
//! only decides. Check before verifying the password, and when it says wait, refuse
//! without verifying and without recording a failure: the wait must not reveal whether
//! the password was right, and refused attempts must not lengthen anyone's wait.
//!
//! # The rules
//!
//! - **Account**: after [`FREE_ACCOUNT_FAILURES`] failures within [`ACCOUNT_WINDOW`],
//!   each further attempt waits 1 s, 2 s, 4 s… after the account's latest failure,
//!   doubling per failure up to [`MAX_ACCOUNT_DELAY`] (15 minutes).
//! - **Address**: an address with [`MAX_ADDRESS_FAILURES`] failures (on any accounts)
//!   within [`ADDRESS_WINDOW`] waits until that window has passed since its latest
//!   failure. This is what stops one machine trying one password on many accounts.
//! - **Clean addresses**: an address with fewer than [`CLEAN_ADDRESS_FAILURES`] failures
//!   within [`ADDRESS_WINDOW`] never waits more than [`CLEAN_ADDRESS_MAX_DELAY`] (one
//!   minute) for the account rule.
//!
//! # Why an attacker cannot lock the real user out for long
//!
//! The account backoff is what an attacker would use to lock someone out, so it binds
//! fully only the addresses that keep failing. The real user, signing in from their own
//! address with at most two typos, waits at most one minute after the attacker's latest
//! failure, while an attacker's address soon waits minutes, up to 15, between tries
//! (about 20 tries an hour from one address).
//! To keep the race close the attacker would need a fresh address for every try, and
//! even then the user is never told to wait more than a minute.
//!
//! # At most 100 failures per hour on one account
//!
//! Whatever the addresses, an attempt on an account that had `k` failures in the past
//! hour waits at least `min(backoff(k), 1 minute)` after the latest of them. So in any
//! hour the first 11 failures can come within about a minute (0, 0, 0, 0, 0, 1, 2, 4,
//! 8, 16, 32 s apart), and every later one is at least 60 s after the one before: at
//! most 11 + 60 = 71 failures an hour, and 60 an hour during a sustained attack. The
//! test `sustained_attack_from_fresh_addresses_stays_under_100_an_hour` checks this.
//!
//! # Sign-ups
//!
//! Each sign-up hashes a password (argon2, 19 MiB and tens of milliseconds of CPU) and
//! creates an account and a team, so an address may make at most
//! [`MAX_SIGN_UPS_PER_ADDRESS`] sign-ups within [`SIGN_UP_WINDOW`] (20 an hour), counted
//! before the password is hashed. Twenty is far above what one person or a household
//! needs, and leaves room for a team onboarding together behind one office address, while
//! one machine can no longer create thousands of accounts, or keep two cores busy hashing,
//! from one address; it matches the 20 failures after which an address waits for sign-ins.
//!
//! Client addresses are the web layer's to define; an IPv6 client should be counted by
//! its /64, which one subscriber usually holds in full.

use std::time::Duration;

use super::error::AuthError;

pub const ACCOUNT_WINDOW: Duration = Duration::from_secs(60 * 60);
pub const FREE_ACCOUNT_FAILURES: u32 = 5;
pub const FIRST_ACCOUNT_DELAY: Duration = Duration::from_secs(1);
pub const MAX_ACCOUNT_DELAY: Duration = Duration::from_secs(15 * 60);

pub const ADDRESS_WINDOW: Duration = Duration::from_secs(15 * 60);
pub const MAX_ADDRESS_FAILURES: u32 = 20;

pub const SIGN_UP_WINDOW: Duration = Duration::from_secs(60 * 60);
pub const MAX_SIGN_UPS_PER_ADDRESS: u32 = 20;

pub const CLEAN_ADDRESS_FAILURES: u32 = 3;
pub const CLEAN_ADDRESS_MAX_DELAY: Duration = Duration::from_secs(60);

/// The failed sign-ins within one window: on an account within [`ACCOUNT_WINDOW`], or
/// from a client address within [`ADDRESS_WINDOW`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecentFailures {
    pub count: u32,
    /// How long ago the latest of them was; ignored when `count` is 0.
    pub since_latest: Duration,
}

impl RecentFailures {
    pub const NONE: RecentFailures = RecentFailures {
        count: 0,
        since_latest: Duration::ZERO,
    };
}

/// How long until this address may try to sign in to this account, or `None` if now.
pub fn login_delay(account: RecentFailures, address: RecentFailures) -> Option<Duration> {
    let mut account_gap = account_backoff(account.count);
    if address.count < CLEAN_ADDRESS_FAILURES {
        account_gap = account_gap.min(CLEAN_ADDRESS_MAX_DELAY);
    }
    let account_wait = account_gap.saturating_sub(account.since_latest);
    let address_wait = if address.count >= MAX_ADDRESS_FAILURES {
        ADDRESS_WINDOW.saturating_sub(address.since_latest)
    } else {
        Duration::ZERO
    };
    Some(account_wait.max(address_wait)).filter(|wait| !wait.is_zero())
}

/// [`login_delay`] as a result, its error carrying the message to show.
pub fn check_login(account: RecentFailures, address: RecentFailures) -> Result<(), AuthError> {
    match login_delay(account, address) {
        Some(wait) => Err(AuthError::TooManyAttempts { wait }),
        None => Ok(()),
    }
}

/// How long until an address with `count` sign-ups within [`SIGN_UP_WINDOW`], the oldest
/// of them `since_oldest` ago, may sign up again, or `None` if now.
pub fn sign_up_delay(count: u32, since_oldest: Duration) -> Option<Duration> {
    (count >= MAX_SIGN_UPS_PER_ADDRESS)
        .then(|| SIGN_UP_WINDOW.saturating_sub(since_oldest))
        .filter(|wait| !wait.is_zero())
}

/// [`sign_up_delay`] as a result, its error carrying the message to show.
pub fn check_sign_up(count: u32, since_oldest: Duration) -> Result<(), AuthError> {
    match sign_up_delay(count, since_oldest) {
        Some(wait) => Err(AuthError::TooManySignUps { wait }),
        None => Ok(()),
    }
}

/// The gap the account rule requires after the account's latest failure.
fn account_backoff(failures: u32) -> Duration {
    let Some(doublings) = failures.checked_sub(FREE_ACCOUNT_FAILURES) else {
        return Duration::ZERO;
    };
    // 2^10 s already exceeds the cap; clamping the exponent keeps the shift in range.
    (FIRST_ACCOUNT_DELAY * (1 << doublings.min(10))).min(MAX_ACCOUNT_DELAY)
}

/// "Too many attempts. Try again in N seconds.", N rounded up so that trying again
/// after N seconds always works.
pub fn retry_message(wait: Duration) -> String {
    let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let unit = if seconds == 1 { "second" } else { "seconds" };
    format!("Too many attempts. Try again in {seconds} {unit}.")
}

/// "Sign-up: … Try again in N minutes.", N rounded up.
pub fn sign_up_retry_message(wait: Duration) -> String {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!(
        "Sign-up: too many accounts were created from your network address in the last hour. \
         Try again in {minutes} {unit}, or ask a team admin for an invite link."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn secs(seconds: u64) -> Duration {
        Duration::from_secs(seconds)
    }

    fn failures(count: u32, since_latest: Duration) -> RecentFailures {
        RecentFailures {
            count,
            since_latest,
        }
    }

    /// An address that has failed often enough to get the account backoff in full.
    const DIRTY: RecentFailures = RecentFailures {
        count: CLEAN_ADDRESS_FAILURES,
        since_latest: secs(0),
    };

    #[test]
    fn first_five_failures_cost_nothing() {
        for count in 0..FREE_ACCOUNT_FAILURES {
            assert_eq!(
                login_delay(failures(count, secs(0)), DIRTY),
                None,
                "{count}"
            );
        }
    }

    #[test]
    fn account_backoff_doubles_from_one_second_to_fifteen_minutes() {
        let schedule: Vec<_> = (5..=17)
            .map(|count| {
                login_delay(failures(count, secs(0)), DIRTY)
                    .unwrap()
                    .as_secs()
            })
            .collect();
        assert_eq!(
            schedule,
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
        );
        assert_eq!(
            login_delay(failures(u32::MAX, secs(0)), DIRTY),
            Some(MAX_ACCOUNT_DELAY)
        );
    }

    #[test]
    fn the_wait_runs_from_the_latest_failure() {
        assert_eq!(login_delay(failures(9, secs(10)), DIRTY), Some(secs(6)));
        assert_eq!(login_delay(failures(9, secs(16)), DIRTY), None);
        assert_eq!(login_delay(failures(9, secs(3_600)), DIRTY), None);
    }

    #[test]
    fn a_clean_address_waits_at_most_a_minute_during_an_attack() {
        let attacked = failures(40, secs(10));
        assert_eq!(login_delay(attacked, RecentFailures::NONE), Some(secs(50)));
        let two_typos = failures(CLEAN_ADDRESS_FAILURES - 1, secs(5));
        assert_eq!(login_delay(attacked, two_typos), Some(secs(50)));
        assert_eq!(login_delay(attacked, DIRTY), Some(secs(890)));
        assert_eq!(
            login_delay(failures(40, secs(60)), RecentFailures::NONE),
            None
        );
    }

    #[test]
    fn an_address_with_twenty_failures_waits_out_fifteen_minutes() {
        let clean_account = RecentFailures::NONE;
        assert_eq!(login_delay(clean_account, failures(19, secs(0))), None);
        assert_eq!(
            login_delay(clean_account, failures(20, secs(0))),
            Some(ADDRESS_WINDOW)
        );
        assert_eq!(
            login_delay(clean_account, failures(20, secs(600))),
            Some(secs(300))
        );
        assert_eq!(login_delay(clean_account, failures(25, secs(900))), None);
    }

    #[test]
    fn the_longer_of_the_two_waits_applies() {
        let address = failures(MAX_ADDRESS_FAILURES, secs(800));
        assert_eq!(login_delay(failures(16, secs(0)), address), Some(secs(900)));
        assert_eq!(login_delay(failures(5, secs(0)), address), Some(secs(100)));
    }

    /// Attacks one account for `hours`, always at the first moment allowed, from a fresh
    /// address each time or from `one_address`; returns when each failure happened.
    fn attack(hours: u64, one_address: bool) -> Vec<Duration> {
        let end = ACCOUNT_WINDOW * hours as u32;
        let mut now = Duration::ZERO;
        let mut failed_at: Vec<Duration> = Vec::new();
        let recent = |now: Duration, window: Duration, times: &[Duration]| {
            let within: Vec<_> = times.iter().filter(|at| now - **at < window).collect();
            RecentFailures {
                count: within.len() as u32,
                since_latest: within.last().map_or(Duration::ZERO, |at| now - **at),
            }
        };
        while now < end {
            let account = recent(now, ACCOUNT_WINDOW, &failed_at);
            let address = if one_address {
                recent(now, ADDRESS_WINDOW, &failed_at)
            } else {
                RecentFailures::NONE
            };
            match login_delay(account, address) {
                Some(wait) => now += wait,
                None => failed_at.push(now),
            }
        }
        failed_at
    }

    fn most_in_any_hour(failed_at: &[Duration]) -> usize {
        failed_at
            .iter()
            .map(|start| {
                failed_at
                    .iter()
                    .filter(|at| **at >= *start && **at - *start < ACCOUNT_WINDOW)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn sustained_attack_from_fresh_addresses_stays_under_100_an_hour() {
        let failed_at = attack(4, false);
        let most = most_in_any_hour(&failed_at);
        assert!(most <= 71, "{most}");
    }

    #[test]
    fn attack_from_one_address_gets_about_twenty_tries_an_hour() {
        let failed_at = attack(4, true);
        // Only by waiting out the backoff does the address become clean again, and then
        // it has three quick tries before the backoff binds it again.
        let most = most_in_any_hour(&failed_at);
        assert!(most <= 25, "{most}");
    }

    #[test]
    fn message_says_when_to_try_again_rounded_up() {
        assert_eq!(
            retry_message(secs(50)),
            "Too many attempts. Try again in 50 seconds."
        );
        assert_eq!(
            retry_message(Duration::from_millis(1_200)),
            "Too many attempts. Try again in 2 seconds."
        );
        assert_eq!(
            retry_message(Duration::from_millis(300)),
            "Too many attempts. Try again in 1 second."
        );
    }

    #[test]
    fn an_address_signs_up_twenty_times_an_hour() {
        for count in 0..MAX_SIGN_UPS_PER_ADDRESS {
            assert_eq!(sign_up_delay(count, secs(0)), None, "{count}");
        }
        assert_eq!(
            sign_up_delay(MAX_SIGN_UPS_PER_ADDRESS, secs(600)),
            Some(secs(3_000))
        );
        assert_eq!(
            sign_up_delay(MAX_SIGN_UPS_PER_ADDRESS, SIGN_UP_WINDOW),
            None,
            "the oldest has left the window"
        );
        let refused = check_sign_up(MAX_SIGN_UPS_PER_ADDRESS, secs(3_599))
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with("Sign-up: too many accounts")
                && refused.contains("Try again in 1 minute,"),
            "{refused}"
        );
        assert!(sign_up_retry_message(secs(3_000)).contains("in 50 minutes"));
    }

    #[test]
    fn check_login_carries_the_message() {
        assert_eq!(check_login(failures(4, secs(0)), DIRTY), Ok(()));
        let refused = check_login(failures(6, secs(0)), DIRTY).unwrap_err();
        assert_eq!(refused, AuthError::TooManyAttempts { wait: secs(2) });
        assert_eq!(
            refused.to_string(),
            "Too many attempts. Try again in 2 seconds."
        );
    }
}
