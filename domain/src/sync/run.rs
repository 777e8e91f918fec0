//! One run: the claimed jobs of one repository branch, committed together.

use std::{sync::Arc, time::Duration};

use sha2::{Digest, Sha256};

use super::{
    backoff,
    destination::{Batch, DeliveryError, Destination, Session, Target},
    message, Inner,
};
use ferry_webhooks::EventType;

use crate::{
    integrations::repository_path,
    postman::Collection,
    profile::CommitIdentity,
    store::{
        accounts::NewAudit,
        integrations::{Integration, IntegrationStatus},
        now_ms,
        sync::{BranchTarget, ClaimedJob, Committed, RunOutcome, RunRow, SyncState},
    },
};

/// How often a delivery is retried on top of a target that moved meanwhile.
const CONFLICT_RETRIES: usize = 3;

/// One integration of the run, with what it should write.
struct Item {
    job: ClaimedJob,
    integration: Integration,
    account_id: String,
    state: SyncState,
    collection: Collection,
    /// The revision this integration last committed, to say what changed since.
    previous: Option<Collection>,
    revision: i64,
    bytes: Vec<u8>,
    sha256: String,
    /// `Name <email>` of whoever made the latest revision, as their profile says.
    author: String,
}

impl Item {
    fn path(&self) -> String {
        repository_path(&self.integration.directory, &self.integration.filename)
    }
}

/// What a group's delivery did.
enum Delivered {
    /// A new tip on top of `parent`.
    Committed { tip: String, parent: Option<String> },
    /// The files already hold this content (e.g. delivered just before a crash).
    AlreadyThere(String),
}

pub(super) async fn run_jobs<D: Destination>(
    inner: &Arc<Inner<D>>,
    worker: &str,
    jobs: Vec<ClaimedJob>,
    claimed_at: i64,
) {
    let mut items = Vec::new();
    for job in jobs {
        match load(inner, worker, job, claimed_at).await {
            Ok(Some(item)) => items.push(item),
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "sync run cannot read its integration; its lease will expire and it runs again")
            }
        }
    }
    // Edits since the claim may have split one target into several.
    while let Some(first) = items.first() {
        let key = target(&first.integration, &first.account_id);
        let (group, rest): (Vec<Item>, Vec<Item>) = items
            .into_iter()
            .partition(|item| target(&item.integration, &item.account_id) == key);
        items = rest;
        if let Err(error) = run_group(inner, worker, group, claimed_at).await {
            tracing::warn!(%error, "sync run cannot record its result; its lease will expire and it runs again");
        }
    }
}

fn target(integration: &Integration, account_id: &str) -> (String, String, String, String) {
    (
        account_id.to_owned(),
        integration.workspace.clone(),
        integration.repository.clone(),
        integration.branch.clone(),
    )
}

/// The job's integration and collection as they are now; `None` (and the job settled) when
/// there is nothing to run.
async fn load<D: Destination>(
    inner: &Inner<D>,
    worker: &str,
    job: ClaimedJob,
    claimed_at: i64,
) -> Result<Option<Item>, crate::StoreError> {
    let store = &inner.store;
    let Some(integration) = store.integration(&job.team_id, &job.integration_id).await? else {
        store.finish_job(worker, &job, claimed_at).await?;
        return Ok(None);
    };
    let account_id = match (&integration.account_id, integration.status) {
        (Some(account_id), IntegrationStatus::Active) => account_id.clone(),
        // Paused, failing or without an account: nothing runs until a person acts.
        _ => {
            store.drop_job(&job.team_id, &job.integration_id).await?;
            return Ok(None);
        }
    };
    let Some((row, canonical)) = store
        .collection(&job.team_id, &integration.collection_id)
        .await?
    else {
        store.finish_job(worker, &job, claimed_at).await?;
        return Ok(None);
    };
    let collection =
        Collection::import(canonical.as_bytes()).map_err(|error| crate::StoreError::Corrupt {
            what: "collection",
            reason: error.to_string(),
        })?;
    let state = store
        .integration_sync_state(&job.team_id, &job.integration_id)
        .await?
        .unwrap_or_default();
    let author = match store
        .collection_revision(&job.team_id, &row.id, row.revision)
        .await?
    {
        Some((revision, _)) => {
            let chosen = store
                .commit_identity(&revision.author_user_id)
                .await?
                .unwrap_or_default();
            chosen.author(&revision.author_email)
        }
        None => CommitIdentity::default().author(""),
    };
    let previous = match state.committed_revision {
        Some(number) if number != row.revision => store
            .collection_revision(&job.team_id, &row.id, number)
            .await?
            .and_then(|(_, json)| Collection::import(json.as_bytes()).ok()),
        _ => None,
    };
    let sha256 = hex(&Sha256::digest(canonical.as_bytes()));
    Ok(Some(Item {
        job,
        integration,
        account_id,
        state,
        collection,
        previous,
        revision: row.revision,
        bytes: canonical.into_bytes(),
        sha256,
        author,
    }))
}

async fn run_group<D: Destination>(
    inner: &Arc<Inner<D>>,
    worker: &str,
    group: Vec<Item>,
    claimed_at: i64,
) -> Result<(), crate::StoreError> {
    let started = now_ms();
    let (unchanged, changed): (Vec<Item>, Vec<Item>) = group
        .into_iter()
        .partition(|item| item.state.committed_sha256.as_deref() == Some(item.sha256.as_str()));
    for item in &unchanged {
        settle(
            inner,
            worker,
            item,
            started,
            claimed_at,
            RunOutcome::NoChanges,
            None,
        )
        .await?;
    }
    let Some(first) = changed.first() else {
        return Ok(());
    };
    let account_id = first.account_id.clone();
    let team_id = first.job.team_id.clone();

    let calls = inner.destination.calls_per_delivery();
    if let Err(wait) = inner.budget.take(&inner.store, &account_id, calls).await? {
        // Not a failure: the jobs wait for the budget, no attempt counted, no run logged.
        for item in &changed {
            inner
                .store
                .postpone_job(worker, &item.job.integration_id, now_ms() + millis(wait))
                .await?;
        }
        return Ok(());
    }
    let integration = &first.integration;
    let target = Target {
        team_id: team_id.clone(),
        account_id: account_id.clone(),
        workspace: integration.workspace.clone(),
        repository: integration.repository.clone(),
        branch: integration.branch.clone(),
    };
    let outcome = match inner.destination.open(&target).await {
        Ok(session) => deliver(inner, session, &changed).await,
        Err(error) => Err(error),
    };
    match &outcome {
        Ok(Delivered::Committed { tip: hash, .. } | Delivered::AlreadyThere(hash)) => {
            for item in &changed {
                let committed = Committed {
                    sha256: &item.sha256,
                    revision: item.revision,
                    branch_tip: hash,
                };
                inner
                    .store
                    .record_commit(&team_id, &item.job.integration_id, committed)
                    .await?;
                settle(
                    inner,
                    worker,
                    item,
                    started,
                    claimed_at,
                    RunOutcome::Committed,
                    Some(hash),
                )
                .await?;
            }
            for item in &unchanged {
                inner
                    .store
                    .record_branch_tip(&team_id, &item.job.integration_id, hash)
                    .await?;
            }
            if let Ok(Delivered::Committed {
                tip: hash,
                parent: Some(parent),
            }) = &outcome
            {
                let target = BranchTarget {
                    account_id: &account_id,
                    workspace: &integration.workspace,
                    repository: &integration.repository,
                    branch: &integration.branch,
                };
                inner
                    .store
                    .advance_branch_tip(&team_id, &target, parent, hash)
                    .await?;
            }
            Ok(())
        }
        Err(DeliveryError::Passing(error) | DeliveryError::Conflict(error)) => {
            let mut gave_up = Vec::new();
            for item in &changed {
                let attempt = item.job.attempts + 1;
                if attempt >= inner.config.max_attempts {
                    gave_up.push(item);
                } else {
                    let wait =
                        backoff::delay(attempt, inner.config.retry_base, inner.config.retry_max);
                    inner
                        .store
                        .retry_job_later(worker, &item.job.integration_id, now_ms() + millis(wait))
                        .await?;
                }
            }
            let reason = format!(
                "{} kept failing ({error}); run it by hand to try again",
                inner.destination.name()
            );
            for item in gave_up {
                stop(inner, item, IntegrationStatus::Failing, &reason).await?;
            }
            record_failures(inner, &changed, started, error, true).await
        }
        Err(DeliveryError::NeedsReauth(reason)) => {
            for item in &changed {
                stop(inner, item, IntegrationStatus::NeedsReauth, reason).await?;
            }
            record_failures(inner, &changed, started, reason, false).await
        }
        Err(DeliveryError::Failing(reason)) => {
            for item in &changed {
                stop(inner, item, IntegrationStatus::Failing, reason).await?;
            }
            record_failures(inner, &changed, started, reason, false).await
        }
    }
}

/// Delivers every changed file of the group at once on top of the tip last seen; when the
/// target moved, reads its tip again and delivers on top of that. Files the target already
/// holds (a delivery made just before a crash) are not delivered again.
async fn deliver<D: Destination>(
    inner: &Inner<D>,
    mut session: D::Session,
    items: &[Item],
) -> Result<Delivered, DeliveryError> {
    let mut pending: Vec<&Item> = items.iter().collect();
    let mut parent = common_tip(items).filter(|tip| inner.destination.accepts_tip(tip));
    let mut must_compare = parent.is_none();
    let mut conflicts = 0;
    loop {
        if must_compare {
            // The tip is unknown (first run, after an edit, after a conflict).
            let tip = session.tip().await?;
            if let Some(tip) = &tip {
                let mut still = Vec::new();
                for item in pending {
                    if !session.holds(tip, &item.path(), &item.bytes).await? {
                        still.push(item);
                    }
                }
                pending = still;
                if pending.is_empty() {
                    return Ok(Delivered::AlreadyThere(tip.clone()));
                }
            }
            parent = tip;
        }
        let batch = Batch {
            author: latest_author(&pending),
            message: message::combined_message(
                &pending
                    .iter()
                    .map(|item| commit_message(item))
                    .collect::<Vec<_>>(),
            ),
            files: pending
                .iter()
                .map(|item| (item.path(), item.bytes.clone()))
                .collect(),
        };
        match session.deliver(parent.as_deref(), &batch).await {
            Ok(tip) => return Ok(Delivered::Committed { tip, parent }),
            Err(DeliveryError::Conflict(_)) if conflicts < CONFLICT_RETRIES => {
                conflicts += 1;
                must_compare = true;
            }
            Err(error) => return Err(error),
        }
    }
}

fn common_tip(items: &[Item]) -> Option<String> {
    let first = items.first()?.state.branch_tip.clone()?;
    items
        .iter()
        .all(|item| item.state.branch_tip.as_deref() == Some(first.as_str()))
        .then_some(first)
}

fn latest_author(items: &[&Item]) -> String {
    items
        .iter()
        .max_by_key(|item| {
            item.job
                .first_change_at_ms
                .max(item.integration.updated_at_ms)
        })
        .map(|item| item.author.clone())
        .unwrap_or_else(|| CommitIdentity::default().author(""))
}

/// What changed since the revision this integration last committed.
fn commit_message(item: &Item) -> String {
    message::collection_message(item.previous.as_ref(), &item.collection)
}

/// Records a finished run and ends (or re-queues, if changes came meanwhile) the job.
async fn settle<D: Destination>(
    inner: &Inner<D>,
    worker: &str,
    item: &Item,
    started: i64,
    claimed_at: i64,
    outcome: RunOutcome,
    commit: Option<&str>,
) -> Result<(), crate::StoreError> {
    let finished = now_ms();
    let latency =
        (outcome == RunOutcome::Committed).then(|| finished - item.job.first_change_at_ms);
    if let Some(latency) = latency {
        inner
            .metrics
            .record_latency(Duration::from_millis(u64::try_from(latency).unwrap_or(0)));
    }
    inner.metrics.record_run(outcome);
    inner
        .store
        .insert_run(
            &item.job.team_id,
            &RunRow {
                id: uuid::Uuid::now_v7().to_string(),
                integration_id: item.job.integration_id.clone(),
                trigger: item.job.trigger,
                started_at_ms: started,
                finished_at_ms: finished,
                outcome,
                commit_hash: commit.map(str::to_owned),
                error: None,
                will_retry: false,
                attempts: item.job.attempts + 1,
                revision: Some(item.revision),
                latency_ms: latency,
            },
        )
        .await?;
    inner.store.finish_job(worker, &item.job, claimed_at).await
}

async fn record_failures<D: Destination>(
    inner: &Inner<D>,
    items: &[Item],
    started: i64,
    error: &str,
    will_retry: bool,
) -> Result<(), crate::StoreError> {
    for item in items {
        let gave_up = item.job.attempts + 1 >= inner.config.max_attempts;
        inner.metrics.record_run(RunOutcome::Failed);
        inner
            .store
            .insert_run(
                &item.job.team_id,
                &RunRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    integration_id: item.job.integration_id.clone(),
                    trigger: item.job.trigger,
                    started_at_ms: started,
                    finished_at_ms: now_ms(),
                    outcome: RunOutcome::Failed,
                    commit_hash: None,
                    error: Some(error.to_owned()),
                    will_retry: will_retry && !gave_up,
                    attempts: item.job.attempts + 1,
                    revision: Some(item.revision),
                    latency_ms: None,
                },
            )
            .await?;
    }
    Ok(())
}

/// Stops an integration until a person acts: its status says why, its job is dropped, and the
/// moment it starts failing goes to the audit log (which the alerts read).
async fn stop<D: Destination>(
    inner: &Inner<D>,
    item: &Item,
    status: IntegrationStatus,
    reason: &str,
) -> Result<(), crate::StoreError> {
    let team_id = &item.job.team_id;
    let event_type = match status {
        IntegrationStatus::NeedsReauth => EventType::IntegrationNeedsReauth,
        _ => EventType::IntegrationFailing,
    };
    let activity = crate::hooks::events::integration_status(
        None,
        event_type,
        &item.job.integration_id,
        &item.integration.collection_name,
        Some(reason),
    );
    let changed = inner
        .store
        .set_integration_status(
            team_id,
            &item.job.integration_id,
            status,
            Some(reason),
            &activity,
        )
        .await?;
    inner
        .store
        .drop_job(team_id, &item.job.integration_id)
        .await?;
    if changed {
        let action = event_type.as_str();
        let detail = format!(
            "\"{}\" → {}/{} {}:{}: {reason}",
            item.integration.collection_name,
            item.integration.workspace,
            item.integration.repository,
            item.integration.branch,
            item.path()
        );
        inner
            .store
            .append_audit(NewAudit {
                team_id,
                actor_user_id: None,
                actor: "Ferry sync",
                action,
                detail: &detail,
                client_addr: "",
            })
            .await?;
    }
    Ok(())
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
