//! The sync engine's durable queue on both backends: jobs written with the change, coalescing,
//! debounce and maximum wait, leases that expire when a worker dies, multi-file grouping,
//! backoff, and concurrent workers that never hold one job twice.

use std::collections::HashSet;

use crate::fixtures::{account, collection, edit, exec, integration, member};
use ferry_domain::{
    auth::Role,
    store::{
        now_ms,
        sync::{BranchTarget, ClaimedJob, Committed, RunOutcome, Timing, Trigger},
    },
    Store,
};
use ferry_testing::run_row;

ferry_testing::on_both!(
    store:
    the_request_budget_is_shared_by_every_process,
    adding_an_integration_queues_its_first_run_now,
    a_change_queues_work_for_active_integrations_only,
    a_burst_of_changes_is_one_job_due_after_the_quiet_period,
    constant_changes_are_due_after_the_maximum_wait,
    a_lease_holds_until_it_expires,
    a_change_during_a_run_keeps_the_job_queued,
    integrations_on_one_branch_are_claimed_together,
    a_retry_waits_for_its_backoff,
    a_postponed_job_waits_without_counting_an_attempt,
    a_commit_advances_the_tip_only_where_the_branch_was_seen_at_its_parent,
    concurrent_workers_never_share_a_job,
    the_latest_run_of_each_integration_is_the_teams_own,
);

const DEBOUNCE: i64 = 2_000;
const MAX_WAIT: i64 = 30_000;
const LEASE: i64 = 10_000;

fn at(now_ms: i64) -> Timing {
    Timing {
        now_ms,
        debounce_ms: DEBOUNCE,
        max_wait_ms: MAX_WAIT,
        lease_ms: LEASE,
    }
}

fn ids(jobs: &[ClaimedJob]) -> Vec<&str> {
    jobs.iter().map(|job| job.integration_id.as_str()).collect()
}

/// A team with one collection "c" and an account; the integration's first run already done.
async fn setup(store: &Store) -> (ferry_domain::accounts::Actor, String, String) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let account = account(store, &admin, "Demo").await;
    collection(store, &admin, "c", "Users API").await;
    let id = integration(store, &admin, &account, "c", "main", "users.json").await;
    let claimed = store.claim_jobs("setup", at(now_ms())).await.unwrap();
    store
        .finish_job("setup", &claimed[0], now_ms())
        .await
        .unwrap();
    (admin, account, id)
}

async fn adding_an_integration_queues_its_first_run_now(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let account = account(store, &admin, "Demo").await;
    collection(store, &admin, "c", "Users API").await;
    let id = integration(store, &admin, &account, "c", "main", "users.json").await;

    let job = store
        .queued_job(&admin.team_id, &id)
        .await
        .unwrap()
        .expect("queued with the integration");
    assert_eq!(job.trigger, Trigger::Initial);
    let claimed = store.claim_jobs("w1", at(now_ms())).await.unwrap();
    assert_eq!(
        ids(&claimed),
        [id.as_str()],
        "due at once: no debounce for a first run"
    );
    assert_eq!(claimed[0].trigger, Trigger::Initial);
}

async fn a_change_queues_work_for_active_integrations_only(store: &Store) {
    let (admin, account, active) = setup(store).await;
    let paused = integration(store, &admin, &account, "c", "other", "users.json").await;
    let claimed = store.claim_jobs("w", at(now_ms())).await.unwrap();
    store.finish_job("w", &claimed[0], now_ms()).await.unwrap();
    exec(
        store,
        "UPDATE integrations SET status = 'paused' WHERE id = $1",
        &[&paused],
    )
    .await;

    edit(store, &admin, "c", "Users API", &["list"]).await;
    assert_eq!(
        store
            .queued_job(&admin.team_id, &active)
            .await
            .unwrap()
            .unwrap()
            .trigger,
        Trigger::Change
    );
    assert_eq!(
        store.queued_job(&admin.team_id, &paused).await.unwrap(),
        None
    );
}

async fn a_burst_of_changes_is_one_job_due_after_the_quiet_period(store: &Store) {
    let (admin, _, id) = setup(store).await;
    let start = now_ms();
    for n in 0..5 {
        let requests: Vec<String> = (0..=n).map(|i| format!("r{i}")).collect();
        let requests: Vec<&str> = requests.iter().map(String::as_str).collect();
        edit(store, &admin, "c", "Users API", &requests).await;
    }
    let job = store
        .queued_job(&admin.team_id, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.generation, 5, "five changes coalesce into one job");
    let last_change = now_ms();
    assert!(
        store
            .claim_jobs("w", at(start + 100))
            .await
            .unwrap()
            .is_empty(),
        "not during the burst"
    );
    let due = store
        .claim_jobs("w", at(last_change + DEBOUNCE + 1))
        .await
        .unwrap();
    assert_eq!(ids(&due), [id.as_str()]);
}

async fn constant_changes_are_due_after_the_maximum_wait(store: &Store) {
    let (admin, _, id) = setup(store).await;
    edit(store, &admin, "c", "Users API", &["a"]).await;
    let first = now_ms();
    // The newest change is always recent: only the maximum wait makes the job due.
    let always_recent = format!(
        "UPDATE sync_jobs SET last_change_at_ms = {} WHERE integration_id = $1",
        first + MAX_WAIT
    );
    exec(store, &always_recent, &[&id]).await;
    assert!(store
        .claim_jobs("w", at(first + MAX_WAIT - 1_000))
        .await
        .unwrap()
        .is_empty());
    let due = store
        .claim_jobs("w", at(first + MAX_WAIT + 1))
        .await
        .unwrap();
    assert_eq!(ids(&due), [id.as_str()]);
}

async fn a_lease_holds_until_it_expires(store: &Store) {
    let (admin, _, id) = setup(store).await;
    edit(store, &admin, "c", "Users API", &["a"]).await;
    let t = now_ms() + DEBOUNCE + 1;
    assert_eq!(
        ids(&store.claim_jobs("dead-worker", at(t)).await.unwrap()),
        [id.as_str()]
    );
    assert!(
        store.claim_jobs("w2", at(t + 1)).await.unwrap().is_empty(),
        "leased"
    );
    assert!(
        store
            .extend_lease("dead-worker", &id, t + LEASE + 5_000)
            .await
            .unwrap(),
        "heartbeat"
    );
    assert!(
        store
            .claim_jobs("w2", at(t + LEASE + 1))
            .await
            .unwrap()
            .is_empty(),
        "the heartbeat extended it"
    );
    let rescued = store.claim_jobs("w2", at(t + LEASE + 5_001)).await.unwrap();
    assert_eq!(
        ids(&rescued),
        [id.as_str()],
        "picked up again once the lease expired"
    );
    assert!(
        !store
            .extend_lease("dead-worker", &id, t + 100_000)
            .await
            .unwrap(),
        "the old worker lost it"
    );
}

async fn a_change_during_a_run_keeps_the_job_queued(store: &Store) {
    let (admin, _, id) = setup(store).await;
    edit(store, &admin, "c", "Users API", &["a"]).await;
    let t = now_ms() + DEBOUNCE + 1;
    let claimed = store.claim_jobs("w", at(t)).await.unwrap();
    edit(store, &admin, "c", "Users API", &["a", "b"]).await;
    store.finish_job("w", &claimed[0], t).await.unwrap();
    let job = store
        .queued_job(&admin.team_id, &id)
        .await
        .unwrap()
        .expect("the newer change still needs a run");
    assert_eq!(job.locked_by, None);

    let again = store
        .claim_jobs("w", at(now_ms() + DEBOUNCE + 1))
        .await
        .unwrap();
    store.finish_job("w", &again[0], t).await.unwrap();
    assert_eq!(store.queued_job(&admin.team_id, &id).await.unwrap(), None);
}

async fn integrations_on_one_branch_are_claimed_together(store: &Store) {
    let (admin, account, users) = setup(store).await;
    collection(store, &admin, "o", "Orders").await;
    let orders = integration(store, &admin, &account, "o", "main", "orders.json").await;
    let elsewhere = integration(store, &admin, &account, "o", "other-branch", "orders.json").await;
    for claimed in [
        store.claim_jobs("w", at(now_ms())).await.unwrap(),
        store.claim_jobs("w", at(now_ms())).await.unwrap(),
    ] {
        for job in &claimed {
            store.finish_job("w", job, now_ms()).await.unwrap();
        }
    }

    edit(store, &admin, "c", "Users API", &["a"]).await;
    let t = now_ms() + DEBOUNCE + 1;
    exec(
        store,
        "UPDATE sync_jobs SET generation = 1 WHERE integration_id = $1",
        &[&users],
    )
    .await;
    // Orders changed just now (not due yet) on the same branch, and on another branch.
    edit(store, &admin, "o", "Orders", &["b"]).await;
    let just_now =
        format!("UPDATE sync_jobs SET last_change_at_ms = {t} WHERE integration_id <> $1");
    exec(store, &just_now, &[&users]).await;

    let claimed = store.claim_jobs("w", at(t)).await.unwrap();
    let mut claimed: Vec<&str> = ids(&claimed);
    claimed.sort();
    let mut expected = vec![users.as_str(), orders.as_str()];
    expected.sort();
    assert_eq!(
        claimed, expected,
        "one commit for both files on main; not {elsewhere}"
    );
}

async fn a_commit_advances_the_tip_only_where_the_branch_was_seen_at_its_parent(store: &Store) {
    let (admin, account, users) = setup(store).await;
    let other_account = crate::fixtures::account(store, &admin, "Other").await;
    collection(store, &admin, "o", "Orders").await;
    let orders = integration(store, &admin, &account, "o", "main", "orders.json").await;
    let stale = integration(store, &admin, &account, "o", "main", "stale.json").await;
    let elsewhere = integration(store, &admin, &account, "o", "other-branch", "orders.json").await;
    let other = integration(store, &admin, &other_account, "o", "main", "other.json").await;
    let (parent, older, tip) = ("a".repeat(40), "b".repeat(40), "c".repeat(40));
    for (id, seen) in [
        (&users, &parent),
        (&orders, &parent),
        (&stale, &older),
        (&elsewhere, &parent),
        (&other, &parent),
    ] {
        store
            .record_commit(
                &admin.team_id,
                id,
                Committed {
                    sha256: "s",
                    revision: 1,
                    branch_tip: seen,
                },
            )
            .await
            .unwrap();
    }
    let target = BranchTarget {
        account_id: &account,
        workspace: "demo",
        repository: "backups",
        branch: "main",
    };
    // Another team's integrations are never touched.
    let stranger = member(store, "stranger@example.com", Role::Admin).await;
    store
        .advance_branch_tip(&stranger.team_id, &target, &parent, &older)
        .await
        .unwrap();
    store
        .advance_branch_tip(&admin.team_id, &target, &parent, &tip)
        .await
        .unwrap();

    let mut seen = Vec::new();
    for id in [&users, &orders, &stale, &elsewhere, &other] {
        seen.push(
            store
                .integration_sync_state(&admin.team_id, id)
                .await
                .unwrap()
                .unwrap()
                .branch_tip
                .unwrap(),
        );
    }
    assert_eq!(
        seen,
        [tip.as_str(), &tip, &older, &parent, &parent],
        "same branch and account, seen at the parent: moved"
    );
}

async fn a_retry_waits_for_its_backoff(store: &Store) {
    let (admin, _, id) = setup(store).await;
    edit(store, &admin, "c", "Users API", &["a"]).await;
    let t = now_ms() + DEBOUNCE + 1;
    store.claim_jobs("w", at(t)).await.unwrap();
    store.retry_job_later("w", &id, t + 4_000).await.unwrap();
    let job = store
        .queued_job(&admin.team_id, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.trigger, job.attempts, job.locked_by),
        (Trigger::Retry, 1, None)
    );
    assert!(store
        .claim_jobs("w", at(t + 3_999))
        .await
        .unwrap()
        .is_empty());
    let retried = store.claim_jobs("w", at(t + 4_000)).await.unwrap();
    assert_eq!(
        (retried[0].trigger, retried[0].attempts),
        (Trigger::Retry, 1)
    );
}

async fn concurrent_workers_never_share_a_job(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let mut expected = HashSet::new();
    for n in 0..24 {
        // One account per integration: no grouping, every job claimed on its own.
        let account = account(store, &admin, &format!("A{n}")).await;
        collection(store, &admin, &format!("c{n}"), &format!("C{n}")).await;
        expected.insert(
            integration(
                store,
                &admin,
                &account,
                &format!("c{n}"),
                "main",
                &format!("x{n}.json"),
            )
            .await,
        );
    }
    let mut workers = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let name = format!("w{w}");
            let mut mine = Vec::new();
            loop {
                let claimed = store.claim_jobs(&name, at(now_ms())).await.unwrap();
                if claimed.is_empty() {
                    return mine;
                }
                mine.extend(claimed.into_iter().map(|job| job.integration_id));
            }
        }));
    }
    let mut seen = Vec::new();
    for worker in workers {
        seen.extend(worker.await.unwrap());
    }
    assert_eq!(seen.len(), expected.len(), "each job claimed exactly once");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), expected);
}

async fn the_latest_run_of_each_integration_is_the_teams_own(store: &Store) {
    let (admin, account, first) = setup(store).await;
    let second = integration(store, &admin, &account, "c", "main", "second.json").await;
    let never_ran = integration(store, &admin, &account, "c", "main", "third.json").await;
    let other = member(store, "other@example.com", Role::Admin).await;
    let other_account = crate::fixtures::account(store, &other, "Other").await;
    collection(store, &other, "o", "Other API").await;
    let foreign = integration(store, &other, &other_account, "o", "main", "o.json").await;
    for (team, row) in [
        (
            &admin.team_id,
            run_row(&first, "r1", 100, RunOutcome::Committed),
        ),
        (
            &admin.team_id,
            run_row(&first, "r3", 300, RunOutcome::Failed),
        ),
        (
            &admin.team_id,
            run_row(&first, "r2", 200, RunOutcome::NoChanges),
        ),
        (
            &admin.team_id,
            run_row(&second, "r4", 150, RunOutcome::Committed),
        ),
        (
            &other.team_id,
            run_row(&foreign, "r5", 900, RunOutcome::Committed),
        ),
    ] {
        store.insert_run(team, &row).await.unwrap();
    }

    let mut latest: Vec<(String, String)> = store
        .latest_runs(&admin.team_id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.integration_id, r.id))
        .collect();
    latest.sort();
    let mut expected = vec![(first, "r3".to_owned()), (second, "r4".to_owned())];
    expected.sort();
    assert_eq!(
        latest, expected,
        "newest per integration, none for {never_ran}, none of another team"
    );
    let theirs = store.latest_runs(&other.team_id).await.unwrap();
    assert_eq!(
        theirs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["r5"]
    );
}

async fn a_postponed_job_waits_without_counting_an_attempt(store: &Store) {
    let (admin, _, id) = setup(store).await;
    edit(store, &admin, "c", "Users API", &["a"]).await;
    let t = now_ms() + DEBOUNCE + 1;
    store.claim_jobs("w", at(t)).await.unwrap();
    store.postpone_job("w", &id, t + 60_000).await.unwrap();
    let job = store
        .queued_job(&admin.team_id, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.trigger, job.attempts, job.locked_by),
        (Trigger::Change, 0, None)
    );
    assert!(store
        .claim_jobs("w", at(t + 59_999))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        ids(&store.claim_jobs("w", at(t + 60_000)).await.unwrap()),
        [id.as_str()]
    );
}

/// Two processes' budgets on one database spend one bucket per account: together they never
/// take more than it holds, even all at once.
async fn the_request_budget_is_shared_by_every_process(store: &Store) {
    use ferry_domain::sync::budget::Budget;
    // 36 calls an hour saves up at most 3.6.
    let (a, b) = (Budget::new(36), Budget::new(36));
    let now = 1_000_000;
    a.take_at(store, "account-1", 2, now)
        .await
        .unwrap()
        .unwrap();
    b.take_at(store, "account-1", 1, now)
        .await
        .unwrap()
        .unwrap();
    let wait = a
        .take_at(store, "account-1", 1, now)
        .await
        .unwrap()
        .unwrap_err();
    // 0.6 left: the missing 0.4 call comes in 40 s at 36 an hour.
    assert!((39_000..=41_000).contains(&wait.as_millis()), "{wait:?}");
    b.take_at(store, "account-1", 1, now + 40_000)
        .await
        .unwrap()
        .unwrap();
    b.take_at(store, "account-2", 1, now)
        .await
        .unwrap()
        .unwrap();

    let (a, b) = (std::sync::Arc::new(a), std::sync::Arc::new(b));
    let mut takes = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (budget, store) = (
            if i % 2 == 0 { a.clone() } else { b.clone() },
            store.clone(),
        );
        takes.spawn(async move { budget.take_at(&store, "account-3", 1, now).await });
    }
    let mut granted = 0;
    for taken in takes.join_all().await {
        if taken.expect("no database error").is_ok() {
            granted += 1;
        }
    }
    assert_eq!(
        granted, 3,
        "20 takes at once from two processes get what the bucket holds"
    );
}
