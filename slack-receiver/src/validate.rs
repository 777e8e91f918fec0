//! What Slack checks before it posts an incoming webhook's message, and the word it answers
//! when a check fails. The limits are Slack's published ones (Block Kit reference: blocks,
//! block elements, composition objects; "Sending messages using incoming webhooks").

use serde_json::Value;

pub const MAX_BLOCKS: usize = 50;
pub const MAX_TEXT_CHARS: usize = 40_000;
pub const MAX_HEADER_CHARS: usize = 150;
pub const MAX_SECTION_CHARS: usize = 3000;
pub const MAX_FIELDS: usize = 10;
pub const MAX_FIELD_CHARS: usize = 2000;
pub const MAX_CONTEXT_ELEMENTS: usize = 10;
pub const MAX_ACTIONS_ELEMENTS: usize = 25;
pub const MAX_BUTTON_TEXT_CHARS: usize = 75;
pub const MAX_URL_CHARS: usize = 3000;
pub const MAX_ID_CHARS: usize = 255;

/// `Ok` when Slack would post `payload`; else its error word.
pub fn check(payload: &Value) -> Result<(), &'static str> {
    let Some(message) = payload.as_object() else {
        return Err("invalid_payload");
    };
    let text = match message.get("text") {
        None | Some(Value::Null) => "",
        Some(Value::String(text)) => text.as_str(),
        Some(_) => return Err("invalid_payload"),
    };
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err("msg_too_long");
    }
    let blocks = match message.get("blocks") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(blocks)) => blocks.as_slice(),
        Some(_) => return Err("invalid_blocks_format"),
    };
    if blocks.is_empty() && text.trim().is_empty() {
        return Err("no_text");
    }
    if blocks.len() > MAX_BLOCKS {
        return Err("invalid_blocks");
    }
    blocks.iter().try_for_each(block)
}

fn block(block: &Value) -> Result<(), &'static str> {
    let invalid = Err("invalid_blocks");
    if let Some(id) = block.get("block_id") {
        if id
            .as_str()
            .is_none_or(|id| id.chars().count() > MAX_ID_CHARS)
        {
            return invalid;
        }
    }
    match block.get("type").and_then(Value::as_str) {
        Some("header") => text_object(block.get("text"), MAX_HEADER_CHARS, true),
        Some("section") => {
            let text = block.get("text");
            let fields = block.get("fields").and_then(Value::as_array);
            if text.is_none() && fields.is_none() {
                return invalid;
            }
            if text.is_some() {
                text_object(text, MAX_SECTION_CHARS, false)?;
            }
            if let Some(fields) = fields {
                if fields.len() > MAX_FIELDS {
                    return invalid;
                }
                fields
                    .iter()
                    .try_for_each(|f| text_object(Some(f), MAX_FIELD_CHARS, false))?;
            }
            match block.get("accessory") {
                None => Ok(()),
                Some(accessory) => element(accessory),
            }
        }
        Some("context") => {
            let elements = block
                .get("elements")
                .and_then(Value::as_array)
                .ok_or("invalid_blocks")?;
            if elements.is_empty() || elements.len() > MAX_CONTEXT_ELEMENTS {
                return invalid;
            }
            elements
                .iter()
                .try_for_each(|e| match e.get("type").and_then(Value::as_str) {
                    Some("image") => image(e),
                    _ => text_object(Some(e), MAX_SECTION_CHARS, false),
                })
        }
        Some("actions") => {
            let elements = block
                .get("elements")
                .and_then(Value::as_array)
                .ok_or("invalid_blocks")?;
            if elements.is_empty() || elements.len() > MAX_ACTIONS_ELEMENTS {
                return invalid;
            }
            elements.iter().try_for_each(element)
        }
        Some("divider") => Ok(()),
        Some("image") => image(block),
        _ => invalid,
    }
}

/// A text object: `plain_text` (or `mrkdwn` where allowed) with 1..=`limit` characters.
fn text_object(object: Option<&Value>, limit: usize, plain_only: bool) -> Result<(), &'static str> {
    let object = object.ok_or("invalid_blocks")?;
    let kind = object.get("type").and_then(Value::as_str);
    let allowed = match kind {
        Some("plain_text") => true,
        Some("mrkdwn") => !plain_only,
        _ => false,
    };
    let text = object
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let count = text.chars().count();
    if !allowed || count == 0 || count > limit {
        return Err("invalid_blocks");
    }
    Ok(())
}

fn element(element: &Value) -> Result<(), &'static str> {
    match element.get("type").and_then(Value::as_str) {
        Some("button") => {
            text_object(element.get("text"), MAX_BUTTON_TEXT_CHARS, true)?;
            let url_ok = element.get("url").is_none_or(|url| {
                url.as_str()
                    .is_some_and(|u| !u.is_empty() && u.chars().count() <= MAX_URL_CHARS)
            });
            let id_ok = element.get("action_id").is_none_or(|id| {
                id.as_str()
                    .is_some_and(|id| id.chars().count() <= MAX_ID_CHARS)
            });
            if url_ok && id_ok {
                Ok(())
            } else {
                Err("invalid_blocks")
            }
        }
        Some("image") => image(element),
        _ => Err("invalid_blocks"),
    }
}

fn image(image: &Value) -> Result<(), &'static str> {
    let url = image
        .get("image_url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let alt = image
        .get("alt_text")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if url.is_empty()
        || url.chars().count() > MAX_URL_CHARS
        || alt.is_empty()
        || alt.chars().count() > 2000
    {
        return Err("invalid_blocks");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_or_blocks_is_required() {
        assert_eq!(check(&json!({})), Err("no_text"));
        assert_eq!(check(&json!({ "text": "  " })), Err("no_text"));
        assert_eq!(check(&json!([1])), Err("invalid_payload"));
        assert_eq!(check(&json!({ "text": "hello" })), Ok(()));
    }

    #[test]
    fn block_limits_are_enforced() {
        let header = |n: usize| json!({ "type": "header", "text": { "type": "plain_text", "text": "h".repeat(n) } });
        assert_eq!(check(&json!({ "blocks": [header(150)] })), Ok(()));
        assert_eq!(
            check(&json!({ "blocks": [header(151)] })),
            Err("invalid_blocks")
        );
        let mrkdwn_header = json!({ "type": "header", "text": { "type": "mrkdwn", "text": "h" } });
        assert_eq!(
            check(&json!({ "blocks": [mrkdwn_header] })),
            Err("invalid_blocks")
        );
        let many: Vec<Value> = (0..51).map(|_| json!({ "type": "divider" })).collect();
        assert_eq!(
            check(&json!({ "text": "x", "blocks": many })),
            Err("invalid_blocks")
        );
        let button = |text: &str| json!({ "type": "actions", "elements": [ { "type": "button", "text": { "type": "plain_text", "text": text }, "url": "https://x" } ] });
        assert_eq!(check(&json!({ "blocks": [button("Open")] })), Ok(()));
        assert_eq!(
            check(&json!({ "blocks": [button(&"b".repeat(76))] })),
            Err("invalid_blocks")
        );
        assert_eq!(
            check(&json!({ "blocks": [{ "type": "table" }] })),
            Err("invalid_blocks")
        );
        assert_eq!(
            check(&json!({ "text": "t".repeat(40_001) })),
            Err("msg_too_long")
        );
    }
}
