//! Team settings against the real router on both databases: members and roles, invite
//! links, API keys and the audit log — and that a viewer can change none of it.

use std::sync::{Arc, Mutex};

use crate::common::{location, Browser, Db, TestServer};
use ferry_domain::{
    accounts::{Accounts, FirstTeam},
    auth::{InviteToken, Role},
    store::now_ms,
    Store,
};

const PASSWORD: &str = "correct horse battery staple";

ferry_testing::on_both!(
    an_invited_person_joins_with_the_role_and_a_role_change_takes_effect,
    invite_links_work_once_and_not_after_expiry,
    signed_out_people_sign_up_and_come_back_to_the_invite,
    the_last_admin_can_neither_leave_nor_be_demoted,
    two_admins_demoting_each_other_at_once_leave_one_admin,
    members_leave_and_admins_remove_them,
    who_leaves_their_last_team_gets_a_personal_one,
    a_viewer_cannot_change_anything,
    api_keys_are_created_shown_once_listed_and_revoked,
    the_audit_log_is_for_admins_only,
    a_demoted_admin_cannot_come_back_through_their_own_invite,
    a_link_whose_creator_lost_the_right_to_invite_is_refused,
    removing_a_member_withdraws_their_invites,
    one_time_secrets_are_sealed_in_the_session_row,
    invite_tokens_stay_out_of_the_request_log,
);

/// Everything the tests of this process log at INFO, the level a deployment runs at.
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    crate::common::captured_logs(tracing::Level::INFO)
}

/// The session rows as the database holds them (tower-sessions' tables).
async fn session_rows(server: &TestServer) -> Vec<Vec<u8>> {
    match &server.db.store {
        Store::Sqlite(pool) => sqlx::query_scalar("SELECT data FROM tower_sessions")
            .fetch_all(pool)
            .await
            .unwrap(),
        Store::Postgres(pool) => sqlx::query_scalar("SELECT data FROM tower_sessions.session")
            .fetch_all(pool)
            .await
            .unwrap(),
    }
}

fn holds(row: &[u8], text: &str) -> bool {
    row.windows(text.len())
        .any(|window| window == text.as_bytes())
}

/// Alice (admin) has invited Bob, who accepted as `role`.
async fn team_of_two<'a>(server: &'a TestServer, role: &str) -> Browser<'a> {
    server.sign_up("alice@example.com", PASSWORD).await;
    let bob = server.browser();
    bob.sign_up("bob@example.com", PASSWORD).await;
    let link = create_invite(server, role).await;
    let accepted = bob
        .post_form("/invite/accept", &[("token", token_of(&link))])
        .await;
    assert_eq!(location(&accepted), "/");
    bob
}

async fn create_invite(server: &TestServer, role: &str) -> String {
    let created = server.post_form("/team/invites", &[("role", role)]).await;
    assert_eq!(location(&created), "/team/members");
    let page = server.page("/team/members").await;
    let link = one_time_secret(&page).unwrap_or_else(|| panic!("the link is shown: {page}"));
    assert!(
        link.starts_with(&format!("{}/invite/", server.url)),
        "{link}"
    );
    link
}

fn one_time_secret(page: &str) -> Option<String> {
    let start =
        page.find(r#"data-testid="one-time-secret">"#)? + r#"data-testid="one-time-secret">"#.len();
    Some(page[start..].split('<').next()?.to_owned())
}

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

async fn user_id(server: &TestServer, email: &str) -> String {
    server
        .db
        .store
        .user_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn role_in_alices_team(server: &TestServer, email: &str) -> Option<String> {
    let alice = user_id(server, "alice@example.com").await;
    let team = server
        .db
        .store
        .memberships(&alice)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    let user = user_id(server, email).await;
    server
        .db
        .store
        .membership(&team, &user)
        .await
        .unwrap()
        .map(|m| m.role)
}

async fn audit_actions(server: &TestServer) -> Vec<(String, String, String)> {
    let alice = user_id(server, "alice@example.com").await;
    let team = server
        .db
        .store
        .memberships(&alice)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    let rows = server.db.store.audit_log(&team, 100).await.unwrap();
    rows.into_iter()
        .map(|r| (r.action, r.detail, r.client_addr))
        .collect()
}

async fn an_invited_person_joins_with_the_role_and_a_role_change_takes_effect(db: Db) {
    let server = TestServer::start(db).await;
    let bob = team_of_two(&server, "viewer").await;
    let home = bob.page("/").await;
    assert!(home.contains("You joined"), "{home}");
    assert!(
        home.contains("you are <!>viewer"),
        "Bob now works in Alice's team: {home}"
    );
    let members = server.page("/team/members").await;
    assert!(
        members.contains("bob@example.com") && members.contains("alice@example.com"),
        "{members}"
    );
    assert!(
        one_time_secret(&members).is_none(),
        "the link was shown once only"
    );

    let bob_id = user_id(&server, "bob@example.com").await;
    let changed = server
        .post_form(
            "/team/members/role",
            &[("user_id", &bob_id), ("role", "editor")],
        )
        .await;
    assert_eq!(location(&changed), "/team/members");
    assert!(server
        .page("/team/members")
        .await
        .contains("Role changed to editor."));
    assert!(
        bob.page("/").await.contains("you are <!>editor"),
        "the change takes effect at once"
    );

    let actions = audit_actions(&server).await;
    let find = |action: &str| actions.iter().find(|(a, _, _)| a == action).cloned();
    assert_eq!(find("invite.created").unwrap().1, "as viewer");
    assert_eq!(
        find("member.joined").unwrap().1,
        "as viewer (invited by alice@example.com)"
    );
    let changed = find("member.role_changed").unwrap();
    assert_eq!(changed.1, "bob@example.com: viewer → editor");
    assert_eq!(changed.2, "127.0.0.1", "with the client address");
}

async fn invite_links_work_once_and_not_after_expiry(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("alice@example.com", PASSWORD).await;
    let link = create_invite(&server, "editor").await;
    let bob = server.browser();
    bob.sign_up("bob@example.com", PASSWORD).await;
    let offer = bob.page(&format!("/invite/{}", token_of(&link))).await;
    assert!(
        offer.contains("Accept invite") && offer.contains("<strong>editor</strong>"),
        "{offer}"
    );
    bob.post_form("/invite/accept", &[("token", token_of(&link))])
        .await;
    assert_eq!(
        role_in_alices_team(&server, "bob@example.com")
            .await
            .as_deref(),
        Some("editor")
    );

    let carol = server.browser();
    carol.sign_up("carol@example.com", PASSWORD).await;
    let page = carol.page(&format!("/invite/{}", token_of(&link))).await;
    assert!(page.contains("this link has already been used"), "{page}");
    assert!(
        !page.contains("alice"),
        "a used link says nothing of its team: {page}"
    );
    let refused = carol
        .post_form("/invite/accept", &[("token", token_of(&link))])
        .await;
    assert_eq!(location(&refused), format!("/invite/{}", token_of(&link)));
    assert!(carol
        .page(&format!("/invite/{}", token_of(&link)))
        .await
        .contains("already been used"));
    assert_eq!(
        role_in_alices_team(&server, "carol@example.com").await,
        None
    );

    let alice = user_id(&server, "alice@example.com").await;
    let team = server
        .db
        .store
        .memberships(&alice)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    let (token, hash) = InviteToken::generate();
    server
        .db
        .store
        .insert_invite(&team, &alice, hash.as_str(), "viewer", now_ms() - 1)
        .await
        .unwrap();
    carol
        .post_form("/invite/accept", &[("token", token.expose_secret())])
        .await;
    let page = carol
        .page(&format!("/invite/{}", token.expose_secret()))
        .await;
    assert!(page.contains("this link has expired"), "{page}");
    assert_eq!(
        role_in_alices_team(&server, "carol@example.com").await,
        None,
        "an expired link adds nobody"
    );

    let unknown = carol.page("/invite/NotARealToken123").await;
    assert!(unknown.contains("this link is not valid"), "{unknown}");
}

async fn signed_out_people_sign_up_and_come_back_to_the_invite(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("alice@example.com", PASSWORD).await;
    let link = create_invite(&server, "viewer").await;
    let path = format!("/invite/{}", token_of(&link));
    let dave = server.browser();
    let offer = dave.page(&path).await;
    assert!(offer.contains(&format!("/signup?next={path}")), "{offer}");
    let form = dave.page(&format!("/signup?next={path}")).await;
    assert!(
        form.contains(&format!(r#"name="next" value="{path}""#)),
        "the link rides along: {form}"
    );
    let accepting_signed_out = dave
        .post_form("/invite/accept", &[("token", token_of(&link))])
        .await;
    assert_eq!(
        location(&accepting_signed_out),
        format!("/signin?next={path}")
    );

    let refused = dave
        .post_form(
            "/signup",
            &[
                ("email", "dave@example.com"),
                ("password", "short"),
                ("next", &path),
            ],
        )
        .await;
    assert_eq!(
        location(&refused),
        format!("/signup?next={path}"),
        "a mistake keeps the link"
    );
    let signed_up = dave
        .post_form(
            "/signup",
            &[
                ("email", "dave@example.com"),
                ("password", PASSWORD),
                ("next", &path),
            ],
        )
        .await;
    assert_eq!(location(&signed_up), path);
    assert!(dave.page(&path).await.contains("Accept invite"));
    dave.post_form("/invite/accept", &[("token", token_of(&link))])
        .await;
    assert_eq!(
        role_in_alices_team(&server, "dave@example.com")
            .await
            .as_deref(),
        Some("viewer")
    );
}

async fn the_last_admin_can_neither_leave_nor_be_demoted(db: Db) {
    let server = TestServer::start(db).await;
    let bob = team_of_two(&server, "editor").await;
    let alice_id = user_id(&server, "alice@example.com").await;
    server
        .post_form(
            "/team/members/role",
            &[("user_id", &alice_id), ("role", "viewer")],
        )
        .await;
    let page = server.page("/team/members").await;
    assert!(page.contains("Role: alice@example.com is the team&#x27;s last admin; make another member admin first")
        || page.contains("Role: alice@example.com is the team's last admin; make another member admin first"), "{page}");
    server
        .post_form("/team/members/remove", &[("user_id", &alice_id)])
        .await;
    let page = server.page("/team/members").await;
    assert!(page.contains("Leave team: you are the team"), "{page}");
    assert_eq!(
        role_in_alices_team(&server, "alice@example.com")
            .await
            .as_deref(),
        Some("admin")
    );

    let bob_id = user_id(&server, "bob@example.com").await;
    server
        .post_form(
            "/team/members/role",
            &[("user_id", &bob_id), ("role", "admin")],
        )
        .await;
    let team = server
        .db
        .store
        .memberships(&alice_id)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    let left = server
        .post_form("/team/members/remove", &[("user_id", &alice_id)])
        .await;
    assert_eq!(
        location(&left),
        "/",
        "with a second admin the first may leave"
    );
    assert!(bob.page("/team/members").await.contains("bob@example.com"));
    assert_eq!(
        server.db.store.membership(&team, &alice_id).await.unwrap(),
        None,
        "Alice left"
    );
    let alice_teams = server.db.store.memberships(&alice_id).await.unwrap();
    assert!(
        alice_teams.iter().all(|t| t.team_id != team),
        "{alice_teams:?}"
    );
}

async fn two_admins_demoting_each_other_at_once_leave_one_admin(db: Db) {
    let server = TestServer::start(db).await;
    let accounts = Accounts::new(&server.db.store);
    for round in 0..5 {
        let first = accounts
            .create_user(
                &format!("a{round}@example.com"),
                PASSWORD.into(),
                FirstTeam::Named(&format!("T{round}")),
                "t",
            )
            .await
            .unwrap();
        let second = accounts
            .create_user(
                &format!("b{round}@example.com"),
                PASSWORD.into(),
                FirstTeam::Join(&first.team_id),
                "t",
            )
            .await
            .unwrap();
        let team = first.team_id.clone();
        assert_eq!(second.team_id, team, "both joined T{round} as admins");
        let a = accounts
            .session_actor(&first.user_id, &team, 0)
            .await
            .unwrap()
            .unwrap();
        let b = accounts
            .session_actor(&second.user_id, &team, 0)
            .await
            .unwrap()
            .unwrap();
        let (x, y) = tokio::join!(
            accounts.change_role(&a, &second.user_id, Role::Viewer, "t"),
            accounts.change_role(&b, &first.user_id, Role::Viewer, "t"),
        );
        assert!(
            x.is_ok() != y.is_ok(),
            "exactly one demotion succeeds: {x:?} {y:?}"
        );
        let admins = server
            .db
            .store
            .members(&team)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.role == "admin")
            .count();
        assert_eq!(admins, 1);
    }
}

async fn members_leave_and_admins_remove_them(db: Db) {
    let server = TestServer::start(db).await;
    let bob = team_of_two(&server, "viewer").await;
    let bob_id = user_id(&server, "bob@example.com").await;
    let left = bob
        .post_form("/team/members/remove", &[("user_id", &bob_id)])
        .await;
    assert_eq!(location(&left), "/");
    assert!(bob.page("/").await.contains("You left"));
    assert_eq!(role_in_alices_team(&server, "bob@example.com").await, None);

    let link = create_invite(&server, "viewer").await;
    bob.post_form("/invite/accept", &[("token", token_of(&link))])
        .await;
    let removed = server
        .post_form("/team/members/remove", &[("user_id", &bob_id)])
        .await;
    assert_eq!(location(&removed), "/team/members");
    assert_eq!(role_in_alices_team(&server, "bob@example.com").await, None);
    let actions: Vec<_> = audit_actions(&server)
        .await
        .into_iter()
        .map(|(a, d, _)| format!("{a} {d}"))
        .collect();
    assert!(actions.contains(&"member.left ".to_owned()), "{actions:?}");
    assert!(
        actions.contains(&"member.removed bob@example.com".to_owned()),
        "{actions:?}"
    );
}

/// Bob makes Alice an admin of his only team and leaves it: he gets a new personal team to act
/// in, at once and at his next sign-in. Someone whose memberships all went some other way
/// (data from before this rule) gets one when signing in.
async fn who_leaves_their_last_team_gets_a_personal_one(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("alice@example.com", PASSWORD).await;
    let bob = server.browser();
    bob.sign_up("bob@example.com", PASSWORD).await;
    let bob_id = user_id(&server, "bob@example.com").await;
    let first_team = server
        .db
        .store
        .memberships(&bob_id)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    bob.post_form("/team/invites", &[("role", "admin")]).await;
    let link = one_time_secret(&bob.page("/team/members").await).expect("Bob's invite link");
    server
        .post_form("/invite/accept", &[("token", token_of(&link))])
        .await;

    let left = bob
        .post_form("/team/members/remove", &[("user_id", &bob_id)])
        .await;
    assert_eq!(location(&left), "/");
    let teams = server.db.store.memberships(&bob_id).await.unwrap();
    assert_eq!(teams.len(), 1, "{teams:?}");
    assert_ne!(teams[0].team_id, first_team);
    assert_eq!(
        (teams[0].team_name.as_str(), teams[0].role.as_str()),
        ("bob's team", "admin")
    );
    let home = bob.page("/").await;
    assert!(
        home.contains("bob&#x27;s team") || home.contains("bob's team"),
        "Bob acts in his new team: {home}"
    );
    let created = bob
        .post_form("/collections", &[("name", "Bob's API")])
        .await;
    assert_eq!(created.status(), 303);
    let collections = bob.page("/collections").await;
    assert!(
        collections.contains("Bob&#x27;s API") || collections.contains("Bob's API"),
        "{collections}"
    );

    // Memberships gone without Ferry's rule: signing in gives a team again.
    let carol = server.browser();
    carol.sign_up("carol@example.com", PASSWORD).await;
    let carol_id = user_id(&server, "carol@example.com").await;
    match &server.db.store {
        ferry_domain::store::Store::Sqlite(pool) => {
            sqlx::query("DELETE FROM memberships WHERE user_id = $1")
                .bind(&carol_id)
                .execute(pool)
                .await
                .unwrap();
        }
        ferry_domain::store::Store::Postgres(pool) => {
            sqlx::query("DELETE FROM memberships WHERE user_id = $1")
                .bind(&carol_id)
                .execute(pool)
                .await
                .unwrap();
        }
    }
    let again = server.browser();
    let signed_in = again
        .post_form(
            "/signin",
            &[("email", "carol@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed_in.status(), 303);
    let teams = server.db.store.memberships(&carol_id).await.unwrap();
    assert_eq!(teams.len(), 1, "{teams:?}");
    assert!(again
        .page("/")
        .await
        .contains(r#"data-testid="current-team""#));
}

async fn a_viewer_cannot_change_anything(db: Db) {
    let server = TestServer::start(db).await;
    let bob = team_of_two(&server, "viewer").await;
    let alice_id = user_id(&server, "alice@example.com").await;
    server
        .post_form("/team/invites", &[("role", "editor")])
        .await;
    let alice_team = server
        .db
        .store
        .memberships(&alice_id)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    let invite_id = server
        .db
        .store
        .pending_invites(&alice_team)
        .await
        .unwrap()
        .remove(0)
        .id;
    let accounts = Accounts::new(&server.db.store);
    let alice = accounts
        .session_actor(&alice_id, &alice_team, 0)
        .await
        .unwrap()
        .unwrap();
    let (key_id, _) = accounts
        .create_api_key(&alice, "alice's", Role::Admin, None, "test")
        .await
        .unwrap();
    let audit_before = audit_actions(&server).await.len();

    let attempts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "/team/members/role",
            vec![("user_id", &alice_id), ("role", "viewer")],
        ),
        ("/team/members/remove", vec![("user_id", &alice_id)]),
        ("/team/invites", vec![("role", "admin")]),
        ("/team/invites/revoke", vec![("invite_id", &invite_id)]),
        (
            "/team/api-keys",
            vec![
                ("name", "mine"),
                ("role", "editor"),
                ("expires_in_days", ""),
            ],
        ),
        ("/team/api-keys/revoke", vec![("key_id", &key_id)]),
    ];
    for (path, form) in &attempts {
        let response = bob.post_form(path, form).await;
        assert_eq!(response.status(), 303, "{path}");
        let page = bob.page(location(&response)).await;
        assert!(
            page.contains("your role (viewer) does not allow this")
                || page.contains("a key cannot have a higher role"),
            "{path}: {page}"
        );
    }
    let team_routes: Vec<_> = ferry::http::route_table()
        .into_iter()
        .filter(|(method, path)| method == "POST" && path.starts_with("/team/"))
        .map(|(_, path)| path)
        .collect();
    for path in &team_routes {
        assert!(
            attempts.iter().any(|(tried, _)| tried == path),
            "{path}: add what a viewer would try there"
        );
    }

    assert_eq!(
        role_in_alices_team(&server, "alice@example.com")
            .await
            .as_deref(),
        Some("admin")
    );
    assert_eq!(
        server
            .db
            .store
            .pending_invites(&alice_team)
            .await
            .unwrap()
            .len(),
        1
    );
    let keys = server.db.store.api_keys(&alice_team).await.unwrap();
    assert_eq!(keys.len(), 1, "no key was created");
    assert!(keys[0].revoked_at_ms.is_none(), "Alice's key still works");
    assert_eq!(
        audit_actions(&server).await.len(),
        audit_before,
        "nothing happened, so nothing is logged"
    );

    let members = bob.page("/team/members").await;
    assert!(
        members.contains("alice@example.com"),
        "viewers see the members: {members}"
    );
    assert!(
        !members.contains("Change role") && !members.contains("Create invite link"),
        "read-only: {members}"
    );
}

async fn api_keys_are_created_shown_once_listed_and_revoked(db: Db) {
    let server = TestServer::start(db).await;
    let bob = team_of_two(&server, "editor").await;
    let created = bob
        .post_form(
            "/team/api-keys",
            &[
                ("name", "nightly check"),
                ("role", "viewer"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(location(&created), "/team/api-keys");
    let page = bob.page("/team/api-keys").await;
    let key = one_time_secret(&page).unwrap_or_else(|| panic!("the key is shown: {page}"));
    assert!(key.starts_with("ferry_"), "{key}");
    assert!(
        page.contains("nightly check") && page.contains("active"),
        "{page}"
    );
    let again = bob.page("/team/api-keys").await;
    assert!(!again.contains(&key), "the key is shown once");
    assert!(again.contains("never"), "not used yet: {again}");

    let me = TestServer::new_browser()
        .get(server.at("/api/me"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert!(
        !bob.page("/team/api-keys").await.contains(">never<"),
        "last used is shown, expiry too"
    );

    let refused = bob
        .post_form("/team/api-keys", &[("name", "too much"), ("role", "admin")])
        .await;
    assert_eq!(location(&refused), "/team/api-keys");
    assert!(bob
        .page("/team/api-keys")
        .await
        .contains("Role: a key cannot have a higher role than yours (editor)"));
    bob.post_form(
        "/team/api-keys",
        &[
            ("name", "x"),
            ("role", "viewer"),
            ("expires_in_days", "soon"),
        ],
    )
    .await;
    assert!(bob
        .page("/team/api-keys")
        .await
        .contains("Expires in: enter a whole number of days"));

    let bob_id = user_id(&server, "bob@example.com").await;
    let alice_id = user_id(&server, "alice@example.com").await;
    let team = server
        .db
        .store
        .memberships(&alice_id)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    let keys = server.db.store.api_keys(&team).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].created_by, bob_id);
    assert!(
        server
            .page("/team/api-keys")
            .await
            .contains("nightly check"),
        "admins see every key"
    );
    let revoked = bob
        .post_form("/team/api-keys/revoke", &[("key_id", &keys[0].id)])
        .await;
    assert_eq!(location(&revoked), "/team/api-keys");
    assert!(bob.page("/team/api-keys").await.contains("revoked"));
    let me = TestServer::new_browser()
        .get(server.at("/api/me"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401, "a revoked key is refused");
    let actions: Vec<_> = audit_actions(&server)
        .await
        .into_iter()
        .map(|(a, _, _)| a)
        .collect();
    assert!(
        actions.contains(&"api_key.created".to_owned())
            && actions.contains(&"api_key.revoked".to_owned())
    );
}

async fn the_audit_log_is_for_admins_only(db: Db) {
    let server = TestServer::start(db).await;
    let bob = team_of_two(&server, "editor").await;
    let log = server.page("/team/audit").await;
    assert!(
        log.contains("member.joined") && log.contains("invite.created"),
        "{log}"
    );
    assert!(
        log.contains("bob@example.com") && log.contains("127.0.0.1"),
        "actor and client address: {log}"
    );
    let refused = bob.page("/team/audit").await;
    assert!(
        refused.contains("Audit log: only the team&#x27;s admins can read it")
            || refused.contains("only the team's admins"),
        "{refused}"
    );
    assert!(!refused.contains("member.joined"), "{refused}");
}

/// Bob, an admin, makes invite links, then is demoted: his links go with his admin role, so
/// a second account of his cannot use one to get admin back, and the audit log says so.
async fn a_demoted_admin_cannot_come_back_through_their_own_invite(db: Db) {
    let server = TestServer::start(db).await;
    let bob = team_of_two(&server, "admin").await;
    bob.post_form("/team/invites", &[("role", "viewer")]).await;
    bob.post_form("/team/invites", &[("role", "admin")]).await;
    let link = one_time_secret(&bob.page("/team/members").await).expect("Bob's admin invite link");
    let alice = user_id(&server, "alice@example.com").await;
    let team = server
        .db
        .store
        .memberships(&alice)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    assert_eq!(
        server.db.store.pending_invites(&team).await.unwrap().len(),
        2
    );

    let bob_id = user_id(&server, "bob@example.com").await;
    server
        .post_form(
            "/team/members/role",
            &[("user_id", &bob_id), ("role", "editor")],
        )
        .await;
    assert_eq!(
        role_in_alices_team(&server, "bob@example.com")
            .await
            .as_deref(),
        Some("editor")
    );
    assert!(
        server
            .db
            .store
            .pending_invites(&team)
            .await
            .unwrap()
            .is_empty(),
        "Bob's links went with his admin role"
    );

    let second = server.browser();
    second.sign_up("bob.again@example.com", PASSWORD).await;
    let refused = second
        .post_form("/invite/accept", &[("token", token_of(&link))])
        .await;
    assert_eq!(location(&refused), format!("/invite/{}", token_of(&link)));
    assert!(second
        .page(location(&refused))
        .await
        .contains("this link is not valid"));
    assert_eq!(
        role_in_alices_team(&server, "bob.again@example.com").await,
        None,
        "no way back to admin"
    );

    let actions = audit_actions(&server).await;
    let revoked = actions
        .iter()
        .find(|(a, _, _)| a == "invite.revoked")
        .expect("the withdrawal is audited");
    assert_eq!(revoked.1, "2 pending links by bob@example.com (now editor)");
}

/// A link made while its creator could invite with its role (before demotions withdrew
/// links, say) is checked again on acceptance: refused, saying why, once they no longer can.
async fn a_link_whose_creator_lost_the_right_to_invite_is_refused(db: Db) {
    let server = TestServer::start(db).await;
    let _bob = team_of_two(&server, "editor").await;
    let alice = user_id(&server, "alice@example.com").await;
    let bob_id = user_id(&server, "bob@example.com").await;
    let team = server
        .db
        .store
        .memberships(&alice)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    let (token, hash) = InviteToken::generate();
    let expires = now_ms() + 60_000;
    server
        .db
        .store
        .insert_invite(&team, &bob_id, hash.as_str(), "admin", expires)
        .await
        .unwrap();
    let path = format!("/invite/{}", token.expose_secret());

    let carol = server.browser();
    carol.sign_up("carol@example.com", PASSWORD).await;
    let offer = carol.page(&path).await;
    assert!(
        offer.contains("this link no longer works") && !offer.contains("Accept invite"),
        "{offer}"
    );
    let refused = carol
        .post_form("/invite/accept", &[("token", token.expose_secret())])
        .await;
    assert_eq!(location(&refused), path);
    assert!(carol
        .page(&path)
        .await
        .contains("no longer an admin of the team"));
    assert_eq!(
        role_in_alices_team(&server, "carol@example.com").await,
        None
    );

    // Alice's own link still works: only the creator's standing matters.
    let (token, hash) = InviteToken::generate();
    server
        .db
        .store
        .insert_invite(&team, &alice, hash.as_str(), "admin", expires)
        .await
        .unwrap();
    carol
        .post_form("/invite/accept", &[("token", token.expose_secret())])
        .await;
    assert_eq!(
        role_in_alices_team(&server, "carol@example.com")
            .await
            .as_deref(),
        Some("admin")
    );
}

async fn removing_a_member_withdraws_their_invites(db: Db) {
    let server = TestServer::start(db).await;
    let bob = team_of_two(&server, "admin").await;
    bob.post_form("/team/invites", &[("role", "editor")]).await;
    let link = one_time_secret(&bob.page("/team/members").await).expect("Bob's invite link");
    create_invite(&server, "viewer").await;
    let bob_id = user_id(&server, "bob@example.com").await;
    let removed = server
        .post_form("/team/members/remove", &[("user_id", &bob_id)])
        .await;
    assert_eq!(location(&removed), "/team/members");

    let alice = user_id(&server, "alice@example.com").await;
    let team = server
        .db
        .store
        .memberships(&alice)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    let pending = server.db.store.pending_invites(&team).await.unwrap();
    assert_eq!(pending.len(), 1, "only Alice's link is left: {pending:?}");
    assert_eq!(pending[0].created_by, alice);
    let carol = server.browser();
    carol.sign_up("carol@example.com", PASSWORD).await;
    carol
        .post_form("/invite/accept", &[("token", token_of(&link))])
        .await;
    assert_eq!(
        role_in_alices_team(&server, "carol@example.com").await,
        None
    );
    let actions = audit_actions(&server).await;
    assert!(
        actions.iter().any(|(a, d, _)| a == "invite.revoked"
            && d == "1 pending link by bob@example.com (removed from the team)"),
        "{actions:?}"
    );
}

/// A new key or invite link waits in the session row until its page shows it: sealed, so
/// the session table and its backups never hold one in the clear.
async fn one_time_secrets_are_sealed_in_the_session_row(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("alice@example.com", PASSWORD).await;
    let created = server
        .post_form(
            "/team/api-keys",
            &[
                ("name", "deploy"),
                ("role", "viewer"),
                ("expires_in_days", ""),
            ],
        )
        .await;
    assert_eq!(location(&created), "/team/api-keys");
    let rows_with_key = session_rows(&server).await;
    let key = one_time_secret(&server.page("/team/api-keys").await)
        .expect("the key is shown on its page");
    assert!(key.starts_with("ferry_"), "{key}");
    assert!(!rows_with_key.is_empty(), "the session was read");
    assert!(
        rows_with_key.iter().all(|row| !holds(row, &key)),
        "the key is not in a session row in the clear"
    );
    let me = TestServer::new_browser()
        .get(server.at("/api/me"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the shown key is the real one");

    server
        .post_form("/team/invites", &[("role", "viewer")])
        .await;
    let rows_with_link = session_rows(&server).await;
    let link = one_time_secret(&server.page("/team/members").await).expect("the link is shown");
    assert!(
        rows_with_link
            .iter()
            .all(|row| !holds(row, token_of(&link))),
        "nor is the invite token"
    );
}

async fn invite_tokens_stay_out_of_the_request_log(db: Db) {
    captured_logs();
    let server = TestServer::start(db).await;
    server.sign_up("alice@example.com", PASSWORD).await;
    let link = create_invite(&server, "viewer").await;
    let bob = server.browser();
    assert!(bob
        .page(&format!("/invite/{}", token_of(&link)))
        .await
        .contains("Sign up to accept"));
    let logs = String::from_utf8_lossy(&captured_logs().lock().unwrap()).into_owned();
    assert!(
        logs.contains("path=/invite/[redacted]"),
        "the request was logged: {logs}"
    );
    assert!(
        !logs.contains(token_of(&link)),
        "the invite token reached the log"
    );
}
