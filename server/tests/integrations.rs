//! The Integrations pages and forms against the real router on both databases.

#[macro_use]
mod common;

use common::{Db, TestServer};

const PASSWORD: &str = "correct horse battery staple";

on_both!(the_catalog_is_searchable_without_javascript, bitbucket_details_offer_adding_to_editors_only);

async fn the_catalog_is_searchable_without_javascript(db: Db) {
    let server = TestServer::start(db).await;
    let home = server.page("/").await;
    assert!(home.contains(r#"href="/integrations""#), "Home links to Integrations: {home}");

    let all = server.page("/integrations").await;
    assert!(all.contains("Search integrations"), "{all}");
    assert!(all.contains(r#"href="/integrations/bitbucket""#), "{all}");

    let bit = server.page("/integrations?q=bit").await;
    assert!(bit.contains(r#"href="/integrations/bitbucket""#), "{bit}");
    assert!(bit.contains(r#"value="bit""#), "the search box keeps the query: {bit}");

    let none = server.page("/integrations?q=zzz").await;
    assert!(!none.contains(r#"href="/integrations/bitbucket""#), "{none}");
    assert!(none.contains("No integration matches"), "{none}");
}

async fn bitbucket_details_offer_adding_to_editors_only(db: Db) {
    let server = TestServer::start(db).await;
    let signed_out = server.page("/integrations/bitbucket").await;
    assert!(!signed_out.contains("Add Integration"), "{signed_out}");

    server.sign_up("alice@example.com", PASSWORD).await;
    let admin = server.page("/integrations/bitbucket").await;
    assert!(admin.contains("Add Integration") && admin.contains(r#"href="/integrations/bitbucket/new""#), "{admin}");
    assert!(!admin.contains("sandbox-notice"), "no sandbox notice unless configured: {admin}");
}

/// The demo credentials the pages show are the ones `scripts/run`'s seed gives the sandbox.
#[test]
fn the_demo_account_shown_is_the_seeded_one() {
    let seed: serde_json::Value =
        serde_json::from_str(include_str!("../../bitbucket-sandbox/seed.example.json")).unwrap();
    let user = &seed["users"][0];
    let demo = app::integration_data::DEMO;
    assert_eq!(user["email"], demo.email);
    assert_eq!(user["username"], demo.username);
    assert_eq!(user["api_tokens"][0]["token"], demo.api_token);
    assert_eq!(user["app_passwords"][0]["password"], demo.app_password);
}
