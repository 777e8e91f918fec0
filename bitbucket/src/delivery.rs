//! Webhook deliveries as Ferry's server receives them: whether one came from the hook Ferry
//! registered (its `X-Hub-Signature`) and what a `repo:push` says. Pure functions, no
//! network: check the signature over the raw body first, then parse that same body.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::models::{wire, PushEvent};

/// The header Bitbucket signs deliveries in: `sha256=<hex HMAC-SHA256 of the raw body>`,
/// keyed with the hook's secret.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature";
/// The header naming a delivery's event, e.g. `repo:push`.
pub const EVENT_HEADER: &str = "X-Event-Key";

/// Why a delivery is not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the delivery carries no X-Hub-Signature header, so it was not signed with the hook's secret")]
    Missing,
    #[error("the X-Hub-Signature header is not `sha256=` followed by 64 hexadecimal digits")]
    Malformed,
    #[error("the X-Hub-Signature does not match the body: it was signed with another secret, or the body was changed")]
    Mismatch,
    /// An empty secret would make any signature forgeable: nothing is trusted with it.
    #[error("there is no secret to check the delivery's signature with")]
    NoSecret,
}

/// Checks `header` (the value of [`SIGNATURE_HEADER`], `None` when absent) against the HMAC
/// of `body` keyed with `secret`. The comparison takes the same time wherever the digests
/// differ, so timing tells a forger nothing.
pub fn verify_push_signature(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let claimed = header
        .strip_prefix("sha256=")
        .and_then(|digits| hex::decode(digits).ok())
        .filter(|digest| digest.len() == 32)
        .ok_or(SignatureError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::NoSecret)?;
    mac.update(body);
    // `verify_slice` compares with `subtle`'s constant-time equality.
    mac.verify_slice(&claimed)
        .map_err(|_| SignatureError::Mismatch)
}

/// A delivery body that is not a `repo:push` payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the repo:push delivery could not be read: {0}")]
pub struct InvalidPushEvent(pub String);

/// Reads a `repo:push` payload: the repository and each branch or tag change with the
/// commits before and after.
pub fn parse_push_event(body: &[u8]) -> Result<PushEvent, InvalidPushEvent> {
    serde_json::from_slice::<wire::PushPayload>(body)
        .map(PushEvent::from)
        .map_err(|error| InvalidPushEvent(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{RefKind, RefTarget};
    use crate::CommitHash;

    const SECRET: &[u8] = b"ferry-hook-secret";

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn only_the_right_secret_over_the_same_body_verifies() {
        let body = br#"{"push":{}}"#;
        let signature = sign(SECRET, body);
        assert_eq!(
            verify_push_signature(SECRET, body, Some(&signature)),
            Ok(())
        );
        assert_eq!(
            verify_push_signature(
                SECRET,
                body,
                Some(&signature.to_ascii_uppercase().replace("SHA256=", "sha256="))
            ),
            Ok(()),
            "hex digits in either case"
        );
        assert_eq!(
            verify_push_signature(b"another", body, Some(&signature)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_push_signature(SECRET, br#"{"push":{} }"#, Some(&signature)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_push_signature(SECRET, body, None),
            Err(SignatureError::Missing)
        );
        for malformed in [
            "",
            "sha1=abc",
            &signature[..signature.len() - 2],
            "sha256=zz",
        ] {
            assert_eq!(
                verify_push_signature(SECRET, body, Some(malformed)),
                Err(SignatureError::Malformed),
                "{malformed}"
            );
        }
        assert_eq!(
            verify_push_signature(b"", body, Some(&sign(b"", body))),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn push_events_keep_branches_and_tags_and_read_missing_sides_as_none() {
        let hash = |c: char| c.to_string().repeat(40);
        let body = serde_json::json!({
            "actor": { "nickname": "alice" },
            "repository": { "full_name": "acme/api", "uuid": "{r}" },
            "push": { "changes": [
                { "old": { "type": "branch", "name": "main", "target": { "hash": hash('a') } },
                  "new": { "type": "branch", "name": "main", "target": { "hash": hash('b') } },
                  "forced": false, "created": false, "closed": false },
                { "old": null,
                  "new": { "type": "tag", "name": "v1", "target": { "hash": hash('b') } } },
                { "old": { "type": "bookmark", "name": "x", "target": { "hash": hash('c') } },
                  "new": null },
            ] },
        });
        let event = parse_push_event(body.to_string().as_bytes()).unwrap();
        assert_eq!(event.repository, "acme/api");
        assert_eq!(event.repository_uuid.as_deref(), Some("{r}"));
        assert_eq!(event.changes.len(), 2, "the bookmark is left out");
        let target = |kind, name: &str, c| RefTarget {
            kind,
            name: name.to_owned(),
            hash: CommitHash::parse(&hash(c)).unwrap(),
        };
        assert_eq!(
            event.changes[0].old,
            Some(target(RefKind::Branch, "main", 'a'))
        );
        assert_eq!(
            event.changes[0].new,
            Some(target(RefKind::Branch, "main", 'b'))
        );
        assert_eq!(event.changes[1].old, None);
        assert_eq!(event.changes[1].new, Some(target(RefKind::Tag, "v1", 'b')));
        assert!(parse_push_event(b"{\"push\":{}}").is_err());
        assert!(parse_push_event(b"not json").is_err());
    }
}
