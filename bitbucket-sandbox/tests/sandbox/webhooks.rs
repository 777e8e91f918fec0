//! Repository webhooks: `repo:push` reaches a real HTTP receiver after a `git push`, a
//! `POST …/src` commit and a tag, signed with the hook's secret; inactive and deleted
//! hooks get nothing; the `webhooks_unreachable` fault stops deliveries.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::common::*;

const SECRET: &str = "s3cret-for-ferry";

struct Delivery {
    headers: HeaderMap,
    body: Bytes,
}

impl Delivery {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON payload")
    }
}

/// A tiny subscriber on a free port that hands every POST to the test.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Delivery>) {
    let (sender, deliveries) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let sender = sender.clone();
            async move {
                let _ = sender.send(Delivery { headers, body });
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, deliveries)
}

async fn next(deliveries: &mut mpsc::UnboundedReceiver<Delivery>, within: Duration) -> Delivery {
    tokio::time::timeout(within, deliveries.recv())
        .await
        .expect("a delivery in time")
        .expect("receiver open")
}

async fn nothing_more(deliveries: &mut mpsc::UnboundedReceiver<Delivery>) {
    let late = tokio::time::timeout(Duration::from_millis(700), deliveries.recv()).await;
    assert!(late.is_err(), "no delivery expected");
}

/// The delivery log once it holds `count` attempts (or after 5 s).
async fn logged(sandbox: &Sandbox, count: usize) -> Vec<bitbucket_sandbox::DeliveryRecord> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while sandbox.running.deliveries().len() < count && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sandbox.running.deliveries()
}

fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let Some(hex_digest) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_digest) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

async fn create_hook(sandbox: &Sandbox, slug: &str, body: Value) -> Value {
    let response = ALICE
        .apply(
            sandbox
                .http
                .post(sandbox.url(&format!("/2.0/repositories/acme/{slug}/hooks"))),
        )
        .json(&body)
        .send()
        .await
        .expect("POST hooks");
    assert_eq!(response.status(), 201);
    response.json().await.expect("JSON")
}

fn hook_path(slug: &str, hook: &Value) -> String {
    let uuid = hook["uuid"].as_str().expect("uuid");
    format!(
        "/2.0/repositories/acme/{slug}/hooks/{}",
        uuid.replace('{', "%7B").replace('}', "%7D")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_push_and_src_commits_deliver_signed_repo_push() {
    let sandbox = Sandbox::start().await;
    let (url, mut deliveries) = receiver().await;
    let hook = create_hook(
        &sandbox,
        "docs",
        json!({ "url": url, "description": "Ferry", "events": ["repo:push"], "active": true, "secret": SECRET }),
    )
    .await;
    assert_eq!(hook["secret_set"], true);
    assert!(hook.get("secret").is_none(), "the secret is write-only");
    let hook_uuid = hook["uuid"].as_str().expect("uuid").to_owned();

    // git push
    let work = tempfile::tempdir().expect("tempdir");
    let checkout = clone_as(&sandbox, "docs", "alice", APP_PASSWORD_RW, work.path());
    let old = sandbox.tip("acme", "docs", "main").await;
    let pushed = commit_and_push(
        &checkout,
        "postman/schemas/api.yaml",
        "openapi: 3.1.0\n",
        "HEAD:main",
    );
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    let new = git_text(&checkout.join(".git"), &["rev-parse", "HEAD"]);
    let delivery = next(&mut deliveries, Duration::from_secs(1)).await;
    assert_eq!(delivery.header("x-event-key"), "repo:push");
    assert_eq!(
        delivery.header("x-hook-uuid"),
        hook_uuid.trim_matches(['{', '}'])
    );
    assert_eq!(delivery.header("x-attempt-number"), "1");
    assert_eq!(delivery.header("user-agent"), "Bitbucket-Webhooks/2.0");
    assert_eq!(delivery.header("content-type"), "application/json");
    assert!(uuid::Uuid::parse_str(delivery.header("x-request-uuid")).is_ok());
    assert!(
        verify(SECRET, &delivery.body, delivery.header("x-hub-signature")),
        "signature {} verifies",
        delivery.header("x-hub-signature")
    );
    assert!(!verify(
        "another secret",
        &delivery.body,
        delivery.header("x-hub-signature")
    ));
    let payload = delivery.json();
    assert_eq!(payload["actor"]["nickname"], "alice");
    assert_eq!(payload["repository"]["full_name"], "acme/docs");
    let change = &payload["push"]["changes"][0];
    assert_eq!(change["new"]["type"], "branch");
    assert_eq!(change["new"]["name"], "main");
    assert_eq!(change["new"]["target"]["hash"], new.as_str());
    assert_eq!(
        change["new"]["target"]["message"],
        "Change postman/schemas/api.yaml\n"
    );
    assert_eq!(change["old"]["target"]["hash"], old.as_str());
    assert_eq!(change["created"], false);
    assert_eq!(change["closed"], false);
    assert_eq!(change["forced"], false);
    assert_eq!(change["truncated"], false);
    assert_eq!(change["commits"][0]["hash"], new.as_str());
    assert_eq!(change["commits"].as_array().expect("commits").len(), 1);
    let errors = schema_errors(&component_schema("branch"), &change["new"]);
    assert!(errors.is_empty(), "{errors:?}");
    let errors = schema_errors(&component_schema("repository"), &payload["repository"]);
    assert!(errors.is_empty(), "{errors:?}");

    // POST …/src, on a new branch
    let response = sandbox
        .commit(
            "acme",
            "docs",
            &ALICE,
            form(
                &[("branch", "ferry/sync"), ("message", "From Ferry")],
                vec![file("a.json", "{}")],
            ),
        )
        .await;
    assert_eq!(response.status(), 201);
    let committed = location_hash(&response);
    let delivery = next(&mut deliveries, Duration::from_secs(1)).await;
    assert!(verify(
        SECRET,
        &delivery.body,
        delivery.header("x-hub-signature")
    ));
    let change = &delivery.json()["push"]["changes"][0];
    assert_eq!(change["new"]["name"], "ferry/sync");
    assert_eq!(change["new"]["target"]["hash"], committed.as_str());
    assert_eq!(change["old"], Value::Null);
    assert_eq!(change["created"], true);
    assert_eq!(
        change["commits"].as_array().expect("commits").len(),
        1,
        "only the commit the new branch brings: {change}"
    );

    // A forced push that rewrites main.
    let reset = git_in(&checkout, &["reset", "--quiet", "--hard", &old]);
    assert!(reset.status.success());
    let pushed = commit_and_push(&checkout, "other.txt", "x", "+HEAD:main");
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    let change = &next(&mut deliveries, Duration::from_secs(1)).await.json()["push"]["changes"][0];
    assert_eq!(change["forced"], true);

    // The receiver may see the last delivery before the sandbox has logged it.
    let log = logged(&sandbox, 3).await;
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log
        .iter()
        .all(|d| d.status == Some(200) && d.attempt == 1 && d.hook_uuid == hook_uuid));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_pushed_or_created_deliver_tag_changes() {
    let sandbox = Sandbox::start().await;
    let (url, mut deliveries) = receiver().await;
    create_hook(
        &sandbox,
        "docs",
        json!({ "url": url, "events": ["repo:push"] }),
    )
    .await;
    let work = tempfile::tempdir().expect("tempdir");
    let checkout = clone_as(&sandbox, "docs", "alice", APP_PASSWORD_RW, work.path());
    let tagged = git_in(
        &checkout,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.com",
            "tag",
            "-a",
            "v1.0.0",
            "-m",
            "Release 1.0.0",
        ],
    );
    assert!(tagged.status.success());
    let pushed = git_in(&checkout, &["push", "--quiet", "--tags"]);
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    let delivery = next(&mut deliveries, Duration::from_secs(1)).await;
    assert!(
        delivery.headers.get("x-hub-signature").is_none(),
        "no secret, no signature"
    );
    let change = &delivery.json()["push"]["changes"][0];
    assert_eq!(change["new"]["type"], "tag");
    assert_eq!(change["new"]["name"], "v1.0.0");
    assert_eq!(change["new"]["message"], "Release 1.0.0\n");
    let tip = sandbox.tip("acme", "docs", "main").await;
    assert_eq!(change["new"]["target"]["hash"], tip.as_str());
    assert_eq!(change["created"], true);
    let errors = schema_errors(&component_schema("tag"), &change["new"]);
    assert!(errors.is_empty(), "{errors:?}");

    let response = ALICE
        .apply(
            sandbox
                .http
                .post(sandbox.url("/2.0/repositories/acme/docs/refs/tags")),
        )
        .json(&json!({ "name": "v2", "target": { "hash": tip } }))
        .send()
        .await
        .expect("POST tag");
    assert_eq!(response.status(), 201);
    let change = &next(&mut deliveries, Duration::from_secs(1)).await.json()["push"]["changes"][0];
    assert_eq!(change["new"]["name"], "v2");

    let response = ALICE
        .apply(
            sandbox
                .http
                .delete(sandbox.url("/2.0/repositories/acme/docs/refs/tags/v2")),
        )
        .send()
        .await
        .expect("DELETE tag");
    assert_eq!(response.status(), 204);
    let change = &next(&mut deliveries, Duration::from_secs(1)).await.json()["push"]["changes"][0];
    assert_eq!(change["closed"], true);
    assert_eq!(change["new"], Value::Null);
    assert_eq!(change["old"]["name"], "v2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branches_created_through_the_api_deliver_repo_push() {
    let sandbox = Sandbox::start().await;
    let (url, mut deliveries) = receiver().await;
    create_hook(
        &sandbox,
        "docs",
        json!({ "url": url, "events": ["repo:push"], "secret": SECRET }),
    )
    .await;
    let tip = sandbox.tip("acme", "docs", "main").await;
    let response = ALICE
        .apply(
            sandbox
                .http
                .post(sandbox.url("/2.0/repositories/acme/docs/refs/branches")),
        )
        .json(&json!({ "name": "feature/hooked", "target": { "hash": tip } }))
        .send()
        .await
        .expect("POST branch");
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("JSON");

    let delivery = next(&mut deliveries, Duration::from_secs(1)).await;
    assert_eq!(delivery.header("x-event-key"), "repo:push");
    assert!(verify(
        SECRET,
        &delivery.body,
        delivery.header("x-hub-signature")
    ));
    let payload = delivery.json();
    assert_eq!(payload["actor"]["nickname"], "alice");
    assert_eq!(payload["repository"]["full_name"], "acme/docs");
    let changes = payload["push"]["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "only the new branch: {changes:?}");
    let change = &changes[0];
    assert_eq!(change["new"]["type"], "branch");
    assert_eq!(change["new"]["name"], "feature/hooked");
    assert_eq!(change["new"]["target"]["hash"], tip.as_str());
    assert_eq!(change["new"], created, "the branch the POST answered with");
    assert_eq!(change["old"], Value::Null);
    assert_eq!(change["created"], true);
    assert_eq!(change["closed"], false);
    assert_eq!(change["forced"], false);
    assert_eq!(
        change["commits"],
        json!([]),
        "its commit was already on main"
    );
    let errors = schema_errors(&component_schema("branch"), &change["new"]);
    assert!(errors.is_empty(), "{errors:?}");

    // A refused creation changes nothing and announces nothing.
    let response = ALICE
        .apply(
            sandbox
                .http
                .post(sandbox.url("/2.0/repositories/acme/docs/refs/branches")),
        )
        .json(&json!({ "name": "feature/hooked", "target": { "hash": tip } }))
        .send()
        .await
        .expect("POST branch");
    assert_eq!(response.status(), 400);
    nothing_more(&mut deliveries).await;
}

#[tokio::test]
async fn inactive_deleted_and_unsubscribed_hooks_get_nothing() {
    let sandbox = Sandbox::start().await;
    let (url, mut deliveries) = receiver().await;
    let inactive = create_hook(
        &sandbox,
        "docs",
        json!({ "url": url, "events": ["repo:push"], "active": false }),
    )
    .await;
    create_hook(
        &sandbox,
        "docs",
        json!({ "url": url, "events": ["pullrequest:created"] }),
    )
    .await;
    let deleted = create_hook(
        &sandbox,
        "docs",
        json!({ "url": url, "events": ["repo:push"] }),
    )
    .await;
    let response = ALICE
        .apply(
            sandbox
                .http
                .delete(sandbox.url(&hook_path("docs", &deleted))),
        )
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), 204);
    assert_eq!(
        sandbox
            .commit_file("docs", &ALICE, "a.txt", "a")
            .await
            .status(),
        201
    );
    nothing_more(&mut deliveries).await;

    // Switched on again, it delivers.
    let response = ALICE
        .apply(sandbox.http.put(sandbox.url(&hook_path("docs", &inactive))))
        .json(&json!({ "active": true }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 200);
    assert_eq!(
        sandbox
            .commit_file("docs", &ALICE, "b.txt", "b")
            .await
            .status(),
        201
    );
    let delivery = next(&mut deliveries, Duration::from_secs(1)).await;
    assert_eq!(
        delivery.header("x-hook-uuid"),
        inactive["uuid"]
            .as_str()
            .unwrap_or("")
            .trim_matches(['{', '}'])
    );
    nothing_more(&mut deliveries).await;
}

#[tokio::test]
async fn the_unreachable_fault_stops_deliveries_and_logs_them() {
    let sandbox = Sandbox::start().await;
    let (url, mut deliveries) = receiver().await;
    create_hook(
        &sandbox,
        "docs",
        json!({ "url": url, "events": ["repo:push"] }),
    )
    .await;
    let response = sandbox
        .admin(
            reqwest::Method::PUT,
            "/admin/faults",
            Some(json!({ "webhooks_unreachable": true })),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        sandbox
            .commit_file("docs", &ALICE, "a.txt", "a")
            .await
            .status(),
        201
    );
    nothing_more(&mut deliveries).await;
    let log: Vec<Value> = sandbox
        .admin(reqwest::Method::GET, "/admin/deliveries", None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["status"], Value::Null);
    assert_eq!(log[0]["event"], "repo:push");

    sandbox
        .running
        .set_faults(bitbucket_sandbox::Faults::default())
        .expect("faults");
    assert_eq!(
        sandbox
            .commit_file("docs", &ALICE, "b.txt", "b")
            .await
            .status(),
        201
    );
    next(&mut deliveries, Duration::from_secs(1)).await;
    assert_eq!(logged(&sandbox, 2).await.len(), 2);
    let response = sandbox
        .admin(reqwest::Method::DELETE, "/admin/deliveries", None)
        .await;
    assert_eq!(response.status(), 204);
    assert!(sandbox.running.deliveries().is_empty());
}

#[tokio::test]
async fn a_failing_receiver_is_retried_twice_and_logged() {
    let sandbox = Sandbox::start().await;
    // Nothing listens on this port once the listener is dropped.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", closed.local_addr().expect("addr"));
    drop(closed);
    create_hook(
        &sandbox,
        "docs",
        json!({ "url": url, "events": ["repo:push"] }),
    )
    .await;
    let started = std::time::Instant::now();
    assert_eq!(
        sandbox
            .commit_file("docs", &ALICE, "a.txt", "a")
            .await
            .status(),
        201
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the push does not wait for delivery"
    );
    let log = logged(&sandbox, 3).await;
    let attempts: Vec<u32> = log.iter().map(|d| d.attempt).collect();
    assert_eq!(attempts, [1, 2, 3]);
    assert!(log.iter().all(|d| d.status.is_none() && d.error.is_some()));
    assert!(log.iter().all(|d| d.request_uuid == log[0].request_uuid));
}

#[tokio::test]
async fn hooks_need_the_webhook_scope_and_an_administrator() {
    let sandbox = Sandbox::start().await;
    let body = json!({ "url": "http://127.0.0.1:9/hook", "events": ["repo:push"] });
    let post = |auth: Auth| {
        auth.apply(
            sandbox
                .http
                .post(sandbox.url("/2.0/repositories/acme/docs/hooks")),
        )
        .json(&body)
        .send()
    };
    let response = post(Auth::Basic(ALICE_EMAIL, API_TOKEN_READ))
        .await
        .expect("POST");
    assert_eq!(response.status(), 403);
    let error: Value = response.json().await.expect("JSON");
    assert_eq!(
        error["error"]["detail"],
        "required: write:webhook:bitbucket; granted: read:user:bitbucket, read:workspace:bitbucket, read:repository:bitbucket"
    );
    let response = post(Auth::Basic("alice", APP_PASSWORD_READ))
        .await
        .expect("POST");
    assert_eq!(response.status(), 403);
    let response = post(Auth::Basic("alice", APP_PASSWORD_RW))
        .await
        .expect("POST");
    assert_eq!(response.status(), 201, "the legacy `webhook` scope");
    // bob has the scope but administers nothing here.
    let bob = Auth::Basic("bob", BOB_APP_PASSWORD);
    let (status, _) = sandbox
        .get_json("/2.0/repositories/acme/docs/hooks", &bob)
        .await;
    assert_eq!(status, 403);

    let bad = ALICE
        .apply(
            sandbox
                .http
                .post(sandbox.url("/2.0/repositories/acme/docs/hooks")),
        )
        .json(&json!({ "url": "not a url", "events": ["repo:push"] }))
        .send()
        .await
        .expect("POST");
    assert_eq!(bad.status(), 400);
    let bad = ALICE
        .apply(
            sandbox
                .http
                .post(sandbox.url("/2.0/repositories/acme/docs/hooks")),
        )
        .json(&json!({ "url": "http://127.0.0.1:9/", "events": ["repo:teleport"] }))
        .send()
        .await
        .expect("POST");
    assert_eq!(bad.status(), 400);
}
