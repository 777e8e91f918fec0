//! How idle sync workers learn that a job was queued without waiting for their next poll.
//!
//! This process's own enqueues wake them through [`WorkSignal::wake`]. On PostgreSQL every
//! enqueue, by any process, also notifies [`WAKE_CHANNEL`] at commit, and one listener per
//! engine relays those notices to its workers. SQLite has no other process to hear from.

use std::{convert::Infallible, sync::Arc, time::Duration};

use sqlx::postgres::{PgListener, PgPool};
use tokio::{sync::Notify, task::JoinHandle};

use super::{sync::WAKE_CHANNEL, Store};

/// Wakes the workers waiting on it; clones share the same waiters.
#[derive(Debug, Clone, Default)]
pub struct WorkSignal(Arc<Notify>);

impl WorkSignal {
    /// Wakes every worker waiting now.
    pub fn wake(&self) {
        self.0.notify_waiters();
    }

    /// Returns at the next wake-up, or after `timeout`: the poll finds work nobody announced
    /// (a job whose debounce or backoff ended, a lease that expired).
    pub async fn wait(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.0.notified()).await;
    }
}

impl Store {
    /// Starts relaying other processes' enqueues to `signal` until the returned task is
    /// aborted; `None` when the backend has nothing to relay (SQLite).
    pub fn relay_work_notices(&self, signal: &WorkSignal) -> Option<JoinHandle<()>> {
        match self {
            Store::Sqlite(_) => None,
            Store::Postgres(pool) => Some(tokio::spawn(listen(pool.clone(), signal.clone()))),
        }
    }
}

/// Listens for good: a lost connection is opened again a second later, and the workers poll
/// meanwhile.
async fn listen(pool: PgPool, signal: WorkSignal) {
    loop {
        let Err(error) = relay(&pool, &signal).await;
        tracing::warn!(%error, "sync wake-up listener lost its connection; polling until it is back");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn relay(pool: &PgPool, signal: &WorkSignal) -> Result<Infallible, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(WAKE_CHANNEL).await?;
    loop {
        listener.recv().await?;
        signal.wake();
    }
}
