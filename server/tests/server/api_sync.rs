//! API sync through the server, against the sandbox's real git repositories over HTTP: the
//! Repository tab's forms connect an API (and register Ferry's webhook); a `git push` over
//! smart HTTP reaches Ferry through the signed `repo:push` delivery, and with deliveries
//! unreachable through polling; a forged delivery changes nothing; the REST API reads the
//! status, pushes, pulls and reads the log. The Connect form authenticates through Add
//! Integration's Authenticate step and comes back, and lists what the account reaches.

use std::{path::Path, process::Command, time::Duration};

use bitbucket_sandbox::{
    Config as SandboxConfig, Faults, Repository, Running, Seed, User, Workspace,
};
use ferry_domain::{
    accounts::{Accounts, Actor},
    apis::{Apis, NewApi},
    auth::Role,
    bitbucket::{parse_base_url, BitbucketConfig, Credential},
    connected_accounts::{ConnectedAccounts, VerifiedIdentity},
};
use secrecy::SecretString;

use crate::common::{location, Db, TestServer};

ferry_testing::on_both!(
    a_git_push_reaches_ferry_through_the_signed_webhook,
    with_webhooks_unreachable_polling_finds_the_push,
    the_rest_api_reads_status_pushes_pulls_and_logs,
    a_sync_that_stops_alerts_on_the_banner_and_in_the_audit_log,
    the_connect_form_authenticates_lists_the_repositories_and_connects,
);

const EMAIL: &str = "demo@example.com";
const TOKEN: &str = "ATATT-api-sync-server";
const PASSWORD: &str = "correct horse battery staple";
const DEFINITION: &str = "postman/schemas/index.yaml";
const PETS: &str = "# Pets\nopenapi: 3.0.3\ninfo:\n  title: Pets\n  version: 1.0.0\npaths:\n  /pets:\n    get:\n      summary: List pets\n      responses:\n        '200':\n          description: OK\n";

struct World {
    server: TestServer,
    sandbox: Running,
    repositories: tempfile::TempDir,
    work: tempfile::TempDir,
    alice: Actor,
    api: String,
}

async fn world(db: Db, poll: Duration) -> World {
    let repositories = tempfile::tempdir().unwrap();
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
        .user(User::new("demo", EMAIL).api_token(TOKEN, &scopes))
        .workspace(
            Workspace::new("demo")
                .member("demo", true)
                .repository(Repository::new("apis")),
        );
    let sandbox = bitbucket_sandbox::start(SandboxConfig::new(repositories.path(), seed))
        .await
        .unwrap();
    let (api_url, web) = (
        parse_base_url(&sandbox.api_url()).unwrap(),
        parse_base_url(sandbox.url()).unwrap(),
    );
    let server = TestServer::start_with(db, |config| {
        config.bitbucket = BitbucketConfig::new(api_url, web);
        config.api_sync.poll = poll;
    })
    .await;
    assert_eq!(
        server.sign_up("alice@example.com", PASSWORD).await.status(),
        303
    );
    let store = &server.db.store;
    let user = store
        .user_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap();
    let team_id = store.memberships(&user.id).await.unwrap().remove(0).team_id;
    let alice = Accounts::new(store)
        .session_actor(&user.id, &team_id, user.session_epoch)
        .await
        .unwrap()
        .unwrap();
    let api = Apis::new(store)
        .create(
            &alice,
            NewApi::Import {
                text: PETS,
                summary: "",
            },
        )
        .await
        .unwrap()
        .row
        .id;
    World {
        server,
        sandbox,
        repositories,
        work: tempfile::tempdir().unwrap(),
        alice,
        api,
    }
}

impl World {
    async fn account(&self) -> String {
        ConnectedAccounts::new(&self.server.db.store, &self.server.keyring)
            .create(
                &self.alice,
                "Demo",
                &Credential::ApiToken {
                    email: EMAIL.into(),
                    token: SecretString::from(TOKEN.to_owned()),
                },
                &VerifiedIdentity {
                    display_name: "Demo".into(),
                    username: "demo".into(),
                    user_uuid: "{d}".into(),
                },
            )
            .await
            .unwrap()
            .id
    }

    /// Connects through the Repository tab's form; answers the account used.
    async fn connect(&self) -> String {
        let account = self.account().await;
        let response = self
            .server
            .post_form(
                &format!("/apis/{}/repository", self.api),
                &[
                    ("accountId", &account),
                    ("workspace", "demo"),
                    ("repository", "apis"),
                    ("branch", "main"),
                    ("definitionPath", ""),
                    ("collectionsDir", ""),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(
            location(&response),
            format!("/apis/{}/repository", self.api)
        );
        let connection = self
            .server
            .db
            .store
            .api_connection(&self.alice.team_id, &self.api)
            .await
            .unwrap();
        assert!(connection.is_some(), "connected");
        account
    }

    async fn definition(&self) -> String {
        Apis::new(&self.server.db.store)
            .get(&self.alice, &self.api)
            .await
            .unwrap()
            .text
    }

    /// A commit made with git in a clone over smart HTTP, and pushed the same way. Git runs
    /// off the test's runtime thread, which serves the sandbox it talks to.
    async fn git_push(&self, content: &str, message: &str) {
        let host = self.sandbox.url().trim_start_matches("http://");
        let remote = format!("http://demo%40example.com:{TOKEN}@{host}/demo/apis.git");
        let root = self.work.path().to_owned();
        let (content, message) = (content.to_owned(), message.to_owned());
        tokio::task::spawn_blocking(move || {
            let work = root.join("apis");
            if !work.exists() {
                git(&root, &["clone", "-q", &remote, "apis"]);
            } else {
                git(&work, &["pull", "-q", "--ff-only"]);
            }
            let file = work.join(DEFINITION);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, content).unwrap();
            git(&work, &["add", DEFINITION]);
            git(&work, &["commit", "-q", "-m", &message]);
            git(&work, &["push", "-q", "origin", "HEAD:main"]);
        })
        .await
        .unwrap();
    }

    /// Waits (up to 30 s) until Ferry holds `text`.
    async fn until_definition(&self, text: &str) {
        for _ in 0..300 {
            if self.definition().await == text {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "Ferry never got the pushed definition: {}",
            self.definition().await
        );
    }
}

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Grace Git")
        .env("GIT_AUTHOR_EMAIL", "grace@example.com")
        .env("GIT_COMMITTER_NAME", "Grace Git")
        .env("GIT_COMMITTER_EMAIL", "grace@example.com")
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

async fn a_git_push_reaches_ferry_through_the_signed_webhook(db: Db) {
    // Polling every hour: only the webhook can bring the push in time.
    let world = world(db, Duration::from_secs(3600)).await;
    world.connect().await;
    let connection = world
        .server
        .db
        .store
        .api_connection(&world.alice.team_id, &world.api)
        .await
        .unwrap()
        .unwrap();
    let hook = connection
        .hook_uuid
        .clone()
        .expect("Ferry registered its webhook");
    let worker = world.server.api_sync.start();
    // The check every new connection starts with.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A forged delivery: refused, nothing queued or changed.
    let forged = world
        .server
        .client
        .post(
            world
                .server
                .at(&format!("/webhooks/bitbucket/{}", connection.hook_id)),
        )
        .header("X-Event-Key", "repo:push")
        .header("X-Hub-Signature", format!("sha256={}", "0".repeat(64)))
        .body(r#"{"push":{"changes":[]},"repository":{"full_name":"demo/apis"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let unknown = world
        .server
        .client
        .post(world.server.at("/webhooks/bitbucket/no-such-hook"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(world.definition().await, PETS);

    let pushed = PETS.replace("List pets", "List pets, pushed with git");
    world.git_push(&pushed, "Describe listing").await;
    world.until_definition(&pushed).await;
    let deliveries = world.sandbox.deliveries();
    assert!(
        deliveries
            .iter()
            .any(|d| d.hook_uuid == hook && d.event == "repo:push" && d.status == Some(202)),
        "{deliveries:?}"
    );
    let history = Apis::new(&world.server.db.store)
        .history(&world.alice, &world.api)
        .await
        .unwrap();
    assert_eq!(history[0].author_email, "Grace Git via Bitbucket");

    // Disconnecting removes the webhook from the repository.
    let response = world
        .server
        .post_form(&format!("/apis/{}/repository/disconnect", world.api), &[])
        .await;
    assert_eq!(response.status(), 303);
    let hooks_left = world
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE" && r.path.contains("/hooks/"))
        .count();
    assert_eq!(hooks_left, 1, "the webhook was removed");
    worker.abort();
    drop(world.repositories);
}

async fn with_webhooks_unreachable_polling_finds_the_push(db: Db) {
    let world = world(db, Duration::from_millis(300)).await;
    world
        .sandbox
        .set_faults(Faults {
            webhooks_unreachable: true,
            ..Faults::default()
        })
        .unwrap();
    world.connect().await;
    let worker = world.server.api_sync.start();
    let pushed = PETS.replace("List pets", "List pets, found by polling");
    world.git_push(&pushed, "Polled").await;
    world.until_definition(&pushed).await;
    assert!(
        world
            .sandbox
            .deliveries()
            .iter()
            .all(|d| d.status.is_none()),
        "no delivery reached Ferry"
    );
    worker.abort();
}

async fn the_rest_api_reads_status_pushes_pulls_and_logs(db: Db) {
    let world = world(db, Duration::from_secs(3600)).await;
    world.connect().await;
    let (_, key) = Accounts::new(&world.server.db.store)
        .create_api_key(&world.alice, "ci", Role::Editor, None, "test")
        .await
        .unwrap();
    let key = key.expose_secret().to_owned();
    // A script: its key and no cookie.
    let script = TestServer::new_browser();
    let call = |method: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let mut request = script
            .request(method, world.server.at(path))
            .header("x-api-key", &key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            let body = serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{status} {text}: {e}"));
            (status, body)
        }
    };
    let base = format!("/api/apis/{}/sync", world.api);
    let (status, body) = call(reqwest::Method::GET, &base, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "in_sync");
    assert_eq!(body["repository"]["definitionPath"], DEFINITION);

    let edited = PETS.replace("List pets", "List pets via REST");
    Apis::new(&world.server.db.store)
        .replace_definition(&world.alice, &world.api, &edited, None)
        .await
        .unwrap();
    let (_, body) = call(reqwest::Method::GET, &base, None).await;
    assert_eq!(body["status"], "local_changes");
    assert_eq!(body["changes"][0]["path"], DEFINITION);
    let (status, body) = call(
        reqwest::Method::POST,
        &format!("{base}/push"),
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(status, 400, "a message is required: {body}");
    let (status, body) = call(
        reqwest::Method::POST,
        &format!("{base}/push"),
        Some(serde_json::json!({"message": "From a script"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["pushed"], true);

    let pulled = PETS.replace("List pets", "List pets from git");
    world.git_push(&pulled, "From git").await;
    let (status, body) = call(reqwest::Method::POST, &format!("{base}/pull"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["applied"][0], DEFINITION);
    assert_eq!(world.definition().await, pulled);

    let (status, body) = call(reqwest::Method::GET, &format!("{base}/branches"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["workingBranch"], "main");
    let (status, body) = call(
        reqwest::Method::POST,
        &format!("{base}/branches"),
        Some(serde_json::json!({"name": "next", "switch": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["workingBranch"], "next");
    let (status, body) = call(
        reqwest::Method::PUT,
        &format!("{base}/branch"),
        Some(serde_json::json!({"branch": "nowhere"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // The Repository tab lists the branches only when asked (one Bitbucket call).
    let tab = format!("/apis/{}/repository", world.api);
    let page = world.server.page(&tab).await;
    assert!(page.contains(r#"data-testid="list-branches""#) && !page.contains("branch-choices"));
    let listed = world.server.page(&format!("{tab}?branches=1")).await;
    assert!(
        listed.contains(r#"data-testid="branch-choices""#)
            && listed.contains(r#"<option value="main""#),
        "{listed}"
    );

    let (status, body) = call(reqwest::Method::GET, &format!("{base}/log"), None).await;
    assert_eq!(status, 200, "{body}");
    let directions: Vec<&str> = body["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["direction"].as_str().unwrap())
        .collect();
    for expected in ["connect", "push", "pull", "branch"] {
        assert!(directions.contains(&expected), "{directions:?}");
    }
}

async fn a_sync_that_stops_alerts_on_the_banner_and_in_the_audit_log(db: Db) {
    let world = world(db, Duration::from_secs(3600)).await;
    let account = world.connect().await;
    let store = &world.server.db.store;
    assert!(!world.server.page("/").await.contains("sync-alerts"));
    ConnectedAccounts::new(store, &world.server.keyring)
        .delete(&world.alice, &account)
        .await
        .unwrap();
    store
        .request_api_check(&world.alice.team_id, &world.api, 0, false)
        .await
        .unwrap();
    assert_eq!(world.server.api_sync.run_due().await.unwrap(), 1);

    let home = world.server.page("/").await;
    for shown in [
        "API Pets",
        "demo/apis",
        "Needs re-authentication",
        "connected account was deleted",
        &format!("/apis/{}/repository", world.api),
    ] {
        assert!(home.contains(shown), "Home shows {shown}: {home}");
    }
    let audit = store.audit_log(&world.alice.team_id, 20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "api_sync.needs_reauth"),
        "{audit:?}"
    );
    // A second failing check changes nothing more: one alert, one audit entry.
    store
        .request_api_check(&world.alice.team_id, &world.api, 0, false)
        .await
        .unwrap();
    world.server.api_sync.run_due().await.unwrap();
    let audit = store.audit_log(&world.alice.team_id, 20).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|entry| entry.action == "api_sync.needs_reauth")
            .count(),
        1
    );
}

/// The Connect form from nothing: no account → Authenticate (carrying the API) → back to the
/// tab with the new account chosen and its workspaces, repositories and branches listed from
/// Bitbucket → a refused Connect comes back with the lists for what was chosen → Connect.
async fn the_connect_form_authenticates_lists_the_repositories_and_connects(db: Db) {
    let world = world(db, Duration::from_secs(60)).await;
    let (server, api) = (&world.server, &world.api);
    let tab = format!("/apis/{api}/repository");
    let page = server.page(&tab).await;
    let authenticate = format!("/integrations/bitbucket/new?api={api}");
    assert!(page.contains(&format!("href=\"{authenticate}\"")), "{page}");
    assert!(
        !page.contains("id=\"sync-workspace\""),
        "nothing listed yet"
    );
    assert!(server.page(&authenticate).await.contains(&format!(
        "<input type=\"hidden\" name=\"api\" value=\"{api}\""
    )));

    let response = server
        .post_form(
            "/integrations/bitbucket/authenticate",
            &[
                ("method", "api_token"),
                ("email", EMAIL),
                ("api_token", TOKEN),
                ("api", api),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let accounts = ConnectedAccounts::new(&server.db.store, &server.keyring)
        .list(&world.alice)
        .await
        .unwrap();
    assert_eq!(accounts.len(), 1);
    let account = &accounts[0].id;
    let back = format!("{tab}?accountId={account}");
    assert_eq!(location(&response), back);

    let page = server.page(&back).await;
    assert!(
        page.contains("Now choose the repository to connect this API to."),
        "{page}"
    );
    for select in ["sync-workspace", "sync-repository", "sync-branch"] {
        assert!(
            page.contains(&format!("id=\"{select}\"")),
            "{select}: {page}"
        );
    }
    assert!(page.contains("<option value=\"demo\" selected"), "{page}");
    assert!(page.contains("<option value=\"apis\" selected"), "{page}");
    assert!(page.contains("<option value=\"main\" selected"), "{page}");

    // A branch the repository does not have: refused, nothing connected, and the tab comes
    // back with the account's lists for what was chosen.
    let connect = |branch: &'static str| {
        let account = account.clone();
        let tab = tab.clone();
        async move {
            server
                .post_form(
                    &tab,
                    &[
                        ("accountId", &account),
                        ("workspace", "demo"),
                        ("repository", "apis"),
                        ("branch", branch),
                        ("definitionPath", ""),
                        ("collectionsDir", "postman/collections"),
                    ],
                )
                .await
        }
    };
    let refused = connect("nope").await;
    assert_eq!(refused.status(), 303);
    let again = location(&refused).to_owned();
    assert!(
        again.starts_with(&format!(
            "{tab}?accountId={account}&workspace=demo&repository=apis&branch=nope"
        )),
        "{again}"
    );
    let page = server.page(&again).await;
    assert!(page.contains("has no branch nope"), "{page}");
    assert!(page.contains("<option value=\"main\" selected"), "{page}");
    let store = &server.db.store;
    assert!(store
        .api_connection(&world.alice.team_id, api)
        .await
        .unwrap()
        .is_none());

    let connected = connect("main").await;
    assert_eq!(location(&connected), tab);
    assert!(store
        .api_connection(&world.alice.team_id, api)
        .await
        .unwrap()
        .is_some());

    // An id that is not one of the team's APIs sends Authenticate to Configure as usual.
    let elsewhere = server
        .post_form(
            "/integrations/bitbucket/authenticate",
            &[
                ("method", "saved"),
                ("account", account),
                ("api", "00000000-0000-0000-0000-000000000000"),
            ],
        )
        .await;
    assert_eq!(
        location(&elsewhere),
        format!("/integrations/bitbucket/new/configure?account={account}")
    );
}
