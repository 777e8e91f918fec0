//! `/api/webhooks` over HTTP, on both databases, delivering to real receivers on this
//! machine: a Slack integration created by REST posts a test event to the Slack-compatible
//! receiver; a custom webhook's delivery verifies with the Standard Webhooks reference
//! verifier under the secret the create answered; the log, redeliver, rotation, update,
//! pause and delete; bad input and viewer keys refused, changing nothing.

use std::sync::{Arc, Mutex};

use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
use ferry_domain::{auth::Role, webhooks::NetworkPolicy};
use serde_json::{json, Value};

use crate::common::{team_key, Db, TestServer};

ferry_testing::on_both!(
    slack_and_webhook_integrations_deliver_and_are_managed_over_rest,
    bad_input_and_viewer_keys_are_refused_and_change_nothing,
);

async fn server(db: Db) -> TestServer {
    TestServer::start_with(db, |config| {
        config.hooks.sender.policy = NetworkPolicy {
            allowed: NetworkPolicy::parse_allowed("127.0.0.1").unwrap(),
            allow_http: true,
        };
    })
    .await
}

async fn api_key(server: &TestServer, email: &str, role: Role) -> String {
    team_key(server, email, role).await.1
}

async fn call(
    server: &TestServer,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = server
        .client
        .request(method, server.at(path))
        .header("x-api-key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// What a receiver was sent: each delivery's headers and body.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A custom receiver keeping what it was sent.
async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State(kept): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    kept.lock().unwrap().push((headers, body));
                    "thanks"
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

async fn slack_and_webhook_integrations_deliver_and_are_managed_over_rest(db: Db) {
    use reqwest::Method;
    let server = server(db).await;
    let key = api_key(&server, "ada@example.com", Role::Admin).await;

    // Slack: created, tested, delivered to the Slack-compatible receiver within its limits.
    let slack = slack_receiver::start(slack_receiver::Config::default())
        .await
        .unwrap();
    let slack_url = slack.add_hook("api-team");
    let (status, created) = call(&server, &key, Method::POST, "/api/webhooks", Some(json!({
        "kind": "slack", "name": "Team channel", "url": slack_url, "events": ["collection.changed", "member.joined"],
    })))
    .await;
    assert_eq!(status, 200, "{created}");
    let slack_id = created["webhook"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["webhook"]["kind"], "slack");
    assert_eq!(
        created["webhook"]["events"],
        json!(["collection.changed", "member.joined"])
    );
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    // The URL's secret path is never answered.
    let shown = created["webhook"]["url"].as_str().unwrap();
    assert!(
        shown.ends_with("/services/…")
            && !created
                .to_string()
                .contains(slack_url.rsplit('/').next().unwrap()),
        "{created}"
    );
    let (status, _) = call(
        &server,
        &key,
        Method::POST,
        &format!("/api/webhooks/{slack_id}/test"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(server.hooks.run_once().await.unwrap(), 1);
    let messages = slack.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].payload["blocks"][0]["text"]["text"],
        "Test event: Team channel"
    );

    // A custom webhook: signed with the secret the create answered, and logged.
    let (url, received) = receiver().await;
    let (_, created) = call(
        &server,
        &key,
        Method::POST,
        "/api/webhooks",
        Some(json!({
            "name": "Audit", "url": url, "events": ["member.joined"],
        })),
    )
    .await;
    let id = created["webhook"]["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    call(
        &server,
        &key,
        Method::POST,
        &format!("/api/webhooks/{id}/test"),
        None,
    )
    .await;
    server.hooks.run_once().await.unwrap();
    {
        let received = received.lock().unwrap();
        let (headers, body) = &received[0];
        standardwebhooks::Webhook::new(&secret)
            .unwrap()
            .verify(body, headers)
            .unwrap();
    }
    let (status, log) = call(
        &server,
        &key,
        Method::GET,
        &format!("/api/webhooks/{id}/deliveries"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["state"], "delivered");
    assert_eq!(delivery["attempts"][0]["status"], 200);
    assert_eq!(delivery["attempts"][0]["response"], "thanks");

    // Redeliver: the same id again.
    let delivery_id = delivery["id"].as_str().unwrap();
    let (status, _) = call(
        &server,
        &key,
        Method::POST,
        &format!("/api/webhooks/{id}/deliveries/{delivery_id}/redeliver"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    server.hooks.run_once().await.unwrap();
    let ids: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .map(|(headers, _)| headers["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![delivery_id.to_owned(); 2]);

    // Rotation: the next delivery verifies under the old secret and the new one.
    let (_, rotated) = call(
        &server,
        &key,
        Method::POST,
        &format!("/api/webhooks/{id}/secret"),
        None,
    )
    .await;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    call(
        &server,
        &key,
        Method::POST,
        &format!("/api/webhooks/{id}/test"),
        None,
    )
    .await;
    server.hooks.run_once().await.unwrap();
    {
        let received = received.lock().unwrap();
        let (headers, body) = received.last().unwrap();
        for secret in [&secret, &new_secret] {
            standardwebhooks::Webhook::new(secret)
                .unwrap()
                .verify(body, headers)
                .unwrap();
        }
    }

    // Update and pause: a paused integration's test event waits.
    let (status, updated) = call(
        &server,
        &key,
        Method::PUT,
        &format!("/api/webhooks/{id}"),
        Some(json!({
            "name": "Audit trail", "events": ["member.left", "collection.deleted"], "paused": true,
        })),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["webhook"]["name"], "Audit trail");
    assert_eq!(
        updated["webhook"]["events"],
        json!(["collection.deleted", "member.left"])
    );
    assert_eq!(updated["webhook"]["status"], "paused");
    call(
        &server,
        &key,
        Method::POST,
        &format!("/api/webhooks/{id}/test"),
        None,
    )
    .await;
    assert_eq!(server.hooks.run_once().await.unwrap(), 0);

    let (_, list) = call(&server, &key, Method::GET, "/api/webhooks", None).await;
    let names: Vec<&str> = list["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Audit trail", "Team channel"]);
    let (status, _) = call(
        &server,
        &key,
        Method::DELETE,
        &format!("/api/webhooks/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &server,
        &key,
        Method::GET,
        &format!("/api/webhooks/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

async fn bad_input_and_viewer_keys_are_refused_and_change_nothing(db: Db) {
    use reqwest::Method;
    let server = server(db).await;
    let key = api_key(&server, "ada@example.com", Role::Admin).await;
    for (body, field) in [
        (
            json!({ "name": "", "url": "https://example.com", "events": ["member.joined"] }),
            "name",
        ),
        (
            json!({ "name": "A", "url": "http://10.0.0.1/hook", "events": ["member.joined"] }),
            "url",
        ),
        (
            json!({ "name": "A", "url": "http://169.254.169.254/latest", "events": ["member.joined"] }),
            "url",
        ),
        (
            json!({ "name": "A", "url": "https://example.com", "events": [] }),
            "events",
        ),
        (
            json!({ "name": "A", "url": "https://example.com", "events": ["collection.exploded"] }),
            "events",
        ),
    ] {
        let (status, answer) = call(&server, &key, Method::POST, "/api/webhooks", Some(body)).await;
        assert_eq!(status, 400, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{field}: ")), "{message}");
    }
    let (status, answer) = call(&server, &key, Method::POST, "/api/webhooks", Some(json!({ "kind": "pager", "name": "A", "url": "https://example.com", "events": ["member.joined"] }))).await;
    assert_eq!(status, 400);
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("kind"));
    let (_, list) = call(&server, &key, Method::GET, "/api/webhooks", None).await;
    assert_eq!(list["webhooks"], json!([]));

    // A viewer key (of another team): it creates nothing.
    let viewer = api_key(&server, "vi@example.com", Role::Viewer).await;
    let (status, _) = call(
        &server,
        &viewer,
        Method::POST,
        "/api/webhooks",
        Some(json!({ "name": "V", "url": "https://example.com", "events": ["member.joined"] })),
    )
    .await;
    assert_eq!(status, 403);
}
