//! Crash safety of custom webhook deliveries with the real binary: `ferry serve` processes
//! are killed with SIGKILL again and again while a stream of collection changes is fanned out
//! and delivered to a receiver that answers slowly. Afterwards every recorded event has been
//! fanned out exactly once (one delivery per subscribed integration), and every delivery has
//! reached the receiver at least once under its own id. Once with one process on SQLite, once
//! with two processes on one PostgreSQL.

use std::{
    collections::HashSet,
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{extract::State, http::HeaderMap, routing::post, Router};
use ferry_domain::{
    accounts::{Accounts, FirstTeam},
    collections::Collections,
    crypto::KeySource,
    hooks::{HookKind, Hooks, NewHook},
    postman::Collection,
    webhooks::NetworkPolicy,
};
use ferry_testing::{self as testing, TestDatabase};

use crate::common::serve_process::ServeProcess;

/// Seconds a killed process's claimed deliveries stay claimed (the least Ferry accepts).
const LEASE_SECONDS: &str = "20";

#[tokio::test(flavor = "multi_thread")]
async fn one_process_on_sqlite_killed_repeatedly_loses_no_delivery() {
    crash_run(testing::sqlite().await, 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_on_postgres_killed_in_turn_lose_no_delivery() {
    crash_run(testing::postgres().await, 2).await;
}

/// A receiver that takes 30 ms to answer (so kills land mid-attempt) and keeps each
/// delivery's `webhook-id`.
async fn slow_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State(kept): State<Arc<Mutex<Vec<String>>>>, headers: HeaderMap| async move {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    let id = headers
                        .get("webhook-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    kept.lock().unwrap().push(id);
                    "ok"
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn serve(db: &TestDatabase, data_dir: &Path) -> ServeProcess {
    ServeProcess::start(
        db,
        data_dir,
        &[
            ("FERRY_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1"),
            ("FERRY_WEBHOOK_ALLOW_HTTP", "true"),
            ("FERRY_WEBHOOK_LEASE_SECONDS", LEASE_SECONDS),
        ],
    )
}

async fn crash_run(db: TestDatabase, processes: usize) {
    let data = tempfile::tempdir().unwrap();
    let ferry_data = data.path().join("ferry");
    std::fs::create_dir_all(&ferry_data).unwrap();
    let keyring = KeySource::File(ferry_data.join("encryption-keys"))
        .load()
        .unwrap();
    let store = &db.store;
    let accounts = Accounts::new(store);
    let signed_up = accounts
        .create_user(
            "ada@example.com",
            "correct horse battery staple".into(),
            FirstTeam::Personal,
            "test",
        )
        .await
        .unwrap();
    let ada = accounts
        .session_actor(&signed_up.user_id, &signed_up.team_id, 0)
        .await
        .unwrap()
        .unwrap();
    let (url, received) = slow_receiver().await;
    let policy = NetworkPolicy {
        allowed: NetworkPolicy::parse_allowed("127.0.0.1").unwrap(),
        allow_http: true,
    };
    let hooks = Hooks::new(store, &keyring, &policy);
    let events = vec![
        "collection.created".to_owned(),
        "collection.changed".to_owned(),
    ];
    let mut hook_ids = Vec::new();
    for name in ["Audit feed", "Mirror"] {
        let (hook, _) = hooks
            .create(
                &ada,
                NewHook {
                    kind: HookKind::WebhookActivity,
                    nickname: name,
                    url: &url,
                    events: &events,
                },
            )
            .await
            .unwrap();
        hook_ids.push(hook.id);
    }
    let id = Collections::new(store)
        .create(&ada, Collection::new("Pets").unwrap())
        .await
        .unwrap()
        .row
        .id;

    let mut servers: Vec<ServeProcess> = (0..processes).map(|_| serve(&db, &ferry_data)).collect();
    let started = Instant::now();
    let (mut edits, mut kills, mut victim) = (0, 0, 0);
    while started.elapsed() < Duration::from_secs(10) {
        let mut current = Collections::new(store)
            .get(&ada, &id)
            .await
            .unwrap()
            .collection;
        current.set_name(&format!("Pets edit {edits}")).unwrap();
        Collections::new(store)
            .replace(&ada, &id, current)
            .await
            .unwrap();
        edits += 1;
        if edits % 15 == 0 {
            servers[victim].kill_9();
            servers[victim] = serve(&db, &ferry_data);
            kills += 1;
            victim = (victim + 1) % processes;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert!(kills >= 5, "{kills} kills");

    // One event per change (and the creation), each fanned out once to both integrations.
    let recorded = store.activity(&ada.team_id, 10_000).await.unwrap().len();
    assert_eq!(recorded, edits + 1);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let mut delivered = HashSet::new();
        let mut total = 0;
        for hook in &hook_ids {
            for delivery in store.deliveries(&ada.team_id, hook, 10_000).await.unwrap() {
                total += 1;
                if delivery.state == "delivered" {
                    delivered.insert(delivery.id);
                }
            }
        }
        let seen: HashSet<String> = received.lock().unwrap().iter().cloned().collect();
        if total == 2 * recorded && delivered.len() == total {
            assert!(
                delivered.is_subset(&seen),
                "every delivery reached the receiver"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after {edits} edits and {kills} kills: {total} deliveries of {} expected, {} delivered",
            2 * recorded,
            delivered.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(servers);
    let sends = received.lock().unwrap().len();
    assert!(sends >= 2 * recorded, "{sends} sends");
}
