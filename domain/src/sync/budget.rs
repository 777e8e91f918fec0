//! A request budget per connected account, so that the engine stays under Bitbucket's limit of
//! 1,000 requests per hour however many integrations share the account. A token bucket: a
//! burst may spend what accumulated, then calls are paced at the hourly rate.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

pub struct Budget {
    per_hour: f64,
    /// The most a quiet account can save up.
    burst: f64,
    accounts: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Budget {
    pub fn new(per_hour: u32) -> Self {
        let per_hour = f64::from(per_hour.max(1));
        Budget { per_hour, burst: (per_hour / 10.0).max(1.0), accounts: Mutex::default() }
    }

    /// Takes `calls` from the account's budget, or says how long until they are available
    /// (nothing is taken then).
    pub fn take(&self, account_id: &str, calls: u32) -> Result<(), Duration> {
        self.take_at(account_id, calls, Instant::now())
    }

    fn take_at(&self, account_id: &str, calls: u32, now: Instant) -> Result<(), Duration> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = accounts.entry(account_id.to_owned()).or_insert(Bucket { tokens: self.burst, at: now });
        let earned = now.saturating_duration_since(bucket.at).as_secs_f64() * self.per_hour / 3600.0;
        bucket.tokens = (bucket.tokens + earned).min(self.burst);
        bucket.at = now;
        let wanted = f64::from(calls);
        if bucket.tokens >= wanted {
            bucket.tokens -= wanted;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((wanted - bucket.tokens) * 3600.0 / self.per_hour))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_never_spends_more_than_the_budget() {
        let budget = Budget::new(900);
        let start = Instant::now();
        let mut spent = 0;
        // One attempt per second for an hour, three calls each.
        for second in 0..3600 {
            if budget.take_at("a", 3, start + Duration::from_secs(second)).is_ok() {
                spent += 3;
            }
        }
        assert!(spent <= 900 + 90, "{spent}");
        assert!(spent >= 800, "the budget is usable: {spent}");
    }

    #[test]
    fn accounts_have_their_own_budgets_and_refusals_say_when() {
        let budget = Budget::new(36);
        let now = Instant::now();
        for _ in 0..3 {
            budget.take_at("a", 1, now).unwrap();
        }
        let wait = budget.take_at("a", 1, now).unwrap_err();
        // 3.6 saved, 3 spent: the missing 0.4 call takes 40 s at 36 an hour.
        assert!((39_900..=40_100).contains(&wait.as_millis()), "{wait:?}");
        budget.take_at("b", 1, now).unwrap();
        budget.take_at("a", 1, now + wait).unwrap();
    }
}
