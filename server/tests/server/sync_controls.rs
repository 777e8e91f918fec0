//! The sync engine on the Integrations pages, against the real router on both databases:
//! Run now, Pause/Resume and the Run log on the list, and the banner naming integrations that
//! stopped backing up.

use crate::common::{
    integrations::{account_row, collection},
    location, Browser, Db, TestServer,
};
use ferry_domain::{
    accounts::{Accounts, Actor},
    auth::Role,
    integrations::{IntegrationDraft, IntegrationStatus, Integrations},
    store::sync::{RunOutcome, RunRow, Trigger},
};
use ferry_testing::run_row;

const PASSWORD: &str = "correct horse battery staple";
const HASH: &str = "0123456789abcdef0123456789abcdef01234567";

ferry_testing::on_both!(
    an_admin_runs_pauses_and_resumes_from_the_list,
    the_run_log_lists_every_run_in_words,
    a_viewer_reads_the_run_log_but_controls_nothing,
    a_stopped_backup_is_shown_to_admins_and_its_creator_only,
);

/// The actor of `email` in `team_id`.
pub(crate) async fn actor_in(server: &TestServer, email: &str, team_id: &str) -> Actor {
    let store = &server.db.store;
    let user = store.user_by_email(email).await.unwrap().unwrap();
    Accounts::new(store)
        .session_actor(&user.id, team_id, user.session_epoch)
        .await
        .unwrap()
        .unwrap()
}

/// Alice (admin, signed in in the server's own browser) with an integration of "Users API".
async fn alice_with_an_integration(server: &TestServer) -> (Actor, String) {
    server.sign_up("alice@example.com", PASSWORD).await;
    let store = &server.db.store;
    let user = store
        .user_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap();
    let team_id = store.memberships(&user.id).await.unwrap().remove(0).team_id;
    let alice = actor_in(server, "alice@example.com", &team_id).await;
    let id = integration_of(server, &alice, "Users API", "users.json").await;
    (alice, id)
}

async fn integration_of(
    server: &TestServer,
    creator: &Actor,
    collection_name: &str,
    filename: &str,
) -> String {
    let store = &server.db.store;
    let draft = IntegrationDraft {
        collection_id: collection(store, creator, collection_name).await,
        account_id: account_row(store, creator, &format!("{collection_name} account")).await,
        workspace: "demo".into(),
        repository: "postman-backups".into(),
        branch: "main".into(),
        directory: String::new(),
        filename: filename.into(),
    };
    Integrations::new(store)
        .create(creator, &draft)
        .await
        .unwrap()
        .id
}

/// `name` joins Alice's team with `role`, signed in in a browser of their own.
pub(crate) async fn joins<'a>(
    server: &'a TestServer,
    alice: &Actor,
    email: &str,
    role: Role,
) -> Browser<'a> {
    let invite = Accounts::new(&server.db.store)
        .create_invite(alice, role, "t")
        .await
        .unwrap();
    let browser = server.browser();
    browser.sign_up(email, PASSWORD).await;
    let accepted = browser
        .post_form("/invite/accept", &[("token", invite.token.expose_secret())])
        .await;
    assert_eq!(location(&accepted), "/");
    browser
}

async fn status_of(server: &TestServer, alice: &Actor, id: &str) -> IntegrationStatus {
    Integrations::new(&server.db.store)
        .get(alice, id)
        .await
        .unwrap()
        .status
}

async fn an_admin_runs_pauses_and_resumes_from_the_list(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, id) = alice_with_an_integration(&server).await;
    let store = &server.db.store;
    let list = server.page("/integrations/bitbucket").await;
    for shown in [
        "Run now",
        "Pause",
        "Run log",
        &format!("/integrations/bitbucket/{id}/runs"),
        "not run yet",
    ] {
        assert!(list.contains(shown), "the row offers {shown}: {list}");
    }
    assert!(!list.contains(">Resume<"), "{list}");

    let paused = server
        .post_form(&format!("/integrations/bitbucket/{id}/pause"), &[])
        .await;
    assert_eq!(
        (paused.status().as_u16(), location(&paused)),
        (303, "/integrations/bitbucket")
    );
    assert_eq!(
        status_of(&server, &alice, &id).await,
        IntegrationStatus::Paused
    );
    assert!(
        store
            .queued_job(&alice.team_id, &id)
            .await
            .unwrap()
            .is_none(),
        "a paused integration has no job"
    );
    let list = server.page("/integrations/bitbucket").await;
    assert!(
        list.contains("Paused: changes to “Users API” are kept"),
        "{list}"
    );
    assert!(
        list.contains(">Resume<") && !list.contains(">Run now<"),
        "{list}"
    );

    let refused = server
        .post_form(&format!("/integrations/bitbucket/{id}/run"), &[])
        .await;
    assert_eq!(location(&refused), "/integrations/bitbucket");
    let list = server.page("/integrations/bitbucket").await;
    assert!(
        list.contains("this integration is paused; resume it"),
        "{list}"
    );
    assert!(
        store
            .queued_job(&alice.team_id, &id)
            .await
            .unwrap()
            .is_none(),
        "the refused run queued nothing"
    );

    let resumed = server
        .post_form(
            &format!("/integrations/bitbucket/{id}/resume"),
            &[("back", "runs")],
        )
        .await;
    assert_eq!(
        location(&resumed),
        format!("/integrations/bitbucket/{id}/runs")
    );
    assert_eq!(
        status_of(&server, &alice, &id).await,
        IntegrationStatus::Active
    );
    let job = store
        .queued_job(&alice.team_id, &id)
        .await
        .unwrap()
        .expect("resuming queues the latest state");
    assert_eq!(job.trigger, Trigger::Manual);
    let log = server
        .page(&format!("/integrations/bitbucket/{id}/runs"))
        .await;
    assert!(
        log.contains("Resumed: the latest “Users API” is being committed"),
        "{log}"
    );

    store
        .set_integration_status(
            &alice.team_id,
            &id,
            IntegrationStatus::Failing,
            Some("the branch is gone"),
            &crate::common::status_event(&id),
        )
        .await
        .unwrap();
    let ran = server
        .post_form(&format!("/integrations/bitbucket/{id}/run"), &[])
        .await;
    assert_eq!(location(&ran), "/integrations/bitbucket");
    assert_eq!(
        status_of(&server, &alice, &id).await,
        IntegrationStatus::Active,
        "running by hand retries a failing one"
    );
    let job = store
        .queued_job(&alice.team_id, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.trigger, job.attempts), (Trigger::Manual, 0));
    assert!(server
        .page("/integrations/bitbucket")
        .await
        .contains("Running now: “Users API”"));
    let audit: Vec<String> = store
        .audit_log(&alice.team_id, 20)
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
        assert!(
            audit.iter().any(|a| a == action),
            "{action} audited: {audit:?}"
        );
    }
}

async fn the_run_log_lists_every_run_in_words(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, id) = alice_with_an_integration(&server).await;
    let store = &server.db.store;
    let now = ferry_domain::store::now_ms();
    let first = RunRow {
        trigger: Trigger::Initial,
        commit_hash: Some(HASH.into()),
        ..run_row(&id, "r1", now - 7_200_000, RunOutcome::Committed)
    };
    let unchanged = run_row(&id, "r2", now - 3_600_000, RunOutcome::NoChanges);
    let failed = RunRow {
        trigger: Trigger::Retry,
        error: Some("Bitbucket is unavailable (503)".into()),
        will_retry: true,
        attempts: 3,
        finished_at_ms: now - 120_000 + 2_400,
        ..run_row(&id, "r3", now - 120_000, RunOutcome::Failed)
    };
    let newest = RunRow {
        trigger: Trigger::Manual,
        commit_hash: Some(HASH.replace('0', "f")),
        ..run_row(&id, "r4", now - 5_000, RunOutcome::Committed)
    };
    for row in [&first, &unchanged, &failed, &newest] {
        store.insert_run(&alice.team_id, row).await.unwrap();
    }

    let log = server
        .page(&format!("/integrations/bitbucket/{id}/runs"))
        .await;
    assert_eq!(log.matches(r#"data-testid="run""#).count(), 4, "{log}");
    for shown in [
        "initial",
        "manual",
        "retry",
        "No changes",
        "Bitbucket is unavailable (503); will retry",
        "2.4 s",
        "850 ms",
        "2 hours ago",
        "just now",
        " UTC",
        "https://bitbucket.org/demo/postman-backups/commits/0123456789abcdef0123456789abcdef01234567",
        "<code>0123456</code>",
    ] {
        assert!(log.contains(shown), "the log shows {shown}: {log}");
    }
    let order: Vec<usize> = [">initial<", ">No changes", "will retry", ">manual<"]
        .iter()
        .map(|t| log.find(t).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] > w[1]),
        "newest first: {order:?}"
    );

    let list = server.page("/integrations/bitbucket").await;
    let cell = &list[list.find(r#"data-testid="last-run""#).unwrap()..];
    let cell = &cell[..cell.find("</td>").unwrap()];
    assert!(
        cell.contains("just now · Committed") && cell.contains("<code>f123456</code>"),
        "{cell}"
    );
    assert!(
        cell.contains("https://bitbucket.org/demo/postman-backups/commits/f123456789abcdef"),
        "{cell}"
    );
}

async fn a_viewer_reads_the_run_log_but_controls_nothing(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, id) = alice_with_an_integration(&server).await;
    let bob = joins(&server, &alice, "bob@example.com", Role::Viewer).await;
    let list = bob.page("/integrations/bitbucket").await;
    assert!(
        list.contains("Run log") && !list.contains("Run now") && !list.contains(">Pause<"),
        "{list}"
    );
    assert!(bob
        .page(&format!("/integrations/bitbucket/{id}/runs"))
        .await
        .contains("This integration has not run yet."));

    let job_before = server
        .db
        .store
        .queued_job(&alice.team_id, &id)
        .await
        .unwrap();
    for action in ["run", "pause", "resume"] {
        let response = bob
            .post_form(&format!("/integrations/bitbucket/{id}/{action}"), &[])
            .await;
        assert_eq!(response.status(), 403, "{action}");
    }
    assert_eq!(
        status_of(&server, &alice, &id).await,
        IntegrationStatus::Active
    );
    assert_eq!(
        server
            .db
            .store
            .queued_job(&alice.team_id, &id)
            .await
            .unwrap(),
        job_before,
        "nothing queued or dropped"
    );

    let mallory = server.browser();
    mallory.sign_up("mallory@example.com", PASSWORD).await;
    for action in ["run", "pause", "resume"] {
        let response = mallory
            .post_form(&format!("/integrations/bitbucket/{id}/{action}"), &[])
            .await;
        assert_eq!(
            response.status(),
            404,
            "another team's integration: {action}"
        );
    }
    assert!(!mallory
        .page(&format!("/integrations/bitbucket/{id}/runs"))
        .await
        .contains("Users API"));
    assert_eq!(
        status_of(&server, &alice, &id).await,
        IntegrationStatus::Active
    );
}

async fn a_stopped_backup_is_shown_to_admins_and_its_creator_only(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, alices) = alice_with_an_integration(&server).await;
    let carol = joins(&server, &alice, "carol@example.com", Role::Editor).await;
    let dave = joins(&server, &alice, "dave@example.com", Role::Editor).await;
    let bob = joins(&server, &alice, "bob@example.com", Role::Viewer).await;
    let carol_actor = actor_in(&server, "carol@example.com", &alice.team_id).await;
    let carols = integration_of(&server, &carol_actor, "Orders API", "orders.json").await;
    let store = &server.db.store;

    for page in ["/", "/integrations/bitbucket"] {
        assert!(
            !server.page(page).await.contains("sync-alerts"),
            "nothing failing, no banner on {page}"
        );
    }
    store
        .set_integration_status(
            &alice.team_id,
            &carols,
            IntegrationStatus::Failing,
            Some("Repository demo/postman-backups is gone"),
            &crate::common::status_event(&carols),
        )
        .await
        .unwrap();
    store
        .set_integration_status(
            &alice.team_id,
            &alices,
            IntegrationStatus::NeedsReauth,
            Some("Bitbucket refused the token"),
            &crate::common::status_event(&alices),
        )
        .await
        .unwrap();

    for page in ["/", "/integrations/bitbucket"] {
        let seen = server.page(page).await;
        assert_eq!(
            seen.matches(r#"data-testid="sync-alert""#).count(),
            2,
            "the admin sees both on {page}: {seen}"
        );
        for shown in [
            "Orders API",
            "Failing",
            "Repository demo/postman-backups is gone",
            &format!("/integrations/bitbucket/{carols}/edit"),
            "Needs re-authentication",
            "Bitbucket refused the token",
            r#"href="/integrations/accounts""#,
        ] {
            assert!(seen.contains(shown), "{page} shows {shown}: {seen}");
        }

        let theirs = carol.page(page).await;
        let banner = banner(&theirs);
        assert_eq!(
            banner.matches(r#"data-testid="sync-alert""#).count(),
            1,
            "the creator sees hers on {page}: {banner}"
        );
        assert!(
            banner.contains("Repository demo/postman-backups is gone")
                && !banner.contains("Bitbucket refused"),
            "{banner}"
        );

        for (who, browser) in [("another editor", &dave), ("a viewer", &bob)] {
            assert!(
                !browser.page(page).await.contains("sync-alerts"),
                "{who} sees no banner on {page}"
            );
        }
    }
    let mallory = server.browser();
    mallory.sign_up("mallory@example.com", PASSWORD).await;
    assert!(
        !mallory.page("/").await.contains("sync-alerts"),
        "another team's admin sees nothing"
    );

    let paused = server
        .post_form(&format!("/integrations/bitbucket/{carols}/pause"), &[])
        .await;
    assert_eq!(paused.status(), 303);
    assert!(
        !carol.page("/").await.contains("sync-alerts"),
        "a paused integration is not an alert"
    );
}

/// The banner of a page (empty when it has none).
fn banner(page: &str) -> &str {
    page.find(r#"data-testid="sync-alerts""#)
        .map_or("", |start| {
            let rest = &page[start..];
            &rest[..rest.find("</div>").unwrap()]
        })
}
