//! The sync engine under load: many teams, each with one connected account and its
//! integrations spread over several repositories, several per branch; people edit collections
//! in bursts while the engine's workers (in this process) commit to the Bitbucket sandbox
//! (also in this process, real git repositories, added latency).
//!
//! `cargo bench -p ferry-domain --bench sync -- [--backend sqlite|postgres] [--integrations N]
//!  [--edits-per-second R] [--seconds S] [--latency-ms L] [--workers W] [--burst-edits B]
//!  [--burst-gap-ms G] [--active-teams T]`
//!
//! Without `--backend` it runs on SQLite (a file in a temporary directory), then PostgreSQL
//! (`FERRY_TEST_POSTGRES_URL`, default the local server). It prints, for the edits made during
//! the measured seconds: change→commit latency (from each edit, from the first and from the
//! last edit a commit carried), commits per second, Bitbucket calls per 1,000 edits against
//! one commit per save, and the peak RSS of the process.

#[path = "../tests/domain/fixtures/mod.rs"]
mod fixtures;

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use bitbucket_sandbox::{Config, Faults, Repository, Running, Seed, User, Workspace};
use ferry_domain::{
    accounts::Actor,
    auth::Role,
    bitbucket::{parse_base_url, BitbucketClient, BitbucketConfig, Credential},
    collections::Collections,
    connected_accounts::{ConnectedAccounts, VerifiedIdentity},
    crypto::Keyring,
    store::{
        now_ms,
        sync::{RunOutcome, RunRow},
    },
    sync::{AccountCredentials, BitbucketDestination, SyncConfig, SyncEngine},
    Store,
};
use ferry_testing::{self as testing, TestDatabase};
use rand::{rngs::StdRng, Rng, SeedableRng};
use secrecy::SecretString;

const SCOPES: [&str; 4] = [
    "read:user:bitbucket",
    "read:workspace:bitbucket",
    "read:repository:bitbucket",
    "write:repository:bitbucket",
];
/// Bitbucket limits calls per account, so the integrations are spread over many accounts.
const INTEGRATIONS_PER_ACCOUNT: usize = 100;
const REPOSITORIES_PER_ACCOUNT: usize = 10;
/// Requests in each collection; an edit renames one of them.
const REQUESTS: usize = 20;

#[derive(Debug, Clone)]
struct Options {
    backends: Vec<&'static str>,
    integrations: usize,
    edits_per_second: f64,
    seconds: u64,
    latency_ms: u64,
    workers: usize,
    burst_edits: usize,
    burst_gap: Duration,
    active_teams: usize,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut options = Options {
            backends: vec!["sqlite", "postgres"],
            integrations: 10_000,
            edits_per_second: 200.0,
            seconds: 60,
            latency_ms: 50,
            workers: 16,
            burst_edits: 20,
            burst_gap: Duration::from_millis(100),
            active_teams: 20,
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            // `cargo bench` passes `--bench` to every bench binary.
            if flag == "--bench" {
                continue;
            }
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = |what: &str| {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{flag} takes {what}, not {value:?}"))
            };
            match flag.as_str() {
                "--backend" => {
                    options.backends = match value.as_str() {
                        "sqlite" => vec!["sqlite"],
                        "postgres" => vec!["postgres"],
                        _ => return Err(format!("--backend is sqlite or postgres, not {value:?}")),
                    }
                }
                "--integrations" => {
                    options.integrations = number("a number of integrations")? as usize
                }
                "--edits-per-second" => {
                    options.edits_per_second = value
                        .parse()
                        .map_err(|_| format!("--edits-per-second takes a rate, not {value:?}"))?
                }
                "--seconds" => options.seconds = number("seconds")?,
                "--latency-ms" => options.latency_ms = number("milliseconds")?,
                "--workers" => options.workers = number("a number of workers")? as usize,
                "--burst-edits" => {
                    options.burst_edits = number("a number of edits")?.max(1) as usize
                }
                "--burst-gap-ms" => {
                    options.burst_gap = Duration::from_millis(number("milliseconds")?)
                }
                "--active-teams" => {
                    options.active_teams = number("a number of teams")?.max(1) as usize
                }
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        if options.integrations == 0 || options.edits_per_second <= 0.0 {
            return Err("--integrations and --edits-per-second must be above 0".into());
        }
        Ok(options)
    }

    fn teams(&self) -> usize {
        self.integrations.div_ceil(INTEGRATIONS_PER_ACCOUNT)
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

/// One team: its admin (the editor) and its (collection id, integration id) pairs.
#[derive(Clone)]
struct Team {
    admin: Actor,
    collections: Vec<(String, String)>,
}

async fn run(backend: &str, db: TestDatabase, options: &Options) {
    let setup = Instant::now();
    let data = tempfile::tempdir().unwrap();
    let mut config = Config::new(data.path(), seed(options.teams()));
    config.faults = Faults {
        latency_ms: options.latency_ms,
        ..Faults::default()
    };
    let sandbox = bitbucket_sandbox::start(config).await.unwrap();
    let client = client(&sandbox);
    let keyring = Keyring::generate();
    let teams = populate(&db.store, &keyring, options).await;
    println!(
        "[{backend}] setup: {} teams, {} integrations in {:.1} s",
        teams.len(),
        options.integrations,
        setup.elapsed().as_secs_f64()
    );

    let config = SyncConfig {
        workers: options.workers,
        ..SyncConfig::default()
    };
    let debounce = config.debounce;
    let engine = SyncEngine::new(
        db.store.clone(),
        BitbucketDestination::new(client, AccountCredentials::new(db.store.clone(), keyring)),
        config,
    );
    let workers = engine.start();
    let initial = Instant::now();
    drain(&db.store, Duration::from_secs(1_800)).await;
    println!(
        "[{backend}] initial commits of every integration: {:.1} s, {} Bitbucket calls",
        initial.elapsed().as_secs_f64(),
        engine.destination().client().calls().total()
    );

    let calls_before = engine.destination().client().calls().total();
    let started_ms = now_ms();
    let edits = edit_in_bursts(&db.store, &teams, options).await;
    let edited_ms = now_ms();
    drain(&db.store, debounce + Duration::from_secs(600)).await;
    let drained_ms = now_ms();
    let calls = engine.destination().client().calls().total() - calls_before;
    workers.shutdown();

    let report = Report::new(&db.store, &edits, started_ms).await;
    let seconds = |ms: i64| ms as f64 / 1000.0;
    println!("[{backend}] {} edits in {:.1} s ({:.0} edits/s) on {} collections; queue empty {:.1} s after the last edit",
        edits.len(), seconds(edited_ms - started_ms), edits.len() as f64 * 1000.0 / (edited_ms - started_ms) as f64,
        report.integrations, seconds(drained_ms - edited_ms));
    println!("[{backend}] change→commit, from each edit:              p50 {:>6} ms  p99 {:>6} ms  max {:>6} ms",
        report.per_edit.p(0.50), report.per_edit.p(0.99), report.per_edit.p(1.0));
    println!("[{backend}] change→commit, from the first edit carried: p50 {:>6} ms  p99 {:>6} ms  max {:>6} ms (sync_runs.latency_ms)",
        report.from_first.p(0.50), report.from_first.p(0.99), report.from_first.p(1.0));
    println!("[{backend}] change→commit, from the last edit carried:  p50 {:>6} ms  p99 {:>6} ms  max {:>6} ms (target p99 ≤ {} ms)",
        report.from_last.p(0.50), report.from_last.p(0.99), report.from_last.p(1.0), debounce.as_millis() + 1_000);
    println!("[{backend}] {} commits carrying {} integration runs ({} failed runs): {:.1} commits/s over {:.1} s",
        report.commits, report.runs, report.failed, report.commits as f64 * 1000.0 / (report.last_commit_ms - started_ms) as f64,
        seconds(report.last_commit_ms - started_ms));
    println!("[{backend}] Bitbucket calls: {calls} = {:.1} per 1,000 edits; one commit per save would make {}: {:.1}× fewer (target ≥ 20×)",
        calls as f64 * 1000.0 / edits.len() as f64, edits.len(), edits.len() as f64 / calls.max(1) as f64);
    println!(
        "[{backend}] peak RSS of the process (sandbox, engine, edits, all in it): {}",
        testing::peak_rss()
    );
    db.store.close().await;
}

/// Every team's user, workspace and repositories in the sandbox.
fn seed(teams: usize) -> Seed {
    (0..teams).fold(Seed::default(), |seed, t| {
        let workspace = (0..REPOSITORIES_PER_ACCOUNT).fold(
            Workspace::new(&format!("ws{t}")).member(&format!("u{t}"), true),
            |workspace, r| workspace.repository(Repository::new(&format!("repo{r}"))),
        );
        seed.user(
            User::new(&format!("u{t}"), &format!("u{t}@example.com")).api_token(&token(t), &SCOPES),
        )
        .workspace(workspace)
    })
}

fn token(team: usize) -> String {
    format!("ATATT-bench-{team}")
}

fn client(sandbox: &Running) -> BitbucketClient {
    let api = parse_base_url(&sandbox.api_url()).unwrap();
    let web = parse_base_url(sandbox.url()).unwrap();
    BitbucketClient::new(BitbucketConfig::new(api, web)).unwrap()
}

/// Teams, each with a connected account and its share of the integrations, one collection
/// each, spread over the team's repositories (so several share a branch).
async fn populate(store: &Store, keyring: &Keyring, options: &Options) -> Vec<Team> {
    let mut teams = Vec::new();
    for t in 0..options.teams() {
        let admin = fixtures::member(store, &format!("editor{t}@example.com"), Role::Admin).await;
        let credential = Credential::ApiToken {
            email: format!("u{t}@example.com"),
            token: SecretString::from(token(t)),
        };
        let identity = VerifiedIdentity {
            display_name: format!("U{t}"),
            username: format!("u{t}"),
            user_uuid: format!("{{{t}}}"),
        };
        let account = ConnectedAccounts::new(store, keyring)
            .create(&admin, "Bitbucket", &credential, &identity)
            .await
            .unwrap()
            .id;
        let count =
            INTEGRATIONS_PER_ACCOUNT.min(options.integrations - t * INTEGRATIONS_PER_ACCOUNT);
        let mut collections = Vec::new();
        for n in 0..count {
            let id = format!("c{t}-{n}");
            Collections::new(store)
                .create(&admin, document(&id, 0))
                .await
                .unwrap();
            let repository = format!("repo{}", n % REPOSITORIES_PER_ACCOUNT);
            let integration = fixtures::integration_to(
                store,
                &admin,
                &account,
                &id,
                &format!("ws{t}"),
                &repository,
                "main",
                &format!("{id}.json"),
            )
            .await;
            collections.push((id, integration));
        }
        teams.push(Team { admin, collections });
    }
    teams
}

/// The collection's document after edit number `edit`: one request renamed.
fn document(id: &str, edit: usize) -> ferry_domain::postman::Collection {
    let names: Vec<String> = (0..REQUESTS)
        .map(|r| {
            if r == edit % REQUESTS && edit > 0 {
                format!("Request {r} v{edit}")
            } else {
                format!("Request {r}")
            }
        })
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    fixtures::document(id, &format!("API {id}"), &names)
}

/// One saved edit: the collection, the revision it made, and when the save began.
#[derive(Debug, Clone)]
struct Edit {
    collection: String,
    integration: String,
    team_id: String,
    revision: i64,
    at_ms: i64,
}

/// Editors, each making bursts of `burst_edits` saves `burst_gap` apart on one collection of
/// one of the first `active_teams` teams, as many editors as it takes to reach the edit rate.
async fn edit_in_bursts(store: &Store, teams: &[Team], options: &Options) -> Vec<Edit> {
    let editors = (options.edits_per_second * options.burst_gap.as_secs_f64())
        .ceil()
        .max(1.0) as usize;
    let gap = Duration::from_secs_f64(editors as f64 / options.edits_per_second);
    let active = options.active_teams.min(teams.len());
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let burst_edits = options.burst_edits;
    let edits = Arc::new(Mutex::new(Vec::new()));
    let counts: Arc<Mutex<Counts>> = Arc::default();
    let teams = Arc::new(teams[..active].to_vec());
    let mut tasks = Vec::new();
    for editor in 0..editors {
        let (store, edits, counts, teams) =
            (store.clone(), edits.clone(), counts.clone(), teams.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(editor as u64);
            // Editors start spread over one gap, so the rate is even.
            tokio::time::sleep(gap.mul_f64(editor as f64 / editors as f64)).await;
            let mut tick = tokio::time::interval(gap);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while Instant::now() < deadline {
                let team = rng.random_range(0..teams.len());
                let Team { admin, collections } = &teams[team];
                let (collection, integration) =
                    &collections[rng.random_range(0..collections.len())];
                let Some(mut count) = counts.lock().unwrap().take(collection) else {
                    continue;
                };
                for _ in 0..burst_edits {
                    tick.tick().await;
                    if Instant::now() >= deadline {
                        break;
                    }
                    count += 1;
                    let at_ms = now_ms();
                    let saved = Collections::new(&store)
                        .replace(admin, collection, document(collection, count))
                        .await
                        .unwrap();
                    edits.lock().unwrap().push(Edit {
                        collection: collection.clone(),
                        integration: integration.clone(),
                        team_id: admin.team_id.clone(),
                        revision: saved.row.revision,
                        at_ms,
                    });
                }
                counts.lock().unwrap().release(collection, count);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    Arc::try_unwrap(edits).unwrap().into_inner().unwrap()
}

/// Edits made so far per collection, and the collections an editor holds right now (one
/// person edits a collection at a time).
#[derive(Default)]
struct Counts {
    edits: HashMap<String, usize>,
    held: HashSet<String>,
}

impl Counts {
    /// The collection's edit count, holding it; `None` when another editor holds it.
    fn take(&mut self, collection: &str) -> Option<usize> {
        self.held
            .insert(collection.to_owned())
            .then(|| self.edits.get(collection).copied().unwrap_or(0))
    }

    fn release(&mut self, collection: &str, count: usize) {
        self.held.remove(collection);
        self.edits.insert(collection.to_owned(), count);
    }
}

/// Waits until no sync job is queued or running.
async fn drain(store: &Store, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let (queued, _) = store.job_counts(now_ms()).await.unwrap();
        if queued == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{queued} sync jobs still queued after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Latencies in milliseconds.
#[derive(Default)]
struct Latencies(Vec<i64>);

impl Latencies {
    fn p(&self, quantile: f64) -> i64 {
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        match sorted.len() {
            0 => 0,
            n => sorted[((n as f64 * quantile).ceil() as usize).clamp(1, n) - 1],
        }
    }
}

/// What the run log says about the edits made.
struct Report {
    per_edit: Latencies,
    from_first: Latencies,
    from_last: Latencies,
    integrations: usize,
    runs: usize,
    failed: usize,
    commits: usize,
    last_commit_ms: i64,
}

impl Report {
    async fn new(store: &Store, edits: &[Edit], started_ms: i64) -> Report {
        let mut by_collection: HashMap<&str, Vec<&Edit>> = HashMap::new();
        for edit in edits {
            by_collection
                .entry(edit.collection.as_str())
                .or_default()
                .push(edit);
        }
        let mut report = Report {
            per_edit: Latencies::default(),
            from_first: Latencies::default(),
            from_last: Latencies::default(),
            integrations: by_collection.len(),
            runs: 0,
            failed: 0,
            commits: 0,
            last_commit_ms: started_ms,
        };
        let mut commits = HashSet::new();
        for (collection, edits) in by_collection {
            let team_id = edits[0].team_id.as_str();
            let runs: Vec<RunRow> = store
                .runs(team_id, &edits[0].integration, 100_000)
                .await
                .unwrap()
                .into_iter()
                .filter(|run| run.started_at_ms >= started_ms)
                .collect();
            report.failed += runs
                .iter()
                .filter(|run| run.outcome == RunOutcome::Failed)
                .count();
            let mut committed: Vec<&RunRow> = runs
                .iter()
                .filter(|run| run.outcome == RunOutcome::Committed)
                .collect();
            committed.sort_by_key(|run| run.finished_at_ms);
            report.runs += committed.len();
            let mut previous_revision = 0;
            for run in &committed {
                let revision = run.revision.unwrap_or(0);
                let carried: Vec<&&Edit> = edits
                    .iter()
                    .filter(|edit| edit.revision > previous_revision && edit.revision <= revision)
                    .collect();
                for edit in &carried {
                    report.per_edit.0.push(run.finished_at_ms - edit.at_ms);
                }
                if let Some(last) = carried.iter().map(|edit| edit.at_ms).max() {
                    report.from_last.0.push(run.finished_at_ms - last);
                }
                report.from_first.0.extend(run.latency_ms);
                commits.extend(run.commit_hash.clone());
                report.last_commit_ms = report.last_commit_ms.max(run.finished_at_ms);
                previous_revision = revision;
            }
            let uncommitted = edits
                .iter()
                .filter(|edit| edit.revision > previous_revision)
                .count();
            assert_eq!(
                uncommitted, 0,
                "{uncommitted} edits of {collection} were never committed"
            );
        }
        report.commits = commits.len();
        report
    }
}
