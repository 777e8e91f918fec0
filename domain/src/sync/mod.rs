//! The sync engine: every change of a collection committed to the repositories of its
//! integrations — coalesced, once, and never lost.
//!
//! Jobs live in the database (`sync_jobs`, written in the transaction of each change; see
//! [`crate::store::sync`]). Workers run in every server process: a worker claims the oldest due
//! job with a lease, together with every job writing to the same repository and branch through
//! the same account, and makes one delivery for all of them ([`run`]) through a
//! [`Destination`] (today [`BitbucketDestination`]: one commit). A lease that is not renewed
//! expires, so a job whose worker died is picked up again. Passing failures are retried with
//! jittered backoff within a per-account request budget; failures a person must fix stop the
//! integration with its reason in words and an audit entry.

mod backoff;
pub mod budget;
mod config;
pub mod destination;
mod message;
pub(crate) mod metrics;
mod run;

use std::{sync::Arc, time::Duration};

use tokio::task::JoinHandle;

pub use config::SyncConfig;
pub use destination::{
    bitbucket::{AccountCredentials, BitbucketDestination, CredentialStore},
    Destination,
};
pub use message::{collection_message, combined_message};
pub use metrics::{CallCount, QueueGauge, SyncMetrics};

use crate::store::{now_ms, sync::Timing, Store, WorkSignal};

/// The engine as the server runs it: Bitbucket Cloud through the team's connected accounts.
pub type BitbucketSync = SyncEngine<BitbucketDestination<AccountCredentials>>;

pub struct SyncEngine<D: Destination> {
    inner: Arc<Inner<D>>,
}

impl<D: Destination> Clone for SyncEngine<D> {
    fn clone(&self) -> Self {
        SyncEngine {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<D> {
    store: Store,
    destination: D,
    config: SyncConfig,
    metrics: SyncMetrics,
    budget: budget::Budget,
    wake: WorkSignal,
    process: String,
}

/// The running workers; dropping it does not stop them, [`Workers::shutdown`] does.
pub struct Workers {
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Stops claiming new jobs at once. A job in the middle of its run is abandoned; its lease
    /// expires and another worker runs it again (commits are idempotent by content).
    pub fn shutdown(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

impl<D: Destination> SyncEngine<D> {
    pub fn new(store: Store, destination: D, config: SyncConfig) -> Self {
        let budget = budget::Budget::new(config.calls_per_account_hour);
        let process = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        SyncEngine {
            inner: Arc::new(Inner {
                store,
                destination,
                config,
                metrics: SyncMetrics::default(),
                budget,
                wake: WorkSignal::default(),
                process,
            }),
        }
    }

    /// Takes `calls` from the account's hourly request budget for provider calls made outside
    /// a sync run (the Configure page's lists), or says how long until they are available.
    pub async fn take_budget(
        &self,
        account_id: &str,
        calls: u32,
    ) -> Result<Result<(), Duration>, crate::StoreError> {
        self.inner
            .budget
            .take(&self.inner.store, account_id, calls)
            .await
    }

    /// Charges calls already made beyond those taken (the further pages of a listing).
    pub async fn charge_budget(
        &self,
        account_id: &str,
        calls: u32,
    ) -> Result<(), crate::StoreError> {
        self.inner
            .budget
            .charge(&self.inner.store, account_id, calls)
            .await
    }

    pub fn metrics(&self) -> &SyncMetrics {
        &self.inner.metrics
    }

    /// Where this engine delivers (its client, credentials and calls).
    pub fn destination(&self) -> &D {
        &self.inner.destination
    }

    /// Tells idle workers of this process to look for work now (a manual run, a resume).
    pub fn wake(&self) {
        self.inner.wake.wake();
    }

    /// The metrics text for `/metrics`. Everything but the queue gauge is counted in memory;
    /// the queue is counted in the database at most once per [`metrics::QUEUE_GAUGE_MAX_AGE`],
    /// so scrapes cannot load the database.
    pub async fn render_metrics(&self) -> Result<String, crate::StoreError> {
        let queue = self
            .inner
            .metrics
            .queue_gauge(metrics::QUEUE_GAUGE_MAX_AGE, || {
                self.inner.store.job_counts(now_ms())
            })
            .await?;
        Ok(self.inner.metrics.render(
            &queue,
            self.inner.destination.name(),
            &self.inner.destination.calls(),
        ))
    }

    /// Starts the workers (and, where the store hears of other processes' jobs, the relay
    /// that wakes them).
    pub fn start(&self) -> Workers {
        let mut tasks = Vec::new();
        tasks.extend(self.inner.store.relay_work_notices(&self.inner.wake));
        for n in 0..self.inner.config.workers.max(1) {
            let inner = self.inner.clone();
            let name = format!("{}-{n}", inner.process);
            tasks.push(tokio::spawn(async move { work(inner, name).await }));
        }
        Workers { tasks }
    }

    /// Runs every job that is due now, in this task, and returns how many groups ran: for tests
    /// and benchmarks that want no background workers.
    pub async fn run_due(&self) -> Result<usize, crate::StoreError> {
        let name = format!("{}-inline", self.inner.process);
        let mut groups = 0;
        while run_one_group(&self.inner, &name).await? {
            groups += 1;
        }
        Ok(groups)
    }
}

/// One worker: claim, run, repeat; when idle, wait for a wake-up or the poll interval.
async fn work<D: Destination>(inner: Arc<Inner<D>>, name: String) {
    loop {
        match run_one_group(&inner, &name).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(worker = %name, %error, "sync worker cannot reach the database; retrying")
            }
        }
        inner.wake.wait(inner.config.poll).await;
    }
}

/// Claims the next due group and runs it; false when nothing was due.
async fn run_one_group<D: Destination>(
    inner: &Arc<Inner<D>>,
    worker: &str,
) -> Result<bool, crate::StoreError> {
    let claimed_at = now_ms();
    let jobs = inner
        .store
        .claim_jobs(worker, timing(&inner.config, claimed_at))
        .await?;
    if jobs.is_empty() {
        return Ok(false);
    }
    let heartbeat = tokio::spawn(heartbeat(
        inner.clone(),
        worker.to_owned(),
        jobs.iter().map(|job| job.integration_id.clone()).collect(),
    ));
    run::run_jobs(inner, worker, jobs, claimed_at).await;
    heartbeat.abort();
    Ok(true)
}

fn timing(config: &SyncConfig, now_ms: i64) -> Timing {
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    Timing {
        now_ms,
        debounce_ms: ms(config.debounce),
        max_wait_ms: ms(config.max_wait),
        lease_ms: ms(config.lease),
    }
}

/// Renews the leases of a running group every third of the lease.
async fn heartbeat<D: Destination>(inner: Arc<Inner<D>>, worker: String, ids: Vec<String>) {
    let every = inner.config.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        let until = now_ms() + i64::try_from(inner.config.lease.as_millis()).unwrap_or(i64::MAX);
        for id in &ids {
            if let Err(error) = inner.store.extend_lease(&worker, id, until).await {
                tracing::warn!(%worker, %error, "cannot renew a sync lease");
            }
        }
    }
}
