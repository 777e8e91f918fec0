//! Team activity reaching custom webhooks and Slack, on both databases: what people do in a
//! team (collections, members, integrations, APIs) is recorded in the change's own
//! transaction and fanned out once into one delivery per subscribed integration — a custom
//! webhook gets the `{type,timestamp,data}` envelope with ids, names, the actor, the change
//! summary and a link; Slack gets a Block Kit message; a paused integration holds its
//! deliveries; two workers fanning out at once deliver each event once; a change that is not
//! made records nothing.

use ferry_domain::{
    accounts::Accounts,
    apis::{Apis, NewApi},
    auth::Role,
    collections::Collections,
    hooks::{
        events,
        worker::{HookWorker, WorkerConfig},
        HookKind,
    },
    integrations::{IntegrationStatus, Integrations},
    webhooks::{EventType, SenderConfig},
};
use ferry_testing::{on_both, Db};
use serde_json::Value;

use crate::{
    fixtures::{account, collection, edit, integration, member},
    hooks::World,
};

on_both!(
    team_changes_reach_every_subscribed_integration_once,
    a_change_that_is_not_made_records_no_event,
);

/// The event types of an integration's deliveries, oldest first.
async fn delivered_types(world: &World, id: &str) -> Vec<String> {
    let mut log = world.hooks().deliveries(&world.admin, id).await.unwrap();
    log.reverse();
    log.into_iter().map(|d| d.delivery.event_type).collect()
}

/// The body of the integration's delivery of `event_type`.
async fn body_of(world: &World, id: &str, event_type: &str) -> Value {
    let log = world.hooks().deliveries(&world.admin, id).await.unwrap();
    let delivery = log
        .iter()
        .find(|d| d.delivery.event_type == event_type)
        .unwrap_or_else(|| panic!("no {event_type} delivery"));
    serde_json::from_str(&delivery.delivery.body).unwrap()
}

/// A worker of its own, linking events under `public_url`.
fn linking_worker(world: &World, public_url: Option<&str>) -> HookWorker {
    HookWorker::new(
        world.db.store.clone(),
        crate::fixtures::ring(&[("old", 1)]),
        WorkerConfig {
            sender: SenderConfig {
                policy: world.policy.clone(),
                ..SenderConfig::default()
            },
            public_url: public_url.map(str::to_owned),
            ..WorkerConfig::default()
        },
    )
    .unwrap()
}

async fn drain(worker: &HookWorker) {
    while worker.run_once().await.unwrap() > 0 {}
}

async fn team_changes_reach_every_subscribed_integration_once(db: Db) {
    let world = World::start(db, &[204]).await;
    let store = &world.db.store;
    let admin = &world.admin;
    let all: Vec<&str> = EventType::SUBSCRIBABLE.iter().map(|e| e.as_str()).collect();
    let (everything, secret) = world
        .create_for(admin, HookKind::WebhookActivity, "Everything", &all)
        .await;
    let member_events = ["member.joined", "member.role_changed", "member.left"];
    let (members, _) = world
        .create_for(admin, HookKind::WebhookActivity, "Members", &member_events)
        .await;
    let (slack, _) = world
        .create_for(
            admin,
            HookKind::SlackActivity,
            "Slack",
            &["collection.changed"],
        )
        .await;
    world.hooks().set_paused(admin, &slack, true).await.unwrap();

    // Collections: created, changed (a request added), an identical save (nothing).
    collection(store, admin, "c1", "Pets").await;
    edit(store, admin, "c1", "Pets", &["List pets"]).await;
    edit(store, admin, "c1", "Pets", &["List pets"]).await;
    // Members: Bob joins by an invitation, becomes a viewer, is removed.
    let accounts = Accounts::new(store);
    let invite = accounts
        .create_invite(admin, Role::Editor, "")
        .await
        .unwrap();
    let bob = member(store, "bob@example.com", Role::Admin).await;
    accounts
        .accept_invite(&bob, invite.token.expose_secret(), "")
        .await
        .unwrap();
    accounts
        .change_role(admin, &bob.user_id, Role::Viewer, "")
        .await
        .unwrap();
    accounts
        .remove_member(admin, &bob.user_id, "")
        .await
        .unwrap();
    // A backup fails (as the engine records it) and a person resumes it.
    let account_id = account(store, admin, "Work").await;
    let backup = integration(store, admin, &account_id, "c1", "main", "pets.json").await;
    let failing = events::integration_status(
        None,
        EventType::IntegrationFailing,
        &backup,
        "Pets",
        Some("Bitbucket refused: no write access to demo/backups"),
    );
    assert!(store
        .set_integration_status(
            &admin.team_id,
            &backup,
            IntegrationStatus::Failing,
            Some("no write access"),
            &failing,
        )
        .await
        .unwrap());
    Integrations::new(store)
        .resume(admin, &backup)
        .await
        .unwrap();
    // An API changes and publishes a version; the collection is deleted.
    let apis = Apis::new(store);
    let api = apis
        .create(
            admin,
            NewApi::Empty {
                name: "Petstore",
                summary: "",
            },
        )
        .await
        .unwrap();
    apis.update(admin, &api.row.id, None, Some("Pets for everyone"))
        .await
        .unwrap();
    apis.publish(admin, &api.row.id, "1.0.0", "First")
        .await
        .unwrap();
    Integrations::new(store)
        .delete(admin, &backup)
        .await
        .unwrap();
    Collections::new(store).delete(admin, "c1").await.unwrap();

    // The worker links events under the deployment's public URL.
    let worker = linking_worker(&world, Some("https://ferry.example/"));
    drain(&worker).await;

    assert_eq!(
        delivered_types(&world, &everything).await,
        [
            "collection.created",
            "collection.changed",
            "member.joined",
            "member.role_changed",
            "member.left",
            "integration.failing",
            "integration.recovered",
            "api.changed",
            "api.version_published",
            "collection.deleted",
        ]
    );
    assert_eq!(
        delivered_types(&world, &members).await,
        member_events,
        "an integration gets the events it subscribed to, no others"
    );
    assert_eq!(world.received().len(), 10 + 3, "every delivery was sent");
    for (_, body, _, _) in world.received() {
        assert!(!body.contains(&secret.expose()[6..]), "never a secret");
    }

    let changed = body_of(&world, &everything, "collection.changed").await;
    assert_eq!(changed["data"]["collection_id"], "c1");
    assert_eq!(changed["data"]["collection_name"], "Pets");
    assert_eq!(changed["data"]["revision"], 2);
    assert_eq!(changed["data"]["changes"]["added"][0], "List pets");
    assert_eq!(changed["data"]["actor"]["name"], "ada@example.com");
    assert_eq!(
        changed["data"]["url"],
        "https://ferry.example/collections/c1"
    );
    assert_eq!(
        changed["data"]["summary"],
        "ada@example.com changed the collection “Pets”: added \"List pets\"."
    );
    assert!(changed["timestamp"].as_str().unwrap().ends_with('Z'));
    let joined = body_of(&world, &members, "member.joined").await;
    assert_eq!(joined["data"]["member_email"], "bob@example.com");
    assert_eq!(joined["data"]["role"], "editor");
    let role = body_of(&world, &members, "member.role_changed").await;
    assert_eq!(
        (&role["data"]["role"], &role["data"]["previous_role"]),
        (&Value::from("viewer"), &Value::from("editor"))
    );
    let failing = body_of(&world, &everything, "integration.failing").await;
    assert_eq!(failing["data"]["integration_id"], backup.as_str());
    assert!(failing["data"].get("actor").is_none(), "the engine noticed");
    let recovered = body_of(&world, &everything, "integration.recovered").await;
    assert_eq!(recovered["data"]["actor"]["name"], "ada@example.com");
    let published = body_of(&world, &everything, "api.version_published").await;
    assert_eq!(published["data"]["version"], "1.0.0");
    assert_eq!(published["data"]["api_name"], "Petstore");
    let deleted = body_of(&world, &everything, "collection.deleted").await;
    assert!(
        deleted["data"].get("url").is_none(),
        "a deleted collection has no page"
    );

    // The paused Slack integration holds its delivery: a Block Kit message, not yet sent.
    let held = world.hooks().deliveries(admin, &slack).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].delivery.state, "pending");
    let message: Value = serde_json::from_str(&held[0].delivery.body).unwrap();
    assert!(message["text"].as_str().unwrap().contains("Pets"));
    assert_eq!(message["blocks"][0]["type"], "header");

    // Two workers fanning out at once still deliver each event once.
    let other = linking_worker(&world, None);
    collection(store, admin, "c2", "Orders").await;
    for n in 0..5 {
        edit(store, admin, "c2", "Orders", &[&format!("Request {n}")]).await;
    }
    let (a, b) = tokio::join!(worker.run_once(), other.run_once());
    a.unwrap();
    b.unwrap();
    drain(&worker).await;
    drain(&other).await;
    let types = delivered_types(&world, &everything).await;
    assert_eq!(types.len(), 10 + 6, "one delivery per event: {types:?}");
    assert_eq!(world.received().len(), 13 + 6);
}

async fn a_change_that_is_not_made_records_no_event(db: Db) {
    let world = World::start(db, &[204]).await;
    let store = &world.db.store;
    let admin = &world.admin;
    // The last admin cannot leave, nor be made a viewer: nothing changes, nothing is told.
    let accounts = Accounts::new(store);
    assert!(accounts
        .remove_member(admin, &admin.user_id, "")
        .await
        .is_err());
    assert!(accounts
        .change_role(admin, &admin.user_id, Role::Viewer, "")
        .await
        .is_err());
    // A collection that already exists is not created again.
    collection(store, admin, "c1", "Pets").await;
    assert!(Collections::new(store)
        .create(admin, crate::fixtures::document("c1", "Pets", &[]))
        .await
        .is_err());
    let recorded = store.activity(&admin.team_id, 10).await.unwrap();
    let types: Vec<&str> = recorded.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["collection.created"]);
}
