//! `/api/integrations` and `/metrics` over HTTP, on both databases: shapes, the run log, the
//! controls (run now, pause, resume) and what they queue, and viewer keys refused.

use crate::common::{
    integrations::{account_row, collection},
    Db, TestServer,
};
use ferry_domain::{
    accounts::{Accounts, Actor, FirstTeam},
    auth::Role,
    integrations::{IntegrationDraft, IntegrationStatus, Integrations},
    store::{
        now_ms,
        sync::{RunOutcome, RunRow, Trigger},
    },
};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

ferry_testing::on_both!(
    list_get_and_the_run_log,
    run_pause_and_resume_queue_what_they_say,
    viewer_keys_cannot_act,
    metrics_are_prometheus_text
);

struct Team {
    admin: Actor,
    key: String,
    integration_id: String,
}

async fn team(server: &TestServer, email: &str, key_role: Role) -> Team {
    let accounts = Accounts::new(&server.db.store);
    let signed_up = accounts
        .create_user(email, PASSWORD.into(), FirstTeam::Personal, "test")
        .await
        .unwrap();
    let admin = accounts
        .session_actor(&signed_up.user_id, &signed_up.team_id, 0)
        .await
        .unwrap()
        .unwrap();
    let (_, key) = accounts
        .create_api_key(&admin, "tests", key_role, None, "test")
        .await
        .unwrap();
    let collection_id = collection(&server.db.store, &admin, "Users API").await;
    let account_id = account_row(&server.db.store, &admin, "Demo").await;
    let draft = IntegrationDraft {
        collection_id,
        account_id,
        workspace: "acme".into(),
        repository: "backups".into(),
        branch: "main".into(),
        directory: "Postman Collections".into(),
        filename: "users.json".into(),
    };
    let integration_id = Integrations::new(&server.db.store)
        .create(&admin, &draft)
        .await
        .unwrap()
        .id;
    Team {
        admin,
        key: key.expose_secret().to_owned(),
        integration_id,
    }
}

async fn call(server: &TestServer, key: &str, method: reqwest::Method, path: &str) -> (u16, Value) {
    let response = server
        .client
        .request(method, server.at(path))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn list_get_and_the_run_log(db: Db) {
    let server = TestServer::start(db).await;
    let team = team(&server, "ada@example.com", Role::Admin).await;
    let (status, body) = call(
        &server,
        &team.key,
        reqwest::Method::GET,
        "/api/integrations",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let listed = &body["integrations"][0];
    assert_eq!(listed["id"], team.integration_id.as_str());
    assert_eq!(listed["collection"]["name"], "Users API");
    assert_eq!(listed["path"], "Postman Collections/users.json");
    assert_eq!(
        (listed["status"].as_str(), listed["createdBy"].as_str()),
        (Some("active"), Some("ada@example.com"))
    );

    let path = format!("/api/integrations/{}", team.integration_id);
    let (status, body) = call(&server, &team.key, reqwest::Method::GET, &path).await;
    assert_eq!((status, &body["integration"]), (200, listed));

    let hash = "0123456789abcdef0123456789abcdef01234567";
    let started = now_ms();
    server
        .db
        .store
        .insert_run(
            &team.admin.team_id,
            &RunRow {
                id: uuid::Uuid::now_v7().to_string(),
                integration_id: team.integration_id.clone(),
                trigger: Trigger::Initial,
                started_at_ms: started,
                finished_at_ms: started + 250,
                outcome: RunOutcome::Committed,
                commit_hash: Some(hash.into()),
                error: None,
                will_retry: false,
                attempts: 1,
                revision: Some(1),
                latency_ms: Some(1_200),
            },
        )
        .await
        .unwrap();
    let (status, body) = call(
        &server,
        &team.key,
        reqwest::Method::GET,
        &format!("{path}/runs"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let run = &body["runs"][0];
    assert_eq!(
        (run["trigger"].as_str(), run["outcome"].as_str()),
        (Some("initial"), Some("committed"))
    );
    assert_eq!(
        (run["durationMs"].as_i64(), run["changeToCommitMs"].as_i64()),
        (Some(250), Some(1_200))
    );
    assert_eq!(run["commit"]["hash"], hash);
    assert_eq!(
        run["commit"]["url"],
        format!("https://bitbucket.org/acme/backups/commits/{hash}")
    );
}

async fn run_pause_and_resume_queue_what_they_say(db: Db) {
    let server = TestServer::start(db).await;
    let team = team(&server, "ada@example.com", Role::Admin).await;
    let store = &server.db.store;
    let base = format!("/api/integrations/{}", team.integration_id);
    store
        .drop_job(&team.admin.team_id, &team.integration_id)
        .await
        .unwrap();

    let (status, body) = call(
        &server,
        &team.key,
        reqwest::Method::POST,
        &format!("{base}/pause"),
    )
    .await;
    assert_eq!(
        (status, body["integration"]["status"].as_str()),
        (200, Some("paused"))
    );
    assert_eq!(
        store
            .queued_job(&team.admin.team_id, &team.integration_id)
            .await
            .unwrap(),
        None
    );
    let (status, body) = call(
        &server,
        &team.key,
        reqwest::Method::POST,
        &format!("{base}/run"),
    )
    .await;
    assert_eq!(
        status, 409,
        "a paused integration is resumed, not run: {body}"
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("resume"));

    let (status, body) = call(
        &server,
        &team.key,
        reqwest::Method::POST,
        &format!("{base}/resume"),
    )
    .await;
    assert_eq!(
        (status, body["integration"]["status"].as_str()),
        (200, Some("active"))
    );
    let queued = store
        .queued_job(&team.admin.team_id, &team.integration_id)
        .await
        .unwrap()
        .expect("resume queues a run");
    assert_eq!(queued.trigger.as_str(), "manual");

    store
        .drop_job(&team.admin.team_id, &team.integration_id)
        .await
        .unwrap();
    store
        .set_integration_status(
            &team.admin.team_id,
            &team.integration_id,
            IntegrationStatus::Failing,
            Some("repository gone"),
            &crate::common::status_event(&team.integration_id),
        )
        .await
        .unwrap();
    let (status, body) = call(
        &server,
        &team.key,
        reqwest::Method::POST,
        &format!("{base}/run"),
    )
    .await;
    assert_eq!(
        (status, body["integration"]["status"].as_str()),
        (200, Some("active")),
        "{body}"
    );
    assert!(store
        .queued_job(&team.admin.team_id, &team.integration_id)
        .await
        .unwrap()
        .is_some());
    let audit: Vec<_> = store
        .audit_log(&team.admin.team_id, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "integration.paused",
        "integration.resumed",
        "integration.run",
    ] {
        assert!(audit.contains(&action.to_owned()), "{action}: {audit:?}");
    }
}

async fn viewer_keys_cannot_act(db: Db) {
    let server = TestServer::start(db).await;
    let team = team(&server, "ada@example.com", Role::Viewer).await;
    let base = format!("/api/integrations/{}", team.integration_id);
    let (status, _) = call(&server, &team.key, reqwest::Method::GET, &base).await;
    assert_eq!(status, 200, "viewers read");
    for action in ["run", "pause", "resume"] {
        let (status, body) = call(
            &server,
            &team.key,
            reqwest::Method::POST,
            &format!("{base}/{action}"),
        )
        .await;
        assert_eq!(status, 403, "{action}: {body}");
        assert_eq!(body["error"]["name"], "forbiddenError");
    }
    let integration = Integrations::new(&server.db.store)
        .get(&team.admin, &team.integration_id)
        .await
        .unwrap();
    assert_eq!(integration.status.as_str(), "active");
}

async fn metrics_are_prometheus_text(db: Db) {
    let server = TestServer::start(db).await;
    team(&server, "ada@example.com", Role::Admin).await;
    let response = server
        .client
        .get(server.at("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(
        text.lines().any(|line| line == "ferry_sync_jobs_queued 1"),
        "the first run is queued:\n{text}"
    );
    for name in [
        "ferry_sync_jobs_running",
        "ferry_sync_runs_total",
        "ferry_sync_change_to_commit_seconds_bucket",
    ] {
        assert!(text.contains(name), "{name} in\n{text}");
    }
}
