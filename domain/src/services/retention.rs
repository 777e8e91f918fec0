//! Retention: what Ferry forgets, and when.
//!
//! - **Revisions** older than [`Retention::revisions`] are thinned to the newest of each UTC
//!   day. A collection's newest revision is always kept (it is the current document), and so
//!   is the revision an integration last committed; numbers never change, so History keeps
//!   showing the same numbers, with gaps where revisions went.
//! - **Sign-in attempts** older than [`SIGN_IN_ATTEMPTS_KEPT`] go: the throttle looks back at
//!   most an hour.
//! - **Sync runs** older than [`Retention::runs`] go, except each integration's newest
//!   [`KEPT_RUNS`], which is what its Run log shows.
//!
//! A [`Pruner`] runs in every `ferry serve`. It works in pages of [`PAGE`] rows, each its own
//! short transaction, and its deletes are idempotent, so several processes on one database
//! may prune at the same time.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::{
    auth::{ACCOUNT_WINDOW, ADDRESS_WINDOW},
    store::{
        now_ms,
        retention::{RevisionCursor, DAY_MS},
        Store, StoreError,
    },
};

/// How long old rows are kept; `None` keeps them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Every revision is kept this long; older ones are thinned to one a day.
    pub revisions: Option<Duration>,
    /// Runs are kept this long; older ones go, except each integration's newest [`KEPT_RUNS`].
    pub runs: Option<Duration>,
}

pub const DEFAULT_REVISIONS_DAYS: u32 = 90;
pub const DEFAULT_RUNS_DAYS: u32 = 90;

impl Default for Retention {
    fn default() -> Self {
        Retention {
            revisions: Some(days(DEFAULT_REVISIONS_DAYS)),
            runs: Some(days(DEFAULT_RUNS_DAYS)),
        }
    }
}

/// `n` days as a duration.
pub const fn days(n: u32) -> Duration {
    Duration::from_secs(n as u64 * 24 * 60 * 60)
}

/// Sign-in attempts are kept a day: the throttle needs the last hour, the rest is for an
/// operator looking into yesterday's attack.
pub const SIGN_IN_ATTEMPTS_KEPT: Duration = Duration::from_secs(24 * 60 * 60);
const _: () = assert!(
    SIGN_IN_ATTEMPTS_KEPT.as_secs() >= ACCOUNT_WINDOW.as_secs()
        && SIGN_IN_ATTEMPTS_KEPT.as_secs() >= ADDRESS_WINDOW.as_secs()
);

/// The runs of each integration always kept, old or not: the Run log page shows the newest
/// 500, the API the newest 100.
pub const KEPT_RUNS: i64 = 500;

/// Rows looked at (revisions) or deleted (attempts, runs) per statement.
pub const PAGE: i64 = 500;

/// How often a `ferry serve` prunes, and how long after starting it first does.
pub const EVERY: Duration = Duration::from_secs(60 * 60);
const FIRST_AFTER: Duration = Duration::from_secs(60);

/// A pause between pages, so that on SQLite the writers waiting for the lock get it.
const BETWEEN_PAGES: Duration = Duration::from_millis(20);

/// What one pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub revisions: u64,
    pub freed_bytes: i64,
    pub sign_in_attempts: u64,
    pub runs: u64,
}

impl Pruned {
    pub fn is_empty(&self) -> bool {
        *self == Pruned::default()
    }
}

impl std::fmt::Display for Pruned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pruned {} old revisions ({} bytes), {} sign-in attempts and {} sync runs",
            self.revisions, self.freed_bytes, self.sign_in_attempts, self.runs
        )
    }
}

/// Prunes one database by the [`Retention`] rules.
pub struct Pruner {
    store: Store,
    retention: Retention,
    pause: Duration,
    /// The cutoff of this pruner's last complete revision pass: later passes start a day
    /// before it, because older revisions were thinned then and stay thinned (new revisions
    /// are never old). The first pass of a process walks all old revisions.
    revisions_done_before: Option<i64>,
}

impl Pruner {
    /// A pruner that does not pause between pages (tests, the operator command).
    pub fn new(store: Store, retention: Retention) -> Self {
        Pruner {
            store,
            retention,
            pause: Duration::ZERO,
            revisions_done_before: None,
        }
    }

    /// One pass over everything, as if it were `now_ms`.
    pub async fn prune(&mut self, now_ms: i64) -> Result<Pruned, StoreError> {
        let mut pruned = Pruned::default();
        if let Some(kept) = self.retention.revisions {
            let older_than = now_ms - millis(kept);
            let mut cursor = RevisionCursor::at(
                self.revisions_done_before
                    .map_or(i64::MIN, |done| done - DAY_MS),
            );
            loop {
                let page = self.store.thin_revisions(older_than, &cursor, PAGE).await?;
                pruned.revisions += page.deleted;
                pruned.freed_bytes += page.freed_bytes;
                let Some(next) = page.next else { break };
                cursor = next;
                self.breathe().await;
            }
            self.revisions_done_before = Some(older_than);
        }
        let attempts_before = now_ms - millis(SIGN_IN_ATTEMPTS_KEPT);
        loop {
            let deleted = self
                .store
                .delete_login_attempts(attempts_before, PAGE)
                .await?;
            pruned.sign_in_attempts += deleted;
            if deleted < PAGE as u64 {
                break;
            }
            self.breathe().await;
        }
        if let Some(kept) = self.retention.runs {
            pruned.runs = self.prune_runs(now_ms - millis(kept)).await?;
        }
        Ok(pruned)
    }

    async fn prune_runs(&self, older_than: i64) -> Result<u64, StoreError> {
        let mut deleted = 0;
        let mut after = String::new();
        loop {
            let integrations = self.store.integrations_page(&after, PAGE).await?;
            for (team_id, integration_id) in &integrations {
                loop {
                    let done = self
                        .store
                        .delete_old_runs(team_id, integration_id, older_than, KEPT_RUNS, PAGE)
                        .await?;
                    deleted += done;
                    if done < PAGE as u64 {
                        break;
                    }
                    self.breathe().await;
                }
            }
            match integrations.last() {
                Some((_, id)) if integrations.len() as i64 >= PAGE => after = id.clone(),
                _ => return Ok(deleted),
            }
        }
    }

    async fn breathe(&self) {
        if !self.pause.is_zero() {
            tokio::time::sleep(self.pause).await;
        }
    }

    /// Prunes [`FIRST_AFTER`] after start and then [`EVERY`] hour, logging what went; a
    /// failed pass is logged and tried again at the next.
    pub fn start(mut self) -> JoinHandle<()> {
        self.pause = BETWEEN_PAGES;
        tokio::spawn(async move {
            let mut ticks =
                tokio::time::interval_at(tokio::time::Instant::now() + FIRST_AFTER, EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match self.prune(now_ms()).await {
                    Ok(pruned) if pruned.is_empty() => {
                        tracing::debug!("pruning: nothing was old enough")
                    }
                    Ok(pruned) => tracing::info!(
                        revisions = pruned.revisions,
                        freed_bytes = pruned.freed_bytes,
                        sign_in_attempts = pruned.sign_in_attempts,
                        sync_runs = pruned.runs,
                        "{pruned}"
                    ),
                    Err(error) => tracing::warn!(%error, "pruning failed; trying again in an hour"),
                }
            }
        })
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
