//! OAuth 2.0 authorization-code grant against Bitbucket (`<web_url>/site/oauth2/…`) with the
//! operator's consumer. Refresh tokens rotate on every use, so a refresh returns the new one.

use oauth2::basic::{BasicClient, BasicErrorResponse, BasicErrorResponseType, BasicTokenResponse};
use std::{future::Future, pin::Pin};

use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    RefreshToken, RequestTokenError, TokenResponse, TokenUrl,
};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use super::client::{join, BitbucketClient};
use super::config::OAuthConsumer;
use super::credential::{AuthMethod, Credential};
use super::errors::BitbucketError;

type ConsumerClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

impl BitbucketClient {
    /// Whether "Connect with Bitbucket" can be offered.
    pub fn oauth_enabled(&self) -> bool {
        self.config().oauth.is_some()
    }

    /// Where to send the person to grant access; Bitbucket sends them back to the consumer's
    /// callback with `code` and this `state`, which the caller must check.
    pub fn authorize_url(&self, state: &str) -> Result<Url, BitbucketError> {
        let client = self.consumer_client()?;
        let (url, _) = client
            .authorize_url(|| CsrfToken::new(state.to_owned()))
            .url();
        Ok(url)
    }

    /// Trades the callback's `code` for tokens.
    pub async fn exchange_code(&self, code: &str) -> Result<Credential, BitbucketError> {
        let client = self.consumer_client()?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .request_async(&TokenEndpoint(self))
            .await
            .map_err(token_failure)?;
        credential(token, None)
    }

    /// Trades a refresh token for new tokens. The returned credential carries the rotated
    /// refresh token: store it, the old one stops working.
    pub async fn refresh(
        &self,
        refresh_token: &SecretString,
    ) -> Result<Credential, BitbucketError> {
        let client = self.consumer_client()?;
        let token = client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.expose_secret().to_owned()))
            .request_async(&TokenEndpoint(self))
            .await
            .map_err(token_failure)?;
        credential(token, Some(refresh_token))
    }

    fn consumer_client(&self) -> Result<ConsumerClient, BitbucketError> {
        let OAuthConsumer { key, secret, .. } = self
            .config()
            .oauth
            .as_ref()
            .ok_or(BitbucketError::OAuthNotConfigured)?;
        let web = &self.config().web_url;
        Ok(BasicClient::new(ClientId::new(key.clone()))
            .set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()))
            .set_auth_uri(AuthUrl::from_url(join(
                web,
                &["site", "oauth2", "authorize"],
            )))
            .set_token_uri(TokenUrl::from_url(join(
                web,
                &["site", "oauth2", "access_token"],
            ))))
    }

    /// The `oauth2` crate's HTTP hook (through [`TokenEndpoint`]): counted like every other call; no answer, 429 and 5xx
    /// become their own errors instead of unreadable token responses.
    async fn token_endpoint(
        &self,
        request: oauth2::HttpRequest,
    ) -> Result<oauth2::HttpResponse, BitbucketError> {
        let request =
            reqwest::Request::try_from(request).map_err(|_| BitbucketError::Rejected {
                reason: "the token request could not be built".to_owned(),
            })?;
        let builder = reqwest::RequestBuilder::from_parts(self.oauth_http.clone(), request);
        let response = self.send_with(&self.oauth_http, builder).await?;
        let status = response.status();
        if status.as_u16() == 429 {
            return Err(BitbucketError::RateLimited);
        }
        if status.is_server_error() {
            return Err(BitbucketError::Server {
                status: status.as_u16(),
            });
        }
        let headers = response.headers().clone();
        let body = self
            .body(
                response,
                super::client::MAX_ANSWER_BYTES,
                "the OAuth token request",
            )
            .await?;
        let mut answer = http::Response::new(body);
        *answer.status_mut() = status;
        *answer.headers_mut() = headers;
        Ok(answer)
    }
}

fn credential(
    token: BasicTokenResponse,
    previous_refresh: Option<&SecretString>,
) -> Result<Credential, BitbucketError> {
    let unreadable = |what: &str| BitbucketError::BadResponse {
        detail: format!("the token answer has no {what}"),
    };
    let expires_in = token.expires_in().ok_or_else(|| unreadable("expires_in"))?;
    let refresh_token = match (token.refresh_token(), previous_refresh) {
        (Some(rotated), _) => SecretString::from(rotated.secret().clone()),
        (None, Some(previous)) => previous.clone(),
        (None, None) => return Err(unreadable("refresh_token")),
    };
    let lifetime_ms = i64::try_from(expires_in.as_millis()).unwrap_or(i64::MAX);
    Ok(Credential::OAuth {
        access_token: SecretString::from(token.access_token().secret().clone()),
        refresh_token,
        expires_at_ms: crate::now_ms().saturating_add(lifetime_ms),
    })
}

/// Never echoes the token endpoint's body: on a parse failure it may hold tokens.
fn token_failure(error: RequestTokenError<BitbucketError, BasicErrorResponse>) -> BitbucketError {
    match error {
        RequestTokenError::ServerResponse(response) => match response.error() {
            BasicErrorResponseType::InvalidGrant => BitbucketError::WrongCredential {
                method: AuthMethod::OAuth,
            },
            BasicErrorResponseType::InvalidClient | BasicErrorResponseType::UnauthorizedClient => {
                BitbucketError::ConsumerRejected
            }
            other => BitbucketError::Rejected {
                reason: match response.error_description() {
                    Some(description) => format!("OAuth error {}: {description}", other.as_ref()),
                    None => format!("OAuth error {}", other.as_ref()),
                },
            },
        },
        RequestTokenError::Request(error) => error,
        RequestTokenError::Parse(..) => BitbucketError::BadResponse {
            detail: "the OAuth token answer is not the documented JSON".to_owned(),
        },
        RequestTokenError::Other(detail) => BitbucketError::BadResponse { detail },
    }
}

/// The token endpoint as the `oauth2` crate's HTTP client. A named type with a boxed `Send`
/// future rather than a closure: a closure's future is not provably `Send` for every lifetime,
/// and the sync engine refreshes tokens on spawned tasks.
struct TokenEndpoint<'a>(&'a BitbucketClient);

impl<'c> oauth2::AsyncHttpClient<'c> for TokenEndpoint<'_> {
    type Error = BitbucketError;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, BitbucketError>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(self.0.token_endpoint(request))
    }
}
