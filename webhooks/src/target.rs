//! A webhook URL as a team member types it. Many hold a secret in their path (a Slack
//! incoming webhook's last segment is its credential), so the URL is sealed like a password
//! and pages show [`WebhookUrl::display`]: the scheme, the host and a hint of the path.

use std::net::IpAddr;

use reqwest::Url;

use crate::network::{AddressRefused, NetworkPolicy};

/// Longer URLs are refused (Slack's are about 80 characters).
pub const MAX_URL_CHARS: usize = 2048;

#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

/// Only the display form: a URL printed into a log would leak a Slack webhook's credential.
impl std::fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookUrl({})", self.display())
    }
}

/// Why a URL cannot be a webhook URL, in words for the form's Webhook URL field.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error("enter the URL that receives the deliveries, starting with https://")]
    Empty,
    #[error("this is not a URL; it starts with https:// and names a host")]
    Malformed,
    #[error(
        "use https:// (plain http is allowed only when the operator sets FERRY_WEBHOOK_ALLOW_HTTP)"
    )]
    NotHttps,
    #[error("a URL may hold at most {MAX_URL_CHARS} characters")]
    TooLong,
    #[error("put no user name or password in the URL; the deliveries are signed instead")]
    Credentials,
    #[error("{0}")]
    Address(#[from] AddressRefused),
}

impl WebhookUrl {
    /// Parses `text` under `policy`. An address written in the URL is checked here (and again
    /// at every delivery); a host name is checked when it is resolved, at every delivery.
    pub fn parse(text: &str, policy: &NetworkPolicy) -> Result<Self, TargetError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TargetError::Empty);
        }
        if text.chars().count() > MAX_URL_CHARS {
            return Err(TargetError::TooLong);
        }
        let url = Url::parse(text).map_err(|_| TargetError::Malformed)?;
        match url.scheme() {
            "https" => {}
            "http" if policy.allow_http => {}
            "http" => return Err(TargetError::NotHttps),
            _ => return Err(TargetError::Malformed),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(TargetError::Malformed);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TargetError::Credentials);
        }
        let parsed = Self(url);
        parsed.check_literal(policy)?;
        Ok(parsed)
    }

    /// The URL to send to.
    pub fn url(&self) -> &Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    /// A URL written with an address instead of a name skips resolution: its address is
    /// checked against the policy directly.
    pub(crate) fn check_literal(&self, policy: &NetworkPolicy) -> Result<(), AddressRefused> {
        let address = match self.0.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        policy.check(self.host(), address)
    }

    /// What pages show: `https://hooks.slack.com/services/…` — the scheme, host, port and the
    /// path's first segment; the rest may be a credential.
    pub fn display(&self) -> String {
        let mut shown = format!("{}://{}", self.0.scheme(), self.host());
        if let Some(port) = self.0.port() {
            shown.push_str(&format!(":{port}"));
        }
        let mut segments = self
            .0
            .path_segments()
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty());
        match (segments.next(), segments.next()) {
            (None, _) => shown.push('/'),
            (Some(first), None) if first.len() <= 24 && self.0.query().is_none() => {
                shown.push('/');
                shown.push_str(first);
            }
            (Some(first), _) => {
                shown.push('/');
                shown.push_str(&first.chars().take(24).collect::<String>());
                shown.push_str("/…");
            }
        }
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<WebhookUrl, TargetError> {
        WebhookUrl::parse(text, &NetworkPolicy::default())
    }

    #[test]
    fn https_urls_with_a_host_are_accepted_and_shown_without_their_secret_path() {
        let slack = parse("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX").unwrap();
        assert_eq!(slack.display(), "https://hooks.slack.com/services/…");
        assert!(!slack.display().contains("XXXX"));
        assert_eq!(
            parse("https://example.com").unwrap().display(),
            "https://example.com/"
        );
        assert_eq!(
            parse("https://example.com:8443/hook").unwrap().display(),
            "https://example.com:8443/hook"
        );
    }

    #[test]
    fn debug_shows_only_the_display_form() {
        let slack = parse("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX").unwrap();
        let printed = format!("{slack:?}");
        assert!(
            !printed.contains("XXXX") && printed.contains("hooks.slack.com"),
            "{printed}"
        );
    }

    #[test]
    fn bad_urls_say_what_to_fix() {
        assert_eq!(parse(" ").unwrap_err(), TargetError::Empty);
        assert_eq!(
            parse("example.com/hook").unwrap_err(),
            TargetError::Malformed
        );
        assert_eq!(
            parse("ftp://example.com").unwrap_err(),
            TargetError::Malformed
        );
        assert_eq!(
            parse("http://example.com").unwrap_err(),
            TargetError::NotHttps
        );
        assert_eq!(
            parse("https://me:pw@example.com").unwrap_err(),
            TargetError::Credentials
        );
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(parse(&long).unwrap_err(), TargetError::TooLong);
    }

    #[test]
    fn private_addresses_written_in_the_url_are_refused_at_once() {
        for url in [
            "https://10.0.0.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/",
        ] {
            assert!(
                matches!(parse(url).unwrap_err(), TargetError::Address(_)),
                "{url}"
            );
        }
        let policy = NetworkPolicy {
            allowed: NetworkPolicy::parse_allowed("127.0.0.1").unwrap(),
            allow_http: true,
        };
        assert!(WebhookUrl::parse("http://127.0.0.1:9/hook", &policy).is_ok());
    }
}
