//! Custom webhook deliveries under load: 100 teams with 10 webhook integrations each (1,000
//! integrations, each subscribed to collection changes), people changing one collection 100
//! times a second across the teams, and the delivery worker (in this process, with production
//! settings) sending every event to a receiver (also in this process) that answers after
//! 50 ms. Each event therefore makes 10 deliveries: 1,000 deliveries a second are asked for.
//!
//! `cargo bench -p ferry-domain --bench hooks -- [--backend sqlite|postgres] [--teams T]
//!  [--hooks-per-team H] [--events-per-second R] [--seconds S] [--latency-ms L]`
//!
//! Without `--backend` it runs on SQLite (a file in a temporary directory), then PostgreSQL
//! (`FERRY_TEST_POSTGRES_URL`, default the local server). It prints event → delivery latency
//! (from the change's commit, the event's `timestamp`, to the receiver reading the delivery)
//! p50/p99/max, deliveries per second while the load ran and to drain the queue after, and
//! the peak RSS of the process.

#[path = "../tests/domain/fixtures/mod.rs"]
mod fixtures;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{body::Bytes, extract::State, routing::post, Router};
use ferry_domain::{
    accounts::Actor,
    auth::Role,
    hooks::{
        worker::{HookWorker, WorkerConfig},
        HookKind, Hooks, NewHook,
    },
    store::now_ms,
    webhooks::{NetworkPolicy, SenderConfig},
    Store,
};
use ferry_testing::{self as testing, TestDatabase};

#[derive(Debug, Clone)]
struct Options {
    backends: Vec<&'static str>,
    teams: usize,
    hooks_per_team: usize,
    events_per_second: f64,
    seconds: u64,
    latency_ms: u64,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut options = Options {
            backends: vec!["sqlite", "postgres"],
            teams: 100,
            hooks_per_team: 10,
            events_per_second: 100.0,
            seconds: 30,
            latency_ms: 50,
        };
        let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<f64>()
                    .map_err(|_| format!("{flag}: {value:?} is not a number"))
            };
            match flag.as_str() {
                "--backend" => {
                    options.backends = match value.as_str() {
                        "sqlite" => vec!["sqlite"],
                        "postgres" => vec!["postgres"],
                        _ => return Err(format!("--backend is sqlite or postgres, not {value:?}")),
                    }
                }
                "--teams" => options.teams = number()? as usize,
                "--hooks-per-team" => options.hooks_per_team = number()? as usize,
                "--events-per-second" => options.events_per_second = number()?,
                "--seconds" => options.seconds = number()? as u64,
                "--latency-ms" => options.latency_ms = number()? as u64,
                other => return Err(format!("unknown option {other}")),
            }
        }
        Ok(options)
    }
}

#[tokio::main]
async fn main() {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    println!("{options:?}");
    for backend in options.backends.clone() {
        let db = match backend {
            "sqlite" => testing::sqlite().await,
            _ => testing::postgres().await,
        };
        run(backend, db, &options).await;
    }
}

/// What the receiver saw: each delivery's latency from its event, in milliseconds.
#[derive(Clone)]
struct Receiver {
    latency: Duration,
    seen: Arc<Mutex<Vec<i64>>>,
}

async fn receive(State(receiver): State<Receiver>, body: Bytes) -> &'static str {
    let read_at = now_ms();
    let envelope: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let at = envelope["timestamp"]
        .as_str()
        .and_then(|ts| {
            time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .unwrap_or(read_at);
    receiver.seen.lock().unwrap().push(read_at - at);
    tokio::time::sleep(receiver.latency).await;
    "ok"
}

async fn start_receiver(latency: Duration) -> (String, Receiver) {
    let receiver = Receiver {
        latency,
        seen: Arc::default(),
    };
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, receiver)
}

async fn run(backend: &str, db: TestDatabase, options: &Options) {
    let store = db.store.clone();
    let keyring = fixtures::ring(&[("bench", 7)]);
    let policy = NetworkPolicy {
        allowed: NetworkPolicy::parse_allowed("127.0.0.1").unwrap(),
        allow_http: true,
    };
    let (url, receiver) = start_receiver(Duration::from_millis(options.latency_ms)).await;

    let setup = Instant::now();
    let mut teams: Vec<Actor> = Vec::new();
    let events = vec!["collection.changed".to_owned()];
    for team in 0..options.teams {
        let admin =
            fixtures::member(&store, &format!("admin{team}@example.com"), Role::Admin).await;
        fixtures::collection(&store, &admin, &format!("c{team}"), &format!("API {team}")).await;
        for n in 0..options.hooks_per_team {
            Hooks::new(&store, &keyring, &policy)
                .create(
                    &admin,
                    NewHook {
                        kind: HookKind::WebhookActivity,
                        nickname: &format!("Receiver {n}"),
                        url: &url,
                        events: &events,
                    },
                )
                .await
                .unwrap();
        }
        teams.push(admin);
    }
    println!(
        "[{backend}] setup: {} teams, {} integrations in {:.1} s",
        options.teams,
        options.teams * options.hooks_per_team,
        setup.elapsed().as_secs_f64()
    );

    let worker = HookWorker::new(
        store.clone(),
        keyring.clone(),
        WorkerConfig {
            sender: SenderConfig {
                policy: policy.clone(),
                ..SenderConfig::default()
            },
            ..WorkerConfig::default()
        },
    )
    .unwrap();
    let working = worker.start();

    // Changes at a steady rate, round robin over the teams.
    let gap = Duration::from_secs_f64(1.0 / options.events_per_second);
    let started = Instant::now();
    let mut next = started;
    let mut made = 0usize;
    while started.elapsed() < Duration::from_secs(options.seconds) {
        let admin = &teams[made % teams.len()];
        let team = made % teams.len();
        fixtures::edit(
            &store,
            admin,
            &format!("c{team}"),
            &format!("API {team}"),
            &[&format!("Request {made}")],
        )
        .await;
        made += 1;
        next += gap;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }
    let load = started.elapsed();
    let during = receiver.seen.lock().unwrap().len();
    let expected = made * options.hooks_per_team;
    while receiver.seen.lock().unwrap().len() < expected {
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            started.elapsed() < load + Duration::from_secs(600),
            "deliveries stalled"
        );
    }
    let drained = started.elapsed();
    // The receiver reads a delivery before it answers: the last attempts are still recorded.
    while pending(&store).await > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    working.abort();

    let mut latencies = receiver.seen.lock().unwrap().clone();
    latencies.sort_unstable();
    let p = |q: f64| {
        latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    println!(
        "[{backend}] {made} events in {:.1} s ({:.0}/s) → {expected} deliveries ({} while the load ran: {:.0}/s); all delivered {:.1} s after the last event ({:.0} deliveries/s overall)",
        load.as_secs_f64(),
        made as f64 / load.as_secs_f64(),
        during,
        during as f64 / load.as_secs_f64(),
        (drained - load).as_secs_f64(),
        expected as f64 / drained.as_secs_f64(),
    );
    println!(
        "[{backend}] event → delivery (receiver reads it; its answer takes {} ms more): p50 {} ms  p99 {} ms  max {} ms",
        options.latency_ms,
        p(0.50),
        p(0.99),
        latencies[latencies.len() - 1]
    );
    println!(
        "[{backend}] peak RSS of the process (worker, receiver, changes, all in it): {}",
        testing::peak_rss()
    );
}

async fn pending(store: &Store) -> i64 {
    store.pending_deliveries().await.unwrap()
}
