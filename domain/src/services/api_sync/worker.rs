//! The background half of API sync, in every server process: connections whose check is due
//! (a webhook delivery asked for one, the poll interval passed, or a change made in Ferry
//! waits to be pushed automatically) are claimed with a lease, their branch tip read (one
//! call), a moved branch pulled, and with automatic pushing on, local changes pushed.

use std::{sync::Arc, time::Duration};

use tokio::task::JoinHandle;

use super::{push::commit_author, ApiSync, ApiSyncError};
use crate::{
    collections::Quotas,
    crypto::Keyring,
    store::{
        accounts::NewAudit,
        api_sync::{ConnectionRow, NewLog},
        now_ms, Store, StoreError, WorkSignal,
    },
    sync::{BitbucketDestination, CredentialStore, SyncEngine},
};

/// A connection whose webhook is registered hears of pushes at once; its poll is only the net
/// under a lost delivery, so it runs this many times less often (every 10 minutes by default),
/// and 1,000 such APIs cost 6,000 calls an hour instead of 60,000.
pub const WEBHOOK_POLL_FACTOR: u32 = 10;
/// A check abandoned by a dead process is taken over after this.
const LEASE: Duration = Duration::from_secs(120);
/// How often an idle worker looks for due checks it was not woken for.
const TICK: Duration = Duration::from_secs(1);
const CLAIM_BATCH: i64 = 16;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How often a connection's branch tip is read without a webhook.
    pub poll: Duration,
    pub quotas: Quotas,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            poll: super::DEFAULT_POLL_INTERVAL,
            quotas: Quotas::default(),
        }
    }
}

/// Runs due checks; cheap to clone.
pub struct ApiSyncWorker<C: CredentialStore> {
    inner: Arc<Inner<C>>,
}

impl<C: CredentialStore> Clone for ApiSyncWorker<C> {
    fn clone(&self) -> Self {
        ApiSyncWorker {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<C: CredentialStore> {
    store: Store,
    keyring: Keyring,
    engine: SyncEngine<BitbucketDestination<C>>,
    config: WorkerConfig,
    wake: WorkSignal,
    name: String,
}

impl<C: CredentialStore> ApiSyncWorker<C> {
    pub fn new(
        store: Store,
        keyring: Keyring,
        engine: SyncEngine<BitbucketDestination<C>>,
        config: WorkerConfig,
    ) -> Self {
        let name = format!(
            "api-sync-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        );
        ApiSyncWorker {
            inner: Arc::new(Inner {
                store,
                keyring,
                engine,
                config,
                wake: WorkSignal::default(),
                name,
            }),
        }
    }

    /// Tells the worker a check was queued (a webhook delivery) so it runs at once.
    pub fn wake(&self) {
        self.inner.wake.wake();
    }

    pub fn config(&self) -> &WorkerConfig {
        &self.inner.config
    }

    pub fn start(&self) -> JoinHandle<()> {
        let worker = self.clone();
        tokio::spawn(async move {
            loop {
                match worker.run_due().await {
                    Ok(0) => worker.inner.wake.wait(TICK).await,
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "API sync worker cannot reach the database; retrying");
                        worker.inner.wake.wait(TICK).await;
                    }
                }
            }
        })
    }

    /// Runs every check due now, in this task; answers how many ran.
    pub async fn run_due(&self) -> Result<usize, StoreError> {
        let inner = &self.inner;
        let lease = i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX);
        let claimed = inner
            .store
            .claim_api_checks(&inner.name, lease, CLAIM_BATCH)
            .await?;
        let count = claimed.len();
        for connection in claimed {
            self.check(&connection).await;
            let poll = if connection.hook_uuid.is_some() {
                inner.config.poll * WEBHOOK_POLL_FACTOR
            } else {
                inner.config.poll
            };
            let next = now_ms() + i64::try_from(poll.as_millis()).unwrap_or(i64::MAX);
            inner
                .store
                .finish_api_check(
                    &connection.team_id,
                    &connection.api_id,
                    &inner.name,
                    connection.check_due_at_ms,
                    next,
                )
                .await?;
        }
        Ok(count)
    }

    fn sync(&self) -> ApiSync<'_, C> {
        let inner = &self.inner;
        ApiSync::new(&inner.store, &inner.keyring, &inner.engine).with_quotas(inner.config.quotas)
    }

    /// One check: pull when the branch moved, push when automatic pushing is on. A failure
    /// a person must fix marks the connection; a passing one waits for the next check.
    async fn check(&self, connection: &ConnectionRow) {
        let sync = self.sync();
        let mut result = sync
            .pull_connection(connection, connection.read_tags)
            .await
            .map(|_| ());
        if result.is_ok() && connection.auto_push {
            result = self.auto_push(&sync, connection).await;
        }
        let store = &self.inner.store;
        let (team, api) = (&connection.team_id, &connection.api_id);
        let marked = match result {
            Ok(()) => {
                if connection.problem.is_some() {
                    store.set_api_sync_problem(team, api, None, None).await
                } else {
                    Ok(())
                }
            }
            // The budget refills; the next check tries again.
            Err(ApiSyncError::OverBudget(_)) => Ok(()),
            // Someone pushed between the pull and the push: the next check pulls it.
            Err(ApiSyncError::BranchMoved { .. } | ApiSyncError::Unresolved { .. }) => Ok(()),
            Err(error) => {
                let problem = match &error {
                    ApiSyncError::NeedsReauth(_) => "needs_reauth",
                    _ => "failing",
                };
                let reason = error.to_string();
                tracing::warn!(team_id = %team, api_id = %api, %reason, "API sync check failed");
                let unchanged = connection.problem.as_deref() == Some(problem)
                    && connection.problem_reason.as_deref() == Some(reason.as_str());
                let log = NewLog {
                    direction: "pull",
                    commit_hash: None,
                    files: Vec::new(),
                    outcome: "failed",
                    detail: reason.clone(),
                };
                let marked = store
                    .set_api_sync_problem(
                        team,
                        api,
                        Some((problem, &reason)),
                        (!unchanged).then_some(&log),
                    )
                    .await;
                if marked.is_ok() && !unchanged {
                    // Alerts as backups do: the team's audit log names what stopped and why.
                    let detail = format!(
                        "API sync of {}/{} {} ({}): {reason}",
                        connection.workspace,
                        connection.repository,
                        connection.branch,
                        connection.definition_path
                    );
                    store
                        .append_audit(NewAudit {
                            team_id: team,
                            actor_user_id: None,
                            actor: "Ferry sync",
                            action: match problem {
                                "needs_reauth" => "api_sync.needs_reauth",
                                _ => "api_sync.failing",
                            },
                            detail: &detail,
                            client_addr: "",
                        })
                        .await
                } else {
                    marked
                }
            }
        };
        if let Err(error) = marked {
            tracing::warn!(%error, "cannot record an API sync check");
        }
    }

    async fn auto_push(
        &self,
        sync: &ApiSync<'_, C>,
        connection: &ConnectionRow,
    ) -> Result<(), ApiSyncError> {
        // The pull may have moved the base: push from what is stored now.
        let Some(current) = self
            .inner
            .store
            .api_connection(&connection.team_id, &connection.api_id)
            .await?
        else {
            return Ok(());
        };
        let author = self
            .inner
            .store
            .api_revisions(&connection.team_id, &connection.api_id)
            .await?
            .first()
            .map(|revision| revision.author_email.clone())
            .filter(|email| email.contains('@') && !email.ends_with(" via Bitbucket"))
            .unwrap_or_else(|| "ferry@localhost".to_owned());
        sync.push_connection(
            &current,
            &commit_author(&author),
            "Ferry: automatic push of changes made in Ferry",
        )
        .await
        .map(|_| ())
    }
}
