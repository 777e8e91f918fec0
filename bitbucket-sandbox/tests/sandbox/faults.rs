//! Each fault kind, set at start, through the library handle and through the admin
//! endpoint; the request log; token revocation; and the CLI's fault flags.

use std::time::{Duration, Instant};

use crate::common::*;
use bitbucket_sandbox::Faults;
use serde_json::{json, Value};

#[tokio::test]
async fn latency_is_fixed_plus_jitter() {
    let sandbox = Sandbox::start_with_faults(Faults {
        latency_ms: 150,
        jitter_ms: 100,
        ..Faults::default()
    })
    .await;
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(sandbox.get("/2.0/user", &ALICE).await.status(), 200);
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(2000), "{elapsed:?}");
    }
}

#[tokio::test]
async fn server_errors_come_with_the_configured_statuses() {
    let sandbox = Sandbox::start().await;
    for status in [500u16, 502, 503] {
        sandbox
            .running
            .set_faults(Faults {
                error_rate: 1.0,
                error_statuses: vec![status],
                ..Faults::default()
            })
            .expect("valid faults");
        let response = sandbox.get("/2.0/repositories/acme/backups", &ALICE).await;
        assert_eq!(response.status().as_u16(), status);
    }
    sandbox
        .running
        .set_faults(Faults {
            error_rate: 0.5,
            ..Faults::default()
        })
        .expect("valid faults");
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..60 {
        seen.insert(sandbox.get("/2.0/user", &ALICE).await.status().as_u16());
    }
    assert!(
        seen.contains(&200) && seen.iter().any(|s| *s >= 500),
        "a probability, not always or never: {seen:?}"
    );
    sandbox
        .running
        .set_faults(Faults::default())
        .expect("valid faults");
    assert_eq!(sandbox.get("/2.0/user", &ALICE).await.status(), 200);
}

#[tokio::test]
async fn the_rate_limit_answers_429_in_plain_text_per_user() {
    let sandbox = Sandbox::start_with_faults(Faults {
        rate_limit: Some(3),
        ..Faults::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            sandbox
                .get("/2.0/repositories/acme/docs", &ALICE)
                .await
                .status(),
            200
        );
    }
    let limited = sandbox.get("/2.0/repositories/acme/docs", &ALICE).await;
    assert_eq!(limited.status(), 429);
    assert!(
        limited.headers().get("retry-after").is_none(),
        "Bitbucket sends no Retry-After"
    );
    assert!(limited.headers()["content-type"]
        .to_str()
        .expect("ASCII")
        .starts_with("text/plain"));
    assert!(!limited
        .text()
        .await
        .expect("text")
        .trim_start()
        .starts_with('{'));
    assert_eq!(
        sandbox.get("/2.0/user", &ALICE).await.status(),
        200,
        "only /2.0/repositories/* is limited"
    );
    let bob = Auth::Basic("bob", BOB_APP_PASSWORD);
    assert_eq!(
        sandbox
            .get("/2.0/repositories/acme/docs", &bob)
            .await
            .status(),
        200,
        "each user has their own budget"
    );
}

#[tokio::test]
async fn the_rate_limit_window_rolls() {
    let sandbox = Sandbox::start_with_faults(Faults {
        rate_limit: Some(1),
        rate_limit_window_secs: 1,
        ..Faults::default()
    })
    .await;
    assert_eq!(
        sandbox
            .get("/2.0/repositories/acme/docs", &ALICE)
            .await
            .status(),
        200
    );
    assert_eq!(
        sandbox
            .get("/2.0/repositories/acme/docs", &ALICE)
            .await
            .status(),
        429
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        sandbox
            .get("/2.0/repositories/acme/docs", &ALICE)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn dropped_connections_get_no_response_and_are_logged() {
    let sandbox = Sandbox::start_with_faults(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let error = ALICE
        .apply(sandbox.http.get(sandbox.url("/2.0/user")))
        .send()
        .await
        .expect_err("no response");
    assert!(!error.is_timeout() && !error.is_status(), "{error:?}");
    let requests = sandbox.running.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, None);
}

#[tokio::test]
async fn slow_responses_outlast_a_client_timeout() {
    let sandbox = Sandbox::start_with_faults(Faults {
        slow_rate: 1.0,
        slow_ms: 2_000,
        ..Faults::default()
    })
    .await;
    let error = ALICE
        .apply(sandbox.http.get(sandbox.url("/2.0/user")))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("times out");
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn faults_change_at_run_time_through_the_admin_endpoint() {
    let sandbox = Sandbox::start().await;
    let put = sandbox
        .admin(
            reqwest::Method::PUT,
            "/admin/faults",
            Some(json!({ "error_rate": 1.0, "error_statuses": [503] })),
        )
        .await;
    assert_eq!(put.status(), 200);
    let current: Value = sandbox
        .admin(reqwest::Method::GET, "/admin/faults", None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(current["error_statuses"], json!([503]));
    assert_eq!(
        current["latency_ms"], 0,
        "unnamed settings take their defaults"
    );
    assert_eq!(sandbox.get("/2.0/user", &ALICE).await.status(), 503);
    assert_eq!(
        sandbox
            .admin(reqwest::Method::GET, "/admin/requests", None)
            .await
            .status(),
        200,
        "admin is exempt"
    );
    let bad = sandbox
        .admin(
            reqwest::Method::PUT,
            "/admin/faults",
            Some(json!({ "drop_rate": 2.0 })),
        )
        .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn the_request_log_counts_api_calls() {
    let sandbox = Sandbox::start().await;
    sandbox.get("/2.0/user", &ALICE).await;
    sandbox
        .get(
            "/2.0/repositories/acme/backups",
            &Auth::Basic("bob", BOB_APP_PASSWORD),
        )
        .await;
    sandbox.commit_file("backups", &ALICE, "l.txt", "l").await;
    let log: Vec<Value> = sandbox
        .admin(reqwest::Method::GET, "/admin/requests", None)
        .await
        .json()
        .await
        .expect("JSON");
    let summary: Vec<(String, String, Value, u64)> = log
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap_or("").to_owned(),
                r["path"].as_str().unwrap_or("").to_owned(),
                r["user"].clone(),
                r["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "GET".to_owned(),
                "/2.0/user".to_owned(),
                json!("alice"),
                200
            ),
            (
                "GET".to_owned(),
                "/2.0/repositories/acme/backups".to_owned(),
                json!("bob"),
                403
            ),
            (
                "POST".to_owned(),
                "/2.0/repositories/acme/backups/src".to_owned(),
                json!("alice"),
                201
            ),
        ]
    );
    assert!(log
        .iter()
        .all(|r| r["time"].as_str().is_some_and(|t| t.contains('T'))));
    let cleared = sandbox
        .admin(reqwest::Method::DELETE, "/admin/requests", None)
        .await;
    assert_eq!(cleared.status(), 204);
    assert!(sandbox.running.requests().is_empty());
}

#[tokio::test]
async fn revoked_tokens_stop_working() {
    let sandbox = Sandbox::start().await;
    let bearer = Auth::Bearer(ACCESS_TOKEN.to_owned());
    assert_eq!(
        sandbox
            .get("/2.0/repositories/acme/backups", &bearer)
            .await
            .status(),
        200
    );
    for secret in [ACCESS_TOKEN, APP_PASSWORD_RW, API_TOKEN_RW] {
        let revoke = sandbox
            .admin(
                reqwest::Method::POST,
                "/admin/revoke",
                Some(json!({ "token": secret })),
            )
            .await;
        assert_eq!(revoke.status(), 204, "{secret}");
    }
    assert_eq!(
        sandbox
            .get("/2.0/repositories/acme/backups", &bearer)
            .await
            .status(),
        401
    );
    assert_eq!(
        sandbox
            .get("/2.0/user", &Auth::Basic("alice", APP_PASSWORD_RW))
            .await
            .status(),
        401
    );
    assert_eq!(sandbox.get("/2.0/user", &ALICE).await.status(), 401);
    let unknown = sandbox
        .admin(
            reqwest::Method::POST,
            "/admin/revoke",
            Some(json!({ "token": "nope" })),
        )
        .await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn admin_endpoints_are_off_unless_enabled() {
    let sandbox = Sandbox::start_with(|config| config.admin = false).await;
    assert_eq!(
        sandbox
            .admin(reqwest::Method::GET, "/admin/requests", None)
            .await
            .status(),
        404
    );
}

/// Kills the child process on drop so a failing assertion does not leak a server.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test]
async fn the_cli_takes_a_seed_file_and_fault_flags() {
    let data = tempfile::tempdir().expect("tempdir");
    let seed = data.path().join("seed.json");
    std::fs::write(
        &seed,
        serde_json::to_vec(&standard_seed()).expect("seed JSON"),
    )
    .expect("write seed");
    let port = free_port();
    let _server = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_bitbucket-sandbox"))
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--admin",
                "--latency-ms",
                "120",
                "--error-statuses",
                "502,503",
            ])
            .arg("--data")
            .arg(data.path().join("repos"))
            .arg("--seed")
            .arg(&seed)
            .args(["--public-url", "http://sandbox.test:1234"])
            .spawn()
            .expect("binary starts"),
    );
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut faults = None;
    for _ in 0..200 {
        if let Ok(response) = http.get(format!("{base}/admin/faults")).send().await {
            faults = Some(response.json::<Value>().await.expect("JSON"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let faults = faults.expect("the server came up");
    assert_eq!(faults["latency_ms"], 120);
    assert_eq!(faults["error_statuses"], json!([502, 503]));
    let repo: Value = http
        .get(format!("{base}/2.0/repositories/acme/docs"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        repo["links"]["self"]["href"],
        "http://sandbox.test:1234/2.0/repositories/acme/docs"
    );
}
