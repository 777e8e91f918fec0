//! Custom webhooks and Slack on their pages, against the real router on both databases and
//! the Slack-compatible receiver: the catalog finds them; Add Integration refuses a bad URL
//! naming the field, keeping what was typed but the URL, and adding nothing; a good one shows
//! its signing secret once; a collection changed in Ferry reaches the channel; the delivery
//! log, Send test event, Pause/Resume, Redeliver, Edit, Rotate secret and Delete; a failing
//! channel raises the alert; viewers read and change nothing.

use ferry_domain::{auth::Role, webhooks::NetworkPolicy};

use crate::{
    common::{location, Db, TestServer},
    sync_controls::{actor_in, joins},
};

const PASSWORD: &str = "correct horse battery staple";

ferry_testing::on_both!(slack_is_added_and_managed_from_its_pages);

async fn slack_is_added_and_managed_from_its_pages(db: Db) {
    let server = TestServer::start_with(db, |config| {
        config.hooks.sender.policy = NetworkPolicy {
            allowed: NetworkPolicy::parse_allowed("127.0.0.1").unwrap(),
            allow_http: true,
        };
        config.hooks.public_url = Some(config.public_url.clone());
    })
    .await;
    let slack = slack_receiver::start(slack_receiver::Config::default())
        .await
        .unwrap();
    let slack_url = slack.add_hook("api-team");
    server.sign_up("alice@example.com", PASSWORD).await;

    // The catalog: a search for "slack" finds Slack only.
    let catalog = server.page("/integrations?q=slack").await;
    assert!(
        catalog.contains("href=\"/integrations/slack\""),
        "{catalog}"
    );
    assert!(!catalog.contains("href=\"/integrations/bitbucket\""));
    assert!(server.page("/integrations").await.contains("Webhooks"));
    let page = server.page("/integrations/slack").await;
    assert!(
        page.contains("Add Integration") && page.contains("no Slack integration yet"),
        "{page}"
    );

    // A URL that is not one: refused, naming the field; the name and events kept, not the URL.
    let refused = server
        .post_form(
            "/integrations/slack/new",
            &[
                ("name", "API team channel"),
                ("url", "ftp://files.example/secret-path"),
                ("events", "collection.changed"),
                ("events", "member.joined"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 303);
    assert_eq!(location(&refused), "/integrations/slack/new");
    let form = server.page("/integrations/slack/new").await;
    assert!(form.contains("Webhook URL:"), "{form}");
    assert!(form.contains("value=\"API team channel\""));
    assert!(!form.contains("secret-path"), "the URL is not kept");
    assert!(server
        .page("/integrations/slack")
        .await
        .contains("no Slack integration yet"));

    // Added: its page shows the signing secret once.
    let added = server
        .post_form(
            "/integrations/slack/new",
            &[
                ("name", "API team channel"),
                ("url", &slack_url),
                ("events", "collection.created"),
                ("events", "collection.changed"),
            ],
        )
        .await;
    assert_eq!(added.status(), 303);
    let hook_page = location(&added).to_owned();
    assert!(hook_page.starts_with("/integrations/hooks/"), "{hook_page}");
    let page = server.page(&hook_page).await;
    assert!(page.contains("one-time-secret") && page.contains("whsec_"));
    let page = server.page(&hook_page).await;
    assert!(!page.contains("whsec_"), "shown once");
    assert!(
        !page.contains(&slack_url),
        "the URL is a credential: never shown in full"
    );
    assert!(page.contains("Nothing sent yet"));
    let list = server.page("/integrations/slack").await;
    assert!(list.contains("API team channel") && list.contains("Active"));

    // A collection created in Ferry reaches the channel, linked to its page.
    let created = server
        .post_form("/collections", &[("name", "Pets API")])
        .await;
    assert_eq!(created.status(), 303);
    while server.hooks.run_once().await.unwrap() > 0 {}
    let messages = slack.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let text = messages[0].payload.to_string();
    assert!(text.contains("Pets API") && text.contains("alice@example.com"));
    assert!(
        text.contains(&format!("{}/collections/", server.url)),
        "{text}"
    );
    let page = server.page(&hook_page).await;
    assert!(page.contains("collection.created") && page.contains("delivered"));
    let metrics = server.page("/metrics").await;
    for line in [
        "ferry_webhook_attempts_total{outcome=\"delivered\"} 1",
        "ferry_webhook_delivery_seconds_count 1",
        "ferry_webhook_deliveries_pending 0",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in {metrics}");
    }

    // Send test event; Redeliver.
    let id = hook_page.rsplit('/').next().unwrap().to_owned();
    let tested = server.post_form(&format!("{hook_page}/test"), &[]).await;
    assert_eq!(location(&tested), hook_page);
    while server.hooks.run_once().await.unwrap() > 0 {}
    assert_eq!(slack.messages().len(), 2);
    let delivery = server
        .db
        .store
        .deliveries(&team_of(&server).await, &id, 1)
        .await
        .unwrap()
        .remove(0);
    let again = server
        .post_form(
            &format!("{hook_page}/deliveries/{}/redeliver", delivery.id),
            &[],
        )
        .await;
    assert_eq!(location(&again), hook_page);
    while server.hooks.run_once().await.unwrap() > 0 {}
    let messages = slack.messages();
    assert_eq!(messages.len(), 3);

    // Pause holds what happens meanwhile; Resume sends it.
    server.post_form(&format!("{hook_page}/pause"), &[]).await;
    assert!(server.page(&hook_page).await.contains("Paused"));
    server
        .post_form("/collections", &[("name", "Orders API")])
        .await;
    while server.hooks.run_once().await.unwrap() > 0 {}
    assert_eq!(slack.messages().len(), 3, "held while paused");
    server.post_form(&format!("{hook_page}/resume"), &[]).await;
    while server.hooks.run_once().await.unwrap() > 0 {}
    assert_eq!(slack.messages().len(), 4);
    assert!(slack.messages()[3]
        .payload
        .to_string()
        .contains("Orders API"));

    // Edit: a new name and events, the URL kept when left blank.
    let edited = server
        .post_form(
            &format!("{hook_page}/edit"),
            &[
                ("name", "Platform channel"),
                ("url", ""),
                ("events", "member.joined"),
            ],
        )
        .await;
    assert_eq!(location(&edited), hook_page);
    let page = server.page(&hook_page).await;
    assert!(page.contains("Platform channel") && page.contains("Member joined"));

    // Rotate secret: a new one, shown once.
    server.post_form(&format!("{hook_page}/secret"), &[]).await;
    assert!(server.page(&hook_page).await.contains("whsec_"));

    // A channel that was archived: the delivery fails, the integration is disabled and the
    // alert names it with where to look.
    slack.set_channel("api-team", slack_receiver::ChannelState::Archived);
    let alice = actor_in(&server, "alice@example.com", &team_of(&server).await).await;
    let bob = joins(&server, &alice, "bob@example.com", Role::Viewer).await;
    while server.hooks.run_once().await.unwrap() > 0 {}
    let alerts = server.page("/integrations/slack").await;
    assert!(
        alerts.contains("sync-alert") && alerts.contains("Platform channel"),
        "{alerts}"
    );

    // A viewer reads the page and its log, and may change nothing.
    let seen = bob.page(&hook_page).await;
    assert!(seen.contains("Platform channel") && seen.contains("Delivery log"));
    assert!(!seen.contains("Send test event"));
    for action in ["pause", "resume", "test", "secret", "delete", "edit"] {
        let response = bob
            .post_form(&format!("{hook_page}/{action}"), &[("name", "Bob's")])
            .await;
        assert_eq!(response.status(), 403, "{action}");
    }

    // Delete: back to the list, which is empty again.
    let deleted = server.post_form(&format!("{hook_page}/delete"), &[]).await;
    assert_eq!(location(&deleted), "/integrations/slack");
    assert!(server
        .page("/integrations/slack")
        .await
        .contains("no Slack integration yet"));
}

async fn team_of(server: &TestServer) -> String {
    let store = &server.db.store;
    let user = store
        .user_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap();
    store.memberships(&user.id).await.unwrap().remove(0).team_id
}
