//! The sync engine against the real sandbox (real git repositories): what it commits, how it
//! coalesces, shares commits, survives a moved branch, refreshes OAuth tokens, stops on a
//! revoked credential, and lands every final state exactly once through injected faults.

use std::{path::PathBuf, process::Command, time::Duration};

use crate::fixtures::{collection, edit, member};
use bitbucket_sandbox::{
    Config, Faults, OAuthConsumer as SeedConsumer, Repository, Running, Seed, User, Workspace,
};
use ferry_domain::{
    accounts::Actor,
    auth::Role,
    bitbucket::{
        parse_base_url, BitbucketClient, BitbucketConfig, CommitRequest, Credential, OAuthConsumer,
        Url,
    },
    collections::Collections,
    connected_accounts::{ConnectedAccounts, VerifiedIdentity},
    crypto::Keyring,
    integrations::{IntegrationStatus, Integrations},
    store::{now_ms, sync::Trigger},
    sync::{AccountCredentials, BitbucketDestination, BitbucketSync, SyncConfig, SyncEngine},
    Store,
};
use ferry_testing::{self as testing, TestDatabase};
use secrecy::SecretString;

const EMAIL: &str = "alice@example.com";
const TOKEN: &str = "ATATT-sync-token";
const CONSUMER_KEY: &str = "ferry-consumer";
const CONSUMER_SECRET: &str = "ferry-consumer-secret";
const CALLBACK: &str = "http://127.0.0.1:3000/integrations/bitbucket/oauth/callback";
const SCOPES: [&str; 4] = [
    "read:user:bitbucket",
    "read:workspace:bitbucket",
    "read:repository:bitbucket",
    "write:repository:bitbucket",
];

struct World {
    sandbox: Running,
    data: tempfile::TempDir,
    db: TestDatabase,
    keyring: Keyring,
    client: BitbucketClient,
    admin: Actor,
}

impl World {
    async fn start(db: TestDatabase, adjust: impl FnOnce(&mut Config)) -> World {
        let seed = Seed::default()
            .user(User::new("alice", EMAIL).api_token(TOKEN, &SCOPES))
            .workspace(
                Workspace::new("acme")
                    .member("alice", true)
                    .repository(Repository::new("backups")),
            )
            .oauth_consumer(SeedConsumer::new(CONSUMER_KEY, CONSUMER_SECRET, CALLBACK));
        let data = tempfile::tempdir().unwrap();
        let mut config = Config::new(data.path(), seed);
        adjust(&mut config);
        let sandbox = bitbucket_sandbox::start(config).await.unwrap();
        let api = parse_base_url(&sandbox.api_url()).unwrap();
        let web = parse_base_url(sandbox.url()).unwrap();
        let client =
            BitbucketClient::new(BitbucketConfig::new(api, web).with_oauth(OAuthConsumer {
                key: CONSUMER_KEY.to_owned(),
                secret: SecretString::from(CONSUMER_SECRET.to_owned()),
                redirect_url: Url::parse(CALLBACK).unwrap(),
            }))
            .unwrap();
        let admin = member(&db.store, "ada@example.com", Role::Admin).await;
        World {
            sandbox,
            data,
            keyring: Keyring::generate(),
            client,
            db,
            admin,
        }
    }

    fn store(&self) -> &Store {
        &self.db.store
    }

    fn engine(&self, debounce_ms: u64) -> BitbucketSync {
        let config = SyncConfig {
            debounce: Duration::from_millis(debounce_ms),
            // Fault runs retry until they land; the budget has its own unit test.
            max_attempts: 1_000,
            calls_per_account_hour: 1_000_000,
            retry_base: Duration::from_millis(20),
            retry_max: Duration::from_millis(200),
            poll: Duration::from_millis(50),
            ..SyncConfig::default()
        };
        let credentials = AccountCredentials::new(self.store().clone(), self.keyring.clone());
        SyncEngine::new(
            self.store().clone(),
            BitbucketDestination::new(self.client.clone(), credentials),
            config,
        )
    }

    async fn connect(&self, credential: Credential) -> String {
        let identity = VerifiedIdentity {
            display_name: "Alice".into(),
            username: "alice".into(),
            user_uuid: "{a}".into(),
        };
        let label = format!("Alice {}", uuid::Uuid::new_v4().simple());
        ConnectedAccounts::new(self.store(), &self.keyring)
            .create(&self.admin, &label, &credential, &identity)
            .await
            .unwrap()
            .id
    }

    async fn integrate(&self, account: &str, collection_id: &str, filename: &str) -> String {
        crate::fixtures::integration_to(
            self.store(),
            &self.admin,
            account,
            collection_id,
            "acme",
            "backups",
            "main",
            filename,
        )
        .await
    }

    fn bare(&self) -> PathBuf {
        self.data.path().join("repositories/acme/backups.git")
    }

    fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .arg("--git-dir")
            .arg(self.bare())
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn commits(&self) -> usize {
        self.git(&["rev-list", "--count", "main"])
            .trim()
            .parse()
            .unwrap()
    }

    fn file(&self, path: &str) -> String {
        self.git(&["show", &format!("main:{path}")])
    }

    async fn canonical(&self, id: &str) -> String {
        Collections::new(self.store())
            .get(&self.admin, id)
            .await
            .unwrap()
            .collection
            .to_canonical_json()
    }
}

fn api_token() -> Credential {
    Credential::ApiToken {
        email: EMAIL.into(),
        token: SecretString::from(TOKEN.to_owned()),
    }
}

async fn sqlite_world() -> World {
    World::start(testing::sqlite().await, |_| {}).await
}

#[tokio::test(flavor = "multi_thread")]
async fn workers_commit_the_collection_as_its_editor_and_never_an_empty_commit() {
    let world = sqlite_world().await;
    let account = world.connect(api_token()).await;
    collection(world.store(), &world.admin, "users", "Users API").await;
    edit(
        world.store(),
        &world.admin,
        "users",
        "Users API",
        &["List users"],
    )
    .await;
    let id = world.integrate(&account, "users", "users.json").await;
    let before = world.commits();

    let engine = world.engine(100);
    let workers = engine.start();
    wait_for(|| world.commits() == before + 1).await;
    assert_eq!(
        world.file("Postman Collections/users.json"),
        world.canonical("users").await
    );
    assert_eq!(
        world
            .git(&["log", "-1", "--format=%an <%ae>|%s", "main"])
            .trim(),
        "ada <ada@example.com>|Add \"Users API\": added \"List users\""
    );

    edit(
        world.store(),
        &world.admin,
        "users",
        "Users API",
        &["List users", "Create user"],
    )
    .await;
    wait_for(|| world.commits() == before + 2).await;
    assert_eq!(
        world.git(&["log", "-1", "--format=%s", "main"]).trim(),
        "Update \"Users API\": added \"Create user\""
    );
    assert_eq!(
        world.file("Postman Collections/users.json"),
        world.canonical("users").await
    );

    // Run by hand with nothing new: a run, no commit.
    world
        .store()
        .enqueue_now(&world.admin.team_id, &id, Trigger::Manual, now_ms())
        .await
        .unwrap();
    engine.wake();
    wait_for_runs(world.store(), &world.admin.team_id, &id, 3).await;
    workers.shutdown();
    assert_eq!(world.commits(), before + 2, "no empty commit");
    let runs = world
        .store()
        .runs(&world.admin.team_id, &id, 10)
        .await
        .unwrap();
    let outcomes: Vec<_> = runs
        .iter()
        .map(|run| (run.trigger.as_str(), run.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("manual", "no_changes"),
            ("change", "committed"),
            ("initial", "committed")
        ]
    );
    assert!(runs[1]
        .commit_hash
        .as_deref()
        .is_some_and(|hash| hash.len() == 40));
    assert!(runs[1].latency_ms.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_fifty_edits_is_one_commit() {
    let world = sqlite_world().await;
    let account = world.connect(api_token()).await;
    collection(world.store(), &world.admin, "users", "Users API").await;
    world.integrate(&account, "users", "users.json").await;
    let engine = world.engine(400);
    engine.run_due().await.unwrap();
    let before = world.commits();

    let mut requests: Vec<String> = Vec::new();
    for n in 0..50 {
        requests.push(format!("Request {n}"));
        let names: Vec<&str> = requests.iter().map(String::as_str).collect();
        edit(world.store(), &world.admin, "users", "Users API", &names).await;
        assert_eq!(
            engine.run_due().await.unwrap(),
            0,
            "nothing is due during the burst"
        );
    }
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(engine.run_due().await.unwrap(), 1);
    assert_eq!(world.commits(), before + 1, "fifty edits, one commit");
    assert_eq!(
        world.file("Postman Collections/users.json"),
        world.canonical("users").await
    );
    let subject = world.git(&["log", "-1", "--format=%s", "main"]);
    assert!(
        subject.starts_with("Update \"Users API\": added \"Request 0\""),
        "{subject}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn integrations_on_one_branch_share_one_commit() {
    let world = sqlite_world().await;
    let account = world.connect(api_token()).await;
    for (id, name) in [
        ("users", "Users API"),
        ("orders", "Orders API"),
        ("billing", "Billing API"),
    ] {
        collection(world.store(), &world.admin, id, name).await;
        world.integrate(&account, id, &format!("{id}.json")).await;
    }
    let before = world.commits();
    world.engine(0).run_due().await.unwrap();
    assert_eq!(world.commits(), before + 1, "three files, one commit");
    let files = world.git(&["show", "--name-only", "--format=%s", "main"]);
    for id in ["users", "orders", "billing"] {
        assert!(
            files.contains(&format!("Postman Collections/{id}.json")),
            "{files}"
        );
        assert_eq!(
            world.file(&format!("Postman Collections/{id}.json")),
            world.canonical(id).await
        );
    }
    assert!(files.starts_with("Update 3 collections"), "{files}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_branch_moved_by_someone_else_is_committed_on_top() {
    let world = sqlite_world().await;
    let account = world.connect(api_token()).await;
    collection(world.store(), &world.admin, "users", "Users API").await;
    world.integrate(&account, "users", "users.json").await;
    let engine = world.engine(0);
    engine.run_due().await.unwrap();

    // A person pushes to the branch; Ferry's remembered tip is now stale (409).
    let tip = world.git(&["rev-parse", "main"]).trim().to_owned();
    world
        .client
        .commit_files(
            &api_token(),
            CommitRequest {
                workspace: "acme".into(),
                repository: "backups".into(),
                branch: "main".into(),
                parent: Some(ferry_domain::bitbucket::CommitHash::parse(&tip).unwrap()),
                author: "Bob <bob@example.com>".into(),
                message: "Docs".into(),
                files: vec![("docs/notes.md".into(), b"notes\n".to_vec())],
                deletions: Vec::new(),
            },
        )
        .await
        .unwrap();
    edit(
        world.store(),
        &world.admin,
        "users",
        "Users API",
        &["List users"],
    )
    .await;
    engine.run_due().await.unwrap();
    assert_eq!(
        world.git(&["log", "-1", "--format=%s", "main"]).trim(),
        "Update \"Users API\": added \"List users\""
    );
    assert_eq!(
        world.git(&["log", "-1", "--format=%s", "main~1"]).trim(),
        "Docs"
    );
    assert_eq!(world.file("docs/notes.md"), "notes\n");
    assert_eq!(
        world.file("Postman Collections/users.json"),
        world.canonical("users").await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_needs_reauthentication_and_is_not_retried() {
    let world = sqlite_world().await;
    let account = world.connect(api_token()).await;
    collection(world.store(), &world.admin, "users", "Users API").await;
    let id = world.integrate(&account, "users", "users.json").await;
    let engine = world.engine(0);
    engine.run_due().await.unwrap();

    revoke(&world.sandbox, TOKEN).await;
    edit(
        world.store(),
        &world.admin,
        "users",
        "Users API",
        &["List users"],
    )
    .await;
    engine.run_due().await.unwrap();
    let integration = Integrations::new(world.store())
        .get(&world.admin, &id)
        .await
        .unwrap();
    assert_eq!(integration.status, IntegrationStatus::NeedsReauth);
    assert!(integration
        .status_reason
        .unwrap()
        .contains("re-authenticate"));
    let run = &world
        .store()
        .runs(&world.admin.team_id, &id, 1)
        .await
        .unwrap()[0];
    assert_eq!((run.outcome.as_str(), run.will_retry), ("failed", false));

    let calls = world.sandbox.requests().len();
    edit(
        world.store(),
        &world.admin,
        "users",
        "Users API",
        &["List users", "Create user"],
    )
    .await;
    assert_eq!(
        engine.run_due().await.unwrap(),
        0,
        "nothing queued for an integration that needs re-authentication"
    );
    assert_eq!(world.sandbox.requests().len(), calls, "no retries");
    let audit: Vec<_> = world
        .store()
        .audit_log(&world.admin.team_id, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        audit.contains(&"integration.needs_reauth".to_owned()),
        "{audit:?}"
    );
    // The team's integrations hear of it, from the same transaction as the status.
    let told = world
        .store()
        .activity(&world.admin.team_id, 20)
        .await
        .unwrap();
    let told: Vec<_> = told
        .iter()
        .filter(|e| e.event_type == "integration.needs_reauth")
        .collect();
    assert_eq!(told.len(), 1, "once, when the status changed");
    assert!(told[0]
        .summary
        .contains("needs its account connected again"));
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_oauth_tokens_are_refreshed_and_the_rotated_refresh_token_kept() {
    let world = World::start(testing::sqlite().await, |config| {
        config.access_token_ttl = Duration::from_secs(2)
    })
    .await;
    let credential = oauth_grant(&world).await;
    let Credential::OAuth {
        refresh_token: first_refresh,
        ..
    } = &credential
    else {
        unreachable!()
    };
    let first_refresh = first_refresh.clone();
    let account = world.connect(credential).await;
    collection(world.store(), &world.admin, "users", "Users API").await;
    let id = world.integrate(&account, "users", "users.json").await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;

    let engine = world.engine(0);
    engine.run_due().await.unwrap();
    let run = &world
        .store()
        .runs(&world.admin.team_id, &id, 1)
        .await
        .unwrap()[0];
    assert_eq!(run.outcome.as_str(), "committed", "{:?}", run.error);
    let stored = ConnectedAccounts::new(world.store(), &world.keyring)
        .credential(&world.admin.team_id, &account)
        .await
        .unwrap();
    let Credential::OAuth {
        refresh_token,
        expires_at_ms,
        ..
    } = stored
    else {
        panic!("still OAuth")
    };
    use secrecy::ExposeSecret;
    assert_ne!(
        refresh_token.expose_secret(),
        first_refresh.expose_secret(),
        "the rotated refresh token is stored"
    );
    assert!(expires_at_ms > now_ms());
    assert!(
        world.client.refresh(&first_refresh).await.is_err(),
        "the old refresh token no longer works"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn through_thirty_percent_faults_every_final_state_lands_exactly_once() {
    let world = World::start(testing::postgres().await, |config| {
        // 20 % 5xx, 10 % dropped connections, and 429 once a burst passes 40 calls in 2 s.
        config.faults = Faults {
            error_rate: 0.2,
            error_statuses: vec![500, 502, 503],
            drop_rate: 0.1,
            rate_limit: Some(40),
            rate_limit_window_secs: 2,
            ..Faults::default()
        };
    })
    .await;
    let account = world.connect(api_token()).await;
    let ids: Vec<String> = (0..6).map(|n| format!("c{n}")).collect();
    for id in &ids {
        collection(world.store(), &world.admin, id, &format!("API {id}")).await;
        world.integrate(&account, id, &format!("{id}.json")).await;
    }
    let engine = world.engine(50);
    let workers = engine.start();
    for round in 0..4 {
        for id in &ids {
            let names: Vec<String> = (0..=round).map(|n| format!("{id} request {n}")).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            edit(
                world.store(),
                &world.admin,
                id,
                &format!("API {id}"),
                &names,
            )
            .await;
        }
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut done = true;
        for id in &ids {
            let path = format!("Postman Collections/{id}.json");
            let remote = Command::new("git")
                .arg("--git-dir")
                .arg(world.bare())
                .args(["show", &format!("main:{path}")])
                .output()
                .unwrap();
            done &= remote.status.success()
                && String::from_utf8_lossy(&remote.stdout) == world.canonical(id).await;
        }
        if done {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "final states did not land"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    workers.shutdown();
    world.sandbox.set_faults(Faults::default()).unwrap();
    let calls = world.client.calls().snapshot();
    let faulted = calls
        .iter()
        .filter(|c| c.status.is_none_or(|s| s >= 429))
        .map(|c| c.count)
        .sum::<u64>();
    assert!(faulted > 0, "faults were met: {calls:?}");
    // Exactly once: no commit repeats the content its parent already had.
    for hash in world.git(&["rev-list", "--min-parents=1", "main"]).lines() {
        let changed = world.git(&["diff", "--name-only", &format!("{hash}~1"), hash]);
        assert!(!changed.trim().is_empty(), "commit {hash} changes nothing");
    }
}

async fn revoke(sandbox: &Running, secret: &str) {
    let response = reqwest::Client::new()
        .post(format!("{}/admin/revoke", sandbox.url()))
        .json(&serde_json::json!({ "token": secret }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

/// The consent page walked like a browser (the sandbox's `as=` stands in for being signed in).
async fn oauth_grant(world: &World) -> Credential {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let authorize = world.client.authorize_url("state-1").unwrap();
    assert_eq!(
        browser
            .get(format!("{authorize}&as=alice"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let granted = browser
        .post(format!("{}/site/oauth2/authorize", world.sandbox.url()))
        .form(&[
            ("client_id", CONSUMER_KEY),
            ("state", "state-1"),
            ("username", "alice"),
            ("decision", "grant"),
        ])
        .send()
        .await
        .unwrap();
    let location = granted.headers()["location"].to_str().unwrap().to_owned();
    let code = Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    world.client.exchange_code(&code).await.unwrap()
}

async fn wait_for(done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_runs(store: &Store, team_id: &str, id: &str, count: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while store.runs(team_id, id, 100).await.unwrap().len() < count {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for runs"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
