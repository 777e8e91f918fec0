//! Pruning on both backends: old revisions thinned to the newest of each day (the newest of
//! each collection, and what an integration last committed, always kept; recent ones
//! untouched; numbers unchanged; storage given back), old sign-in attempts deleted, old sync
//! runs deleted except each integration's newest. Test rows carry explicit old times. Also the
//! migration that counts what existing teams hold.

use ferry_domain::{
    accounts::{Actor, Via},
    auth::Role,
    collections::Collections,
    hooks::events,
    postman::Collection,
    retention::{days, Pruner, Retention, KEPT_RUNS},
    store::{
        collections::{Change, Quotas, Saved},
        retention::DAY_MS,
        sync::{RunOutcome, RunRow, Trigger},
    },
    webhooks::EventType,
    Store,
};

ferry_testing::on_both!(
    store:
    old_revisions_are_thinned_to_the_newest_of_each_day,
    later_passes_thin_what_became_old_and_keeping_everything_prunes_nothing,
    old_sign_in_attempts_go,
    old_runs_go_but_each_integrations_newest_stay,
);

/// Noon UTC on an arbitrary day: "now" in these tests.
const NOW: i64 = 20_000 * DAY_MS + DAY_MS / 2;
const HOUR: i64 = 60 * 60 * 1000;

/// `n` days before [`NOW`] (at noon), plus `hours`.
fn ago(n: i64, hours: i64) -> i64 {
    NOW - n * DAY_MS + hours * HOUR
}

/// Runs one SQL statement with binds on whichever pool the store holds.
macro_rules! exec {
    ($store:expr, $sql:expr $(, $bind:expr)*) => {
        match $store {
            Store::Sqlite(pool) => { sqlx::query($sql)$(.bind($bind))*.execute(pool).await.unwrap(); }
            Store::Postgres(pool) => { sqlx::query($sql)$(.bind($bind))*.execute(pool).await.unwrap(); }
        }
    };
}

macro_rules! count {
    ($store:expr, $sql:expr $(, $bind:expr)*) => {
        match $store {
            Store::Sqlite(pool) => sqlx::query_scalar::<_, i64>($sql)$(.bind($bind))*.fetch_one(pool).await.unwrap(),
            Store::Postgres(pool) => sqlx::query_scalar::<_, i64>($sql)$(.bind($bind))*.fetch_one(pool).await.unwrap(),
        }
    };
}

async fn actor(store: &Store, email: &str) -> Actor {
    let (user_id, team_id) = store
        .create_user_with_team(email, "hash", "")
        .await
        .unwrap();
    Actor {
        user_id,
        email: email.into(),
        team_id,
        team_name: "Team".into(),
        role: Role::Editor,
        via: Via::ApiKey,
    }
}

fn document(id: &str, version: usize) -> String {
    let items: Vec<_> = (0..version).map(|n| serde_json::json!({"id": format!("r{n}"), "name": format!("r{n}"), "request": "https://api.example.com/"})).collect();
    let json = serde_json::json!({
        "info": {"_postman_id": id, "name": id,
                 "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": items,
    });
    Collection::import(json.to_string().as_bytes())
        .unwrap()
        .to_canonical_json()
}

/// Saves collection `id` once at each of `times` (the first save creates it).
async fn saved_at(store: &Store, actor: &Actor, id: &str, times: &[i64]) {
    for (n, at_ms) in times.iter().enumerate() {
        let change = Change {
            team_id: &actor.team_id,
            collection_id: id,
            author_user_id: &actor.user_id,
            author_email: &actor.email,
            summary: "save",
            at_ms: *at_ms,
        };
        let json = document(id, n);
        if n == 0 {
            store
                .insert_collection(
                    &change,
                    id,
                    &json,
                    Quotas::UNLIMITED,
                    &events::collection(actor, EventType::CollectionCreated, id, id, 1, None),
                )
                .await
                .unwrap()
                .unwrap();
        } else {
            let saved = store
                .update_collection(
                    &change,
                    n as i64,
                    id,
                    &json,
                    Quotas::UNLIMITED,
                    &events::collection(
                        actor,
                        EventType::CollectionChanged,
                        id,
                        id,
                        n as i64 + 1,
                        None,
                    ),
                )
                .await
                .unwrap();
            assert_eq!(saved, Saved::Revision(n as i64 + 1));
        }
    }
}

async fn numbers(store: &Store, actor: &Actor, id: &str) -> Vec<i64> {
    let mut numbers: Vec<i64> = Collections::new(store)
        .revisions(actor, id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.number)
        .collect();
    numbers.reverse();
    numbers
}

fn ninety_days() -> Retention {
    Retention {
        revisions: Some(days(90)),
        runs: Some(days(90)),
    }
}

async fn stored_bytes_add_up(store: &Store, actor: &Actor) {
    let counted = Collections::new(store)
        .usage(actor)
        .await
        .unwrap()
        .stored_bytes;
    let summed = count!(store, "SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM collection_revisions WHERE team_id = $1", &actor.team_id);
    let measured = match store {
        Store::Sqlite(_) => count!(
            store,
            "SELECT COALESCE(SUM(length(CAST(canonical_json AS BLOB))), 0) FROM collection_revisions WHERE team_id = $1",
            &actor.team_id
        ),
        Store::Postgres(_) => count!(
            store,
            "SELECT COALESCE(SUM(octet_length(canonical_json)), 0)::BIGINT FROM collection_revisions WHERE team_id = $1",
            &actor.team_id
        ),
    };
    assert_eq!((counted, summed), (measured, measured));
}

async fn old_revisions_are_thinned_to_the_newest_of_each_day(store: &Store) {
    let ada = actor(store, "ada@example.com").await;
    // 1-3 one old day, 4 alone on another, 5-6 a third, 7-8 recent (within 90 days).
    let times = [
        ago(200, -3),
        ago(200, -2),
        ago(200, 1),
        ago(150, 0),
        ago(100, -1),
        ago(100, 0),
        ago(10, 0),
        ago(10, 1),
    ];
    saved_at(store, &ada, "busy", &times).await;
    // The newest revision is old and shares its day: it stays, the one before it goes.
    saved_at(store, &ada, "dormant", &[ago(300, 0), ago(300, 1)]).await;
    // An integration last committed revision 1 of "committed": it stays for the next diff.
    saved_at(
        store,
        &ada,
        "committed",
        &[ago(120, 0), ago(120, 1), ago(120, 2)],
    )
    .await;
    exec!(
        store,
        "INSERT INTO integrations (id, team_id, collection_id, workspace, repository, branch, directory, filename, \
         status, created_by, created_at_ms, updated_at_ms, committed_revision) \
         VALUES ('i1', $1, 'committed', 'w', 'r', 'main', 'postman', 'c.json', 'paused', $2, 0, 0, 1)",
        &ada.team_id,
        &ada.user_id
    );
    let other = actor(store, "eve@example.com").await;
    saved_at(store, &other, "busy", &[ago(95, 0), ago(95, 1)]).await;
    let before = Collections::new(store)
        .usage(&ada)
        .await
        .unwrap()
        .stored_bytes;

    let pruned = Pruner::new(store.clone(), ninety_days())
        .prune(NOW)
        .await
        .unwrap();

    assert_eq!(
        numbers(store, &ada, "busy").await,
        [3, 4, 6, 7, 8],
        "History keeps its numbers"
    );
    assert_eq!(numbers(store, &ada, "dormant").await, [2]);
    assert_eq!(numbers(store, &ada, "committed").await, [1, 3]);
    assert_eq!(numbers(store, &other, "busy").await, [2]);
    assert_eq!(pruned.revisions, 3 + 1 + 1 + 1);
    let current = Collections::new(store).get(&ada, "busy").await.unwrap();
    assert_eq!(
        (current.row.revision, current.collection.to_canonical_json()),
        (8, document("busy", 7))
    );
    stored_bytes_add_up(store, &ada).await;
    stored_bytes_add_up(store, &other).await;
    let after = Collections::new(store)
        .usage(&ada)
        .await
        .unwrap()
        .stored_bytes;
    let freed_here = before - after;
    assert!(
        freed_here > 0 && freed_here < pruned.freed_bytes,
        "{before} {after} {pruned:?}"
    );

    let again = Pruner::new(store.clone(), ninety_days())
        .prune(NOW)
        .await
        .unwrap();
    assert_eq!(again.revisions, 0, "idempotent");
}

async fn later_passes_thin_what_became_old_and_keeping_everything_prunes_nothing(store: &Store) {
    let ada = actor(store, "ada@example.com").await;
    saved_at(
        store,
        &ada,
        "c",
        &[ago(200, 0), ago(200, 1), ago(10, 0), ago(10, 1), ago(1, 0)],
    )
    .await;

    let mut keep_all = Pruner::new(
        store.clone(),
        Retention {
            revisions: None,
            runs: None,
        },
    );
    assert_eq!(
        keep_all
            .prune(NOW + 1_000 * DAY_MS)
            .await
            .unwrap()
            .revisions,
        0
    );
    assert_eq!(numbers(store, &ada, "c").await, [1, 2, 3, 4, 5]);

    let mut pruner = Pruner::new(store.clone(), ninety_days());
    assert_eq!(pruner.prune(NOW).await.unwrap().revisions, 1);
    assert_eq!(numbers(store, &ada, "c").await, [2, 3, 4, 5]);
    // 85 days on, revisions 3 and 4 are 95 days old: the same pruner's next pass, which starts
    // where the last one ended, thins them.
    assert_eq!(pruner.prune(NOW + 85 * DAY_MS).await.unwrap().revisions, 1);
    assert_eq!(numbers(store, &ada, "c").await, [2, 4, 5]);
    stored_bytes_add_up(store, &ada).await;
}

async fn old_sign_in_attempts_go(store: &Store) {
    for (n, at_ms) in [
        NOW - 48 * HOUR,
        NOW - 25 * HOUR,
        NOW - 23 * HOUR,
        NOW - 60_000,
    ]
    .into_iter()
    .enumerate()
    {
        exec!(
            store,
            "INSERT INTO login_attempts (email, client_addr, succeeded, at_ms) VALUES ($1, '192.0.2.1', $2, $3)",
            format!("u{n}@example.com"),
            n % 2 == 0,
            at_ms
        );
    }
    let pruned = Pruner::new(store.clone(), ninety_days())
        .prune(NOW)
        .await
        .unwrap();
    assert_eq!(pruned.sign_in_attempts, 2);
    let left = count!(
        store,
        "SELECT COUNT(*) FROM login_attempts WHERE at_ms >= $1",
        NOW - 24 * HOUR
    );
    assert_eq!(
        (left, count!(store, "SELECT COUNT(*) FROM login_attempts")),
        (2, 2)
    );
}

async fn old_runs_go_but_each_integrations_newest_stay(store: &Store) {
    let ada = actor(store, "ada@example.com").await;
    saved_at(store, &ada, "c", &[NOW]).await;
    for (id, directory) in [("busy", "a"), ("quiet", "b")] {
        exec!(
            store,
            "INSERT INTO integrations (id, team_id, collection_id, workspace, repository, branch, directory, filename, \
             status, created_by, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, 'c', 'w', 'r', 'main', $3, 'c.json', 'active', $4, 0, 0)",
            id,
            &ada.team_id,
            directory,
            &ada.user_id
        );
    }
    let run = |integration: &str, n: i64, at_ms: i64| RunRow {
        id: format!("{integration}-{n:04}"),
        integration_id: integration.into(),
        trigger: Trigger::Change,
        started_at_ms: at_ms,
        finished_at_ms: at_ms + 1_000,
        outcome: RunOutcome::Committed,
        commit_hash: None,
        error: None,
        will_retry: false,
        attempts: 1,
        revision: Some(1),
        latency_ms: None,
    };
    // "busy": 560 runs a minute apart ending 100 days ago, then 50 recent ones.
    for n in 0..560 {
        store
            .insert_run(
                &ada.team_id,
                &run("busy", n, ago(100, 0) - (560 - n) * 60_000),
            )
            .await
            .unwrap();
    }
    for n in 560..610 {
        store
            .insert_run(&ada.team_id, &run("busy", n, ago(1, 0) + n))
            .await
            .unwrap();
    }
    // "quiet": 20 runs, all 200 days old.
    for n in 0..20 {
        store
            .insert_run(&ada.team_id, &run("quiet", n, ago(200, 0) + n))
            .await
            .unwrap();
    }

    let pruned = Pruner::new(store.clone(), ninety_days())
        .prune(NOW)
        .await
        .unwrap();

    assert_eq!(pruned.runs, 610 - KEPT_RUNS as u64);
    let busy = store.runs(&ada.team_id, "busy", 1_000).await.unwrap();
    assert_eq!(busy.len() as i64, KEPT_RUNS);
    assert_eq!(busy.first().unwrap().id, "busy-0609");
    assert_eq!(
        busy.last().unwrap().id,
        format!("busy-{:04}", 610 - KEPT_RUNS),
        "the newest are the ones kept"
    );
    assert_eq!(
        store
            .runs(&ada.team_id, "quiet", 1_000)
            .await
            .unwrap()
            .len(),
        20
    );

    let keep_all = Pruner::new(
        store.clone(),
        Retention {
            revisions: None,
            runs: None,
        },
    )
    .prune(NOW)
    .await
    .unwrap();
    assert_eq!(keep_all.runs, 0);
}

/// Migration 0008 over a database that already holds collections: every team gets its usage
/// row, counted from what it holds, and every revision its size.
async fn usage_is_backfilled(store: &Store, all: sqlx::migrate::Migrator) {
    let before_quotas = sqlx::migrate::Migrator {
        migrations: all
            .migrations
            .iter()
            .filter(|m| m.version < 8)
            .cloned()
            .collect::<Vec<_>>()
            .into(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    match store {
        Store::Sqlite(pool) => before_quotas.run(pool).await.unwrap(),
        Store::Postgres(pool) => before_quotas.run(pool).await.unwrap(),
    }
    for team in ["full", "empty"] {
        exec!(
            store,
            "INSERT INTO teams (id, name, created_at_ms) VALUES ($1, $1, 0)",
            team
        );
    }
    for (collection, revisions) in [("a", 3), ("b", 1)] {
        exec!(
            store,
            "INSERT INTO collections (team_id, id, name, revision, created_by, created_at_ms, updated_by, updated_at_ms) \
             VALUES ('full', $1, $1, $2, 'u', 0, 'u', 0)",
            collection,
            revisions as i64
        );
        for number in 1..=revisions {
            exec!(
                store,
                "INSERT INTO collection_revisions (team_id, collection_id, number, canonical_json, author_user_id, \
                 author_email, created_at_ms, summary) VALUES ('full', $1, $2, $3, 'u', 'u@example.com', 0, 's')",
                collection,
                number as i64,
                "é".repeat(number)
            );
        }
    }
    match store {
        Store::Sqlite(pool) => all.run(pool).await.unwrap(),
        Store::Postgres(pool) => all.run(pool).await.unwrap(),
    }
    // "é" is two bytes: a's revisions hold 2 + 4 + 6 bytes, b's one 2.
    let usage = |team: &'static str| async move {
        (
            count!(
                store,
                "SELECT collections FROM team_usage WHERE team_id = $1",
                team
            ),
            count!(
                store,
                "SELECT stored_bytes FROM team_usage WHERE team_id = $1",
                team
            ),
        )
    };
    assert_eq!(usage("full").await, (2, 14));
    assert_eq!(usage("empty").await, (0, 0));
    assert_eq!(
        count!(
            store,
            "SELECT size_bytes FROM collection_revisions WHERE collection_id = 'a' AND number = 3"
        ),
        6
    );
}

#[tokio::test]
async fn usage_is_backfilled_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&ferry_domain::DatabaseUrl::Sqlite(
        dir.path().join("ferry.db"),
    ))
    .await
    .unwrap();
    usage_is_backfilled(&store, sqlx::migrate!("../migrations/sqlite")).await;
}

#[tokio::test]
async fn usage_is_backfilled_on_postgres() {
    let db = ferry_testing::postgres_unmigrated().await;
    usage_is_backfilled(&db.store, sqlx::migrate!("../migrations/postgres")).await;
}
