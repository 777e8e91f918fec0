//! The receiver over HTTP, as a sender meets it: Slack's answers for each kind of message
//! and each channel state, and the control API a test or the demo drives.

use serde_json::{json, Value};
use slack_receiver::{start, ChannelState, Config};

async fn post(url: &str, body: &Value) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn messages_are_checked_and_answered_as_slack_answers() {
    let receiver = start(Config::default()).await.unwrap();
    let hook = receiver.add_hook("api-team");
    assert!(hook.contains("/services/T"), "{hook}");

    assert_eq!(
        post(&hook, &json!({ "text": "Hello" })).await,
        (200, "ok".into())
    );
    assert_eq!(post(&hook, &json!({})).await, (400, "no_text".into()));
    let too_long = json!({ "blocks": [ { "type": "header", "text": { "type": "plain_text", "text": "h".repeat(151) } } ] });
    assert_eq!(post(&hook, &too_long).await, (400, "invalid_blocks".into()));
    let not_json = reqwest::Client::new()
        .post(&hook)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (not_json.status().as_u16(), not_json.text().await.unwrap()),
        (400, "invalid_payload".into())
    );
    // Slack also takes a form with a `payload` field.
    let form = reqwest::Client::new()
        .post(&hook)
        .form(&[("payload", r#"{"text":"From a form"}"#)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.text().await.unwrap(), "ok");
    let unknown = hook.rsplit_once('/').unwrap().0.to_owned() + "/nope";
    assert_eq!(
        post(&unknown, &json!({ "text": "x" })).await,
        (404, "no_service".into())
    );

    receiver.set_channel("api-team", ChannelState::Archived);
    assert_eq!(
        post(&hook, &json!({ "text": "x" })).await,
        (410, "channel_is_archived".into())
    );
    receiver.set_channel("api-team", ChannelState::Deleted);
    assert_eq!(
        post(&hook, &json!({ "text": "x" })).await,
        (404, "channel_not_found".into())
    );
    receiver.set_channel("api-team", ChannelState::RateLimited);
    let limited = reqwest::Client::new()
        .post(&hook)
        .json(&json!({ "text": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status().as_u16(), 429);
    assert_eq!(limited.headers()["retry-after"], "1");
    receiver.set_channel("api-team", ChannelState::Failing);
    assert_eq!(
        post(&hook, &json!({ "text": "x" })).await,
        (500, "rollup_error".into())
    );

    let texts: Vec<Value> = receiver
        .messages()
        .into_iter()
        .map(|m| m.payload["text"].clone())
        .collect();
    assert_eq!(texts, vec![json!("Hello"), json!("From a form")]);
}

#[tokio::test]
async fn the_control_api_adds_hooks_sets_channels_and_lists_messages() {
    let receiver = start(Config::default()).await.unwrap();
    let base = format!("http://{}", receiver.address());
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{base}/_control/hooks"))
        .json(&json!({ "channel": "alerts" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hook = created["url"].as_str().unwrap().to_owned();
    assert_eq!(post(&hook, &json!({ "text": "one" })).await.1, "ok");
    let changed = client
        .put(format!("{base}/_control/channels/alerts"))
        .json(&json!({ "state": "archived" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status().as_u16(), 204);
    assert_eq!(post(&hook, &json!({ "text": "two" })).await.0, 410);
    let messages: Value = client
        .get(format!("{base}/_control/messages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(messages.as_array().unwrap().len(), 1);
    assert_eq!(messages[0]["channel"], "alerts");
    assert_eq!(messages[0]["payload"]["text"], "one");
}
