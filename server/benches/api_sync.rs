//! API sync's latency and Bitbucket calls, through the real server: the router `ferry serve`
//! runs (its webhook receiver and API sync worker), the Bitbucket sandbox (real git
//! repositories, git over smart HTTP, signed `repo:push` deliveries), SQLite or PostgreSQL.
//!
//! `cargo bench -p ferry --bench api_sync -- [--backend sqlite|postgres] [--rounds N]
//!  [--poll-ms P]`
//!
//! For each backend (default: SQLite, then PostgreSQL) it measures, over N rounds:
//! - **push → commit**: Commit and push of an edited definition, until Bitbucket answered the
//!   commit;
//! - **git push → Ferry revision, webhook**: from `git push` returning until Ferry stored the
//!   pushed definition as a revision (delivery, verification, queued check, pull);
//! - **git push → Ferry revision, polling**: the same for an API connected without a webhook,
//!   with the poll interval set to P ms (default 2,000; the latency is at most the interval plus one
//!   pull, so with the default 60 s it is up to about a minute);
//! - the Bitbucket REST calls each push, pull and idle poll makes (the sandbox's request log;
//!   git's own requests are not counted).

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use bitbucket_sandbox::{Config as SandboxConfig, Repository, Running, Seed, User, Workspace};
use ferry::{config::Config, serve::app_router};
use ferry_domain::{
    accounts::{Accounts, Actor},
    api_sync::{worker::WEBHOOK_POLL_FACTOR, ApiSync, ConnectRequest},
    apis::{Apis, NewApi},
    bitbucket::{parse_base_url, BitbucketConfig, Credential},
    connected_accounts::{ConnectedAccounts, VerifiedIdentity},
    crypto::KeySource,
    sync::SyncConfig,
};
use ferry_testing::{self as testing, TestDatabase};
use secrecy::SecretString;

const EMAIL: &str = "bench@example.com";
const TOKEN: &str = "ATATT-api-sync-bench";
const DEFINITION: &str = "postman/schemas/index.yaml";

fn definition(round: usize, side: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo:\n  title: Bench\n  version: 1.0.{round}\npaths:\n  /things:\n    get:\n      summary: List things ({side} {round})\n      responses:\n        '200':\n          description: OK\n"
    )
}

struct Options {
    backends: Vec<&'static str>,
    rounds: usize,
    poll: Duration,
}

fn options() -> Options {
    let mut options = Options {
        backends: vec!["sqlite", "postgres"],
        rounds: 20,
        poll: Duration::from_millis(2_000),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = || args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--backend" => {
                options.backends = match value().as_str() {
                    "postgres" => vec!["postgres"],
                    _ => vec!["sqlite"],
                };
                i += 1;
            }
            "--rounds" => {
                options.rounds = value().parse().expect("--rounds N");
                i += 1;
            }
            "--poll-ms" => {
                options.poll = Duration::from_millis(value().parse().expect("--poll-ms P"));
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    options
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for backend in options.backends.clone() {
        runtime.block_on(run(backend, &options));
    }
}

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Bench Git")
        .env("GIT_AUTHOR_EMAIL", "git@example.com")
        .env("GIT_COMMITTER_NAME", "Bench Git")
        .env("GIT_COMMITTER_EMAIL", "git@example.com")
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The sandbox's REST calls so far (git's smart-HTTP requests left out).
fn rest_calls(sandbox: &Running) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/2.0/"))
        .count()
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "  {name}: p50 {:.0} ms, p90 {:.0} ms, max {:.0} ms ({} rounds)",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(*samples.last().unwrap()),
        samples.len()
    );
}

async fn run(backend: &str, options: &Options) {
    let db: TestDatabase = match backend {
        "postgres" => testing::postgres().await,
        _ => testing::sqlite().await,
    };
    let data = tempfile::tempdir().unwrap();
    let scopes = [
        "read:user:bitbucket",
        "read:workspace:bitbucket",
        "read:repository:bitbucket",
        "write:repository:bitbucket",
        "read:webhook:bitbucket",
        "write:webhook:bitbucket",
        "delete:webhook:bitbucket",
    ];
    let seed = Seed::default()
        .user(User::new("bench", EMAIL).api_token(TOKEN, &scopes))
        .workspace(
            Workspace::new("bench")
                .member("bench", true)
                .repository(Repository::new("hooked"))
                .repository(Repository::new("polled")),
        );
    let sandbox = bitbucket_sandbox::start(SandboxConfig::new(data.path().join("bitbucket"), seed))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let key_source = KeySource::File(data.path().join("encryption-keys"));
    let keyring = key_source.load().unwrap();
    let mut config = Config {
        data_dir: data.path().to_owned(),
        database_url: db.url.clone(),
        listen: addr,
        public_url: format!("http://{addr}"),
        site_root: "target/site".into(),
        demo_sandbox: false,
        bitbucket: BitbucketConfig::new(
            parse_base_url(&sandbox.api_url()).unwrap(),
            parse_base_url(sandbox.url()).unwrap(),
        ),
        sync: Some(SyncConfig {
            calls_per_account_hour: 1_000_000,
            ..SyncConfig::default()
        }),
        api_sync: Default::default(),
        hooks: Default::default(),
        key_source,
        security: Default::default(),
        limits: Default::default(),
    };
    config.api_sync.poll = options.poll;
    let public_url = config.public_url.clone();
    let (router, sync, worker, _hooks) = app_router(db.store.clone(), keyring.clone(), config)
        .await
        .unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let worker_task = worker.start();

    let store = &db.store;
    let (user_id, team_id) = store
        .create_user_with_team(EMAIL, "hash", "")
        .await
        .unwrap();
    let actor: Actor = Accounts::new(store)
        .session_actor(&user_id, &team_id, 0)
        .await
        .unwrap()
        .unwrap();
    let account = ConnectedAccounts::new(store, &keyring)
        .create(
            &actor,
            "Bench",
            &Credential::ApiToken {
                email: EMAIL.into(),
                token: SecretString::from(TOKEN.to_owned()),
            },
            &VerifiedIdentity {
                display_name: "Bench".into(),
                username: "bench".into(),
                user_uuid: "{b}".into(),
            },
        )
        .await
        .unwrap()
        .id;
    let api_sync = ApiSync::new(store, &keyring, &sync).with_public_url(&public_url);
    // Connected without a public URL: no webhook, so only polling finds its pushes.
    let polled_sync = ApiSync::new(store, &keyring, &sync);
    let apis = Apis::new(store);
    let mut connected = Vec::new();
    for repository in ["hooked", "polled"] {
        let connecting = if repository == "hooked" {
            &api_sync
        } else {
            &polled_sync
        };
        let api = apis
            .create(
                &actor,
                NewApi::Import {
                    text: &definition(0, repository),
                    summary: "",
                },
            )
            .await
            .unwrap()
            .row
            .id;
        connecting
            .connect(
                &actor,
                &api,
                ConnectRequest {
                    account_id: account.clone(),
                    workspace: "bench".into(),
                    repository: repository.into(),
                    branch: "main".into(),
                    ..ConnectRequest::default()
                },
            )
            .await
            .unwrap();
        connected.push(api);
    }
    // Let the first checks of both connections run.
    tokio::time::sleep(Duration::from_millis(500)).await;

    println!("API sync on {backend} ({} rounds)", options.rounds);

    // Commit and push.
    let hooked = &connected[0];
    let mut pushes = Vec::new();
    let mut push_calls = usize::MAX;
    for round in 1..=options.rounds {
        apis.replace_definition(&actor, hooked, &definition(round, "Ferry"), None)
            .await
            .unwrap();
        let calls = rest_calls(&sandbox);
        let started = Instant::now();
        api_sync
            .push(&actor, hooked, &format!("Round {round}"))
            .await
            .unwrap();
        pushes.push(started.elapsed());
        // A delivery of Ferry's own commit may add a check's call to a round: the least is the push.
        push_calls = push_calls.min(rest_calls(&sandbox) - calls);
    }
    summary("push → commit", pushes);

    // git push → Ferry revision, through the webhook and through polling.
    let mut pull_calls = usize::MAX;
    for (api, repository, label) in [
        (
            &connected[0],
            "hooked",
            "git push → Ferry revision (webhook)",
        ),
        (
            &connected[1],
            "polled",
            "git push → Ferry revision (polling)",
        ),
    ] {
        let host = sandbox.url().trim_start_matches("http://").to_owned();
        let remote = format!("http://bench%40example.com:{TOKEN}@{host}/bench/{repository}.git");
        let root: PathBuf = data.path().join(format!("work-{repository}"));
        std::fs::create_dir_all(&root).unwrap();
        {
            let (root, remote) = (root.clone(), remote.clone());
            tokio::task::spawn_blocking(move || git(&root, &["clone", "-q", &remote, "repo"]))
                .await
                .unwrap();
        }
        let mut samples = Vec::new();
        for round in 1..=options.rounds {
            let text = definition(round, &format!("git {repository}"));
            let work = root.join("repo");
            let pushed = {
                let text = text.clone();
                tokio::task::spawn_blocking(move || {
                    git(&work, &["pull", "-q", "--ff-only"]);
                    std::fs::write(work.join(DEFINITION), text).unwrap();
                    git(&work, &["commit", "-q", "-am", "bench"]);
                    git(&work, &["push", "-q", "origin", "HEAD:main"]);
                    Instant::now()
                })
                .await
                .unwrap()
            };
            let calls = rest_calls(&sandbox);
            loop {
                let (_, current) = store.api(&team_id, api).await.unwrap().unwrap();
                if current == text {
                    break;
                }
                assert!(
                    pushed.elapsed() < Duration::from_secs(120),
                    "{label}: never arrived"
                );
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            samples.push(pushed.elapsed());
            if repository == "hooked" {
                pull_calls = pull_calls.min(rest_calls(&sandbox) - calls);
            }
        }
        summary(label, samples);
    }

    // An idle poll: the branch tip, nothing else.
    let calls = rest_calls(&sandbox);
    store
        .request_api_check(
            &team_id,
            &connected[1],
            ferry_domain::store::now_ms(),
            false,
        )
        .await
        .unwrap();
    worker.wake();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_poll_calls = rest_calls(&sandbox) - calls;
    worker_task.abort();

    let per_hour = |interval_s: u64| 1_000 * 3_600 / interval_s * idle_poll_calls as u64;
    println!("  Bitbucket calls: {push_calls} per push, {pull_calls} per pull of one changed file (webhook-triggered), {idle_poll_calls} per idle poll");
    println!(
        "  polling 1,000 connected APIs: {} calls/hour at the default 60 s without webhooks, {} with webhooks (every {} s); an account's budget is 1,000 calls/hour",
        per_hour(60),
        per_hour(60 * u64::from(WEBHOOK_POLL_FACTOR)),
        60 * WEBHOOK_POLL_FACTOR
    );
}
