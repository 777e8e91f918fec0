//! SQL of the sync engine: the job queue (leases, coalescing, backoff), the run log, and what
//! each integration last committed.
//!
//! Jobs are enqueued inside the transaction of the change they answer ([`enqueue_change_jobs!`]).
//! Claims take a lease; on PostgreSQL they skip rows other processes hold (`FOR UPDATE SKIP
//! LOCKED`) and every enqueue notifies the channel [`WAKE_CHANNEL`] at commit, so workers of
//! several processes share the queue and none waits for a poll.

use ferry_webhooks::event::Activity;

use super::{
    activity::record_activity, integrations::IntegrationStatus, Backend, Store, StoreError,
};

pub use super::enums::{RunOutcome, Trigger};

/// The PostgreSQL channel a worker listens on for new jobs.
pub const WAKE_CHANNEL: &str = "ferry_sync";

/// Queues (or coalesces into the queued job) work for every active integration of a collection;
/// run inside the transaction of the change.
macro_rules! enqueue_change_jobs {
    ($tx:expr, $team_id:expr, $collection_id:expr, $at_ms:expr) => {{
        sqlx::query(
            "INSERT INTO sync_jobs (integration_id, team_id, trigger, generation, first_change_at_ms, \
             last_change_at_ms, not_before_ms) \
             SELECT id, team_id, $4, 1, $3, $3, $3 FROM integrations \
             WHERE team_id = $1 AND collection_id = $2 AND status = $5 \
             ON CONFLICT (integration_id) DO UPDATE SET generation = sync_jobs.generation + 1, \
             last_change_at_ms = excluded.last_change_at_ms",
        )
        .bind($team_id)
        .bind($collection_id)
        .bind($at_ms)
        .bind($crate::store::sync::Trigger::Change)
        .bind($crate::store::integrations::IntegrationStatus::Active)
        .execute(&mut *$tx)
        .await?;
        $crate::store::sync::notify_workers!($tx);
    }};
}
pub(crate) use enqueue_change_jobs;

/// Queues a run of one integration that skips the debounce, inside the caller's transaction.
macro_rules! enqueue_job_now {
    ($tx:expr, $team_id:expr, $integration_id:expr, $trigger:expr, $at_ms:expr) => {{
        sqlx::query(
            "INSERT INTO sync_jobs (integration_id, team_id, trigger, generation, first_change_at_ms, \
             last_change_at_ms, not_before_ms, skip_debounce) \
             SELECT id, team_id, $3, 1, $4, $4, $4, 1 FROM integrations WHERE team_id = $1 AND id = $2 \
             ON CONFLICT (integration_id) DO UPDATE SET generation = sync_jobs.generation + 1, \
             trigger = excluded.trigger, last_change_at_ms = excluded.last_change_at_ms, \
             not_before_ms = excluded.not_before_ms, skip_debounce = 1, attempts = 0",
        )
        .bind($team_id)
        .bind($integration_id)
        .bind::<$crate::store::sync::Trigger>($trigger)
        .bind($at_ms)
        .execute(&mut *$tx)
        .await?;
        $crate::store::sync::notify_workers!($tx);
    }};
}
pub(crate) use enqueue_job_now;

/// On PostgreSQL, wakes every listening worker when the transaction commits; a no-op query on
/// SQLite, whose workers share the process with the writer.
macro_rules! notify_workers {
    ($tx:expr) => {{
        let tx: &mut _ = &mut *$tx;
        $crate::store::sync::WakeWorkers::wake_workers(tx).await?;
    }};
}
pub(crate) use notify_workers;

/// How a transaction wakes workers on each backend.
pub(crate) trait WakeWorkers {
    async fn wake_workers(&mut self) -> Result<(), sqlx::Error>;
}

impl WakeWorkers for sqlx::SqliteConnection {
    async fn wake_workers(&mut self) -> Result<(), sqlx::Error> {
        Ok(())
    }
}

impl WakeWorkers for sqlx::PgConnection {
    async fn wake_workers(&mut self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(WAKE_CHANNEL)
            .execute(self)
            .await?;
        Ok(())
    }
}

/// A job a worker holds the lease of.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedJob {
    pub integration_id: String,
    pub team_id: String,
    pub trigger: Trigger,
    pub generation: i64,
    pub first_change_at_ms: i64,
    pub attempts: i64,
}

/// When queued jobs become due.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub now_ms: i64,
    /// A job waits until no change came for this long…
    pub debounce_ms: i64,
    /// …or until its oldest pending change is this old.
    pub max_wait_ms: i64,
    /// How long a claim holds without a heartbeat.
    pub lease_ms: i64,
}

/// The queued job of an integration, for the list and the tests.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueuedJob {
    pub integration_id: String,
    pub trigger: Trigger,
    pub generation: i64,
    pub attempts: i64,
    pub not_before_ms: i64,
    pub locked_by: Option<String>,
}

/// One run of the log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunRow {
    pub id: String,
    pub integration_id: String,
    pub trigger: Trigger,
    pub started_at_ms: i64,
    pub finished_at_ms: i64,
    pub outcome: RunOutcome,
    pub commit_hash: Option<String>,
    pub error: Option<String>,
    pub will_retry: bool,
    pub attempts: i64,
    pub revision: Option<i64>,
    pub latency_ms: Option<i64>,
}

/// What a commit wrote for one integration.
#[derive(Debug, Clone, Copy)]
pub struct Committed<'a> {
    pub sha256: &'a str,
    pub revision: i64,
    pub branch_tip: &'a str,
}

/// A branch of a repository written through one connected account.
#[derive(Debug, Clone, Copy)]
pub struct BranchTarget<'a> {
    pub account_id: &'a str,
    pub workspace: &'a str,
    pub repository: &'a str,
    pub branch: &'a str,
}

/// What an integration last committed, and the branch tip it last saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct SyncState {
    pub committed_sha256: Option<String>,
    pub committed_revision: Option<i64>,
    pub branch_tip: Option<String>,
}

const JOB_COLUMNS: &str =
    "integration_id, team_id, trigger, generation, first_change_at_ms, attempts";

/// A `sync_runs r` row as [`RunRow`] reads it (`will_retry` is stored as an integer).
const RUN_COLUMNS: &str = "r.id, r.integration_id, r.trigger, r.started_at_ms, r.finished_at_ms, r.outcome, \
     r.commit_hash, r.error, (r.will_retry <> 0) AS will_retry, r.attempts, r.revision, r.latency_ms";

/// A free (never or no longer leased) job whose time has come.
const DUE: &str = "(j.locked_until_ms IS NULL OR j.locked_until_ms < $1) AND j.not_before_ms <= $1 \
     AND (j.skip_debounce = 1 OR j.last_change_at_ms + $2 <= $1 OR j.first_change_at_ms + $3 <= $1)";

/// Free jobs of active (`$5`) integrations writing to the same repository and branch with the
/// same account as integration `$4`: they go into the same commit, due or not yet.
const SAME_TARGET: &str =
    "(j.locked_until_ms IS NULL OR j.locked_until_ms < $1) AND j.not_before_ms <= $1 \
     AND i.status = $5 AND EXISTS (SELECT 1 FROM integrations o WHERE o.id = $4 \
     AND o.team_id = i.team_id AND o.account_id = i.account_id AND o.workspace = i.workspace \
     AND o.repository = i.repository AND o.branch = i.branch)";

impl Store {
    /// Queues a run of one integration that skips the debounce (added, edited, resumed, run by
    /// hand), coalescing with a queued job; backoff of an earlier failure is forgotten.
    pub async fn enqueue_now(
        &self,
        team_id: &str,
        integration_id: &str,
        trigger: Trigger,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            enqueue_job_now!(tx, team_id, integration_id, trigger, at_ms);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Takes the lease of the oldest due job and of every free job writing to the same
    /// repository and branch with the same account. Empty when nothing is due.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        timing: Timing,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        let until = timing.now_ms + timing.lease_ms;
        // SQLite takes its write lock at the first UPDATE, so one statement both picks and
        // leases; PostgreSQL skips what other transactions hold.
        let (lock_first, lock_rest) = match self.backend() {
            Backend::Sqlite => ("", ""),
            Backend::Postgres => (" FOR UPDATE SKIP LOCKED", " FOR UPDATE OF j SKIP LOCKED"),
        };
        let (first, rest) = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let first: Option<ClaimedJob> = sqlx::query_as(&format!(
                "UPDATE sync_jobs SET locked_by = $4, locked_until_ms = $5 WHERE integration_id = \
                 (SELECT j.integration_id FROM sync_jobs j WHERE {DUE} ORDER BY j.first_change_at_ms \
                  LIMIT 1{lock_first}) RETURNING {JOB_COLUMNS}"))
                .bind(timing.now_ms).bind(timing.debounce_ms).bind(timing.max_wait_ms).bind(worker).bind(until)
                .fetch_optional(&mut *tx).await?;
            let Some(first) = first else {
                return Ok(Vec::new());
            };
            let rest: Vec<ClaimedJob> = sqlx::query_as(&format!(
                "UPDATE sync_jobs SET locked_by = $2, locked_until_ms = $3 WHERE integration_id IN \
                 (SELECT j.integration_id FROM sync_jobs j JOIN integrations i ON i.id = j.integration_id \
                  WHERE {SAME_TARGET}{lock_rest}) RETURNING {JOB_COLUMNS}"))
                .bind(timing.now_ms).bind(worker).bind(until).bind(&first.integration_id)
                .bind(IntegrationStatus::Active)
                .fetch_all(&mut *tx).await?;
            tx.commit().await?;
            (first, rest)
        });
        let first_id = first.integration_id.clone();
        let mut jobs = vec![first];
        jobs.extend(
            rest.into_iter()
                .filter(|job| job.integration_id != first_id),
        );
        Ok(jobs)
    }

    /// Extends the worker's lease on a job; false when the lease was lost (it expired and
    /// another worker took the job).
    pub async fn extend_lease(
        &self,
        worker: &str,
        integration_id: &str,
        until_ms: i64,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query(
                "UPDATE sync_jobs SET locked_until_ms = $3 WHERE integration_id = $1 AND locked_by = $2")
                .bind(integration_id).bind(worker).bind(until_ms).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Ends a job the worker ran: gone when no change came since it was claimed; otherwise
    /// queued again for the newer changes (pending since `claimed_at_ms`).
    pub async fn finish_job(
        &self,
        worker: &str,
        job: &ClaimedJob,
        claimed_at_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let deleted = sqlx::query(
                "DELETE FROM sync_jobs WHERE integration_id = $1 AND locked_by = $2 AND generation = $3")
                .bind(&job.integration_id).bind(worker).bind(job.generation).execute(&mut *tx).await?;
            if deleted.rows_affected() == 0 {
                sqlx::query(
                    "UPDATE sync_jobs SET locked_by = NULL, locked_until_ms = NULL, trigger = $4, \
                     skip_debounce = 0, attempts = 0, first_change_at_ms = $3 \
                     WHERE integration_id = $1 AND locked_by = $2")
                    .bind(&job.integration_id).bind(worker).bind(claimed_at_ms).bind(Trigger::Change)
                    .execute(&mut *tx).await?;
                notify_workers!(tx);
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Releases a job that failed for a passing reason, to be retried after `not_before_ms`.
    pub async fn retry_job_later(
        &self,
        worker: &str,
        integration_id: &str,
        not_before_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE sync_jobs SET locked_by = NULL, locked_until_ms = NULL, trigger = $4, \
                 attempts = attempts + 1, not_before_ms = $3, skip_debounce = 1 \
                 WHERE integration_id = $1 AND locked_by = $2")
                .bind(integration_id).bind(worker).bind(not_before_ms).bind(Trigger::Retry)
                .execute(pool).await?;
            Ok(())
        })
    }

    /// Releases a job that did not fail but must wait (its account's hourly budget is spent):
    /// no attempt is counted, so waiting never turns into Failing.
    pub async fn postpone_job(
        &self,
        worker: &str,
        integration_id: &str,
        not_before_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE sync_jobs SET locked_by = NULL, locked_until_ms = NULL, not_before_ms = $3, skip_debounce = 1 \
                 WHERE integration_id = $1 AND locked_by = $2")
                .bind(integration_id).bind(worker).bind(not_before_ms).execute(pool).await?;
            Ok(())
        })
    }

    /// Drops a job whose integration cannot run until a person acts (or was paused).
    pub async fn drop_job(&self, team_id: &str, integration_id: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sync_jobs WHERE team_id = $1 AND integration_id = $2")
                .bind(team_id).bind(integration_id).execute(pool).await?;
            Ok(())
        })
    }

    pub async fn queued_job(
        &self,
        team_id: &str,
        integration_id: &str,
    ) -> Result<Option<QueuedJob>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT integration_id, trigger, generation, attempts, not_before_ms, locked_by FROM sync_jobs \
                 WHERE team_id = $1 AND integration_id = $2")
                .bind(team_id).bind(integration_id).fetch_optional(pool).await?)
        })
    }

    /// Jobs queued and jobs leased right now, for /metrics.
    pub async fn job_counts(&self, now_ms: i64) -> Result<(i64, i64), StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN locked_until_ms >= $1 THEN 1 ELSE 0 END), 0) FROM sync_jobs")
                .bind(now_ms).fetch_one(pool).await?)
        })
    }

    pub async fn insert_run(&self, team_id: &str, run: &RunRow) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sync_runs (id, team_id, integration_id, trigger, started_at_ms, finished_at_ms, outcome, \
                 commit_hash, error, will_retry, attempts, revision, latency_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                .bind(&run.id).bind(team_id).bind(&run.integration_id).bind(run.trigger)
                .bind(run.started_at_ms).bind(run.finished_at_ms).bind(run.outcome).bind(&run.commit_hash)
                .bind(&run.error).bind(i64::from(run.will_retry)).bind(run.attempts).bind(run.revision)
                .bind(run.latency_ms)
                .execute(pool).await?;
            Ok(())
        })
    }

    /// The integration's runs, newest first.
    pub async fn runs(
        &self,
        team_id: &str,
        integration_id: &str,
        limit: i64,
    ) -> Result<Vec<RunRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {RUN_COLUMNS} FROM sync_runs r WHERE r.team_id = $1 AND r.integration_id = $2 \
                 ORDER BY r.started_at_ms DESC, r.id DESC LIMIT $3"))
                .bind(team_id).bind(integration_id).bind(limit).fetch_all(pool).await?)
        })
    }

    /// The newest run of each of the team's integrations that has run, for the list's "last
    /// run" column: one index lookup per integration, however long the log grows.
    pub async fn latest_runs(&self, team_id: &str) -> Result<Vec<RunRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {RUN_COLUMNS} FROM integrations i \
                 JOIN sync_runs r ON r.id = (SELECT n.id FROM sync_runs n WHERE n.team_id = i.team_id \
                 AND n.integration_id = i.id ORDER BY n.started_at_ms DESC, n.id DESC LIMIT 1) \
                 WHERE i.team_id = $1"))
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    /// What the integration last committed and the branch tip it saw.
    pub async fn integration_sync_state(
        &self,
        team_id: &str,
        integration_id: &str,
    ) -> Result<Option<SyncState>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT committed_sha256, committed_revision, branch_tip FROM integrations WHERE team_id = $1 AND id = $2")
                .bind(team_id).bind(integration_id).fetch_optional(pool).await?)
        })
    }

    pub async fn record_commit(
        &self,
        team_id: &str,
        integration_id: &str,
        committed: Committed<'_>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE integrations SET committed_sha256 = $3, committed_revision = $4, branch_tip = $5 \
                 WHERE team_id = $1 AND id = $2")
                .bind(team_id).bind(integration_id).bind(committed.sha256).bind(committed.revision)
                .bind(committed.branch_tip)
                .execute(pool).await?;
            Ok(())
        })
    }

    /// After a commit on top of `commit.parent`, every other integration of the team writing
    /// to that branch through that account which last saw `parent` sees the new tip: the commit
    /// wrote only its own integrations' files, so their next commit goes on top of it instead
    /// of failing with a conflict and reading the branch again.
    pub async fn advance_branch_tip(
        &self,
        team_id: &str,
        target: &BranchTarget<'_>,
        parent: &str,
        tip: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE integrations SET branch_tip = $7 WHERE team_id = $1 AND account_id = $2 AND workspace = $3 \
                 AND repository = $4 AND branch = $5 AND branch_tip = $6")
                .bind(team_id).bind(target.account_id).bind(target.workspace).bind(target.repository)
                .bind(target.branch).bind(parent).bind(tip).execute(pool).await?;
            Ok(())
        })
    }

    /// Remembers the branch tip an integration saw (its file was already as it should be).
    pub async fn record_branch_tip(
        &self,
        team_id: &str,
        integration_id: &str,
        branch_tip: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE integrations SET branch_tip = $3 WHERE team_id = $1 AND id = $2")
                .bind(team_id).bind(integration_id).bind(branch_tip).execute(pool).await?;
            Ok(())
        })
    }

    /// Moves the integration to `status` (with its reason in words) unless a person paused it,
    /// recording `activity` with the change. True only when the status changed: the moment to
    /// alert.
    pub async fn set_integration_status(
        &self,
        team_id: &str,
        integration_id: &str,
        status: IntegrationStatus,
        reason: Option<&str>,
        activity: &Activity,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE integrations SET status = $3, status_reason = $4 \
                 WHERE team_id = $1 AND id = $2 AND status <> $5 AND status <> $3")
                .bind(team_id).bind(integration_id).bind(status).bind(reason)
                .bind(IntegrationStatus::Paused).execute(&mut *tx).await?;
            let changed = done.rows_affected() == 1;
            if changed {
                record_activity!(tx, team_id, activity);
            }
            tx.commit().await?;
            Ok(changed)
        })
    }

    /// A person's choice of status (run, pause, resume): applies whatever the status was.
    /// `recovered` is recorded when it takes a failing integration (or one needing
    /// re-authentication) back to active.
    pub async fn set_integration_status_by_person(
        &self,
        team_id: &str,
        integration_id: &str,
        status: IntegrationStatus,
        recovered: &Activity,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // Writes only, so that SQLite takes the write lock at the first statement (a read
            // first could not upgrade while a worker writes).
            let recovering = status == IntegrationStatus::Active
                && sqlx::query(
                    "UPDATE integrations SET status = $3, status_reason = NULL \
                     WHERE team_id = $1 AND id = $2 AND status IN ($4, $5)")
                    .bind(team_id).bind(integration_id).bind(status)
                    .bind(IntegrationStatus::Failing).bind(IntegrationStatus::NeedsReauth)
                    .execute(&mut *tx).await?.rows_affected() == 1;
            sqlx::query("UPDATE integrations SET status = $3, status_reason = NULL WHERE team_id = $1 AND id = $2")
                .bind(team_id).bind(integration_id).bind(status).execute(&mut *tx).await?;
            if recovering {
                record_activity!(tx, team_id, recovered);
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
