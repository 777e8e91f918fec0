//! What can go wrong talking to Bitbucket, in words a person can act on. No variant ever
//! carries a secret: messages are built from statuses, Bitbucket's own error text and
//! names Ferry chose, never from request headers or token bodies.

use serde::Deserialize;
use serde_json::Value;

use super::credential::{AuthMethod, Credential};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BitbucketError {
    /// 401: Bitbucket does not accept the credential (wrong, revoked, or for OAuth: refused).
    #[error("{}", wrong_credential(*.method))]
    WrongCredential { method: AuthMethod },
    /// 403 naming the scopes the credential lacks.
    #[error("the credential lacks a permission Ferry needs: grant the scope(s) {} and authenticate again", .needed.join(", "))]
    MissingScope { needed: Vec<String> },
    /// 401 because the API token or OAuth access token has expired.
    #[error("{}", expired(*.method))]
    Expired { method: AuthMethod },
    /// No answer: connection refused, DNS, TLS, timeout, connection dropped.
    #[error("Bitbucket is unreachable: {reason}")]
    Unreachable { reason: String },
    /// 429: over Bitbucket's 1,000 requests per hour.
    #[error(
        "Bitbucket's rate limit was reached (1,000 requests per hour per account); try again later"
    )]
    RateLimited,
    /// 5xx: Bitbucket's own trouble, usually temporary.
    #[error("Bitbucket answered with a server error (HTTP {status}); this is usually temporary")]
    Server { status: u16 },
    /// 404: gone, renamed, or invisible to this account.
    #[error("{what} was not found on Bitbucket: it was deleted or renamed, or this account cannot see it")]
    NotFound { what: String },
    /// 403 for another reason than scopes, e.g. no write access to the repository.
    #[error("{reason}")]
    Forbidden { reason: String },
    /// 409: the branch moved since its tip was read; re-read the tip and commit on top of it.
    #[error("the branch moved on Bitbucket since Ferry last read it (someone else committed)")]
    Conflict,
    /// A tag or branch of that name already exists (Bitbucket answers 400 saying so; the
    /// spec lists no 409 for these).
    #[error("{what} already exists on Bitbucket")]
    AlreadyExists { what: String },
    /// 400: Bitbucket refused the request as given.
    #[error("Bitbucket refused the request: {reason}")]
    Rejected { reason: String },
    /// An answer Ferry cannot read (not the documented shape).
    #[error("Bitbucket's answer could not be understood: {detail}")]
    BadResponse { detail: String },
    /// An answer larger than Ferry reads (a broken or hostile server): it was not read further.
    #[error("Bitbucket's answer for {what} is larger than the {} MiB Ferry reads; it was not read further (check FERRY_BITBUCKET_API_URL points at Bitbucket)", .limit / (1024 * 1024))]
    TooLarge { what: String, limit: usize },
    /// The OAuth token endpoint refused the operator's consumer key or secret.
    #[error("Bitbucket refused Ferry's OAuth consumer: the operator must check FERRY_BITBUCKET_OAUTH_KEY and FERRY_BITBUCKET_OAUTH_SECRET")]
    ConsumerRejected,
    /// "Connect with Bitbucket" was used but no OAuth consumer is configured.
    #[error("Connect with Bitbucket is not available: the operator has not configured an OAuth consumer")]
    OAuthNotConfigured,
}

fn wrong_credential(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::ApiToken => "Bitbucket did not accept this email and API token: use your Atlassian account's email (not the username) and the whole token, and check it was not revoked",
        AuthMethod::AppPassword => "Bitbucket did not accept this username and app password: check both (app passwords were retired in 2026; an API token is the replacement)",
        AuthMethod::OAuth => "Bitbucket no longer accepts this connection (access was revoked or refused): connect with Bitbucket again",
    }
}

fn expired(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::ApiToken => "the API token has expired: create a new one in your Atlassian account settings and re-authenticate",
        AuthMethod::AppPassword => "the app password has expired: create an API token and re-authenticate",
        AuthMethod::OAuth => "the Bitbucket access token has expired and must be refreshed",
    }
}

impl BitbucketError {
    /// Worth trying again later with the same request: network trouble, 5xx, 429.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. } | Self::RateLimited | Self::Server { .. }
        )
    }

    /// The credential itself is not accepted (401): refresh an OAuth token once, else the
    /// account needs re-authentication.
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::WrongCredential { .. } | Self::Expired { .. })
    }

    /// The error a non-success answer stands for. `what` names the object asked about
    /// ("repository acme/backups") for 403/404 messages.
    pub(crate) fn from_status(
        status: u16,
        body: &[u8],
        credential: &Credential,
        what: &str,
    ) -> Self {
        let error = ErrorBody::parse(body);
        let message = error.as_ref().map(|e| e.message.as_str()).unwrap_or("");
        match status {
            401 if is_expiry(message, credential) => Self::Expired {
                method: credential.method(),
            },
            401 => Self::WrongCredential {
                method: credential.method(),
            },
            403 if message.contains("privilege scopes") => Self::MissingScope {
                needed: error
                    .and_then(|e| e.required_scopes())
                    .unwrap_or_else(|| needed_scopes(credential.method())),
            },
            403 if message.is_empty() => Self::Forbidden {
                reason: format!("Bitbucket refused access to {what}"),
            },
            403 => Self::Forbidden {
                reason: format!("Bitbucket refused access to {what}: {message}"),
            },
            404 => Self::NotFound {
                what: what.to_owned(),
            },
            409 => Self::Conflict,
            // The parent Ferry last saw is no longer in the repository (history rewritten):
            // like a moved branch, the cure is to re-read the tip.
            400 if message.contains("Commit not found") => Self::Conflict,
            400 if message.is_empty() => Self::Rejected {
                reason: format!("HTTP 400 for {what}"),
            },
            400 => Self::Rejected {
                reason: message.to_owned(),
            },
            429 => Self::RateLimited,
            500..=599 => Self::Server { status },
            _ => Self::BadResponse {
                detail: format!("unexpected HTTP {status} for {what}"),
            },
        }
    }

    /// A `Rejected` whose message says the name is taken becomes [`Self::AlreadyExists`]
    /// naming `what` ("tag v1.0.0 of acme/api"); every other error is kept.
    pub(crate) fn name_taken(self, what: impl FnOnce() -> String) -> Self {
        match &self {
            Self::Rejected { reason } if reason.to_ascii_lowercase().contains("already exists") => {
                Self::AlreadyExists { what: what() }
            }
            _ => self,
        }
    }

    /// A request that got no answer.
    pub(crate) fn unreachable(error: &reqwest::Error, host: &str) -> Self {
        Self::Unreachable {
            reason: transport_reason(error, host),
        }
    }
}

/// Bitbucket says "Token expired." (API tokens) and "Access token expired. …" (OAuth).
fn is_expiry(message: &str, credential: &Credential) -> bool {
    let past_expiry = match credential {
        Credential::OAuth { expires_at_ms, .. } => *expires_at_ms <= crate::now_ms(),
        _ => false,
    };
    past_expiry || message.to_ascii_lowercase().contains("expired")
}

/// What Ferry needs from a credential of each kind (shown when Bitbucket names none).
pub fn needed_scopes(method: AuthMethod) -> Vec<String> {
    let names: &[&str] = match method {
        AuthMethod::ApiToken => &[
            "read:user:bitbucket",
            "read:workspace:bitbucket",
            "read:repository:bitbucket",
            "write:repository:bitbucket",
        ],
        AuthMethod::AppPassword | AuthMethod::OAuth => &["account", "repository:write"],
    };
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// `{"type":"error","error":{"message", "detail"?}}`.
#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    detail: Value,
}

impl ErrorBody {
    fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice::<ErrorEnvelope>(body)
            .ok()
            .map(|envelope| envelope.error)
    }

    /// bitbucket.org sends `detail: {"required": [...], "granted": [...]}`; the spec types
    /// `detail` as a string, which the sandbox fills with `required: a, b; granted: c`.
    fn required_scopes(&self) -> Option<Vec<String>> {
        let scopes: Vec<String> = match &self.detail {
            Value::Object(detail) => detail
                .get("required")?
                .as_array()?
                .iter()
                .filter_map(|scope| scope.as_str().map(str::to_owned))
                .collect(),
            Value::String(detail) => detail
                .split(';')
                .find_map(|part| part.trim().strip_prefix("required:"))?
                .split(',')
                .map(|scope| scope.trim().to_owned())
                .filter(|scope| !scope.is_empty())
                .collect(),
            _ => return None,
        };
        (!scopes.is_empty()).then_some(scopes)
    }
}

/// Why a request got no answer, for a person: the host and what happened, never the URL's
/// path or query (reqwest's own message would include them).
fn transport_reason(error: &reqwest::Error, host: &str) -> String {
    let chain = error_chain(error).to_ascii_lowercase();
    let what = if error.is_timeout() || chain.contains("timed out") {
        "no answer in time (timed out)"
    } else if chain.contains("dns") || chain.contains("lookup") || chain.contains("resolve") {
        "its name could not be resolved (DNS)"
    } else if chain.contains("connection refused") {
        "the connection was refused"
    } else if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake")
    {
        "the secure connection failed (TLS certificate or handshake)"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "the connection closed before Bitbucket answered"
    };
    format!("{what} ({host})")
}

fn error_chain(error: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&cause.to_string());
        text.push(' ');
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn api_token() -> Credential {
        Credential::ApiToken {
            email: "a@example.com".into(),
            token: SecretString::from("t".to_owned()),
        }
    }

    #[test]
    fn scopes_are_read_from_both_detail_shapes() {
        let cloud = br#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"granted":["account"],"required":["repository:write"]}}}"#;
        let sandbox = br#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":"required: read:workspace:bitbucket; granted: read:user:bitbucket"}}"#;
        assert_eq!(
            BitbucketError::from_status(403, cloud, &api_token(), "x"),
            BitbucketError::MissingScope {
                needed: vec!["repository:write".into()]
            }
        );
        assert_eq!(
            BitbucketError::from_status(403, sandbox, &api_token(), "x"),
            BitbucketError::MissingScope {
                needed: vec!["read:workspace:bitbucket".into()]
            }
        );
    }

    #[test]
    fn an_unreadable_error_body_still_classifies_by_status() {
        let credential = api_token();
        assert_eq!(
            BitbucketError::from_status(429, b"Rate limit", &credential, "x"),
            BitbucketError::RateLimited
        );
        assert_eq!(
            BitbucketError::from_status(502, b"<html>", &credential, "x"),
            BitbucketError::Server { status: 502 }
        );
        assert_eq!(
            BitbucketError::from_status(401, b"", &credential, "x"),
            BitbucketError::WrongCredential {
                method: AuthMethod::ApiToken
            }
        );
        assert!(
            BitbucketError::RateLimited.is_retryable() && !BitbucketError::Conflict.is_retryable()
        );
        let taken = br#"{"type":"error","error":{"message":"name: Tag v1 already exists"}}"#;
        assert_eq!(
            BitbucketError::from_status(400, taken, &credential, "x")
                .name_taken(|| "tag v1 of acme/api".to_owned()),
            BitbucketError::AlreadyExists {
                what: "tag v1 of acme/api".to_owned()
            }
        );
        let invalid = br#"{"type":"error","error":{"message":"name: Invalid tag name: a..b"}}"#;
        assert!(matches!(
            BitbucketError::from_status(400, invalid, &credential, "x")
                .name_taken(|| "tag".to_owned()),
            BitbucketError::Rejected { .. }
        ));
        assert!(BitbucketError::Expired {
            method: AuthMethod::OAuth
        }
        .is_auth());
    }
}
