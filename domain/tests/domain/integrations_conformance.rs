//! The integrations service on both backends: field rules, team scoping, permissions, the
//! one-writer-per-file rule, and what deleting a collection or an account does.

use crate::fixtures::{account, collection, exec, member, teammate};
use ferry_domain::{
    auth::Role,
    collections::Collections,
    error::{DomainError, Forbidden},
    integrations::{IntegrationDraft, IntegrationError, IntegrationStatus, Integrations},
    Store,
};

ferry_testing::on_both!(
    store:
    create_get_list_and_filter,
    an_empty_filename_is_named_after_the_collection,
    refusals_name_the_field_and_store_nothing,
    one_integration_per_file,
    edit_rewrites_every_field_and_keeps_the_file_rule,
    other_teams_see_and_touch_nothing,
    viewers_cannot_add_and_editors_manage_only_their_own,
    deleting_the_account_asks_for_reauthentication,
    deleting_the_collection_deletes_its_integrations,
    changes_are_audited,
    an_account_is_its_creators_and_the_admins_unless_shared,
);

fn draft(collection_id: &str, account_id: &str, filename: &str) -> IntegrationDraft {
    IntegrationDraft {
        collection_id: collection_id.into(),
        account_id: account_id.into(),
        workspace: "demo".into(),
        repository: "postman-backups".into(),
        branch: "main".into(),
        directory: "Postman Collections".into(),
        filename: filename.into(),
    }
}

async fn create_get_list_and_filter(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let account = account(store, &admin, "Demo").await;
    collection(store, &admin, "c-users", "Users API").await;
    collection(store, &admin, "c-orders", "Orders").await;
    let service = Integrations::new(store);

    let users = service
        .create(&admin, &draft("c-users", &account, "users.json"))
        .await
        .unwrap();
    assert_eq!(users.collection_name, "Users API");
    assert_eq!(users.account_label.as_deref(), Some("Demo"));
    assert_eq!(users.status, IntegrationStatus::Active);
    assert_eq!(users.path(), "Postman Collections/users.json");
    assert_eq!(users.created_by_email, "admin@example.com");
    let mut orders = draft("c-orders", &account, "orders.json");
    orders.branch = "backups".into();
    orders.directory = "".into();
    let orders = service.create(&admin, &orders).await.unwrap();
    assert_eq!(orders.path(), "orders.json");

    assert_eq!(service.get(&admin, &users.id).await.unwrap(), users);
    let all: Vec<_> = service
        .list(&admin, "")
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.collection_name)
        .collect();
    assert_eq!(all, ["Orders", "Users API"]);
    for (filter, expected) in [
        ("USERS", "Users API"),
        ("backups", "Orders"),
        ("orders.json", "Orders"),
    ] {
        let found: Vec<_> = service
            .list(&admin, filter)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.collection_name)
            .collect();
        assert!(found.contains(&expected.to_owned()), "{filter}: {found:?}");
    }
    assert!(service
        .list(&admin, "nothing like this")
        .await
        .unwrap()
        .is_empty());
}

async fn an_empty_filename_is_named_after_the_collection(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let account = account(store, &admin, "Demo").await;
    collection(store, &admin, "c-users", "Users: v2/beta").await;
    let created = Integrations::new(store)
        .create(&admin, &draft("c-users", &account, "  "))
        .await
        .unwrap();
    assert_eq!(
        created.path(),
        "Postman Collections/Users- v2-beta.postman_collection.json"
    );
}

/// One way to spoil a good draft.
type DraftEdit = Box<dyn Fn(&mut IntegrationDraft)>;

async fn refusals_name_the_field_and_store_nothing(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let account = account(store, &admin, "Demo").await;
    collection(store, &admin, "c-users", "Users API").await;
    let service = Integrations::new(store);
    let good = draft("c-users", &account, "users.json");
    let cases: Vec<(&str, DraftEdit)> = vec![
        ("collection", Box::new(|d| d.collection_id = "nope".into())),
        ("account", Box::new(|d| d.account_id = "nope".into())),
        ("workspace", Box::new(|d| d.workspace = "a b".into())),
        ("repository", Box::new(|d| d.repository = "".into())),
        ("branch", Box::new(|d| d.branch = "bad..branch".into())),
        ("directory", Box::new(|d| d.directory = "../outside".into())),
        ("filename", Box::new(|d| d.filename = "users.txt".into())),
    ];
    for (expected, change) in cases {
        let mut bad = good.clone();
        change(&mut bad);
        let error = service.create(&admin, &bad).await.unwrap_err();
        assert_eq!(error.field(), Some(expected), "{error}");
        assert!(error.to_string().starts_with(expected), "{error}");
    }
    assert!(service.list(&admin, "").await.unwrap().is_empty());
}

async fn one_integration_per_file(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let account = account(store, &admin, "Demo").await;
    collection(store, &admin, "c-users", "Users API").await;
    collection(store, &admin, "c-orders", "Orders").await;
    let service = Integrations::new(store);
    service
        .create(&admin, &draft("c-users", &account, "api.json"))
        .await
        .unwrap();

    let error = service
        .create(&admin, &draft("c-orders", &account, "api.json"))
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("filename"));
    let message = error.to_string();
    assert!(
        message.contains("\"Users API\"") && message.contains("admin@example.com"),
        "{message}"
    );
    assert_eq!(service.list(&admin, "").await.unwrap().len(), 1);

    let mut other_branch = draft("c-orders", &account, "api.json");
    other_branch.branch = "other".into();
    service.create(&admin, &other_branch).await.unwrap();
}

async fn edit_rewrites_every_field_and_keeps_the_file_rule(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let first = account(store, &admin, "First").await;
    let second = account(store, &admin, "Second").await;
    collection(store, &admin, "c-users", "Users API").await;
    collection(store, &admin, "c-orders", "Orders").await;
    let service = Integrations::new(store);
    let users = service
        .create(&admin, &draft("c-users", &first, "users.json"))
        .await
        .unwrap();
    let orders = service
        .create(&admin, &draft("c-orders", &first, "orders.json"))
        .await
        .unwrap();

    let edited = IntegrationDraft {
        collection_id: "c-orders".into(),
        account_id: second.clone(),
        workspace: "other-ws".into(),
        repository: "other-repo".into(),
        branch: "release/1".into(),
        directory: "api/v2".into(),
        filename: "renamed.json".into(),
    };
    let updated = service.update(&admin, &users.id, &edited).await.unwrap();
    assert_eq!(updated.id, users.id);
    assert_eq!(
        (
            updated.collection_id.as_str(),
            updated.account_label.as_deref(),
            updated.workspace.as_str()
        ),
        ("c-orders", Some("Second"), "other-ws")
    );
    assert_eq!(
        (updated.branch.as_str(), updated.path()),
        ("release/1", "api/v2/renamed.json".to_owned())
    );

    // Saving an integration unchanged is not a conflict with itself…
    service.update(&admin, &users.id, &edited).await.unwrap();
    // …but taking another integration's file is, and changes nothing.
    let error = service
        .update(&admin, &users.id, &draft("c-users", &first, "orders.json"))
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("filename"));
    assert_eq!(
        service.get(&admin, &users.id).await.unwrap().path(),
        "api/v2/renamed.json"
    );
    assert_eq!(service.get(&admin, &orders.id).await.unwrap(), orders);
}

async fn other_teams_see_and_touch_nothing(store: &Store) {
    let a = member(store, "a@example.com", Role::Admin).await;
    let b = member(store, "b@example.com", Role::Admin).await;
    let a_account = account(store, &a, "A").await;
    let b_account = account(store, &b, "B").await;
    collection(store, &a, "c-a", "A API").await;
    collection(store, &b, "c-b", "B API").await;
    let service = Integrations::new(store);
    let a_integration = service
        .create(&a, &draft("c-a", &a_account, "a.json"))
        .await
        .unwrap();

    assert!(service.list(&b, "").await.unwrap().is_empty());
    assert!(matches!(
        service.get(&b, &a_integration.id).await,
        Err(IntegrationError::NotFound)
    ));
    assert!(matches!(
        service
            .update(&b, &a_integration.id, &draft("c-b", &b_account, "x.json"))
            .await,
        Err(IntegrationError::NotFound)
    ));
    assert!(matches!(
        service.delete(&b, &a_integration.id).await,
        Err(IntegrationError::NotFound)
    ));
    // Another team's collection or account cannot be used either.
    let error = service
        .create(&b, &draft("c-a", &b_account, "b.json"))
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("collection"));
    let error = service
        .create(&b, &draft("c-b", &a_account, "b.json"))
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("account"));
    assert_eq!(
        service.get(&a, &a_integration.id).await.unwrap(),
        a_integration
    );
}

async fn viewers_cannot_add_and_editors_manage_only_their_own(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let editor = teammate(store, &admin, "ed@example.com", Role::Editor).await;
    let viewer = teammate(store, &admin, "view@example.com", Role::Viewer).await;
    let account = account(store, &admin, "Demo").await;
    collection(store, &admin, "c-users", "Users API").await;
    let service = Integrations::new(store);

    let forbidden = service
        .create(&viewer, &draft("c-users", &account, "v.json"))
        .await;
    assert!(matches!(
        forbidden,
        Err(IntegrationError::Forbidden(Forbidden {
            role: Role::Viewer,
            ..
        }))
    ));
    let admins = service
        .create(&admin, &draft("c-users", &account, "admin.json"))
        .await
        .unwrap();
    let account = crate::fixtures::account(store, &editor, "Ed's").await;
    let editors = service
        .create(&editor, &draft("c-users", &account, "editor.json"))
        .await
        .unwrap();
    assert_eq!(service.list(&viewer, "").await.unwrap().len(), 2);

    assert!(matches!(
        service
            .update(&viewer, &editors.id, &draft("c-users", &account, "x.json"))
            .await,
        Err(IntegrationError::Forbidden(_))
    ));
    assert!(matches!(
        service.delete(&editor, &admins.id).await,
        Err(IntegrationError::Forbidden(_))
    ));
    service
        .update(
            &editor,
            &editors.id,
            &draft("c-users", &account, "mine.json"),
        )
        .await
        .unwrap();
    service.delete(&admin, &editors.id).await.unwrap();
    assert_eq!(service.list(&admin, "").await.unwrap().len(), 1);
}

async fn deleting_the_account_asks_for_reauthentication(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let first = account(store, &admin, "Demo").await;
    collection(store, &admin, "c-users", "Users API").await;
    let service = Integrations::new(store);
    let created = service
        .create(&admin, &draft("c-users", &first, "users.json"))
        .await
        .unwrap();

    exec(
        store,
        "DELETE FROM connected_accounts WHERE id = $1",
        &[&first],
    )
    .await;
    let orphan = service.get(&admin, &created.id).await.unwrap();
    assert_eq!(orphan.account_id, None);
    assert_eq!(orphan.status, IntegrationStatus::NeedsReauth);
    assert!(orphan
        .status_reason
        .unwrap()
        .contains("account was deleted"));

    let replacement = account(store, &admin, "Replacement").await;
    let fixed = service
        .update(
            &admin,
            &created.id,
            &draft("c-users", &replacement, "users.json"),
        )
        .await
        .unwrap();
    assert_eq!(fixed.status, IntegrationStatus::Active);
}

async fn deleting_the_collection_deletes_its_integrations(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let account = account(store, &admin, "Demo").await;
    collection(store, &admin, "c-users", "Users API").await;
    let service = Integrations::new(store);
    service
        .create(&admin, &draft("c-users", &account, "users.json"))
        .await
        .unwrap();
    Collections::new(store)
        .delete(&admin, "c-users")
        .await
        .unwrap();
    assert!(service.list(&admin, "").await.unwrap().is_empty());
}

async fn changes_are_audited(store: &Store) {
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let account = account(store, &admin, "Demo").await;
    collection(store, &admin, "c-users", "Users API").await;
    let service = Integrations::new(store);
    let created = service
        .create(&admin, &draft("c-users", &account, "users.json"))
        .await
        .unwrap();
    service.delete(&admin, &created.id).await.unwrap();
    let actions: Vec<_> = store
        .audit_log(&admin.team_id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"integration.created".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"integration.deleted".to_owned()),
        "{actions:?}"
    );
}

async fn an_account_is_its_creators_and_the_admins_unless_shared(store: &Store) {
    use ferry_domain::{
        accounts::Accounts, connected_accounts::ConnectedAccounts, crypto::Keyring,
    };

    let admin = member(store, "admin@example.com", Role::Admin).await;
    let editor = teammate(store, &admin, "ed@example.com", Role::Editor).await;
    let other = teammate(store, &admin, "other@example.com", Role::Editor).await;
    let admins = account(store, &admin, "Admin's").await;
    let editors = account(store, &editor, "Ed's").await;
    collection(store, &admin, "c-users", "Users API").await;
    let service = Integrations::new(store);

    let refused = service
        .create(&editor, &draft("c-users", &admins, "a.json"))
        .await;
    assert!(
        matches!(&refused, Err(IntegrationError::AccountNotUsable(reason)) if reason.contains("admin@example.com")),
        "{refused:?}"
    );
    service
        .create(&admin, &draft("c-users", &editors, "b.json"))
        .await
        .expect("admins use any member's account");
    assert!(matches!(
        service
            .create(&other, &draft("c-users", &editors, "c.json"))
            .await,
        Err(IntegrationError::AccountNotUsable(_))
    ));
    assert_eq!(
        service.list(&admin, "").await.unwrap().len(),
        1,
        "nothing else stored"
    );

    let keyring = Keyring::generate();
    let accounts = ConnectedAccounts::new(store, &keyring);
    assert!(
        accounts.set_shared(&other, &editors, true).await.is_err(),
        "only its creator or an admin shares it"
    );
    assert!(
        accounts
            .set_shared(&editor, &editors, true)
            .await
            .unwrap()
            .shared
    );
    service
        .create(&other, &draft("c-users", &editors, "c.json"))
        .await
        .expect("shared: any editor uses it");
    let usable: Vec<_> = accounts
        .usable(&other)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.label)
        .collect();
    assert_eq!(usable, ["Ed's"]);

    // Its creator leaves: unshared, nobody may use it for a new integration; shared, it stays usable.
    accounts.set_shared(&admin, &editors, false).await.unwrap();
    Accounts::new(store)
        .remove_member(&admin, &editor.user_id, "t")
        .await
        .unwrap();
    let left = accounts.get(&admin, &editors).await.unwrap();
    assert!(!left.creator_is_member && !left.shared);
    assert!(
        matches!(service.create(&admin, &draft("c-users", &editors, "d.json")).await, Err(IntegrationError::AccountNotUsable(reason)) if reason.contains("no longer a member"))
    );
    accounts.set_shared(&admin, &editors, true).await.unwrap();
    service
        .create(&admin, &draft("c-users", &editors, "d.json"))
        .await
        .unwrap();
    let audit = Accounts::new(store).audit_log(&admin).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|row| row.action == "connected_account.shared")
            .count(),
        2
    );
    assert_eq!(
        audit
            .iter()
            .filter(|row| row.action == "connected_account.unshared")
            .count(),
        1
    );
}
