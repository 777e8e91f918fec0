//! `git clone` over smart HTTP at `/{workspace}/{slug}.git`, with the real git client.
//! The tests run git as a blocking child process, so the in-process sandbox needs worker
//! threads of its own to answer it.

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_commits_show_up_in_a_clone() {
    let sandbox = Sandbox::start().await;
    let response = sandbox
        .commit(
            "acme",
            "backups",
            &ALICE,
            form(
                &[
                    ("message", "Add collection"),
                    ("author", "Ferry <ferry@example.com>"),
                ],
                vec![file("c/a.json", "{}")],
            ),
        )
        .await;
    assert_eq!(response.status(), 201);
    let hash = location_hash(&response);
    let work = tempfile::tempdir().expect("tempdir");
    let checkout = work.path().join("backups");
    let authority = sandbox.running.url().trim_start_matches("http://");
    let output = clone(
        &format!("http://alice:{APP_PASSWORD_RW}@{authority}/acme/backups.git"),
        &checkout,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log = git_in(&checkout, &["log", "--format=%H|%an <%ae>|%s"]);
    let log = String::from_utf8_lossy(&log.stdout).into_owned();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert_eq!(
        lines[0],
        format!("{hash}|Ferry <ferry@example.com>|Add collection")
    );
    assert_eq!(
        std::fs::read(checkout.join("c/a.json")).expect("checked out"),
        b"{}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_repositories_clone_anonymously_private_ones_do_not() {
    let sandbox = Sandbox::start().await;
    let work = tempfile::tempdir().expect("tempdir");
    let output = clone(
        &format!("{}/acme/docs.git", sandbox.running.url()),
        &work.path().join("docs"),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("docs/guide/intro.md")).expect("file"),
        "Hello\n"
    );

    let output = clone(
        &format!("{}/acme/backups.git", sandbox.running.url()),
        &work.path().join("anonymous"),
    );
    assert!(
        !output.status.success(),
        "a private repository needs credentials"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_tokens_clone_as_x_token_auth() {
    let sandbox = Sandbox::start().await;
    let work = tempfile::tempdir().expect("tempdir");
    let authority = sandbox.running.url().trim_start_matches("http://");
    let output = clone(
        &format!("http://x-token-auth:{ACCESS_TOKEN}@{authority}/acme/legacy.git"),
        &work.path().join("legacy"),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let branch = git_in(
        &work.path().join("legacy"),
        &["rev-parse", "--abbrev-ref", "HEAD"],
    );
    assert_eq!(
        String::from_utf8_lossy(&branch.stdout).trim(),
        "master",
        "HEAD is the main branch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_push_lands_and_the_api_serves_it() {
    let sandbox = Sandbox::start().await;
    let work = tempfile::tempdir().expect("tempdir");
    let checkout = clone_as(&sandbox, "docs", "alice", APP_PASSWORD_RW, work.path());
    let pushed = commit_and_push(&checkout, "specs/api.yaml", "openapi: 3.1.0\n", "HEAD:main");
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    let head = git_text(&checkout.join(".git"), &["rev-parse", "HEAD"]);
    assert_eq!(sandbox.tip("acme", "docs", "main").await, head);
    let raw = sandbox
        .get(
            "/2.0/repositories/acme/docs/src/main/specs/api.yaml",
            &ALICE,
        )
        .await;
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.text().await.expect("text"), "openapi: 3.1.0\n");

    let pushed = commit_and_push(&checkout, "b.txt", "b", "HEAD:feature/sync");
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    assert_eq!(
        sandbox.tip("acme", "docs", "feature/sync").await,
        git_text(&checkout.join(".git"), &["rev-parse", "HEAD"])
    );

    // Same credentials as clone: an API token with the email, and x-token-auth.
    let authority = sandbox.running.url().trim_start_matches("http://");
    let by_token = format!("http://alice%40example.com:{API_TOKEN_RW}@{authority}/acme/docs.git");
    let pushed = commit_and_push_to(&checkout, "c.txt", "c", &by_token, "HEAD:main");
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    let by_access_token = format!("http://x-token-auth:{ACCESS_TOKEN}@{authority}/acme/docs.git");
    let pushed = commit_and_push_to(&checkout, "d.txt", "d", &by_access_token, "HEAD:main");
    assert!(pushed.status.success(), "{}", stderr(&pushed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushing_needs_write_scope_and_membership() {
    let sandbox = Sandbox::start().await;
    let work = tempfile::tempdir().expect("tempdir");
    let checkout = clone_as(&sandbox, "docs", "alice", APP_PASSWORD_READ, work.path());
    let before = sandbox.tip("acme", "docs", "main").await;
    let pushed = commit_and_push(&checkout, "pushed.txt", "x", "HEAD:main");
    assert!(
        !pushed.status.success(),
        "a read-only credential cannot push"
    );
    let refused = sandbox.running.requests().into_iter().any(|r| {
        r.path == "/acme/docs.git/info/refs"
            && r.query.as_deref() == Some("service=git-receive-pack")
            && r.status == Some(403)
    });
    assert!(refused, "{:?}", sandbox.running.requests());

    // bob is in no workspace: he can clone the public repository but not push to it.
    let authority = sandbox.running.url().trim_start_matches("http://");
    let as_bob = format!("http://bob:{BOB_APP_PASSWORD}@{authority}/acme/docs.git");
    let pushed = commit_and_push_to(&checkout, "bob.txt", "x", &as_bob, "HEAD:main");
    assert!(!pushed.status.success(), "an outsider cannot push");
    // Anonymous: asked for credentials, and git has none to give.
    let anonymous = format!("{}/acme/docs.git", sandbox.running.url());
    let pushed = commit_and_push_to(&checkout, "anon.txt", "x", &anonymous, "HEAD:main");
    assert!(!pushed.status.success(), "anonymous cannot push");
    assert_eq!(
        sandbox.tip("acme", "docs", "main").await,
        before,
        "nothing landed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branches_created_through_the_api_are_seen_by_git() {
    let sandbox = Sandbox::start().await;
    let work = tempfile::tempdir().expect("tempdir");
    let checkout = clone_as(&sandbox, "docs", "alice", APP_PASSWORD_RW, work.path());
    let pushed = commit_and_push(&checkout, "next.txt", "next", "HEAD:main");
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    let first = git_text(&checkout.join(".git"), &["rev-parse", "HEAD~1"]);
    let response = ALICE
        .apply(
            sandbox
                .http
                .post(sandbox.url("/2.0/repositories/acme/docs/refs/branches")),
        )
        .json(&serde_json::json!({ "name": "release/1.x", "target": { "hash": first } }))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 201);

    let listed = git_in(&checkout, &["ls-remote", "--heads", "origin"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed
            .lines()
            .any(|line| line == format!("{first}\trefs/heads/release/1.x")),
        "{listed}"
    );
    let fetched = git_in(&checkout, &["fetch", "--quiet", "origin"]);
    assert!(fetched.status.success(), "{}", stderr(&fetched));
    assert_eq!(
        git_text(
            &checkout.join(".git"),
            &["rev-parse", "refs/remotes/origin/release/1.x"]
        ),
        first
    );
    // And a push on top of it lands on the new branch.
    let switched = git_in(
        &checkout,
        &["checkout", "--quiet", "-b", "r1", "origin/release/1.x"],
    );
    assert!(switched.status.success(), "{}", stderr(&switched));
    let pushed = commit_and_push(&checkout, "fix.txt", "fix", "HEAD:release/1.x");
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    let (status, branch) = sandbox
        .get_json(
            "/2.0/repositories/acme/docs/refs/branches/release/1.x",
            &ALICE,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        branch["target"]["hash"],
        git_text(&checkout.join(".git"), &["rev-parse", "HEAD"])
    );
    assert_eq!(branch["target"]["parents"][0]["hash"], first.as_str());
}
