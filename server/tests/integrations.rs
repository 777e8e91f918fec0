//! The Integrations pages and forms against the real router on both databases.

#[macro_use]
mod common;

use common::{integrations::{account_row, collection}, location, Browser, Db, TestServer};
use ferry_domain::{
    accounts::{Accounts, Actor},
    auth::Role,
    integrations::{Integration, Integrations},
};

const PASSWORD: &str = "correct horse battery staple";

on_both!(
    the_catalog_is_searchable_without_javascript,
    bitbucket_details_offer_adding_to_editors_only,
    an_admin_adds_lists_filters_edits_and_deletes,
    refused_fields_are_named_and_nothing_is_stored,
    a_viewer_can_neither_add_nor_edit_nor_delete,
    another_teams_integration_answers_404_and_stays,
);

/// The actor behind a person who signed up through the forms, in their first team.
async fn actor(server: &TestServer, email: &str) -> Actor {
    let store = &server.db.store;
    let user = store.user_by_email(email).await.unwrap().unwrap();
    let team_id = store.memberships(&user.id).await.unwrap().remove(0).team_id;
    Accounts::new(store).session_actor(&user.id, &team_id, user.session_epoch).await.unwrap().unwrap()
}

/// Alice, signed up in `server`'s own browser, with a collection and a connected account.
struct Team {
    admin: Actor,
    collection_id: String,
    account_id: String,
}

async fn alice_with_an_account(server: &TestServer) -> Team {
    server.sign_up("alice@example.com", PASSWORD).await;
    let admin = actor(server, "alice@example.com").await;
    let collection_id = collection(&server.db.store, &admin, "Users API").await;
    let account_id = account_row(&server.db.store, &admin, "Demo User (API token)").await;
    Team { admin, collection_id, account_id }
}

fn target<'a>(team: &'a Team, directory: &'a str, filename: &'a str, branch: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("account", team.account_id.as_str()),
        ("collection", team.collection_id.as_str()),
        ("workspace", "demo"),
        ("repository", "postman-backups"),
        ("branch", branch),
        ("directory", directory),
        ("filename", filename),
    ]
}

async fn integrations_of(server: &TestServer, actor: &Actor) -> Vec<Integration> {
    Integrations::new(&server.db.store).list(actor, "").await.unwrap()
}

async fn an_admin_adds_lists_filters_edits_and_deletes(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    let added = server
        .post_form("/integrations/bitbucket", &target(&team, "Postman Collections", "Users API.postman_collection.json", "main"))
        .await;
    assert_eq!(added.status(), 303);
    assert_eq!(location(&added), "/integrations/bitbucket");
    let list = server.page("/integrations/bitbucket").await;
    assert!(list.contains("Integration added"), "{list}");
    for shown in ["Users API", "demo/postman-backups", "Postman Collections/Users API.postman_collection.json", "not run yet", "alice@example.com", "Active"] {
        assert!(list.contains(shown), "the row shows {shown}: {list}");
    }
    let id = integrations_of(&server, &team.admin).await.remove(0).id;
    assert!(list.contains(&format!("/integrations/bitbucket/{id}/edit")) && list.contains(&format!("/integrations/bitbucket/{id}/delete")));

    let filtered = server.page("/integrations/bitbucket?filter=postman-backups").await;
    assert!(filtered.contains(r#"data-testid="integration""#), "{filtered}");
    let none = server.page("/integrations/bitbucket?filter=zzz").await;
    assert!(!none.contains(r#"data-testid="integration""#) && none.contains("No integration mentions"), "{none}");

    let edited = server.post_form(&format!("/integrations/bitbucket/{id}"), &target(&team, "backups", "users.json", "ferry/backups")).await;
    assert_eq!(location(&edited), "/integrations/bitbucket");
    let after = integrations_of(&server, &team.admin).await.remove(0);
    assert_eq!((after.directory.as_str(), after.filename.as_str(), after.branch.as_str()), ("backups", "users.json", "ferry/backups"));

    let confirm = server.page(&format!("/integrations/bitbucket/{id}/delete")).await;
    assert!(confirm.contains("Delete this integration?") && confirm.contains("backups/users.json"), "{confirm}");
    assert_eq!(integrations_of(&server, &team.admin).await.len(), 1, "showing the confirmation deletes nothing");
    let deleted = server.post_form(&format!("/integrations/bitbucket/{id}/delete"), &[]).await;
    assert_eq!(location(&deleted), "/integrations/bitbucket");
    assert!(integrations_of(&server, &team.admin).await.is_empty());
    assert!(server.page("/integrations/bitbucket").await.contains("Integration deleted"));
}

async fn refused_fields_are_named_and_nothing_is_stored(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    for (directory, filename, branch, field) in [
        ("../outside", "a.json", "main", "directory"),
        ("/etc", "a.json", "main", "directory"),
        ("ok", "notes.txt", "main", "filename"),
        ("ok", "a/b.json", "main", "filename"),
        ("ok", "a.json", "bad..branch", "branch"),
        ("ok", "a.json", "has space", "branch"),
    ] {
        let refused = server.post_form("/integrations/bitbucket", &target(&team, directory, filename, branch)).await;
        assert_eq!(refused.status(), 303, "{field}");
        let back = location(&refused).to_owned();
        assert!(back.starts_with("/integrations/bitbucket/new/configure?account="), "{back}");
        assert!(integrations_of(&server, &team.admin).await.is_empty(), "{field}: nothing stored");
    }
}

async fn a_viewer_can_neither_add_nor_edit_nor_delete(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    server.post_form("/integrations/bitbucket", &target(&team, "", "users.json", "main")).await;
    let id = integrations_of(&server, &team.admin).await.remove(0).id;

    let bob = viewer_in_alices_team(&server).await;
    let page = bob.page("/integrations/bitbucket").await;
    assert!(page.contains("users.json"), "viewers see the team's integrations: {page}");
    assert!(!page.contains("Add Integration") && !page.contains(&format!("{id}/edit")), "read-only for viewers: {page}");

    let add = bob.post_form("/integrations/bitbucket", &target(&team, "", "other.json", "main")).await;
    assert_eq!(add.status(), 403);
    let edit = bob.post_form(&format!("/integrations/bitbucket/{id}"), &target(&team, "", "renamed.json", "main")).await;
    assert_eq!(edit.status(), 403);
    let delete = bob.post_form(&format!("/integrations/bitbucket/{id}/delete"), &[]).await;
    assert_eq!(delete.status(), 403);
    let left = integrations_of(&server, &team.admin).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].filename, "users.json", "nothing changed");
}

/// Bob, who joined Alice's team as a viewer and works in it.
async fn viewer_in_alices_team(server: &TestServer) -> Browser<'_> {
    let accounts = Accounts::new(&server.db.store);
    let alice = actor(server, "alice@example.com").await;
    let invite = accounts.create_invite(&alice, Role::Viewer, "t").await.unwrap();
    let bob = server.browser();
    bob.sign_up("bob@example.com", PASSWORD).await;
    let accepted = bob.post_form("/invite/accept", &[("token", invite.token.expose_secret())]).await;
    assert_eq!(location(&accepted), "/");
    bob
}

async fn another_teams_integration_answers_404_and_stays(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    server.post_form("/integrations/bitbucket", &target(&team, "", "users.json", "main")).await;
    let id = integrations_of(&server, &team.admin).await.remove(0).id;

    let mallory = server.browser();
    mallory.sign_up("mallory@example.com", PASSWORD).await;
    let edit = mallory.post_form(&format!("/integrations/bitbucket/{id}"), &target(&team, "", "mine.json", "main")).await;
    assert_eq!(edit.status(), 404);
    let delete = mallory.post_form(&format!("/integrations/bitbucket/{id}/delete"), &[]).await;
    assert_eq!(delete.status(), 404);
    let confirm = mallory.page(&format!("/integrations/bitbucket/{id}/delete")).await;
    assert!(!confirm.contains("users.json") && !confirm.contains("Users API"), "{confirm}");
    // Adding with Alice's collection and account ids is refused, and lands in no team.
    let add = mallory.post_form("/integrations/bitbucket", &target(&team, "", "mine.json", "main")).await;
    assert!(location(&add).starts_with("/integrations/bitbucket/new/configure"), "{}", location(&add));
    let mallory_actor = actor(&server, "mallory@example.com").await;
    assert!(integrations_of(&server, &mallory_actor).await.is_empty());
    let alices = integrations_of(&server, &team.admin).await;
    assert_eq!((alices.len(), alices[0].filename.as_str()), (1, "users.json"), "Alice's integration is untouched");
}

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
