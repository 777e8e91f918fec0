//! The sync controls end to end over HTTP, with the server's own sync workers committing to the
//! Bitbucket sandbox (real git repositories), on both databases: Add Integration commits the
//! collection; an edit through the request editor's form commits it as its editor; the Run
//! log shows each run; Pause holds edits back; Resume commits the latest state once; Run now
//! with nothing new records "No changes"; the name and email set on Profile author the commits.
//! The repository is read with `git clone`.

use std::{process::Command, time::Duration};

use crate::common::{location, Db, TestServer};
use bitbucket_sandbox::{Config as SandboxConfig, Repository, Running, Seed, User, Workspace};
use ferry_domain::{
    accounts::{Accounts, Actor},
    bitbucket::{parse_base_url, BitbucketConfig, Credential},
    collections::Collections,
    connected_accounts::{ConnectedAccounts, VerifiedIdentity},
    postman::Collection,
    sync::SyncConfig,
};
use secrecy::SecretString;

const PASSWORD: &str = "correct horse battery staple";
const TOKEN: &str = "ATATT-flow-token";
const APP_PASSWORD: &str = "flow-app-password";
const BRANCH: &str = "ferry-backups";
const FILE: &str = "Postman Collections/Users API.postman_collection.json";

ferry_testing::on_both!(
    edits_commit_pause_holds_them_and_resume_commits_once,
    the_profiles_name_and_email_author_the_commits
);

async fn sandbox(dir: &std::path::Path) -> Running {
    let scopes = [
        "read:user:bitbucket",
        "read:workspace:bitbucket",
        "read:repository:bitbucket",
        "write:repository:bitbucket",
    ];
    let seed = Seed::default()
        .user(
            User::new("demo", "demo@example.com")
                .api_token(TOKEN, &scopes)
                .app_password(APP_PASSWORD, &["repository"]),
        )
        .workspace(
            Workspace::new("demo")
                .member("demo", true)
                .repository(Repository::new("postman-backups")),
        );
    bitbucket_sandbox::start(SandboxConfig::new(dir, seed))
        .await
        .unwrap()
}

/// Runs git off the runtime's thread: the sandbox answering it runs on that thread.
async fn git(args: Vec<String>) -> String {
    tokio::task::spawn_blocking(move || {
        let out = Command::new("git").args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    })
    .await
    .unwrap()
}

/// The branch's tip, or `None` while it does not exist; read with git over HTTP as a person would.
async fn tip(remote: &str) -> Option<String> {
    let out = git(vec![
        "ls-remote".into(),
        remote.into(),
        format!("refs/heads/{BRANCH}"),
    ])
    .await;
    out.split_whitespace().next().map(str::to_owned)
}

/// Waits (up to 15 s) for the branch's tip to differ from `before`.
async fn next_commit(remote: &str, before: Option<&str>) -> String {
    for _ in 0..300 {
        match tip(remote).await {
            Some(now) if Some(now.as_str()) != before => return now,
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    panic!("no new commit on {BRANCH} after {before:?}");
}

/// A fresh clone of the branch: its file, and the tip's author and subject.
async fn cloned(remote: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_string_lossy().into_owned();
    git(vec![
        "clone".into(),
        "--quiet".into(),
        "--branch".into(),
        BRANCH.into(),
        remote.into(),
        path.clone(),
    ])
    .await;
    let head = git(vec![
        "-C".into(),
        path,
        "log".into(),
        "-1".into(),
        "--format=%an <%ae>|%s".into(),
    ])
    .await;
    (
        std::fs::read_to_string(dir.path().join(FILE)).unwrap(),
        head.trim().to_owned(),
    )
}

async fn runs_shown(server: &TestServer, id: &str) -> String {
    server
        .page(&format!("/integrations/bitbucket/{id}/runs"))
        .await
}

async fn edits_commit_pause_holds_them_and_resume_commits_once(db: Db) {
    let repositories = tempfile::tempdir().unwrap();
    let bitbucket = sandbox(repositories.path()).await;
    let (api, web) = (
        parse_base_url(&bitbucket.api_url()).unwrap(),
        parse_base_url(bitbucket.url()).unwrap(),
    );
    let server = TestServer::start_with(db, |config| {
        config.bitbucket = BitbucketConfig::new(api, web);
        config.sync = Some(SyncConfig {
            debounce: Duration::from_millis(300),
            poll: Duration::from_millis(50),
            ..SyncConfig::default()
        });
    })
    .await;
    let workers = server.sync.start();
    let remote = format!(
        "http://demo:{APP_PASSWORD}@{}/demo/postman-backups.git",
        bitbucket
            .url()
            .trim_start_matches("http://")
            .trim_end_matches('/')
    );

    server.sign_up("alice@example.com", PASSWORD).await;
    let store = &server.db.store;
    let alice = alice(&server).await;
    let mut users = Collection::new("Users API").unwrap();
    let request = users
        .add_request(None, "List users", "GET", "https://api.example.com/users")
        .unwrap();
    let collection_id = Collections::new(store)
        .create(&alice, users)
        .await
        .unwrap()
        .row
        .id;
    add_integration(&server, &alice, &collection_id).await;
    let id = ferry_domain::integrations::Integrations::new(store)
        .list(&alice, "")
        .await
        .unwrap()
        .remove(0)
        .id;
    let initial = next_commit(&remote, None).await;

    let edit = |url: &'static str| {
        let path = format!("/collections/{collection_id}/requests/{request}");
        let server = &server;
        async move {
            let fields = [
                ("name", "List users"),
                ("method", "GET"),
                ("url", url),
                ("url_before", ""),
                ("body_mode", "keep"),
            ];
            let saved = server.post_form(&path, &fields).await;
            assert_eq!(saved.status(), 303, "{path}");
        }
    };
    let export = || async {
        server
            .client
            .get(server.at(&format!("/collections/{collection_id}/export")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };

    edit("https://api.example.com/users?page=2").await;
    let edited = next_commit(&remote, Some(&initial)).await;
    let (file, head) = cloned(&remote).await;
    assert_eq!(
        file,
        export().await,
        "the commit holds the collection's canonical JSON"
    );
    assert!(file.contains("https://api.example.com/users?page=2"));
    assert_eq!(
        head,
        r#"alice <alice@example.com>|Update "Users API": changed "List users""#
    );

    let log = runs_shown(&server, &id).await;
    assert_eq!(log.matches(r#"data-testid="run""#).count(), 2, "{log}");
    for shown in [
        ">initial<",
        ">change<",
        &format!(
            "{}/demo/postman-backups/commits/{edited}",
            bitbucket.url().trim_end_matches('/')
        ),
        &format!("<code>{}</code>", &initial[..7]),
    ] {
        assert!(log.contains(shown), "the Run log shows {shown}: {log}");
    }
    let list = server.page("/integrations/bitbucket").await;
    assert!(
        list.contains(&format!("<code>{}</code>", &edited[..7])),
        "the last run links the newest commit: {list}"
    );

    let paused = server
        .post_form(&format!("/integrations/bitbucket/{id}/pause"), &[])
        .await;
    assert_eq!(location(&paused), "/integrations/bitbucket");
    edit("https://api.example.com/users?page=3").await;
    tokio::time::sleep(Duration::from_millis(1_500)).await; // five debounce periods, many polls
    assert_eq!(
        tip(&remote).await.as_deref(),
        Some(edited.as_str()),
        "paused: no commit"
    );
    assert_eq!(
        runs_shown(&server, &id)
            .await
            .matches(r#"data-testid="run""#)
            .count(),
        2,
        "paused: no run"
    );

    let resumed = server
        .post_form(
            &format!("/integrations/bitbucket/{id}/resume"),
            &[("back", "runs")],
        )
        .await;
    assert_eq!(
        location(&resumed),
        format!("/integrations/bitbucket/{id}/runs")
    );
    let after_resume = next_commit(&remote, Some(&edited)).await;
    let (file, _) = cloned(&remote).await;
    assert_eq!(file, export().await);
    assert!(
        file.contains("https://api.example.com/users?page=3"),
        "the edit made while paused is committed"
    );

    let ran = server
        .post_form(&format!("/integrations/bitbucket/{id}/run"), &[])
        .await;
    assert_eq!(location(&ran), "/integrations/bitbucket");
    let mut log = String::new();
    for _ in 0..300 {
        log = runs_shown(&server, &id).await;
        if log.matches(r#"data-testid="run""#).count() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(log.matches(r#"data-testid="run""#).count(), 4, "{log}");
    assert_eq!(
        log.matches(">manual<").count(),
        2,
        "Resume and Run now are manual runs: {log}"
    );
    assert!(
        log.contains("No changes"),
        "Run now with nothing new: {log}"
    );
    assert_eq!(
        tip(&remote).await,
        Some(after_resume),
        "and no empty commit"
    );
    workers.shutdown();
}

async fn the_profiles_name_and_email_author_the_commits(db: Db) {
    let repositories = tempfile::tempdir().unwrap();
    let bitbucket = sandbox(repositories.path()).await;
    let (api, web) = (
        parse_base_url(&bitbucket.api_url()).unwrap(),
        parse_base_url(bitbucket.url()).unwrap(),
    );
    let server = TestServer::start_with(db, |config| {
        config.bitbucket = BitbucketConfig::new(api, web);
        config.sync = Some(SyncConfig {
            debounce: Duration::from_millis(300),
            poll: Duration::from_millis(50),
            ..SyncConfig::default()
        });
    })
    .await;
    let workers = server.sync.start();
    let remote = format!(
        "http://demo:{APP_PASSWORD}@{}/demo/postman-backups.git",
        bitbucket
            .url()
            .trim_start_matches("http://")
            .trim_end_matches('/')
    );

    server.sign_up("alice@example.com", PASSWORD).await;
    let refused = server
        .post_form(
            "/profile",
            &[
                ("commit_name", "Alice <x>"),
                ("commit_email", "alice@wonderland.example"),
            ],
        )
        .await;
    assert_eq!(location(&refused), "/profile");
    let page = server.page("/profile").await;
    assert!(
        page.contains("Name for commits: remove line breaks, &lt; and &gt;"),
        "{page}"
    );
    assert!(
        page.contains("alice &lt;alice@example.com&gt;")
            || page.contains("alice <alice@example.com>"),
        "unchanged: {page}"
    );
    let saved = server
        .post_form(
            "/profile",
            &[
                ("commit_name", " Alice Liddell "),
                ("commit_email", "Alice@Wonderland.example"),
            ],
        )
        .await;
    assert_eq!(location(&saved), "/profile");
    let page = server.page("/profile").await;
    assert!(
        page.contains("Saved: your changes are committed as Alice Liddell"),
        "{page}"
    );

    let store = &server.db.store;
    let alice = alice(&server).await;
    let collection_id = Collections::new(store)
        .create(&alice, Collection::new("Users API").unwrap())
        .await
        .unwrap()
        .row
        .id;
    add_integration(&server, &alice, &collection_id).await;
    next_commit(&remote, None).await;
    let (_, head) = cloned(&remote).await;
    assert!(
        head.starts_with("Alice Liddell <alice@wonderland.example>|"),
        "{head}"
    );
    workers.shutdown();
}

/// Alice, signed up through the pages, as the domain's actor in her personal team.
async fn alice(server: &TestServer) -> Actor {
    let store = &server.db.store;
    let user = store
        .user_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap();
    let team_id = store.memberships(&user.id).await.unwrap().remove(0).team_id;
    Accounts::new(store)
        .session_actor(&user.id, &team_id, user.session_epoch)
        .await
        .unwrap()
        .unwrap()
}

/// Backs the collection up to the sandbox's demo repository with the demo account, through the
/// Add Integration form.
async fn add_integration(server: &TestServer, alice: &Actor, collection_id: &str) {
    let credential = Credential::ApiToken {
        email: "demo@example.com".into(),
        token: SecretString::from(TOKEN.to_owned()),
    };
    let identity = VerifiedIdentity {
        display_name: "Demo User".into(),
        username: "demo".into(),
        user_uuid: "{d}".into(),
    };
    let account = ConnectedAccounts::new(&server.db.store, &server.keyring)
        .create(alice, "Demo", &credential, &identity)
        .await
        .unwrap()
        .id;
    let added = server
        .post_form(
            "/integrations/bitbucket",
            &[
                ("account", account.as_str()),
                ("collection", collection_id),
                ("workspace", "demo"),
                ("repository", "postman-backups"),
                ("branch", BRANCH),
                ("directory", "Postman Collections"),
                ("filename", "Users API.postman_collection.json"),
            ],
        )
        .await;
    assert_eq!(location(&added), "/integrations/bitbucket");
}
