//! A request budget per connected account, so that the engine stays under Bitbucket's limit of
//! 1,000 requests per hour however many integrations share the account — and however many
//! `ferry serve` processes share the database: the buckets live in the database, and each take
//! is a compare-and-swap. A token bucket: a burst may spend what accumulated, then calls are
//! paced at the hourly rate.

use std::time::Duration;

use crate::store::{Store, StoreError};

pub struct Budget {
    per_hour: f64,
    /// The most a quiet account can save up.
    burst: f64,
}

/// How often a take re-reads a bucket that another process changed under it.
const SWAP_ATTEMPTS: usize = 16;

impl Budget {
    pub fn new(per_hour: u32) -> Self {
        let per_hour = f64::from(per_hour.max(1));
        Budget {
            per_hour,
            burst: (per_hour / 10.0).max(1.0),
        }
    }

    /// Takes `calls` from the account's budget, or says how long until they are available
    /// (nothing is taken then).
    pub async fn take(
        &self,
        store: &Store,
        account_id: &str,
        calls: u32,
    ) -> Result<Result<(), Duration>, StoreError> {
        self.take_at(store, account_id, calls, crate::store::now_ms())
            .await
    }

    pub async fn take_at(
        &self,
        store: &Store,
        account_id: &str,
        calls: u32,
        now_ms: i64,
    ) -> Result<Result<(), Duration>, StoreError> {
        for _ in 0..SWAP_ATTEMPTS {
            let Some(row) = store.account_budget(account_id).await? else {
                store
                    .create_account_budget(account_id, self.burst, now_ms)
                    .await?;
                continue;
            };
            match self.decide((row.tokens, row.at_ms), calls, now_ms) {
                Ok((tokens, at_ms)) => {
                    if store
                        .swap_account_budget(account_id, row.version, tokens, at_ms)
                        .await?
                    {
                        return Ok(Ok(()));
                    }
                }
                Err(wait) => return Ok(Err(wait)),
            }
        }
        // Many processes spending on one account at once: let this one come back shortly.
        Ok(Err(Duration::from_millis(250)))
    }

    /// Charges `calls` already made (pages of a listing beyond the one taken for): the bucket
    /// may go below zero, and later takes wait until it has refilled, so the hour's total holds.
    pub async fn charge(
        &self,
        store: &Store,
        account_id: &str,
        calls: u32,
    ) -> Result<(), StoreError> {
        if calls == 0 {
            return Ok(());
        }
        let now_ms = crate::store::now_ms();
        for _ in 0..SWAP_ATTEMPTS {
            let Some(row) = store.account_budget(account_id).await? else {
                store
                    .create_account_budget(account_id, self.burst, now_ms)
                    .await?;
                continue;
            };
            let (tokens, at_ms) = self.charged((row.tokens, row.at_ms), calls, now_ms);
            if store
                .swap_account_budget(account_id, row.version, tokens, at_ms)
                .await?
            {
                return Ok(());
            }
        }
        tracing::warn!(
            account_id,
            calls,
            "an account's request budget changed under every charge attempt; calls not counted"
        );
        Ok(())
    }

    /// The bucket after `calls` that were made regardless of what it held.
    fn charged(&self, (tokens, at_ms): (f64, i64), calls: u32, now_ms: i64) -> (f64, i64) {
        let now_ms = now_ms.max(at_ms);
        let earned = (now_ms - at_ms) as f64 / 1000.0 * self.per_hour / 3600.0;
        ((tokens + earned).min(self.burst) - f64::from(calls), now_ms)
    }

    /// A take from a bucket holding `tokens` at `at_ms`: the bucket after it, or how long
    /// until there is enough. A clock behind the bucket's earns nothing and moves nothing back.
    fn decide(
        &self,
        (tokens, at_ms): (f64, i64),
        calls: u32,
        now_ms: i64,
    ) -> Result<(f64, i64), Duration> {
        let now_ms = now_ms.max(at_ms);
        let earned = (now_ms - at_ms) as f64 / 1000.0 * self.per_hour / 3600.0;
        let tokens = (tokens + earned).min(self.burst);
        let wanted = f64::from(calls);
        if tokens >= wanted {
            Ok((tokens - wanted, now_ms))
        } else {
            Err(Duration::from_secs_f64(
                (wanted - tokens) * 3600.0 / self.per_hour,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One bucket spent by a single caller, in memory.
    struct Bucket<'b> {
        budget: &'b Budget,
        state: (f64, i64),
    }

    impl Bucket<'_> {
        fn take(&mut self, calls: u32, now_ms: i64) -> Result<(), Duration> {
            self.state = self.budget.decide(self.state, calls, now_ms)?;
            Ok(())
        }
    }

    #[test]
    fn an_hour_never_spends_more_than_the_budget() {
        let budget = Budget::new(900);
        let mut bucket = Bucket {
            budget: &budget,
            state: (budget.burst, 0),
        };
        let mut spent = 0;
        // One attempt per second for an hour, three calls each.
        for second in 0..3600 {
            if bucket.take(3, second * 1000).is_ok() {
                spent += 3;
            }
        }
        assert!(spent <= 900 + 90, "{spent}");
        assert!(spent >= 800, "the budget is usable: {spent}");
    }

    #[test]
    fn refusals_say_when_and_take_nothing() {
        let budget = Budget::new(36);
        let mut bucket = Bucket {
            budget: &budget,
            state: (budget.burst, 0),
        };
        for _ in 0..3 {
            bucket.take(1, 0).unwrap();
        }
        let before = bucket.state;
        let wait = bucket.take(1, 0).unwrap_err();
        assert_eq!(bucket.state, before);
        // 3.6 saved, 3 spent: the missing 0.4 call takes 40 s at 36 an hour.
        assert!((39_900..=40_100).contains(&wait.as_millis()), "{wait:?}");
        bucket.take(1, wait.as_millis() as i64).unwrap();
    }

    #[test]
    fn charges_go_below_zero_and_later_takes_wait_for_them() {
        let budget = Budget::new(36);
        let charged = budget.charged((budget.burst, 0), 5, 0);
        assert_eq!(charged, (budget.burst - 5.0, 0));
        let mut bucket = Bucket {
            budget: &budget,
            state: charged,
        };
        // 3.6 saved, 5 charged: -1.4, so one call is 2.4 calls (240 s at 36 an hour) away.
        let wait = bucket.take(1, 0).unwrap_err();
        assert!((239_900..=240_100).contains(&wait.as_millis()), "{wait:?}");
    }

    #[test]
    fn a_clock_behind_the_bucket_earns_nothing() {
        let budget = Budget::new(36);
        let (tokens, at_ms) = budget.decide((1.0, 10_000), 1, 5_000).unwrap();
        assert_eq!((tokens, at_ms), (0.0, 10_000));
    }
}
