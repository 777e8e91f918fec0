//! Standard Webhooks signatures: `webhook-id`, `webhook-timestamp` (Unix seconds) and
//! `webhook-signature`, a space-separated list of `v1,<base64 HMAC-SHA256 of
//! id.timestamp.body>`. During a rotation's overlap the body is signed with both the new and
//! the previous secret, so a receiver that still holds the old one keeps verifying.

use crate::secret::WebhookSecret;

pub const HEADER_ID: &str = standardwebhooks::HEADER_WEBHOOK_ID;
pub const HEADER_TIMESTAMP: &str = standardwebhooks::HEADER_WEBHOOK_TIMESTAMP;
pub const HEADER_SIGNATURE: &str = standardwebhooks::HEADER_WEBHOOK_SIGNATURE;

/// The three headers of one attempt. `id` is the delivery's stable id (the same on every
/// retry, so receivers can drop duplicates); the timestamp is the attempt's.
pub fn headers(
    id: &str,
    timestamp_s: i64,
    body: &[u8],
    secrets: &[&WebhookSecret],
) -> Vec<(&'static str, String)> {
    let signatures: Vec<String> = secrets
        .iter()
        .map(|secret| {
            secret
                .signer()
                .sign(id, timestamp_s, body)
                // Bodies are JSON Ferry wrote: always UTF-8.
                .expect("a JSON body is UTF-8")
        })
        .collect();
    vec![
        (HEADER_ID, id.to_owned()),
        (HEADER_TIMESTAMP, timestamp_s.to_string()),
        (HEADER_SIGNATURE, signatures.join(" ")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn as_map(headers: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    #[test]
    fn the_reference_verifier_accepts_ours_and_refuses_a_tampered_body() {
        let secret = WebhookSecret::generate();
        let body = br#"{"type":"test"}"#;
        let headers = as_map(&headers("msg_1", now(), body, &[&secret]));
        let verifier = standardwebhooks::Webhook::new(secret.expose()).unwrap();
        verifier.verify(body, &headers).unwrap();
        assert!(verifier.verify(br#"{"type":"tset"}"#, &headers).is_err());
    }

    #[test]
    fn during_a_rotation_either_secret_verifies() {
        let (new, old) = (WebhookSecret::generate(), WebhookSecret::generate());
        let body = b"{}";
        let headers = as_map(&headers("msg_2", now(), body, &[&new, &old]));
        assert_eq!(
            headers[HEADER_SIGNATURE]
                .to_str()
                .unwrap()
                .split(' ')
                .count(),
            2
        );
        for secret in [&new, &old] {
            standardwebhooks::Webhook::new(secret.expose())
                .unwrap()
                .verify(body, &headers)
                .unwrap();
        }
        let stranger = WebhookSecret::generate();
        assert!(standardwebhooks::Webhook::new(stranger.expose())
            .unwrap()
            .verify(body, &headers)
            .is_err());
    }

    #[test]
    fn a_stale_timestamp_is_refused_by_receivers() {
        let secret = WebhookSecret::generate();
        let headers = as_map(&headers("msg_3", now() - 3600, b"{}", &[&secret]));
        assert!(standardwebhooks::Webhook::new(secret.expose())
            .unwrap()
            .verify(b"{}", &headers)
            .is_err());
    }
}
