//! Crash safety of the sync engine with the real binary: `ferry serve` processes are killed
//! with SIGKILL again and again during a stream of edits and started again. Every
//! collection's final content reaches the repository, and no commit repeats what its parent
//! already held. Once with one process on SQLite, once with two processes on one PostgreSQL.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use bitbucket_sandbox::{Config as SandboxConfig, Repository, Running, Seed, User, Workspace};
use ferry_domain::{
    accounts::{Accounts, Actor, FirstTeam},
    bitbucket::Credential,
    collections::Collections,
    connected_accounts::{ConnectedAccounts, VerifiedIdentity},
    crypto::KeySource,
    integrations::{IntegrationDraft, Integrations},
    postman::Collection,
};
use ferry_testing::{self as testing, TestDatabase};

use crate::common::serve_process::ServeProcess;
use secrecy::SecretString;

const TOKEN: &str = "ATATT-crash-token";
const COLLECTIONS: usize = 4;

#[tokio::test(flavor = "multi_thread")]
async fn one_process_on_sqlite_killed_repeatedly_loses_and_repeats_nothing() {
    crash_run(testing::sqlite().await, 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_on_postgres_killed_in_turn_lose_and_repeat_nothing() {
    crash_run(testing::postgres().await, 2).await;
}

fn serve(db: &TestDatabase, data_dir: &Path, sandbox: &Running) -> ServeProcess {
    let (api, web) = (sandbox.api_url().to_string(), sandbox.url().to_string());
    ServeProcess::start(
        db,
        data_dir,
        &[
            ("FERRY_BITBUCKET_API_URL", api.as_str()),
            ("FERRY_BITBUCKET_URL", web.as_str()),
            ("FERRY_SYNC_DEBOUNCE_MS", "100"),
            ("FERRY_SYNC_LEASE_MS", "3000"),
        ],
    )
}

async fn crash_run(db: TestDatabase, processes: usize) {
    let data = tempfile::tempdir().unwrap();
    let seed = Seed::default()
        .user(User::new("alice", "alice@example.com").api_token(
            TOKEN,
            &[
                "read:user:bitbucket",
                "read:workspace:bitbucket",
                "read:repository:bitbucket",
                "write:repository:bitbucket",
            ],
        ))
        .workspace(
            Workspace::new("acme")
                .member("alice", true)
                .repository(Repository::new("backups")),
        );
    let sandbox = bitbucket_sandbox::start(SandboxConfig::new(data.path().join("sandbox"), seed))
        .await
        .unwrap();
    let bare = data.path().join("sandbox/repositories/acme/backups.git");

    // The servers open secrets with the key file in their data directory; so does the test.
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
    let ada: Actor = accounts
        .session_actor(&signed_up.user_id, &signed_up.team_id, 0)
        .await
        .unwrap()
        .unwrap();
    let credential = Credential::ApiToken {
        email: "alice@example.com".into(),
        token: SecretString::from(TOKEN.to_owned()),
    };
    let identity = VerifiedIdentity {
        display_name: "Alice".into(),
        username: "alice".into(),
        user_uuid: "{a}".into(),
    };
    let account = ConnectedAccounts::new(store, &keyring)
        .create(&ada, "Alice", &credential, &identity)
        .await
        .unwrap()
        .id;
    let mut ids = Vec::new();
    for n in 0..COLLECTIONS {
        let created = Collections::new(store)
            .create(&ada, Collection::new(&format!("API {n}")).unwrap())
            .await
            .unwrap();
        let draft = IntegrationDraft {
            collection_id: created.row.id.clone(),
            account_id: account.clone(),
            workspace: "acme".into(),
            repository: "backups".into(),
            // Two branches: grouped commits and separate ones both crash.
            branch: if n % 2 == 0 {
                "main".into()
            } else {
                "backups".into()
            },
            directory: "Postman Collections".into(),
            filename: format!("api-{n}.json"),
        };
        Integrations::new(store).create(&ada, &draft).await.unwrap();
        ids.push((created.row.id, draft.branch, draft.filename));
    }

    let mut servers: Vec<ServeProcess> = (0..processes)
        .map(|_| serve(&db, &ferry_data, &sandbox))
        .collect();
    let started = Instant::now();
    let mut edits = 0;
    let mut kills = 0;
    let mut victim = 0;
    while started.elapsed() < Duration::from_secs(12) {
        let (id, _, _) = &ids[edits % COLLECTIONS];
        let mut current = Collections::new(store)
            .get(&ada, id)
            .await
            .unwrap()
            .collection;
        current
            .set_name(&format!("API {} edit {edits}", edits % COLLECTIONS))
            .unwrap();
        Collections::new(store)
            .replace(&ada, id, current)
            .await
            .unwrap();
        edits += 1;
        if edits % 12 == 0 {
            servers[victim].kill_9();
            servers[victim] = serve(&db, &ferry_data, &sandbox);
            kills += 1;
            victim = (victim + 1) % processes;
        }
        tokio::time::sleep(Duration::from_millis(80)).await;
    }
    assert!(kills >= 5, "{kills} kills");

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut landed = 0;
        for (id, branch, filename) in &ids {
            let expected = Collections::new(store)
                .get(&ada, id)
                .await
                .unwrap()
                .collection
                .to_canonical_json();
            if show(&bare, branch, &format!("Postman Collections/{filename}")).as_deref()
                == Some(expected.as_str())
            {
                landed += 1;
            }
        }
        if landed == ids.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after {edits} edits and {kills} kills, {landed}/{} final states landed",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(servers);

    for branch in ["main", "backups"] {
        let commits = git(&bare, &["rev-list", "--min-parents=1", branch]);
        for hash in commits.lines() {
            let changed = git(&bare, &["diff", "--name-only", &format!("{hash}~1"), hash]);
            assert!(
                !changed.trim().is_empty(),
                "commit {hash} on {branch} repeats its parent"
            );
        }
    }
}

fn git(bare: &PathBuf, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("--git-dir")
        .arg(bare)
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

fn show(bare: &Path, branch: &str, path: &str) -> Option<String> {
    let output = Command::new("git")
        .arg("--git-dir")
        .arg(bare)
        .args(["show", &format!("{branch}:{path}")])
        .output()
        .unwrap();
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).unwrap())
}
