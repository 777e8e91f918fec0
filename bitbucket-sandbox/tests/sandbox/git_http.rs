//! `git clone` over smart HTTP at `/{workspace}/{slug}.git`, with the real git client.
//! The tests run git as a blocking child process, so the in-process sandbox needs worker
//! threads of its own to answer it.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::*;

fn git_in(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(args)
        .output()
        .expect("git runs")
}

fn clone(url: &str, into: &Path) -> Output {
    git_in(
        into.parent().expect("parent"),
        &["clone", "--quiet", url, &into.to_string_lossy()],
    )
}

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
async fn pushing_is_refused() {
    let sandbox = Sandbox::start().await;
    let work = tempfile::tempdir().expect("tempdir");
    let checkout = work.path().join("docs");
    let authority = sandbox.running.url().trim_start_matches("http://");
    assert!(clone(
        &format!("http://alice:{APP_PASSWORD_RW}@{authority}/acme/docs.git"),
        &checkout
    )
    .status
    .success());
    std::fs::write(checkout.join("pushed.txt"), "x").expect("write");
    let identity = ["-c", "user.name=T", "-c", "user.email=t@example.com"];
    assert!(git_in(
        &checkout,
        &[
            &identity[..],
            &["commit", "--quiet", "--allow-empty", "-m", "push"]
        ]
        .concat()
    )
    .status
    .success());
    let push = git_in(&checkout, &["push", "--quiet", "origin", "HEAD:main"]);
    assert!(!push.status.success());
    let subjects = git_text(
        &sandbox.bare_repo("acme", "docs"),
        &["log", "--format=%s", "refs/heads/main"],
    );
    assert_eq!(subjects, "Initial commit", "the push did not land");
}
