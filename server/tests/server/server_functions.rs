//! The server functions pages call: each answers at a URL that stays the same from one build
//! to the next, so a tab opened before a deploy keeps loading its data, and is protected like
//! every other write.

use http::Method;

use crate::common::{Db, TestServer};

const PASSWORD: &str = "correct horse battery staple";

ferry_testing::on_both!(
    server_functions_answer_at_stable_urls,
    server_functions_refuse_other_origins,
);

/// Every server function's URL. Renaming or removing one breaks every tab left open across
/// the deploy that does it; adding one is adding a line here.
const STABLE_URLS: [&str; 32] = [
    "/api/load_api",
    "/api/load_api_collections",
    "/api/load_api_definition",
    "/api/load_api_history",
    "/api/load_api_keys",
    "/api/load_api_operations",
    "/api/load_api_repository",
    "/api/load_api_version",
    "/api/load_api_versions",
    "/api/load_apis",
    "/api/load_audit_log",
    "/api/load_authenticate_options",
    "/api/load_bitbucket_setup",
    "/api/load_collection",
    "/api/load_collections",
    "/api/load_configure",
    "/api/load_connected_account",
    "/api/load_connected_accounts",
    "/api/load_history",
    "/api/load_hook",
    "/api/load_hook_events",
    "/api/load_hooks",
    "/api/load_integration",
    "/api/load_integration_list",
    "/api/load_invite",
    "/api/load_members",
    "/api/load_page_context",
    "/api/load_profile",
    "/api/load_revision",
    "/api/load_runs",
    "/api/load_sign_up_open_to",
    "/api/load_sync_alerts",
];

/// The routes the router serves that are neither Ferry's own handlers nor pages.
fn server_function_urls() -> Vec<String> {
    let own = ferry::http::route_table();
    let mut urls: Vec<String> = ferry::http::every_route()
        .into_iter()
        .filter(|(method, path)| {
            *method != Method::GET && !own.iter().any(|(m, p)| m == method && p == path)
        })
        .map(|(_, path)| path)
        .collect();
    urls.sort();
    urls
}

async fn server_functions_answer_at_stable_urls(db: Db) {
    assert_eq!(server_function_urls(), STABLE_URLS);

    let server = TestServer::start(db).await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let response = server.post_form("/api/load_members", &[]).await;
    assert_eq!(response.status(), 200);
    let members: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        members["members"][0]["email"], "ada@example.com",
        "{members}"
    );

    let response = server
        .post_form("/api/load_collection", &[("id", "no-such-collection")])
        .await;
    let refused = response.text().await.unwrap();
    assert!(
        refused.contains("Not found: this team has no such collection (or revision)."),
        "a refusal reads as the service words it: {refused}"
    );
}

async fn server_functions_refuse_other_origins(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let response = server
        .client
        .post(server.at("/api/load_members"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}
