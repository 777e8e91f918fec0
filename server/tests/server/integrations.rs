//! The Integrations pages and forms against the real router on both databases.

use crate::common::{
    integrations::{account_row, collection},
    location, Browser, Db, TestServer,
};
use ferry_domain::{
    accounts::{Accounts, Actor},
    auth::Role,
    bitbucket::{parse_base_url, BitbucketConfig, Credential},
    connected_accounts::{ConnectedAccounts, VerifiedIdentity},
    integrations::{Integration, Integrations},
};
use secrecy::SecretString;

const PASSWORD: &str = "correct horse battery staple";

ferry_testing::on_both!(
    the_catalog_is_searchable_without_javascript,
    bitbucket_details_offer_adding_to_editors_only,
    an_admin_adds_lists_filters_edits_and_deletes,
    refused_fields_are_named_and_nothing_is_stored,
    a_viewer_can_neither_add_nor_edit_nor_delete,
    another_teams_integration_answers_404_and_stays,
    an_editor_uses_an_admins_account_only_once_it_is_shared,
    build_and_ci_files_are_refused_with_the_reason,
    a_removed_members_unshared_account_is_refused_and_flagged,
    the_configure_page_is_for_those_who_may_add_integrations,
    configure_parses_its_query_and_spends_the_accounts_budget,
);

/// The actor behind a person who signed up through the forms, in their first team.
async fn actor(server: &TestServer, email: &str) -> Actor {
    let store = &server.db.store;
    let user = store.user_by_email(email).await.unwrap().unwrap();
    let team_id = store.memberships(&user.id).await.unwrap().remove(0).team_id;
    Accounts::new(store)
        .session_actor(&user.id, &team_id, user.session_epoch)
        .await
        .unwrap()
        .unwrap()
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
    Team {
        admin,
        collection_id,
        account_id,
    }
}

fn target<'a>(
    team: &'a Team,
    directory: &'a str,
    filename: &'a str,
    branch: &'a str,
) -> Vec<(&'static str, &'a str)> {
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
    Integrations::new(&server.db.store)
        .list(actor, "")
        .await
        .unwrap()
}

async fn an_admin_adds_lists_filters_edits_and_deletes(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    let added = server
        .post_form(
            "/integrations/bitbucket",
            &target(
                &team,
                "Postman Collections",
                "Users API.postman_collection.json",
                "main",
            ),
        )
        .await;
    assert_eq!(added.status(), 303);
    assert_eq!(location(&added), "/integrations/bitbucket");
    let list = server.page("/integrations/bitbucket").await;
    assert!(list.contains("Integration added"), "{list}");
    for shown in [
        "Users API",
        "demo/postman-backups",
        "Postman Collections/Users API.postman_collection.json",
        "not run yet",
        "alice@example.com",
        "Active",
    ] {
        assert!(list.contains(shown), "the row shows {shown}: {list}");
    }
    let id = integrations_of(&server, &team.admin).await.remove(0).id;
    assert!(
        list.contains(&format!("/integrations/bitbucket/{id}/edit"))
            && list.contains(&format!("/integrations/bitbucket/{id}/delete"))
    );

    let filtered = server
        .page("/integrations/bitbucket?filter=postman-backups")
        .await;
    assert!(
        filtered.contains(r#"data-testid="integration""#),
        "{filtered}"
    );
    let none = server.page("/integrations/bitbucket?filter=zzz").await;
    assert!(
        !none.contains(r#"data-testid="integration""#) && none.contains("No integration mentions"),
        "{none}"
    );

    let edited = server
        .post_form(
            &format!("/integrations/bitbucket/{id}"),
            &target(&team, "backups", "users.json", "ferry/backups"),
        )
        .await;
    assert_eq!(location(&edited), "/integrations/bitbucket");
    let after = integrations_of(&server, &team.admin).await.remove(0);
    assert_eq!(
        (
            after.directory.as_str(),
            after.filename.as_str(),
            after.branch.as_str()
        ),
        ("backups", "users.json", "ferry/backups")
    );

    let confirm = server
        .page(&format!("/integrations/bitbucket/{id}/delete"))
        .await;
    assert!(
        confirm.contains("Delete this integration?") && confirm.contains("backups/users.json"),
        "{confirm}"
    );
    assert_eq!(
        integrations_of(&server, &team.admin).await.len(),
        1,
        "showing the confirmation deletes nothing"
    );
    let deleted = server
        .post_form(&format!("/integrations/bitbucket/{id}/delete"), &[])
        .await;
    assert_eq!(location(&deleted), "/integrations/bitbucket");
    assert!(integrations_of(&server, &team.admin).await.is_empty());
    assert!(server
        .page("/integrations/bitbucket")
        .await
        .contains("Integration deleted"));
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
        let refused = server
            .post_form(
                "/integrations/bitbucket",
                &target(&team, directory, filename, branch),
            )
            .await;
        assert_eq!(refused.status(), 303, "{field}");
        let back = location(&refused).to_owned();
        assert!(
            back.starts_with("/integrations/bitbucket/new/configure?account="),
            "{back}"
        );
        assert!(
            integrations_of(&server, &team.admin).await.is_empty(),
            "{field}: nothing stored"
        );
    }
}

async fn a_viewer_can_neither_add_nor_edit_nor_delete(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    server
        .post_form(
            "/integrations/bitbucket",
            &target(&team, "", "users.json", "main"),
        )
        .await;
    let id = integrations_of(&server, &team.admin).await.remove(0).id;

    let bob = viewer_in_alices_team(&server).await;
    let page = bob.page("/integrations/bitbucket").await;
    assert!(
        page.contains("users.json"),
        "viewers see the team's integrations: {page}"
    );
    assert!(
        !page.contains("Add Integration") && !page.contains(&format!("{id}/edit")),
        "read-only for viewers: {page}"
    );

    let add = bob
        .post_form(
            "/integrations/bitbucket",
            &target(&team, "", "other.json", "main"),
        )
        .await;
    assert_eq!(add.status(), 403);
    let edit = bob
        .post_form(
            &format!("/integrations/bitbucket/{id}"),
            &target(&team, "", "renamed.json", "main"),
        )
        .await;
    assert_eq!(edit.status(), 403);
    let delete = bob
        .post_form(&format!("/integrations/bitbucket/{id}/delete"), &[])
        .await;
    assert_eq!(delete.status(), 403);
    let left = integrations_of(&server, &team.admin).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].filename, "users.json", "nothing changed");
}

/// Bob, who joined Alice's team as a viewer and works in it.
async fn viewer_in_alices_team(server: &TestServer) -> Browser<'_> {
    let accounts = Accounts::new(&server.db.store);
    let alice = actor(server, "alice@example.com").await;
    let invite = accounts
        .create_invite(&alice, Role::Viewer, "t")
        .await
        .unwrap();
    let bob = server.browser();
    bob.sign_up("bob@example.com", PASSWORD).await;
    let accepted = bob
        .post_form("/invite/accept", &[("token", invite.token.expose_secret())])
        .await;
    assert_eq!(location(&accepted), "/");
    bob
}

/// Carol, who joined Alice's team as an editor and works in it.
async fn editor_in_alices_team(server: &TestServer) -> (Browser<'_>, Actor) {
    let accounts = Accounts::new(&server.db.store);
    let alice = actor(server, "alice@example.com").await;
    let invite = accounts
        .create_invite(&alice, Role::Editor, "t")
        .await
        .unwrap();
    let carol = server.browser();
    carol.sign_up("carol@example.com", PASSWORD).await;
    let accepted = carol
        .post_form("/invite/accept", &[("token", invite.token.expose_secret())])
        .await;
    assert_eq!(location(&accepted), "/");
    let user = server
        .db
        .store
        .user_by_email("carol@example.com")
        .await
        .unwrap()
        .unwrap();
    let carol_actor = Accounts::new(&server.db.store)
        .session_actor(&user.id, &alice.team_id, user.session_epoch)
        .await
        .unwrap()
        .unwrap();
    (carol, carol_actor)
}

async fn an_editor_uses_an_admins_account_only_once_it_is_shared(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    let (carol, carol_actor) = editor_in_alices_team(&server).await;
    let carols_account = account_row(&server.db.store, &carol_actor, "Carol's bot").await;

    let offered = carol.page("/integrations/bitbucket/new").await;
    assert!(
        offered.contains("Carol&#x27;s bot") || offered.contains("Carol's bot"),
        "her own account is offered: {offered}"
    );
    assert!(
        !offered.contains("Demo User (API token)"),
        "Alice's unshared account is not offered: {offered}"
    );

    let refused = carol
        .post_form(
            "/integrations/bitbucket",
            &target(&team, "", "users.json", "main"),
        )
        .await;
    assert_eq!(refused.status(), 403);
    let reason = refused.text().await.unwrap();
    assert!(
        reason.contains("not shared with the team") && reason.contains("alice@example.com"),
        "{reason}"
    );
    assert!(
        integrations_of(&server, &team.admin).await.is_empty(),
        "nothing stored"
    );
    let saved = carol
        .post_form(
            "/integrations/bitbucket/authenticate",
            &[("method", "saved"), ("account", team.account_id.as_str())],
        )
        .await;
    assert_eq!(saved.status(), 403, "the Authenticate step refuses it too");

    // The Edit page's path: Carol's own integration cannot be moved onto Alice's account.
    let own = Team {
        admin: carol_actor.clone(),
        collection_id: team.collection_id.clone(),
        account_id: carols_account.clone(),
    };
    assert_eq!(
        location(
            &carol
                .post_form(
                    "/integrations/bitbucket",
                    &target(&own, "", "carol.json", "main")
                )
                .await
        ),
        "/integrations/bitbucket"
    );
    let id = integrations_of(&server, &team.admin).await.remove(0).id;
    let onto_alices = target(&team, "", "carol.json", "main");
    let edit = carol
        .post_form(&format!("/integrations/bitbucket/{id}"), &onto_alices)
        .await;
    assert_eq!(edit.status(), 403);
    assert_eq!(
        integrations_of(&server, &team.admin).await[0]
            .account_id
            .as_deref(),
        Some(carols_account.as_str()),
        "unchanged"
    );

    // Only its creator or an admin shares it.
    let by_carol = carol
        .post_form(
            &format!("/integrations/accounts/{}/share", team.account_id),
            &[("shared", "true")],
        )
        .await;
    assert_eq!(by_carol.status(), 403);
    let shared = server
        .post_form(
            &format!("/integrations/accounts/{}/share", team.account_id),
            &[("shared", "true")],
        )
        .await;
    assert_eq!(location(&shared), "/integrations/accounts");
    let accounts_page = server.page("/integrations/accounts").await;
    assert!(
        accounts_page.contains("is shared with the team") && accounts_page.contains("Stop sharing"),
        "{accounts_page}"
    );
    let audit = Accounts::new(&server.db.store)
        .audit_log(&team.admin)
        .await
        .unwrap();
    assert!(
        audit.iter().any(|row| row.action == "connected_account.shared" && row.actor == "alice@example.com"),
        "{audit:?}"
    );

    assert!(
        carol
            .page("/integrations/bitbucket/new")
            .await
            .contains("Demo User (API token)"),
        "offered once shared"
    );
    let added = carol
        .post_form(
            "/integrations/bitbucket",
            &target(&team, "", "users.json", "main"),
        )
        .await;
    assert_eq!(location(&added), "/integrations/bitbucket");
    let edited = carol
        .post_form(&format!("/integrations/bitbucket/{id}"), &onto_alices)
        .await;
    assert_eq!(location(&edited), "/integrations/bitbucket");
    assert_eq!(integrations_of(&server, &team.admin).await.len(), 2);
}

async fn build_and_ci_files_are_refused_with_the_reason(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    for (directory, filename) in [
        ("", "package.json"),
        ("", "tsconfig.json"),
        ("", "bitbucket-pipelines.yml"),
        (".github/workflows", "ci.json"),
    ] {
        let refused = server
            .post_form(
                "/integrations/bitbucket",
                &target(&team, directory, filename, "main"),
            )
            .await;
        assert_eq!(refused.status(), 303, "{filename}");
        let page = server.page(location(&refused)).await;
        assert!(
            page.contains("tools read and act on") || page.contains("act on the files there"),
            "{filename}: {page}"
        );
    }
    assert!(
        integrations_of(&server, &team.admin).await.is_empty(),
        "nothing stored"
    );

    server
        .post_form(
            "/integrations/bitbucket",
            &target(&team, "", "users.json", "main"),
        )
        .await;
    let id = integrations_of(&server, &team.admin).await.remove(0).id;
    let edit = server
        .post_form(
            &format!("/integrations/bitbucket/{id}"),
            &target(&team, "", "package.json", "main"),
        )
        .await;
    let page = server.page(location(&edit)).await;
    assert!(
        page.contains("package.json is a build or CI file"),
        "the Edit page says why: {page}"
    );
    assert_eq!(
        integrations_of(&server, &team.admin).await[0].filename,
        "users.json",
        "unchanged"
    );
}

async fn a_removed_members_unshared_account_is_refused_and_flagged(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    let (_carol, carol_actor) = editor_in_alices_team(&server).await;
    let carols = account_row(&server.db.store, &carol_actor, "Carol's bot").await;
    assert!(!server
        .page("/integrations/accounts")
        .await
        .contains("creator is no longer a member"));
    Accounts::new(&server.db.store)
        .remove_member(&team.admin, &carol_actor.user_id, "t")
        .await
        .unwrap();

    let flagged = server.page("/integrations/accounts").await;
    assert_eq!(
        flagged.matches(r#"data-testid="creator-left""#).count(),
        1,
        "{flagged}"
    );
    assert!(
        flagged.contains("creator is no longer a member"),
        "{flagged}"
    );
    let mut with_carols = target(&team, "", "users.json", "main");
    with_carols[0].1 = carols.as_str();
    let refused = server
        .post_form("/integrations/bitbucket", &with_carols)
        .await;
    assert_eq!(refused.status(), 403, "not even an admin uses it unshared");
    assert!(refused.text().await.unwrap().contains("no longer a member"));
    assert!(integrations_of(&server, &team.admin).await.is_empty());
    let offered = server.page("/integrations/bitbucket/new").await;
    assert!(
        !offered.contains("Carol&#x27;s bot") && !offered.contains("Carol's bot"),
        "not offered: {offered}"
    );

    server
        .post_form(
            &format!("/integrations/accounts/{carols}/share"),
            &[("shared", "true")],
        )
        .await;
    let added = server
        .post_form("/integrations/bitbucket", &with_carols)
        .await;
    assert_eq!(
        location(&added),
        "/integrations/bitbucket",
        "shared by an admin, it is usable again"
    );
}

async fn the_configure_page_is_for_those_who_may_add_integrations(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    server
        .post_form(
            "/integrations/bitbucket",
            &target(&team, "", "users.json", "main"),
        )
        .await;
    let id = integrations_of(&server, &team.admin).await.remove(0).id;
    let bob = viewer_in_alices_team(&server).await;
    for page in [
        format!(
            "/integrations/bitbucket/new/configure?account={}",
            team.account_id
        ),
        format!("/integrations/bitbucket/{id}/edit"),
    ] {
        let response = bob.client.get(server.at(&page)).send().await.unwrap();
        assert_eq!(response.status(), 403, "{page}");
        let text = response.text().await.unwrap();
        assert!(text.contains("Your role does not allow"), "{page}: {text}");
        assert!(
            !text.contains("Demo User (API token)"),
            "{page} lists no account: {text}"
        );
    }
    assert_eq!(
        server.sync.destination().client().calls().total(),
        0,
        "Bitbucket was not called"
    );
    let admin = server
        .client
        .get(server.at(&format!("/integrations/bitbucket/{id}/edit")))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 200);
}

/// A credential sealed with the server's keys, so that the Configure page would call Bitbucket.
async fn sealed_account(server: &TestServer, admin: &Actor, label: &str) -> String {
    let credential = Credential::ApiToken {
        email: "demo@example.com".into(),
        token: SecretString::from("ATATT-x".to_owned()),
    };
    let identity = VerifiedIdentity {
        display_name: "Demo User".into(),
        username: "demo".into(),
        user_uuid: "{d}".into(),
    };
    ConnectedAccounts::new(&server.db.store, &server.keyring)
        .create(admin, label, &credential, &identity)
        .await
        .unwrap()
        .id
}

async fn configure_parses_its_query_and_spends_the_accounts_budget(db: Db) {
    // Bitbucket at a closed local port: every call is counted, none reaches anything.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let server = TestServer::start_with(db, |config| {
        let api = parse_base_url(&format!("http://{closed}/2.0")).unwrap();
        config.bitbucket =
            BitbucketConfig::new(api, parse_base_url(&format!("http://{closed}")).unwrap());
    })
    .await;
    let team = alice_with_an_account(&server).await;
    let account = sealed_account(&server, &team.admin, "Sealed").await;
    let calls = || server.sync.destination().client().calls().total();
    let configure = |query: &str| {
        let path = format!("/integrations/bitbucket/new/configure?account={account}&{query}");
        let server = &server;
        async move { server.page(&path).await }
    };

    for (query, refusal) in [
        (
            "workspace=demo&repository=a%2F..%2Fb",
            "Repository: is not a Bitbucket slug",
        ),
        (
            "workspace=demo&repository=..",
            "Repository: may not be . or ..",
        ),
        (
            "workspace=..&repository=api",
            "Workspace: may not be . or ..",
        ),
        (
            "workspace=demo&repository=api&branch=a..b",
            "Branch: may not contain ..",
        ),
    ] {
        let page = configure(query).await;
        assert!(
            page.contains(refusal) && page.contains("Nothing was loaded from Bitbucket"),
            "{query}: {page}"
        );
        assert_eq!(calls(), 0, "{query}: Bitbucket was not called");
    }
    let page = configure("workspace=demo&repository=api").await;
    assert!(page.contains("Bitbucket is unreachable"), "{page}");
    assert_eq!(calls(), 1, "a valid target is loaded (here: tried once)");

    let spent = sealed_account(&server, &team.admin, "Spent").await;
    server
        .db
        .store
        .create_account_budget(&spent, 0.0, ferry_domain::store::now_ms())
        .await
        .unwrap();
    let page = server
        .page(&format!(
            "/integrations/bitbucket/new/configure?account={spent}&workspace=demo"
        ))
        .await;
    assert!(
        page.contains("“Spent” has used its Bitbucket requests for now"),
        "{page}"
    );
    assert_eq!(calls(), 1, "an exhausted budget makes no call");
}

async fn another_teams_integration_answers_404_and_stays(db: Db) {
    let server = TestServer::start(db).await;
    let team = alice_with_an_account(&server).await;
    server
        .post_form(
            "/integrations/bitbucket",
            &target(&team, "", "users.json", "main"),
        )
        .await;
    let id = integrations_of(&server, &team.admin).await.remove(0).id;

    let mallory = server.browser();
    mallory.sign_up("mallory@example.com", PASSWORD).await;
    let edit = mallory
        .post_form(
            &format!("/integrations/bitbucket/{id}"),
            &target(&team, "", "mine.json", "main"),
        )
        .await;
    assert_eq!(edit.status(), 404);
    let delete = mallory
        .post_form(&format!("/integrations/bitbucket/{id}/delete"), &[])
        .await;
    assert_eq!(delete.status(), 404);
    let confirm = mallory
        .page(&format!("/integrations/bitbucket/{id}/delete"))
        .await;
    assert!(
        !confirm.contains("users.json") && !confirm.contains("Users API"),
        "{confirm}"
    );
    // Adding with Alice's collection and account ids is refused, and lands in no team.
    let add = mallory
        .post_form(
            "/integrations/bitbucket",
            &target(&team, "", "mine.json", "main"),
        )
        .await;
    assert!(
        location(&add).starts_with("/integrations/bitbucket/new/configure"),
        "{}",
        location(&add)
    );
    let mallory_actor = actor(&server, "mallory@example.com").await;
    assert!(integrations_of(&server, &mallory_actor).await.is_empty());
    let alices = integrations_of(&server, &team.admin).await;
    assert_eq!(
        (alices.len(), alices[0].filename.as_str()),
        (1, "users.json"),
        "Alice's integration is untouched"
    );
}

async fn the_catalog_is_searchable_without_javascript(db: Db) {
    let server = TestServer::start(db).await;
    let home = server.page("/").await;
    assert!(
        home.contains(r#"href="/integrations""#),
        "Home links to Integrations: {home}"
    );

    let all = server.page("/integrations").await;
    assert!(all.contains("Search integrations"), "{all}");
    assert!(all.contains(r#"href="/integrations/bitbucket""#), "{all}");

    let bit = server.page("/integrations?q=bit").await;
    assert!(bit.contains(r#"href="/integrations/bitbucket""#), "{bit}");
    assert!(
        bit.contains(r#"value="bit""#),
        "the search box keeps the query: {bit}"
    );

    let none = server.page("/integrations?q=zzz").await;
    assert!(
        !none.contains(r#"href="/integrations/bitbucket""#),
        "{none}"
    );
    assert!(none.contains("No integration matches"), "{none}");
}

async fn bitbucket_details_offer_adding_to_editors_only(db: Db) {
    let server = TestServer::start(db).await;
    let signed_out = server.page("/integrations/bitbucket").await;
    assert!(!signed_out.contains("Add Integration"), "{signed_out}");

    server.sign_up("alice@example.com", PASSWORD).await;
    let admin = server.page("/integrations/bitbucket").await;
    assert!(
        admin.contains("Add Integration")
            && admin.contains(r#"href="/integrations/bitbucket/new""#),
        "{admin}"
    );
    assert!(
        !admin.contains("sandbox-notice"),
        "no sandbox notice unless configured: {admin}"
    );
}

/// The demo credentials the pages show are the ones `scripts/run`'s seed gives the sandbox.
#[test]
fn the_demo_account_shown_is_the_seeded_one() {
    let seed: serde_json::Value =
        serde_json::from_str(include_str!("../../../bitbucket-sandbox/seed.example.json")).unwrap();
    let user = &seed["users"][0];
    let demo = app::integration_data::DEMO;
    assert_eq!(user["email"], demo.email);
    assert_eq!(user["username"], demo.username);
    assert_eq!(user["api_tokens"][0]["token"], demo.api_token);
    assert_eq!(user["app_passwords"][0]["password"], demo.app_password);
}
