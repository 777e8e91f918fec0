//! Where Bitbucket is and how Ferry identifies itself to it: configuration, not code, so the
//! sandbox can stand in for bitbucket.org in tests and demos.

use std::time::Duration;

use reqwest::Url;
use secrecy::SecretString;

/// Bitbucket Cloud's public addresses.
pub const DEFAULT_API_URL: &str = "https://api.bitbucket.org/2.0";
pub const DEFAULT_WEB_URL: &str = "https://bitbucket.org";

/// Long enough for a commit carrying a 32 MiB collection on a slow link; short enough that a
/// hung connection does not hold a sync worker for minutes.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct BitbucketConfig {
    /// The REST API base, e.g. `https://api.bitbucket.org/2.0`.
    pub api_url: Url,
    /// The web base: OAuth endpoints live under `<web_url>/site/oauth2/`, commit pages under it.
    pub web_url: Url,
    /// Present only when the operator configured an OAuth consumer.
    pub oauth: Option<OAuthConsumer>,
    /// The whole of one request, connect included.
    pub request_timeout: Duration,
}

/// An OAuth consumer registered on Bitbucket (workspace settings → OAuth consumers).
#[derive(Debug, Clone)]
pub struct OAuthConsumer {
    pub key: String,
    pub secret: SecretString,
    /// Where Bitbucket sends the person back; must be the consumer's callback URL.
    pub redirect_url: Url,
}

impl BitbucketConfig {
    pub fn new(api_url: Url, web_url: Url) -> Self {
        BitbucketConfig {
            api_url,
            web_url,
            oauth: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// bitbucket.org itself, without OAuth.
    pub fn bitbucket_org() -> Self {
        let parse = |url| parse_base_url(url).expect("the default Bitbucket URLs are valid");
        Self::new(parse(DEFAULT_API_URL), parse(DEFAULT_WEB_URL))
    }

    pub fn with_oauth(mut self, consumer: OAuthConsumer) -> Self {
        self.oauth = Some(consumer);
        self
    }

    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{url}' {problem}")]
pub struct InvalidBaseUrl {
    pub url: String,
    pub problem: &'static str,
}

/// An `http(s)://host[:port][/path]` base without query or fragment; a trailing `/` is dropped.
pub fn parse_base_url(raw: &str) -> Result<Url, InvalidBaseUrl> {
    let invalid = |problem| InvalidBaseUrl {
        url: raw.to_owned(),
        problem,
    };
    let url = Url::parse(raw.trim().trim_end_matches('/'))
        .map_err(|_| invalid("is not a URL; use e.g. https://api.bitbucket.org/2.0"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("needs a host"));
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(invalid("must not carry credentials, a query or a fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_lose_their_trailing_slash() {
        assert_eq!(
            parse_base_url("https://api.bitbucket.org/2.0/")
                .unwrap()
                .as_str(),
            "https://api.bitbucket.org/2.0"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:7990").unwrap().as_str(),
            "http://127.0.0.1:7990/"
        );
        assert!(parse_base_url("ftp://bitbucket.org")
            .unwrap_err()
            .to_string()
            .contains("http://"));
        assert!(parse_base_url("bitbucket.org").is_err());
        assert!(parse_base_url("https://user:pw@bitbucket.org").is_err());
    }
}
