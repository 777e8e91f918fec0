//! How the sync engine paces itself.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// A burst of edits becomes one commit once no edit came for this long
    /// (`FERRY_SYNC_DEBOUNCE_MS`, default 2 s)…
    pub debounce: Duration,
    /// …or once its oldest edit is this old, so constant editing still commits (default 30 s).
    pub max_wait: Duration,
    /// How long a claimed job stays claimed without a heartbeat: the time until a job whose
    /// worker died is picked up again.
    pub lease: Duration,
    /// Concurrent workers in this process.
    pub workers: usize,
    /// How often an idle worker looks for jobs that became due (debounce ends, backoff ends)
    /// when no wake-up came.
    pub poll: Duration,
    /// The first retry waits about this long; each further retry twice as long, up to
    /// `retry_max`, with jitter.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// After this many failed attempts in a row the integration is marked failing and stops
    /// retrying until a person acts.
    pub max_attempts: i64,
    /// Bitbucket calls one account may make per hour (Bitbucket allows 1,000).
    pub calls_per_account_hour: u32,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            debounce: Duration::from_secs(2),
            max_wait: Duration::from_secs(30),
            lease: Duration::from_secs(30),
            workers: 4,
            poll: Duration::from_millis(200),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(300),
            max_attempts: 20,
            calls_per_account_hour: 900,
        }
    }
}
