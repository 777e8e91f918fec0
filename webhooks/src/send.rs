//! One delivery attempt: a signed JSON POST, with a 15 s timeout, no redirects followed, and
//! the answer read only up to a bound (a receiver cannot make Ferry hold megabytes). The
//! [`Outcome`] says what happens next in terms the delivery queue acts on.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::{header, redirect, StatusCode};

use crate::{
    network::{AddressRefused, Lookup, NetworkPolicy, PolicyResolver, SystemLookup},
    retry::parse_retry_after,
    secret::WebhookSecret,
    signing, slack,
    target::WebhookUrl,
};

/// The bytes of an answer Ferry reads; the rest is dropped unread.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;
/// The part of an answer kept in the delivery log.
pub const EXCERPT_CHARS: usize = 500;

/// How the receiver reads deliveries: a custom webhook, or a Slack incoming webhook (whose
/// answers are words like `channel_not_found`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Webhook,
    Slack,
}

#[derive(Debug, Clone)]
pub struct SenderConfig {
    pub policy: NetworkPolicy,
    /// The whole attempt: connecting, sending and reading the answer.
    pub timeout: Duration,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            policy: NetworkPolicy::default(),
            timeout: Duration::from_secs(15),
        }
    }
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub outcome: Outcome,
    /// The answer's status, when there was one.
    pub status: Option<u16>,
    pub latency: Duration,
    /// The start of the answer's body, as text.
    pub excerpt: String,
}

/// What the queue does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Passes by itself (timeouts, 5xx, 429, a receiver down): tried again later, not before
    /// `retry_after` when the receiver asked.
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// `410 Gone`: the receiver asks never to be called again; the integration is disabled.
    Gone {
        reason: String,
    },
    /// Trying again cannot help until a person changes something (a refused address, a
    /// redirect, a Slack channel that no longer exists): the integration is marked Failing.
    Failing {
        reason: String,
    },
}

/// Sends deliveries; one per process, shared (its connection pool is).
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    policy: Arc<NetworkPolicy>,
}

impl Sender {
    pub fn new(config: SenderConfig) -> Result<Self, reqwest::Error> {
        Self::with_lookup(config, Arc::new(SystemLookup))
    }

    /// A sender whose names are looked up by `lookup` (the tests' hostile DNS).
    pub fn with_lookup(
        config: SenderConfig,
        lookup: Arc<dyn Lookup>,
    ) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(config.policy);
        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .dns_resolver(Arc::new(PolicyResolver {
                policy: policy.clone(),
                lookup,
            }))
            .user_agent(concat!("Ferry-Webhooks/", env!("CARGO_PKG_VERSION")))
            // Proxies from the environment would connect on Ferry's behalf to addresses the
            // policy never saw.
            .no_proxy()
            .build()?;
        Ok(Self { client, policy })
    }

    pub fn policy(&self) -> &NetworkPolicy {
        &self.policy
    }

    /// POSTs `body` (JSON) to `url`, signed with `secrets` (the current one, and the previous
    /// one during a rotation's overlap) under the delivery's stable `id`.
    pub async fn send(
        &self,
        kind: Kind,
        url: &WebhookUrl,
        id: &str,
        body: &[u8],
        secrets: &[&WebhookSecret],
    ) -> Attempt {
        let started = Instant::now();
        if let Err(refused) = url.check_literal(&self.policy) {
            return failing(refused.to_string(), started);
        }
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut request = self
            .client
            .post(url.url().clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        for (name, value) in signing::headers(id, timestamp, body, secrets) {
            request = request.header(name, value);
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => return unanswered(&error, started),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_retry_after);
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let mut answer = Vec::new();
        // A body that fails half-way is only an excerpt: the status decides.
        while answer.len() < MAX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
                _ => break,
            }
        }
        answer.truncate(MAX_ANSWER_BYTES);
        let text = String::from_utf8_lossy(&answer);
        let excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
        let outcome = match kind {
            Kind::Slack => slack::outcome(status, text.trim(), retry_after),
            Kind::Webhook => webhook_outcome(status, retry_after, location.as_deref()),
        };
        Attempt {
            outcome,
            status: Some(status.as_u16()),
            latency: started.elapsed(),
            excerpt,
        }
    }
}

/// A custom receiver's answer: any 2xx delivers; 410 disables; a redirect is not followed
/// (it could lead anywhere); everything else is retried.
fn webhook_outcome(
    status: StatusCode,
    retry_after: Option<Duration>,
    location: Option<&str>,
) -> Outcome {
    if status.is_success() {
        Outcome::Delivered
    } else if status == StatusCode::GONE {
        Outcome::Gone {
            reason: "the receiver answered 410 Gone: it asks for no more deliveries".to_owned(),
        }
    } else if status.is_redirection() {
        Outcome::Failing {
            reason: format!(
                "the receiver answered {status} (to {}); Ferry does not follow redirects: enter the final URL",
                location.unwrap_or("elsewhere")
            ),
        }
    } else {
        Outcome::Retry {
            reason: format!("the receiver answered {status}"),
            retry_after,
        }
    }
}

fn failing(reason: String, started: Instant) -> Attempt {
    Attempt {
        outcome: Outcome::Failing { reason },
        status: None,
        latency: started.elapsed(),
        excerpt: String::new(),
    }
}

/// No answer: the address policy refused the connection (Failing), or the network did
/// (retried).
fn unanswered(error: &reqwest::Error, started: Instant) -> Attempt {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<AddressRefused>() {
            return failing(refused.to_string(), started);
        }
        source = cause.source();
    }
    let reason = if error.is_timeout() {
        "no answer within the timeout".to_owned()
    } else if error.is_connect() {
        format!("could not connect: {}", innermost(error))
    } else {
        format!("the request failed: {}", innermost(error))
    };
    Attempt {
        outcome: Outcome::Retry {
            reason,
            retry_after: None,
        },
        status: None,
        latency: started.elapsed(),
        excerpt: String::new(),
    }
}

/// The root cause's words ("Connection refused (os error 111)"), without reqwest's wrapping
/// (which repeats the URL, and a URL may hold a secret).
fn innermost(error: &reqwest::Error) -> String {
    let mut cause: &(dyn std::error::Error + 'static) = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_receivers_answers_decide_the_next_step() {
        assert_eq!(
            webhook_outcome(StatusCode::NO_CONTENT, None, None),
            Outcome::Delivered
        );
        assert!(matches!(
            webhook_outcome(StatusCode::GONE, None, None),
            Outcome::Gone { .. }
        ));
        assert!(matches!(
            webhook_outcome(StatusCode::FOUND, None, Some("https://elsewhere.example")),
            Outcome::Failing { reason } if reason.contains("https://elsewhere.example")
        ));
        let wait = Some(Duration::from_secs(7));
        assert_eq!(
            webhook_outcome(StatusCode::TOO_MANY_REQUESTS, wait, None),
            Outcome::Retry {
                reason: "the receiver answered 429 Too Many Requests".into(),
                retry_after: wait
            }
        );
        assert!(matches!(
            webhook_outcome(StatusCode::BAD_GATEWAY, None, None),
            Outcome::Retry { .. }
        ));
    }
}
