//! The collections service on both backends: team scoping, permissions, revisions, and the
//! outbox written in the same transaction as each change.

use ferry_domain::{
    accounts::{Actor, Via},
    auth::Role,
    collections::{Collections, CollectionsError, OverQuota, Usage},
    error::Forbidden,
    hooks::events,
    postman::Collection,
    store::collections::{Change, Quotas, Saved},
    webhooks::EventType,
    Store,
};

ferry_testing::on_both!(
    store:
    create_get_list_and_search,
    replace_writes_a_revision_and_an_event,
    unchanged_replace_writes_nothing,
    replace_keeps_the_stored_id,
    delete_removes_collection_and_revisions_and_records_an_event,
    other_teams_see_nothing,
    viewers_cannot_write,
    duplicate_create_leaves_no_event,
    stale_update_leaves_no_event,
    edits_store_a_revision_naming_the_request_and_refusals_store_nothing,
    the_collections_quota_refuses_with_its_name_and_stores_nothing,
    the_storage_quota_counts_every_revision_and_deletes_give_it_back,
    concurrent_creates_at_the_limit_do_not_pass_it,
    a_save_answers_what_a_read_then_finds,
);

async fn actor(store: &Store, email: &str, role: Role) -> Actor {
    let (user_id, team_id) = store
        .create_user_with_team(email, "hash", "")
        .await
        .unwrap();
    Actor {
        user_id,
        email: email.into(),
        team_id,
        team_name: "Team".into(),
        role,
        via: Via::ApiKey,
    }
}

fn collection(id: &str, name: &str, requests: &[&str]) -> Collection {
    let items: Vec<_> = requests
        .iter()
        .map(|r| serde_json::json!({"id": r, "name": r, "request": format!("https://api.example.com/{r}")}))
        .collect();
    let json = serde_json::json!({
        "info": {"_postman_id": id, "name": name,
                 "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": items,
    });
    Collection::import(json.to_string().as_bytes()).unwrap()
}

async fn create_get_list_and_search(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let service = Collections::new(store);
    let users = collection("c-users", "Users API", &["list"]);
    let created = service.create(&editor, users.clone()).await.unwrap();
    assert_eq!(created.row.id, "c-users");
    assert_eq!(created.row.revision, 1);
    assert_eq!(created.row.created_by, editor.user_id);
    service
        .create(&editor, collection("c-orders", "Orders", &[]))
        .await
        .unwrap();

    let got = service.get(&editor, "c-users").await.unwrap();
    assert_eq!(
        got.collection.to_canonical_json(),
        users.to_canonical_json()
    );
    let names: Vec<_> = service
        .list(&editor, "")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["Orders", "Users API"]);
    let found: Vec<_> = service
        .list(&editor, " users ")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(found, ["c-users"]);

    let revisions = service.revisions(&editor, "c-users").await.unwrap();
    assert_eq!(revisions.len(), 1);
    assert_eq!(revisions[0].summary, r#"Create "Users API": added "list""#);
    let events = store.collection_events(&editor.team_id).await.unwrap();
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.collection_id.as_str(), e.kind.as_str(), e.revision))
        .collect();
    assert_eq!(
        kinds,
        [("c-users", "created", 1), ("c-orders", "created", 1)]
    );
    assert!(events
        .iter()
        .all(|e| e.processed_at_ms.is_none() && e.author_email == "ed@example.com"));
}

async fn replace_writes_a_revision_and_an_event(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let service = Collections::new(store);
    let first = collection("c1", "Users API", &["list"]);
    service.create(&editor, first.clone()).await.unwrap();
    let second = collection("c1", "Users API", &["list", "create"]);
    let replaced = service
        .replace(&editor, "c1", second.clone())
        .await
        .unwrap();
    assert_eq!(replaced.row.revision, 2);

    let revisions = service.revisions(&editor, "c1").await.unwrap();
    let numbers: Vec<_> = revisions
        .iter()
        .map(|r| (r.number, r.summary.as_str()))
        .collect();
    assert_eq!(
        numbers,
        [
            (2, r#"Update "Users API": added "create""#),
            (1, r#"Create "Users API": added "list""#)
        ]
    );
    let old = service.revision(&editor, "c1", 1).await.unwrap();
    assert_eq!(
        old.collection.to_canonical_json(),
        first.to_canonical_json()
    );
    let new = service.revision(&editor, "c1", 2).await.unwrap();
    assert_eq!(
        new.collection.to_canonical_json(),
        second.to_canonical_json()
    );
    assert!(matches!(
        service.revision(&editor, "c1", 3).await,
        Err(CollectionsError::NotFound)
    ));

    let events = store.collection_events(&editor.team_id).await.unwrap();
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.revision, e.summary.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("created", 1, r#"Create "Users API": added "list""#),
            ("updated", 2, r#"Update "Users API": added "create""#)
        ]
    );
}

async fn unchanged_replace_writes_nothing(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let service = Collections::new(store);
    service
        .create(&editor, collection("c1", "Users API", &["list"]))
        .await
        .unwrap();
    let again = service
        .replace(&editor, "c1", collection("c1", "Users API", &["list"]))
        .await
        .unwrap();
    assert_eq!(again.row.revision, 1);
    assert_eq!(service.revisions(&editor, "c1").await.unwrap().len(), 1);
    assert_eq!(
        store
            .collection_events(&editor.team_id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn replace_keeps_the_stored_id(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let service = Collections::new(store);
    service
        .create(&editor, collection("c1", "Users API", &[]))
        .await
        .unwrap();
    let replaced = service
        .replace(&editor, "c1", collection("other", "Renamed", &[]))
        .await
        .unwrap();
    assert_eq!(replaced.collection.id(), "c1");
    assert_eq!(replaced.row.name, "Renamed");
    let ids: Vec<_> = service
        .list(&editor, "")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["c1"]);
}

async fn delete_removes_collection_and_revisions_and_records_an_event(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let service = Collections::new(store);
    service
        .create(&editor, collection("c1", "Users API", &[]))
        .await
        .unwrap();
    service
        .replace(&editor, "c1", collection("c1", "Users", &[]))
        .await
        .unwrap();
    service.delete(&editor, "c1").await.unwrap();
    assert!(matches!(
        service.get(&editor, "c1").await,
        Err(CollectionsError::NotFound)
    ));
    assert!(matches!(
        service.revisions(&editor, "c1").await,
        Err(CollectionsError::NotFound)
    ));
    assert!(matches!(
        service.delete(&editor, "c1").await,
        Err(CollectionsError::NotFound)
    ));
    let events = store.collection_events(&editor.team_id).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.revision, last.summary.as_str()),
        ("deleted", 2, r#"Delete "Users""#)
    );
    assert_eq!(events.len(), 3);
}

async fn other_teams_see_nothing(store: &Store) {
    let mine = actor(store, "me@example.com", Role::Admin).await;
    let theirs = actor(store, "them@example.com", Role::Admin).await;
    let service = Collections::new(store);
    service
        .create(&mine, collection("c1", "Mine", &["a"]))
        .await
        .unwrap();

    assert!(service.list(&theirs, "").await.unwrap().is_empty());
    assert!(matches!(
        service.get(&theirs, "c1").await,
        Err(CollectionsError::NotFound)
    ));
    assert!(matches!(
        service.revisions(&theirs, "c1").await,
        Err(CollectionsError::NotFound)
    ));
    assert!(matches!(
        service.revision(&theirs, "c1", 1).await,
        Err(CollectionsError::NotFound)
    ));
    assert!(matches!(
        service
            .replace(&theirs, "c1", collection("c1", "Taken", &[]))
            .await,
        Err(CollectionsError::NotFound)
    ));
    assert!(matches!(
        service.delete(&theirs, "c1").await,
        Err(CollectionsError::NotFound)
    ));
    assert!(store
        .collection_events(&theirs.team_id)
        .await
        .unwrap()
        .is_empty());

    // The same Postman id in another team is another collection.
    service
        .create(&theirs, collection("c1", "Theirs", &[]))
        .await
        .unwrap();
    assert_eq!(service.get(&mine, "c1").await.unwrap().row.name, "Mine");
    assert_eq!(service.get(&theirs, "c1").await.unwrap().row.name, "Theirs");
}

async fn viewers_cannot_write(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let viewer = Actor {
        role: Role::Viewer,
        ..editor.clone()
    };
    let service = Collections::new(store);
    service
        .create(&editor, collection("c1", "Users API", &[]))
        .await
        .unwrap();

    let forbidden = |r: Result<_, CollectionsError>| {
        matches!(
            r,
            Err(CollectionsError::Forbidden(Forbidden {
                role: Role::Viewer,
                ..
            }))
        )
    };
    assert!(forbidden(
        service
            .create(&viewer, collection("c2", "New", &[]))
            .await
            .map(|_| ())
    ));
    assert!(forbidden(
        service
            .replace(&viewer, "c1", collection("c1", "Changed", &[]))
            .await
            .map(|_| ())
    ));
    assert!(forbidden(service.delete(&viewer, "c1").await));
    assert_eq!(service.list(&viewer, "").await.unwrap().len(), 1);
    assert_eq!(
        service.get(&viewer, "c1").await.unwrap().row.name,
        "Users API"
    );
    assert_eq!(
        store
            .collection_events(&editor.team_id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn duplicate_create_leaves_no_event(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let service = Collections::new(store);
    service
        .create(&editor, collection("c1", "Users API", &[]))
        .await
        .unwrap();
    // The event is inserted before the collection row, so this proves the transaction.
    let duplicate = service
        .create(&editor, collection("c1", "Impostor", &["x"]))
        .await;
    match duplicate {
        Err(CollectionsError::Conflict(message)) => {
            assert!(message.contains("collection.info._postman_id"), "{message}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        store
            .collection_events(&editor.team_id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        service.get(&editor, "c1").await.unwrap().row.name,
        "Users API"
    );
    assert_eq!(service.revisions(&editor, "c1").await.unwrap().len(), 1);
}

async fn stale_update_leaves_no_event(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let service = Collections::new(store);
    service
        .create(&editor, collection("c1", "Users API", &[]))
        .await
        .unwrap();
    let change = Change {
        team_id: &editor.team_id,
        collection_id: "c1",
        author_user_id: &editor.user_id,
        author_email: &editor.email,
        summary: "stale",
        at_ms: 1,
    };
    let stale = store
        .update_collection(
            &change,
            7,
            "Stale",
            "{}",
            Quotas::UNLIMITED,
            &events::collection(
                &editor,
                EventType::CollectionChanged,
                "c1",
                "Stale",
                8,
                None,
            ),
        )
        .await
        .unwrap();
    assert_eq!(stale, Saved::Stale);
    assert_eq!(
        store
            .collection_events(&editor.team_id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(service.get(&editor, "c1").await.unwrap().row.revision, 1);

    let fresh = store
        .update_collection(
            &change,
            1,
            "Fresh",
            &collection("c1", "Fresh", &[]).to_canonical_json(),
            Quotas::UNLIMITED,
            &events::collection(
                &editor,
                EventType::CollectionChanged,
                "c1",
                "Fresh",
                2,
                None,
            ),
        )
        .await;
    assert_eq!(fresh.unwrap(), Saved::Revision(2));
    assert_eq!(
        store
            .collection_events(&editor.team_id)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn edits_store_a_revision_naming_the_request_and_refusals_store_nothing(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let service = Collections::new(store);
    service
        .create(&editor, collection("c1", "Users API", &["list"]))
        .await
        .unwrap();
    let edited = service
        .edit(&editor, "c1", |c| c.rename("list", "List users"))
        .await
        .unwrap();
    assert_eq!(edited.row.revision, 2);
    assert_eq!(edited.collection.tree()[0].name, "List users");
    assert_eq!(
        service.revisions(&editor, "c1").await.unwrap()[0].summary,
        r#"Update "Users API": changed "List users""#
    );

    let refused = service.edit(&editor, "c1", |c| c.rename("nope", "x")).await;
    assert!(
        matches!(refused, Err(CollectionsError::Invalid(_))),
        "{refused:?}"
    );
    let viewer = Actor {
        role: Role::Viewer,
        ..editor.clone()
    };
    let forbidden = service
        .edit(&viewer, "c1", |c| c.rename("list", "Mine"))
        .await;
    assert!(
        matches!(forbidden, Err(CollectionsError::Forbidden(_))),
        "{forbidden:?}"
    );
    let other = actor(store, "eve@example.com", Role::Admin).await;
    let foreign = service
        .edit(&other, "c1", |c| c.rename("list", "Theirs"))
        .await;
    assert!(
        matches!(foreign, Err(CollectionsError::NotFound)),
        "{foreign:?}"
    );
    assert_eq!(service.get(&editor, "c1").await.unwrap().row.revision, 2);
    assert_eq!(
        store
            .collection_events(&editor.team_id)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn the_collections_quota_refuses_with_its_name_and_stores_nothing(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let service = Collections::with_quotas(
        store,
        Quotas {
            collections: Some(2),
            stored_bytes: None,
        },
    );
    service
        .create(&editor, collection("c1", "One", &[]))
        .await
        .unwrap();
    service
        .create(&editor, collection("c2", "Two", &[]))
        .await
        .unwrap();

    let refused = service
        .create(&editor, collection("c3", "Three", &["list"]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            CollectionsError::OverQuota(OverQuota::Collections { limit: 2 })
        ),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "this team has reached its limit of 2 collections; delete collections it no longer needs, \
         or ask the operator to raise FERRY_QUOTA_COLLECTIONS"
    );
    assert_eq!(service.list(&editor, "").await.unwrap().len(), 2);
    assert!(matches!(
        service.get(&editor, "c3").await,
        Err(CollectionsError::NotFound)
    ));
    assert_eq!(
        store
            .collection_events(&editor.team_id)
            .await
            .unwrap()
            .len(),
        2,
        "no event for the refused create"
    );
    assert_eq!(service.usage(&editor).await.unwrap().collections, 2);

    // Saving an existing collection adds no collection; another team has its own count.
    service
        .replace(&editor, "c1", collection("c1", "One", &["list"]))
        .await
        .unwrap();
    let other = actor(store, "eve@example.com", Role::Admin).await;
    service
        .create(&other, collection("c3", "Three", &[]))
        .await
        .unwrap();

    service.delete(&editor, "c2").await.unwrap();
    service
        .create(&editor, collection("c3", "Three", &[]))
        .await
        .unwrap();
    assert_eq!(service.usage(&editor).await.unwrap().collections, 2);
}

async fn the_storage_quota_counts_every_revision_and_deletes_give_it_back(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let first = collection("c1", "Users API", &["list"]);
    let second = collection("c1", "Users API", &["list", "create"]);
    let size = |c: &Collection| c.to_canonical_json().len() as i64;
    // Room for the first two revisions, not for a third.
    let limit = size(&first) + size(&second) + 10;
    let service = Collections::with_quotas(
        store,
        Quotas {
            collections: None,
            stored_bytes: Some(limit),
        },
    );
    service.create(&editor, first.clone()).await.unwrap();
    service
        .replace(&editor, "c1", second.clone())
        .await
        .unwrap();
    let used = size(&first) + size(&second);
    assert_eq!(
        service.usage(&editor).await.unwrap(),
        Usage {
            collections: 1,
            stored_bytes: used
        }
    );

    let third = collection("c1", "Users API", &["list", "create", "delete"]);
    let refused = service
        .replace(&editor, "c1", third.clone())
        .await
        .unwrap_err();
    match refused {
        CollectionsError::OverQuota(OverQuota::Storage {
            limit_bytes,
            used_bytes,
            needed_bytes,
        }) => {
            assert_eq!(
                (limit_bytes, used_bytes, needed_bytes),
                (limit, used, size(&third))
            )
        }
        other => panic!("{other:?}"),
    }
    let message = service
        .replace(&editor, "c1", third.clone())
        .await
        .unwrap_err()
        .to_string();
    let expected = format!(
        "this team has reached its storage limit of {limit} bytes (its collections and their history take {used} bytes, \
         this change needs {} bytes more)",
        size(&third)
    );
    assert!(message.starts_with(&expected), "{message}");
    assert!(
        message.ends_with("or ask the operator to raise FERRY_QUOTA_STORAGE_MB"),
        "{message}"
    );
    assert_eq!(
        service.get(&editor, "c1").await.unwrap().row.revision,
        2,
        "nothing stored"
    );
    assert_eq!(
        store
            .collection_events(&editor.team_id)
            .await
            .unwrap()
            .len(),
        2,
        "no event for the refused save"
    );
    assert!(matches!(
        service
            .create(&editor, collection("c2", "Other", &[]))
            .await,
        Err(CollectionsError::OverQuota(OverQuota::Storage { .. }))
    ));
    assert_eq!(service.usage(&editor).await.unwrap().stored_bytes, used);

    service.delete(&editor, "c1").await.unwrap();
    assert_eq!(service.usage(&editor).await.unwrap(), Usage::default());
    service.create(&editor, third).await.unwrap();
}

async fn concurrent_creates_at_the_limit_do_not_pass_it(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let limit = 3;
    let service = Collections::with_quotas(
        store,
        Quotas {
            collections: Some(limit),
            stored_bytes: None,
        },
    );
    service
        .create(&editor, collection("c0", "Zero", &[]))
        .await
        .unwrap();
    service
        .create(&editor, collection("c1", "One", &[]))
        .await
        .unwrap();
    // Four creates race for the one place left: the usage row queues them, so exactly one wins.
    let racer = |n: u32| service.create(&editor, collection(&format!("c{n}"), "Racer", &[]));
    let (a, b, c, d) = tokio::join!(racer(2), racer(3), racer(4), racer(5));
    let results = [a, b, c, d];
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| matches!(e, CollectionsError::OverQuota(_))));
    assert_eq!(service.list(&editor, "").await.unwrap().len() as i64, limit);
    assert_eq!(service.usage(&editor).await.unwrap().collections, limit);
}

/// Create, replace and edit answer what they wrote without reading it back: the answer must
/// be exactly what a read finds afterwards, row and document alike.
async fn a_save_answers_what_a_read_then_finds(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let service = Collections::new(store);
    let assert_stored =
        |answered: &ferry_domain::collections::StoredCollection,
         read: &ferry_domain::collections::StoredCollection| {
            assert_eq!(answered.row, read.row);
            assert_eq!(answered.collection, read.collection);
            assert_eq!(
                answered.collection.to_canonical_json(),
                read.collection.to_canonical_json()
            );
        };

    let created = service
        .create(&editor, collection("c-users", "Users API", &["list"]))
        .await
        .unwrap();
    assert_stored(&created, &service.get(&editor, "c-users").await.unwrap());

    let replaced = service
        .replace(
            &editor,
            "c-users",
            collection("other-id", "Users API v2", &["list", "show"]),
        )
        .await
        .unwrap();
    assert_eq!(replaced.row.revision, 2);
    assert_stored(&replaced, &service.get(&editor, "c-users").await.unwrap());

    let edited = service
        .edit(&editor, "c-users", |c| {
            c.add_request(None, "Create user", "POST", "https://api.example.com/users")
                .map(|_| ())
        })
        .await
        .unwrap();
    assert_eq!(edited.row.revision, 3);
    assert_stored(&edited, &service.get(&editor, "c-users").await.unwrap());
}
