//! Every request Ferry makes to Bitbucket, counted by HTTP method and answer, so operators
//! can see how many calls the rate limit is spending and how many fail.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// One row of the tally: `status` is `None` when no answer came (unreachable, timed out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCallCount {
    pub method: String,
    pub status: Option<u16>,
    pub count: u64,
}

#[derive(Debug, Default)]
pub struct ProviderCalls {
    counts: Mutex<BTreeMap<(String, Option<u16>), u64>>,
}

impl ProviderCalls {
    pub(crate) fn record(&self, method: &str, status: Option<u16>) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *counts.entry((method.to_owned(), status)).or_default() += 1;
    }

    /// The counts so far, ordered by method then status.
    pub fn snapshot(&self) -> Vec<ProviderCallCount> {
        let counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counts
            .iter()
            .map(|((method, status), count)| ProviderCallCount {
                method: method.clone(),
                status: *status,
                count: *count,
            })
            .collect()
    }

    pub fn total(&self) -> u64 {
        self.snapshot().iter().map(|row| row.count).sum()
    }
}
