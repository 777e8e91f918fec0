//! Team activity as Slack messages for an incoming webhook: Block Kit (a header, the summary,
//! who and when, a button to the page in Ferry) with a plain `text` fallback for
//! notifications, kept inside Slack's limits; and Slack's answers, which are words such as
//! `channel_not_found` rather than statuses alone, turned into reasons a person can act on.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{event::Activity, send::Outcome};

/// Slack's limits on the parts Ferry uses (Block Kit reference).
pub const HEADER_CHARS: usize = 150;
pub const SECTION_CHARS: usize = 3000;
pub const BUTTON_TEXT_CHARS: usize = 75;
pub const BUTTON_URL_CHARS: usize = 3000;
/// Slack truncates longer messages; the fallback stays well inside.
pub const TEXT_CHARS: usize = 3000;

/// The message for `activity`.
pub fn message(activity: &Activity) -> Value {
    let title = match activity.details.get("name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => format!("{}: {name}", activity.event_type.label()),
        _ => activity.event_type.label().to_owned(),
    };
    let who = activity
        .actor
        .as_ref()
        .map(|actor| format!("by *{}* · ", escape(&actor.name)))
        .unwrap_or_default();
    let when = format!(
        "<!date^{}^{{date_short_pretty}} at {{time}}|{}>",
        activity.at_ms.div_euclid(1000),
        activity.timestamp()
    );
    let mut blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": cut(&title, HEADER_CHARS), "emoji": false } }),
        json!({ "type": "section", "text": { "type": "mrkdwn", "text": cut(&escape(&activity.summary), SECTION_CHARS) } }),
        json!({ "type": "context", "elements": [ { "type": "mrkdwn", "text": cut(&format!("{who}{when}"), SECTION_CHARS) } ] }),
    ];
    if let Some(url) = activity
        .url
        .as_deref()
        .filter(|url| url.len() <= BUTTON_URL_CHARS)
    {
        blocks.push(json!({
            "type": "actions",
            "elements": [ {
                "type": "button",
                "text": { "type": "plain_text", "text": cut("Open in Ferry", BUTTON_TEXT_CHARS) },
                "url": url,
            } ],
        }));
    }
    json!({
        "text": cut(&format!("{title} — {}", activity.summary), TEXT_CHARS),
        "blocks": blocks,
    })
}

/// `&`, `<` and `>` are Slack's control characters in mrkdwn; a name like `<!channel>`
/// must not ping a channel.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// At most `limit` characters, an ellipsis marking a cut.
fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut shortened: String = text.chars().take(limit.saturating_sub(1)).collect();
    shortened.push('…');
    shortened
}

/// What Slack's answer means. It answers `ok` with 200; otherwise a status and a word.
pub fn outcome(status: StatusCode, body: &str, retry_after: Option<Duration>) -> Outcome {
    if status.is_success() {
        return Outcome::Delivered;
    }
    let word = body.split_whitespace().next().unwrap_or_default();
    let fix = |reason: &str| Outcome::Failing {
        reason: format!("Slack answered {word} ({}): {reason}", status.as_u16()),
    };
    match word {
        "channel_is_archived" => Outcome::Gone {
            reason: format!(
                "Slack answered channel_is_archived ({}): the channel is archived; unarchive it or add a webhook for another channel",
                status.as_u16()
            ),
        },
        "channel_not_found" => fix("the channel was deleted or the webhook's app was removed from it; create a new incoming webhook"),
        "no_service" | "no_service_id" | "no_active_hooks" | "team_disabled" | "no_team" => {
            fix("the incoming webhook was removed or disabled in Slack; create a new one and edit this integration's URL")
        }
        "invalid_token" => fix("the webhook URL is no longer valid; create a new incoming webhook"),
        "action_prohibited" | "posting_to_general_channel_denied" => {
            fix("a Slack admin restricted posting to this channel; ask them, or choose another channel")
        }
        "invalid_payload" | "no_text" | "too_many_attachments" | "user_not_found" => {
            fix("Slack refused the message itself; this is Ferry's fault, please report it with the delivery's id")
        }
        _ if status == StatusCode::TOO_MANY_REQUESTS => Outcome::Retry {
            reason: "Slack is rate limiting this webhook (429)".to_owned(),
            retry_after,
        },
        _ if status == StatusCode::GONE => Outcome::Gone {
            reason: format!("Slack answered 410 Gone ({word})"),
        },
        _ => Outcome::Retry {
            reason: format!(
                "Slack answered {}{}",
                status.as_u16(),
                if word.is_empty() { String::new() } else { format!(" ({word})") }
            ),
            retry_after,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventActor, EventType};

    fn activity(summary: &str, name: &str) -> Activity {
        let mut details = serde_json::Map::new();
        details.insert("name".into(), json!(name));
        Activity {
            event_type: EventType::CollectionChanged,
            at_ms: 1_796_688_000_000,
            summary: summary.into(),
            actor: Some(EventActor {
                id: "u1".into(),
                name: "<!channel> Ada".into(),
            }),
            url: Some("https://ferry.example/collections/c1".into()),
            details,
        }
    }

    #[test]
    fn a_message_has_a_header_the_summary_who_when_and_a_button() {
        let message = message(&activity("Ada changed “Pets”: 2 requests added.", "Pets"));
        let blocks = message["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["text"]["text"], "Collection changed: Pets");
        assert_eq!(
            blocks[1]["text"]["text"],
            "Ada changed “Pets”: 2 requests added."
        );
        let context = blocks[2]["elements"][0]["text"].as_str().unwrap();
        assert!(context.contains("&lt;!channel&gt; Ada"), "{context}");
        assert!(context.contains("<!date^1796688000^"), "{context}");
        assert_eq!(
            blocks[3]["elements"][0]["url"],
            "https://ferry.example/collections/c1"
        );
        assert!(message["text"]
            .as_str()
            .unwrap()
            .starts_with("Collection changed: Pets — "));
    }

    #[test]
    fn long_names_and_summaries_are_cut_to_slacks_limits() {
        let message = message(&activity(&"s".repeat(10_000), &"n".repeat(500)));
        let blocks = message["blocks"].as_array().unwrap();
        assert_eq!(
            blocks[0]["text"]["text"].as_str().unwrap().chars().count(),
            HEADER_CHARS
        );
        assert_eq!(
            blocks[1]["text"]["text"].as_str().unwrap().chars().count(),
            SECTION_CHARS
        );
        assert!(message["text"].as_str().unwrap().chars().count() <= TEXT_CHARS);
    }

    #[test]
    fn slacks_words_become_reasons() {
        assert_eq!(outcome(StatusCode::OK, "ok", None), Outcome::Delivered);
        assert!(
            matches!(outcome(StatusCode::NOT_FOUND, "channel_not_found", None), Outcome::Failing { reason } if reason.contains("channel_not_found"))
        );
        assert!(matches!(
            outcome(StatusCode::GONE, "channel_is_archived", None),
            Outcome::Gone { .. }
        ));
        assert!(
            matches!(outcome(StatusCode::NOT_FOUND, "no_service", None), Outcome::Failing { reason } if reason.contains("create a new one"))
        );
        assert!(matches!(
            outcome(StatusCode::BAD_REQUEST, "invalid_payload", None),
            Outcome::Failing { .. }
        ));
        let wait = Some(Duration::from_secs(30));
        assert_eq!(
            outcome(StatusCode::TOO_MANY_REQUESTS, "", wait),
            Outcome::Retry {
                reason: "Slack is rate limiting this webhook (429)".into(),
                retry_after: wait
            }
        );
        assert!(matches!(
            outcome(StatusCode::INTERNAL_SERVER_ERROR, "rollup_error", None),
            Outcome::Retry { .. }
        ));
    }
}
