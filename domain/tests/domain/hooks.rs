//! Custom webhooks and Slack in the domain, on both databases, against real HTTP receivers on
//! this machine: what is created is sealed and shown once; a test event is signed (verified
//! with the Standard Webhooks reference verifier) and logged; a receiver that fails is
//! retried under the same id until it answers; `410 Gone` disables; a refused address marks
//! the integration Failing and nothing is sent; a rotation signs with both secrets; paused
//! integrations hold their deliveries; a lost worker's delivery is sent again; viewers read,
//! editors manage their own, admins all; `keys reencrypt` re-seals URLs and secrets.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use ferry_domain::{
    accounts::Actor,
    auth::Role,
    connected_accounts::ConnectedAccounts,
    crypto::Keyring,
    hooks::{
        worker::{HookWorker, WorkerConfig},
        HookKind, Hooks, HooksError, NewHook,
    },
    webhooks::{NetworkPolicy, SenderConfig, WebhookSecret},
};
use ferry_testing::{on_both, Db, TestDatabase};

use crate::fixtures::{exec, member, ring, teammate};

on_both!(
    a_test_event_is_signed_delivered_and_logged,
    a_failing_receiver_is_retried_under_the_same_id_and_gone_disables,
    refused_addresses_paused_integrations_and_lost_workers,
    a_rotation_signs_with_both_secrets_and_reencryption_reseals,
    viewers_read_editors_manage_their_own_and_bad_input_changes_nothing,
);

/// One delivery as the receiver saw it: webhook-id, body, signature header, all headers.
pub(crate) type Received = (String, String, String, HeaderMap);

/// What the receiver answers, in turn (the last repeats), and what it was sent.
#[derive(Clone, Default)]
struct Receiver {
    answers: Arc<Mutex<Vec<u16>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let mut received = receiver.received.lock().unwrap();
    received.push((
        header("webhook-id"),
        String::from_utf8(body.to_vec()).unwrap(),
        header("webhook-signature"),
        headers.clone(),
    ));
    let answers = receiver.answers.lock().unwrap();
    let status = answers
        .get(received.len() - 1)
        .or(answers.last())
        .copied()
        .unwrap_or(204);
    StatusCode::from_u16(status).unwrap()
}

pub(crate) struct World {
    pub(crate) db: TestDatabase,
    keyring: Keyring,
    pub(crate) policy: NetworkPolicy,
    receiver: Receiver,
    url: String,
    pub(crate) admin: Actor,
    pub(crate) worker: HookWorker,
}

/// A worker sending under `policy`.
fn worker(store: &ferry_domain::Store, keyring: Keyring, policy: NetworkPolicy) -> HookWorker {
    HookWorker::new(
        store.clone(),
        keyring,
        WorkerConfig {
            sender: SenderConfig {
                policy,
                timeout: Duration::from_secs(5),
            },
            ..WorkerConfig::default()
        },
    )
    .unwrap()
}

impl World {
    pub(crate) async fn start(db: Db, answers: &[u16]) -> World {
        let db = db.fresh().await;
        let receiver = Receiver::default();
        *receiver.answers.lock().unwrap() = answers.to_vec();
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let policy = NetworkPolicy {
            allowed: NetworkPolicy::parse_allowed("127.0.0.1").unwrap(),
            allow_http: true,
        };
        let keyring = ring(&[("old", 1)]);
        let worker = worker(&db.store, keyring.clone(), policy.clone());
        let admin = member(&db.store, "ada@example.com", Role::Admin).await;
        World {
            db,
            keyring,
            policy,
            receiver,
            url,
            admin,
            worker,
        }
    }

    pub(crate) fn hooks(&self) -> Hooks<'_> {
        Hooks::new(&self.db.store, &self.keyring, &self.policy)
    }

    async fn create(
        &self,
        actor: &Actor,
        kind: HookKind,
        nickname: &str,
    ) -> (String, WebhookSecret) {
        self.create_for(
            actor,
            kind,
            nickname,
            &["collection.changed", "member.joined"],
        )
        .await
    }

    /// An integration of `kind` sending `events` to the receiver.
    pub(crate) async fn create_for(
        &self,
        actor: &Actor,
        kind: HookKind,
        nickname: &str,
        events: &[&str],
    ) -> (String, WebhookSecret) {
        let events: Vec<String> = events.iter().map(|e| e.to_string()).collect();
        let (hook, secret) = self
            .hooks()
            .create(
                actor,
                NewHook {
                    kind,
                    nickname,
                    url: &self.url,
                    events: &events,
                },
            )
            .await
            .unwrap();
        (hook.id, secret)
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.receiver.received.lock().unwrap().clone()
    }

    /// Makes every pending delivery due now (the retry schedule waits seconds to hours).
    async fn time_passes(&self) {
        exec(
            &self.db.store,
            "UPDATE hook_deliveries SET due_at_ms = 0 WHERE state = 'pending'",
            &[],
        )
        .await;
    }

    async fn status(&self, id: &str) -> (String, Option<String>) {
        let hook = self.hooks().get(&self.admin, id).await.unwrap();
        (hook.status, hook.status_reason)
    }
}

fn verifies(secret: &WebhookSecret, body: &str, headers: &HeaderMap) -> bool {
    standardwebhooks::Webhook::new(secret.expose())
        .unwrap()
        .verify(body.as_bytes(), headers)
        .is_ok()
}

async fn a_test_event_is_signed_delivered_and_logged(db: Db) {
    let world = World::start(db, &[204]).await;
    let (id, secret) = world
        .create(&world.admin, HookKind::WebhookActivity, "Audit feed")
        .await;
    assert!(secret.expose().starts_with("whsec_"));
    // The URL and the secret are stored sealed: neither appears in the row in plaintext.
    let row = world
        .db
        .store
        .hook(&world.admin.team_id, &id)
        .await
        .unwrap()
        .unwrap();
    assert!(!String::from_utf8_lossy(&row.url).contains("/hook"));
    assert!(!String::from_utf8_lossy(&row.secret).contains(&secret.expose()[6..]));
    assert_eq!(row.url_display, world.url, "a short path is shown whole");

    let queued = world.hooks().send_test(&world.admin, &id).await.unwrap();
    assert_eq!(world.worker.run_once().await.unwrap(), 1);
    let received = world.received();
    assert_eq!(received.len(), 1);
    let (webhook_id, body, _, headers) = &received[0];
    assert_eq!(webhook_id, &queued.id);
    assert!(
        verifies(&secret, body, headers),
        "the reference verifier accepts the delivery"
    );
    let envelope: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(envelope["type"], "test");
    assert_eq!(envelope["data"]["integration_id"], id.as_str());

    let log = world.hooks().deliveries(&world.admin, &id).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].delivery.state, "delivered");
    assert_eq!(log[0].attempts.len(), 1);
    assert_eq!(log[0].attempts[0].status, Some(204));
    assert_eq!(log[0].attempts[0].outcome, "delivered");
    assert_eq!(
        world.worker.run_once().await.unwrap(),
        0,
        "nothing is sent twice"
    );
}

async fn a_failing_receiver_is_retried_under_the_same_id_and_gone_disables(db: Db) {
    let world = World::start(db, &[500, 503, 500, 200, 410]).await;
    let (id, _) = world
        .create(&world.admin, HookKind::WebhookActivity, "Flaky")
        .await;
    let queued = world.hooks().send_test(&world.admin, &id).await.unwrap();
    world.worker.run_once().await.unwrap();
    assert_eq!(
        world.worker.run_once().await.unwrap(),
        0,
        "the retry waits its turn"
    );
    for _ in 0..2 {
        world.time_passes().await;
        world.worker.run_once().await.unwrap();
    }
    // Three failed attempts: the integration shows Failing, with the reason.
    let (status, reason) = world.status(&id).await;
    assert_eq!(status, "failing");
    assert!(reason.unwrap().contains("500"));
    world.time_passes().await;
    world.worker.run_once().await.unwrap();
    let ids: Vec<String> = world.received().into_iter().map(|r| r.0).collect();
    assert_eq!(
        ids,
        vec![queued.id.clone(); 4],
        "every retry carries the delivery's id"
    );
    let log = world.hooks().deliveries(&world.admin, &id).await.unwrap();
    assert_eq!(log[0].delivery.state, "delivered");
    let outcomes: Vec<&str> = log[0].attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, ["retry", "retry", "retry", "delivered"]);
    assert_eq!(
        world.status(&id).await,
        ("active".into(), None),
        "a delivery recovers it"
    );

    // 410 Gone: disabled, and its deliveries stay unsent until a person resumes it.
    world.hooks().send_test(&world.admin, &id).await.unwrap();
    world.worker.run_once().await.unwrap();
    let (status, reason) = world.status(&id).await;
    assert_eq!(status, "disabled");
    assert!(reason.unwrap().contains("410"));
    world.hooks().send_test(&world.admin, &id).await.unwrap();
    assert_eq!(world.worker.run_once().await.unwrap(), 0);
    world
        .hooks()
        .set_paused(&world.admin, &id, false)
        .await
        .unwrap();
    assert_eq!(
        world.worker.run_once().await.unwrap(),
        1,
        "resumed, it sends again"
    );
}

async fn refused_addresses_paused_integrations_and_lost_workers(db: Db) {
    let world = World::start(db, &[204]).await;
    let (id, _) = world
        .create(&world.admin, HookKind::SlackActivity, "Paused")
        .await;
    world
        .hooks()
        .set_paused(&world.admin, &id, true)
        .await
        .unwrap();
    world.hooks().send_test(&world.admin, &id).await.unwrap();
    assert_eq!(
        world.worker.run_once().await.unwrap(),
        0,
        "a paused integration's deliveries wait"
    );
    world
        .hooks()
        .set_paused(&world.admin, &id, false)
        .await
        .unwrap();

    // A worker that claimed the delivery and died: its lease runs out and another sends it.
    let lost = ferry_domain::store::Store::claim_deliveries(&world.db.store, "dead-worker", 1, 10)
        .await
        .unwrap();
    assert_eq!(lost.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(world.worker.run_once().await.unwrap(), 1);
    assert_eq!(world.received().len(), 1);

    // The operator narrows the policy: the next delivery is refused before connecting, and
    // the integration says why.
    let strict = worker(
        &world.db.store,
        world.keyring.clone(),
        NetworkPolicy {
            allowed: Vec::new(),
            allow_http: true,
        },
    );
    world.hooks().send_test(&world.admin, &id).await.unwrap();
    assert_eq!(strict.run_once().await.unwrap(), 1);
    let (status, reason) = world.status(&id).await;
    assert_eq!(status, "failing");
    assert!(reason.unwrap().contains("FERRY_WEBHOOK_ALLOWED_NETWORKS"));
    assert_eq!(
        world.received().len(),
        1,
        "nothing reached the refused address"
    );

    // Private addresses and metadata written in the URL are refused when created.
    for url in [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
    ] {
        let error = world
            .hooks()
            .create(
                &world.admin,
                NewHook {
                    kind: HookKind::WebhookActivity,
                    nickname: "Metadata",
                    url,
                    events: &["member.joined".to_owned()],
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&error, HooksError::Field(field) if field.field == "url"),
            "{error}"
        );
    }
}

async fn a_rotation_signs_with_both_secrets_and_reencryption_reseals(db: Db) {
    let world = World::start(db, &[204]).await;
    let (id, old) = world
        .create(&world.admin, HookKind::WebhookActivity, "Rotated")
        .await;
    let new = world
        .hooks()
        .rotate_secret(&world.admin, &id)
        .await
        .unwrap();
    assert_ne!(old.expose(), new.expose());
    world.hooks().send_test(&world.admin, &id).await.unwrap();
    world.worker.run_once().await.unwrap();
    let (_, body, signature, headers) = world.received().remove(0);
    assert_eq!(signature.split(' ').count(), 2, "{signature}");
    assert!(verifies(&new, &body, &headers) && verifies(&old, &body, &headers));

    // A new key: `keys reencrypt` re-seals the URL and both secrets, and deliveries go on.
    let rotated = ring(&[("old", 1), ("new", 2)]);
    let resealed = ConnectedAccounts::new(&world.db.store, &rotated)
        .reencrypt_all()
        .await
        .unwrap()
        .resealed;
    assert_eq!(resealed, 1);
    let row = world
        .db
        .store
        .hook(&world.admin.team_id, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.key_id, "new");
    let only_new = worker(&world.db.store, ring(&[("new", 2)]), world.policy.clone());
    world.hooks().send_test(&world.admin, &id).await.unwrap();
    assert_eq!(only_new.run_once().await.unwrap(), 1);
    let (_, body, _, headers) = world.received().remove(1);
    assert!(verifies(&new, &body, &headers));
}

async fn viewers_read_editors_manage_their_own_and_bad_input_changes_nothing(db: Db) {
    let world = World::start(db, &[204]).await;
    let editor = teammate(
        &world.db.store,
        &world.admin,
        "ed@example.com",
        Role::Editor,
    )
    .await;
    let viewer = teammate(
        &world.db.store,
        &world.admin,
        "vi@example.com",
        Role::Viewer,
    )
    .await;
    let (admins, _) = world
        .create(&world.admin, HookKind::WebhookActivity, "Admin's")
        .await;
    let (editors, _) = world
        .create(&editor, HookKind::SlackActivity, "Editor's")
        .await;

    assert_eq!(world.hooks().list(&viewer).await.unwrap().len(), 2);
    assert!(matches!(
        world.hooks().send_test(&viewer, &editors).await,
        Err(HooksError::Forbidden(_))
    ));
    assert!(matches!(
        world.hooks().delete(&editor, &admins).await,
        Err(HooksError::Forbidden(_))
    ));
    world.hooks().send_test(&editor, &editors).await.unwrap();
    world.hooks().delete(&world.admin, &editors).await.unwrap();
    assert!(matches!(
        world.hooks().get(&viewer, &editors).await,
        Err(HooksError::NotFound)
    ));

    // Another team sees none of it.
    let stranger = member(&world.db.store, "eve@example.com", Role::Admin).await;
    assert!(world.hooks().list(&stranger).await.unwrap().is_empty());
    assert!(matches!(
        world.hooks().get(&stranger, &admins).await,
        Err(HooksError::NotFound)
    ));

    // Bad input names the field and saves nothing.
    let refused = |nickname: &'static str, url: &'static str, events: Vec<String>| {
        let hooks = world.hooks();
        let admin = world.admin.clone();
        async move {
            match hooks
                .create(
                    &admin,
                    NewHook {
                        kind: HookKind::WebhookActivity,
                        nickname,
                        url,
                        events: &events,
                    },
                )
                .await
            {
                Err(HooksError::Field(field)) => field.field,
                other => panic!("{other:?}"),
            }
        }
    };
    assert_eq!(
        refused("", "https://example.com", vec!["member.joined".into()]).await,
        "name"
    );
    assert_eq!(
        refused(
            "Admin's",
            "https://example.com",
            vec!["member.joined".into()]
        )
        .await,
        "name"
    );
    assert_eq!(
        refused("New", "ftp://example.com", vec!["member.joined".into()]).await,
        "url"
    );
    assert_eq!(
        refused("New", "https://example.com", vec![]).await,
        "events"
    );
    assert_eq!(
        refused(
            "New",
            "https://example.com",
            vec!["collection.exploded".into()]
        )
        .await,
        "events"
    );
    assert_eq!(world.hooks().list(&world.admin).await.unwrap().len(), 1);
}
