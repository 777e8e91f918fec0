//! Health, readiness, request ids and the first pages, on both databases.

use crate::common::{Db, TestServer};

ferry_testing::on_both!(
    health_and_readiness,
    request_ids,
    home_is_server_rendered,
    unknown_page_is_404,
    metrics_answer_only_the_token_when_one_is_set,
);

async fn health_and_readiness(db: Db) {
    let server = TestServer::start(db).await;
    let health = server
        .client
        .get(server.at("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = server
        .client
        .get(server.at("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    let expected = match db {
        Db::Sqlite => "sqlite",
        Db::Postgres => "postgres",
    };
    assert_eq!(
        body,
        serde_json::json!({"status": "ready", "database": expected})
    );

    server.db.store.close().await;
    let down = server
        .client
        .get(server.at("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(down.status(), 503, "a closed database is not ready");
    assert_eq!(
        server
            .client
            .get(server.at("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn request_ids(db: Db) {
    let server = TestServer::start(db).await;
    let fresh = server
        .client
        .get(server.at("/healthz"))
        .send()
        .await
        .unwrap();
    let id = fresh.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
    let kept = server
        .client
        .get(server.at("/healthz"))
        .header("x-request-id", "caller-chosen-42")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "caller-chosen-42");
}

async fn home_is_server_rendered(db: Db) {
    let server = TestServer::start(db).await;
    let home = server.client.get(server.at("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains("<title>Home · Ferry</title>"), "{html}");
    assert!(html.contains("Your API collections, backed up to Bitbucket"));
    assert!(html.contains(app::BUILD_VERSION));
    assert!(
        html.contains("/pkg/ferry.js"),
        "the hydration script is linked"
    );
}

async fn unknown_page_is_404(db: Db) {
    let server = TestServer::start(db).await;
    let missing = server
        .client
        .get(server.at("/definitely/not/here"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page not found"));
}

/// Route lists asked for (as every server start and the tenant-isolation suite do) while
/// signed-in pages render in this process: no page may stall. Leptos's route generation parks
/// every resource first polled meanwhile, process-wide (leptos-rs/leptos#4773), so Ferry
/// generates the list once per process.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_render_while_route_lists_are_asked_for() {
    use std::sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    };
    let server = TestServer::start(Db::Sqlite).await;
    assert_eq!(
        server
            .sign_up("render@example.com", "correct horse battery staple")
            .await
            .status(),
        303
    );
    let done = Arc::new(AtomicBool::new(false));
    let asking = {
        let done = done.clone();
        tokio::task::spawn_blocking(move || {
            while !done.load(Ordering::Relaxed) {
                assert!(!ferry::http::every_route().is_empty());
            }
        })
    };
    for round in 0..100 {
        let page = || tokio::time::timeout(std::time::Duration::from_secs(20), server.page("/"));
        let (a, b, c, d) = tokio::join!(page(), page(), page(), page());
        for html in [a, b, c, d] {
            let html = html.unwrap_or_else(|_| panic!("round {round}: the home page stalled"));
            assert!(html.contains("render@example.com"), "round {round}: {html}");
        }
    }
    let starting = TestServer::start(Db::Sqlite).await;
    assert!(starting.page("/").await.contains("Your API collections"));
    done.store(true, Ordering::Relaxed);
    asking.await.unwrap();
}

async fn metrics_answer_only_the_token_when_one_is_set(db: Db) {
    let open = TestServer::start(db).await;
    let response = open.client.get(open.at("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200, "no token configured: open");
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("ferry_sync_jobs_queued 0"));

    let guarded = TestServer::start_with(db, |config| {
        config.security.metrics_token = Some("scrape-7f3a9c".to_owned().into());
    })
    .await;
    let scrape = |authorization: Option<&'static str>| {
        let mut request = guarded.client.get(guarded.at("/metrics"));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        async move { request.send().await.unwrap() }
    };
    let missing = scrape(None).await;
    assert_eq!(missing.status(), 401);
    assert!(missing.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    assert!(
        !missing.text().await.unwrap().contains("ferry_sync"),
        "nothing counted is shown"
    );
    assert_eq!(
        scrape(Some("Bearer scrape-7f3a9")).await.status(),
        401,
        "a wrong token"
    );
    assert_eq!(
        scrape(Some("Basic scrape-7f3a9c")).await.status(),
        401,
        "another scheme"
    );
    let right = scrape(Some("Bearer scrape-7f3a9c")).await;
    assert_eq!(right.status(), 200);
    assert!(right
        .text()
        .await
        .unwrap()
        .contains("ferry_sync_jobs_queued 0"));
}
