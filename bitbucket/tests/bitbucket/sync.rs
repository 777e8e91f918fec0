//! What API sync needs from the client, against the real sandbox: directory listings,
//! diffstat, tags, webhooks with signed `repo:push` deliveries to a real receiver after a
//! real `git push`, and the call tally of all of them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use bitbucket_sandbox::{ApiToken, Seed};
use ferry_bitbucket::{
    parse_base_url, parse_push_event, verify_push_signature, BitbucketClient, BitbucketConfig,
    BitbucketError, ChangeStatus, CommitHash, EntryKind, FileChange, HookSpec, RefKind,
    SignatureError, REPO_PUSH, SIGNATURE_HEADER,
};
use secrecy::SecretString;
use tokio::sync::mpsc;

use crate::client::{
    api_token, app_password, commit, git, seed, Sandbox, ALL_API_SCOPES, APP_PASSWORD, TOKEN,
};

/// alice's token for webhooks too (they need their own scopes).
const TOKEN_HOOKS: &str = "ATATT-alice-hooks";
const HOOK_SECRET: &str = "7c1f0e-ferry-hook-secret";

fn sync_seed() -> Seed {
    let mut seed = seed();
    let alice = seed
        .users
        .iter_mut()
        .find(|user| user.username == "alice")
        .expect("alice is seeded");
    let mut scopes = ALL_API_SCOPES.map(str::to_owned).to_vec();
    scopes.extend(
        [
            "read:webhook:bitbucket",
            "write:webhook:bitbucket",
            "delete:webhook:bitbucket",
        ]
        .map(str::to_owned),
    );
    alice.api_tokens.push(ApiToken {
        token: TOKEN_HOOKS.to_owned(),
        scopes,
        expires_at: None,
    });
    seed
}

fn hash(text: &str) -> CommitHash {
    CommitHash::parse(text).expect("a commit hash")
}

/// Runs git in a work tree, with an identity and no prompts, and returns its output.
fn git_in(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "-c",
            "user.name=Git User",
            "-c",
            "user.email=git@example.com",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .trim_end()
        .to_owned()
}

/// Clones `acme/backups` over HTTP as alice (username and app password).
fn clone_backups(sandbox: &Sandbox, work: &Path) -> PathBuf {
    let authority = sandbox.running.url().trim_start_matches("http://");
    let url = format!("http://alice:{APP_PASSWORD}@{authority}/acme/backups.git");
    git_in(work, &["clone", "--quiet", &url, "backups"]);
    work.join("backups")
}

struct Delivery {
    headers: HeaderMap,
    body: Bytes,
}

impl Delivery {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// A webhook subscriber on a free port, as Ferry's server will be: every POST is handed to
/// the test, headers and raw body.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Delivery>) {
    let (sender, deliveries) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/webhooks/bitbucket",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let sender = sender.clone();
            async move {
                let _ = sender.send(Delivery { headers, body });
                "queued"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/webhooks/bitbucket",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, deliveries)
}

async fn next_delivery(deliveries: &mut mpsc::UnboundedReceiver<Delivery>) -> Delivery {
    tokio::time::timeout(Duration::from_secs(5), deliveries.recv())
        .await
        .expect("a delivery within 5 s")
        .expect("the receiver is open")
}

#[tokio::test(flavor = "multi_thread")]
async fn directory_lists_files_and_directories_across_pages_and_a_missing_one_is_empty() {
    let sandbox = Sandbox::start(sync_seed()).await;
    let client = sandbox.client();
    let credential = api_token(TOKEN);
    let mut files = vec![
        ("postman/schemas/api.yaml".to_owned(), "openapi: 3.1.0\n"),
        (
            "postman/collections/Users API.postman_collection.json".to_owned(),
            "{}\n",
        ),
        (
            "postman/collections/Orders.postman_collection.json".to_owned(),
            "{}\n",
        ),
    ];
    files.extend((0..120).map(|n| (format!("many/file-{n:03}.json"), "{}\n")));
    let files: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    let tip = client
        .commit_files(&credential, commit("main", None, &files))
        .await
        .unwrap();

    let root = client
        .directory(&credential, "acme", "backups", &tip, "")
        .await
        .unwrap();
    let mut shown: Vec<(&str, EntryKind)> =
        root.iter().map(|e| (e.path.as_str(), e.kind)).collect();
    shown.sort_by_key(|(path, _)| *path);
    assert_eq!(
        shown,
        [
            ("README.md", EntryKind::File),
            ("many", EntryKind::Directory),
            ("postman", EntryKind::Directory),
        ]
    );
    assert!(root.iter().all(|e| e.commit.as_ref() == Some(&tip)));

    let collections = client
        .directory(&credential, "acme", "backups", &tip, "postman/collections/")
        .await
        .unwrap();
    let mut paths: Vec<&str> = collections.iter().map(|e| e.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "postman/collections/Orders.postman_collection.json",
            "postman/collections/Users API.postman_collection.json",
        ]
    );
    assert!(collections.iter().all(|e| e.kind == EntryKind::File));
    // The definition file is found by listing its directory, then read at the same commit.
    let schemas = client
        .directory(&credential, "acme", "backups", &tip, "postman/schemas")
        .await
        .unwrap();
    assert_eq!(schemas.len(), 1);
    assert_eq!(
        client
            .file(&credential, "acme", "backups", &tip, &schemas[0].path)
            .await
            .unwrap()
            .as_deref(),
        Some(&b"openapi: 3.1.0\n"[..])
    );

    let before = sandbox.running.requests().len();
    let many = client
        .directory(&credential, "acme", "backups", &tip, "many")
        .await
        .unwrap();
    assert_eq!(many.len(), 120, "all pages");
    assert_eq!(many[0].path, "many/file-000.json");
    assert_eq!(
        sandbox.running.requests().len() - before,
        2,
        "two pages of 100"
    );

    assert!(client
        .directory(&credential, "acme", "backups", &tip, "postman/environments")
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        client
            .directory(&credential, "acme", "backups", &tip, "README.md")
            .await
            .unwrap_err(),
        BitbucketError::BadResponse { .. }
    ));
    let unknown = hash(&"0".repeat(40));
    assert!(matches!(
        client
            .directory(&credential, "acme", "backups", &unknown, "postman")
            .await
            .unwrap_err(),
        BitbucketError::NotFound { .. }
    ));
    assert!(matches!(
        client
            .directory(&credential, "acme", "gone", &tip, "")
            .await
            .unwrap_err(),
        BitbucketError::NotFound { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn diffstat_names_added_removed_modified_and_renamed_files_from_one_commit_to_another() {
    let sandbox = Sandbox::start(sync_seed()).await;
    let client = sandbox.client();
    let credential = api_token(TOKEN);
    let base = client
        .commit_files(
            &credential,
            commit(
                "main",
                None,
                &[
                    ("a.json", "{\"a\":1}\n"),
                    ("b.json", "{\"b\":1}\n"),
                    (
                        "c.json",
                        "{\"c\":\"a longer file so a rename is detected\"}\n",
                    ),
                ],
            ),
        )
        .await
        .unwrap();

    // Someone changes the repository with git: modify, delete, rename, add.
    let work = tempfile::tempdir().unwrap();
    let checkout = clone_backups(&sandbox, work.path());
    std::fs::write(checkout.join("a.json"), "{\"a\":2}\n").unwrap();
    std::fs::write(checkout.join("e.json"), "{}\n").unwrap();
    git_in(&checkout, &["rm", "--quiet", "b.json"]);
    git_in(&checkout, &["mv", "c.json", "d.json"]);
    git_in(&checkout, &["add", "a.json", "e.json"]);
    git_in(&checkout, &["commit", "--quiet", "-m", "Edit with git"]);
    git_in(&checkout, &["push", "--quiet", "origin", "HEAD:main"]);
    let tip = hash(&git_in(&checkout, &["rev-parse", "HEAD"]));

    let sorted = |mut changes: Vec<FileChange>| {
        changes.sort_by(|x, y| {
            let key = |c: &FileChange| c.new_path.clone().or(c.old_path.clone());
            key(x).cmp(&key(y))
        });
        changes
    };
    let change = |status, old: Option<&str>, new: Option<&str>| FileChange {
        status,
        old_path: old.map(str::to_owned),
        new_path: new.map(str::to_owned),
    };
    let forward = client
        .diffstat(&credential, "acme", "backups", &base, &tip)
        .await
        .unwrap();
    assert_eq!(
        sorted(forward),
        [
            change(ChangeStatus::Modified, Some("a.json"), Some("a.json")),
            change(ChangeStatus::Removed, Some("b.json"), None),
            change(ChangeStatus::Renamed, Some("c.json"), Some("d.json")),
            change(ChangeStatus::Added, None, Some("e.json")),
        ]
    );
    let backward = client
        .diffstat(&credential, "acme", "backups", &tip, &base)
        .await
        .unwrap();
    assert_eq!(
        sorted(backward),
        [
            change(ChangeStatus::Modified, Some("a.json"), Some("a.json")),
            change(ChangeStatus::Added, None, Some("b.json")),
            change(ChangeStatus::Renamed, Some("d.json"), Some("c.json")),
            change(ChangeStatus::Removed, Some("e.json"), None),
        ],
        "the other way round"
    );
    assert!(client
        .diffstat(&credential, "acme", "backups", &tip, &tip)
        .await
        .unwrap()
        .is_empty());
    let unknown = hash(&"1".repeat(40));
    assert!(matches!(
        client
            .diffstat(&credential, "acme", "backups", &base, &unknown)
            .await
            .unwrap_err(),
        BitbucketError::NotFound { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_are_created_and_listed_across_pages_and_a_taken_name_is_told_apart() {
    let sandbox = Sandbox::start(sync_seed()).await;
    let client = sandbox.client();
    let credential = api_token(TOKEN);
    let bare = sandbox.bare_repo("acme", "backups");
    assert!(client
        .tags(&credential, "acme", "backups")
        .await
        .unwrap()
        .is_empty());
    let first = client
        .branch_tip(&credential, "acme", "backups", "main")
        .await
        .unwrap()
        .unwrap();
    let second = client
        .commit_files(
            &credential,
            commit(
                "main",
                Some(first.clone()),
                &[("api.yaml", "openapi: 3.1.0\n")],
            ),
        )
        .await
        .unwrap();

    let v1 = client
        .create_tag(
            &credential,
            "acme",
            "backups",
            "v1.0.0",
            &second,
            Some("Version 1.0.0 of Users API"),
        )
        .await
        .unwrap();
    assert_eq!((v1.name.as_str(), &v1.target), ("v1.0.0", &second));
    assert_eq!(
        v1.message.as_deref().map(str::trim_end),
        Some("Version 1.0.0 of Users API"),
        "as given (git ends it with a newline)"
    );
    assert!(v1.date.is_some());
    assert_eq!(
        git(&bare, &["rev-parse", "v1.0.0^{commit}"]),
        second.as_str()
    );
    assert_eq!(
        git(&bare, &["cat-file", "-t", "v1.0.0"]),
        "tag",
        "annotated"
    );
    let v0 = client
        .create_tag(&credential, "acme", "backups", "v0.9.0", &first, None)
        .await
        .unwrap();
    assert_eq!(
        v0.message.as_deref().map(str::trim_end),
        Some(format!("Added tag v0.9.0 for changeset {}", &first.as_str()[..12]).as_str())
    );

    let taken = client
        .create_tag(&credential, "acme", "backups", "v1.0.0", &first, None)
        .await
        .unwrap_err();
    assert_eq!(
        taken,
        BitbucketError::AlreadyExists {
            what: "tag v1.0.0 of acme/backups".to_owned()
        }
    );
    assert!(taken.to_string().contains("already exists"), "{taken}");
    assert_eq!(
        git(&bare, &["rev-parse", "v1.0.0^{commit}"]),
        second.as_str()
    );
    assert!(matches!(
        client
            .create_tag(&credential, "acme", "backups", "bad..name", &first, None)
            .await
            .unwrap_err(),
        BitbucketError::Rejected { .. }
    ));
    assert_eq!(
        client
            .create_tag(
                &credential,
                "acme",
                "backups",
                "v9",
                &hash(&"2".repeat(40)),
                None
            )
            .await
            .unwrap_err(),
        BitbucketError::Conflict,
        "a commit Bitbucket does not have: re-read the tip"
    );

    // Lightweight tags pushed with git, more than a page of them.
    for n in 0..110 {
        git(&bare, &["tag", &format!("release-{n:03}"), first.as_str()]);
    }
    let before = sandbox.running.requests().len();
    let tags = client.tags(&credential, "acme", "backups").await.unwrap();
    assert_eq!(
        sandbox.running.requests().len() - before,
        2,
        "two pages of 100"
    );
    assert_eq!(tags.len(), 112);
    let listed = |name: &str| tags.iter().find(|t| t.name == name).unwrap();
    assert_eq!(listed("v1.0.0"), &v1);
    let light = listed("release-042");
    assert_eq!(
        (
            &light.target,
            light.message.as_deref(),
            light.date.as_deref()
        ),
        (&first, None, None)
    );
}

/// A stand-in for `POST …/refs/branches`, which the sandbox does not serve: it checks the
/// body the client sends and answers as the spec shows (201 with the branch), or with
/// Bitbucket's 400 for a taken name.
async fn branch_endpoint() -> String {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use axum::Json;
    use serde_json::{json, Value};

    let app = axum::Router::new().route(
        "/2.0/repositories/acme/backups/refs/branches",
        axum::routing::post(|headers: HeaderMap, Json(body): Json<Value>| async move {
            assert!(headers.contains_key("authorization"));
            let name = body["name"].as_str().unwrap_or_default().to_owned();
            let hash = body["target"]["hash"].as_str().unwrap_or_default().to_owned();
            assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
            if name == "main" {
                let error = json!({"type": "error", "error": {"message": "Branch \"main\" already exists."}});
                return (StatusCode::BAD_REQUEST, Json(error)).into_response();
            }
            let branch = json!({"type": "branch", "name": name, "target": {"type": "commit", "hash": hash}});
            (StatusCode::CREATED, Json(branch)).into_response()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/2.0", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn create_branch_sends_the_name_and_target_the_spec_shows() {
    let api = parse_base_url(&branch_endpoint().await).unwrap();
    let client = BitbucketClient::new(BitbucketConfig::new(api.clone(), api)).unwrap();
    let credential = api_token(TOKEN);
    let target = hash(&"3".repeat(40));
    let branch = client
        .create_branch(&credential, "acme", "backups", "ferry/v2", &target)
        .await
        .unwrap();
    assert_eq!((branch.name.as_str(), &branch.tip), ("ferry/v2", &target));
    assert_eq!(
        client
            .create_branch(&credential, "acme", "backups", "main", &target)
            .await
            .unwrap_err(),
        BitbucketError::AlreadyExists {
            what: "branch main of acme/backups".to_owned()
        }
    );
    assert_eq!(client.calls().total(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn hooks_are_created_listed_and_deleted_and_deleting_twice_is_fine() {
    let sandbox = Sandbox::start(sync_seed()).await;
    let client = sandbox.client();
    let credential = api_token(TOKEN_HOOKS);
    let spec = HookSpec {
        url: "https://ferry.example.com/webhooks/bitbucket/abc".to_owned(),
        description: "Ferry: API sync of Users API".to_owned(),
        secret: SecretString::from(HOOK_SECRET.to_owned()),
        events: vec![REPO_PUSH.to_owned()],
        active: true,
    };
    assert!(
        !format!("{spec:?}").contains(HOOK_SECRET),
        "the secret is redacted"
    );
    let hook = client
        .create_hook(&credential, "acme", "backups", &spec)
        .await
        .unwrap();
    assert!(hook.uuid.starts_with('{') && hook.uuid.ends_with('}'));
    assert_eq!(
        (hook.url.as_str(), hook.description.as_str(), hook.active),
        (spec.url.as_str(), spec.description.as_str(), true)
    );
    assert_eq!(hook.events, [REPO_PUSH]);
    assert_eq!(
        client.hooks(&credential, "acme", "backups").await.unwrap(),
        std::slice::from_ref(&hook)
    );

    // Without the webhook scopes: told which scope is missing.
    let refused = client
        .hooks(&api_token(TOKEN), "acme", "backups")
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, BitbucketError::MissingScope { needed } if needed.contains(&"read:webhook:bitbucket".to_owned())),
        "{refused:?}"
    );

    client
        .delete_hook(&credential, "acme", "backups", &hook.uuid)
        .await
        .unwrap();
    assert!(client
        .hooks(&credential, "acme", "backups")
        .await
        .unwrap()
        .is_empty());
    client
        .delete_hook(&credential, "acme", "backups", &hook.uuid)
        .await
        .expect("already gone is fine");
    client
        .delete_hook(&credential, "acme", "gone", &hook.uuid)
        .await
        .expect("a repository that is gone has no hooks");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_git_push_delivers_a_signed_repo_push_that_verifies_and_parses() {
    let sandbox = Sandbox::start(sync_seed()).await;
    let client = sandbox.client();
    let credential = api_token(TOKEN_HOOKS);
    let (url, mut deliveries) = receiver().await;
    let hook = client
        .create_hook(
            &credential,
            "acme",
            "backups",
            &HookSpec {
                url,
                description: "Ferry".to_owned(),
                secret: SecretString::from(HOOK_SECRET.to_owned()),
                events: vec![REPO_PUSH.to_owned()],
                active: true,
            },
        )
        .await
        .unwrap();
    let before = client
        .branch_tip(&credential, "acme", "backups", "main")
        .await
        .unwrap()
        .unwrap();

    let work = tempfile::tempdir().unwrap();
    let checkout = clone_backups(&sandbox, work.path());
    std::fs::create_dir_all(checkout.join("postman/schemas")).unwrap();
    std::fs::write(
        checkout.join("postman/schemas/api.yaml"),
        "openapi: 3.1.0\n",
    )
    .unwrap();
    git_in(&checkout, &["add", "."]);
    git_in(
        &checkout,
        &["commit", "--quiet", "-m", "Definition from git"],
    );
    git_in(&checkout, &["push", "--quiet", "origin", "HEAD:main"]);
    let pushed = hash(&git_in(&checkout, &["rev-parse", "HEAD"]));

    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery.header("x-event-key"), Some(REPO_PUSH));
    assert_eq!(
        delivery.header("x-hook-uuid"),
        Some(hook.uuid.trim_matches(['{', '}']))
    );
    let signature = delivery.header(SIGNATURE_HEADER);
    assert_eq!(
        verify_push_signature(HOOK_SECRET.as_bytes(), &delivery.body, signature),
        Ok(())
    );
    assert_eq!(
        verify_push_signature(b"another secret", &delivery.body, signature),
        Err(SignatureError::Mismatch)
    );
    let mut tampered = delivery.body.to_vec();
    let at = tampered
        .windows(pushed.as_str().len())
        .position(|w| w == pushed.as_str().as_bytes())
        .expect("the body names the pushed commit");
    tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
    assert_eq!(
        verify_push_signature(HOOK_SECRET.as_bytes(), &tampered, signature),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify_push_signature(HOOK_SECRET.as_bytes(), &delivery.body, None),
        Err(SignatureError::Missing)
    );

    let event = parse_push_event(&delivery.body).unwrap();
    assert_eq!(event.repository, "acme/backups");
    assert!(event.repository_uuid.is_some());
    assert_eq!(event.changes.len(), 1, "{event:?}");
    let change = &event.changes[0];
    let (old, new) = (change.old.as_ref().unwrap(), change.new.as_ref().unwrap());
    assert_eq!(
        (old.kind, old.name.as_str(), &old.hash),
        (RefKind::Branch, "main", &before)
    );
    assert_eq!(
        (new.kind, new.name.as_str(), &new.hash),
        (RefKind::Branch, "main", &pushed)
    );
    assert!(!change.forced);

    // Publishing a version: the tag Ferry creates arrives as a tag change.
    client
        .create_tag(&credential, "acme", "backups", "v1.0.0", &pushed, None)
        .await
        .unwrap();
    let delivery = next_delivery(&mut deliveries).await;
    verify_push_signature(
        HOOK_SECRET.as_bytes(),
        &delivery.body,
        delivery.header(SIGNATURE_HEADER),
    )
    .unwrap();
    let event = parse_push_event(&delivery.body).unwrap();
    assert_eq!(event.changes.len(), 1, "{event:?}");
    assert_eq!(event.changes[0].old, None);
    let tag = event.changes[0].new.as_ref().unwrap();
    assert_eq!(
        (tag.kind, tag.name.as_str(), &tag.hash),
        (RefKind::Tag, "v1.0.0", &pushed)
    );

    // Disconnected: no more deliveries.
    client
        .delete_hook(&credential, "acme", "backups", &hook.uuid)
        .await
        .unwrap();
    client
        .commit_files(
            &credential,
            commit("main", Some(pushed), &[("a.json", "{}\n")]),
        )
        .await
        .unwrap();
    let late = tokio::time::timeout(Duration::from_millis(700), deliveries.recv()).await;
    assert!(late.is_err(), "a deleted hook gets nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_new_call_is_counted_like_the_others() {
    let sandbox = Sandbox::start(sync_seed()).await;
    let client = sandbox.client();
    let credential = api_token(TOKEN_HOOKS);
    let tip = client
        .branch_tip(&credential, "acme", "backups", "main")
        .await
        .unwrap()
        .unwrap();
    client
        .directory(&credential, "acme", "backups", &tip, "")
        .await
        .unwrap();
    client
        .directory(&credential, "acme", "backups", &tip, "missing")
        .await
        .unwrap();
    client
        .diffstat(&credential, "acme", "backups", &tip, &tip)
        .await
        .unwrap();
    client.tags(&credential, "acme", "backups").await.unwrap();
    client
        .create_tag(&credential, "acme", "backups", "v1", &tip, None)
        .await
        .unwrap();
    client
        .create_tag(&credential, "acme", "backups", "v1", &tip, None)
        .await
        .unwrap_err();
    let hook = client
        .create_hook(
            &credential,
            "acme",
            "backups",
            &HookSpec {
                url: "https://ferry.example.com/hook".to_owned(),
                description: "Ferry".to_owned(),
                secret: SecretString::from(HOOK_SECRET.to_owned()),
                events: vec![REPO_PUSH.to_owned()],
                active: true,
            },
        )
        .await
        .unwrap();
    client.hooks(&credential, "acme", "backups").await.unwrap();
    client
        .delete_hook(&credential, "acme", "backups", &hook.uuid)
        .await
        .unwrap();
    client
        .delete_hook(&credential, "acme", "backups", &hook.uuid)
        .await
        .unwrap();
    // app_password lacks the webhook scope: a refused call is counted too.
    client
        .hooks(&app_password(APP_PASSWORD), "acme", "backups")
        .await
        .unwrap_err();

    let log = sandbox.running.requests();
    assert_eq!(client.calls().total(), log.len() as u64, "{log:?}");
    let count = |method: &str, status: u16| {
        client
            .calls()
            .snapshot()
            .iter()
            .find(|row| row.method == method && row.status == Some(status))
            .map_or(0, |row| row.count)
    };
    let logged = |method: &str, status: u16| {
        log.iter()
            .filter(|r| r.method == method && r.status == Some(status))
            .count() as u64
    };
    for (method, status) in [
        ("GET", 200),
        ("GET", 404),
        ("GET", 403),
        ("POST", 201),
        ("POST", 400),
        ("DELETE", 204),
        ("DELETE", 404),
    ] {
        assert_eq!(
            count(method, status),
            logged(method, status),
            "{method} {status}"
        );
        assert!(count(method, status) > 0, "{method} {status}");
    }
}
