//! A repository's webhook subscriptions: `GET/POST …/hooks`, `DELETE …/hooks/{uuid}`. They
//! need the webhook scope(s) and a repository administrator. What a delivery carries and how
//! its signature is checked is in `delivery.rs`.

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::client::{authorize, BitbucketClient};
use super::credential::Credential;
use super::errors::BitbucketError;
use super::models::{wire, Hook};
use super::pagination::PAGE_LEN;

/// The event Ferry subscribes to: a branch or tag was created, moved or deleted.
pub const REPO_PUSH: &str = "repo:push";

/// A subscription to create.
#[derive(Debug, Clone)]
pub struct HookSpec {
    /// Where Bitbucket POSTs deliveries; it must be reachable from bitbucket.org.
    pub url: String,
    /// Shown in the repository's settings: say who made it ("Ferry: API sync of …").
    pub description: String,
    /// The HMAC key of every delivery's `X-Hub-Signature`; Bitbucket never shows it again.
    pub secret: SecretString,
    /// Event keys, e.g. [`REPO_PUSH`].
    pub events: Vec<String>,
    pub active: bool,
}

impl BitbucketClient {
    /// The repository's webhook subscriptions (at most
    /// [`MAX_PAGES`](super::pagination::MAX_PAGES) pages of 100).
    pub async fn hooks(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
    ) -> Result<Vec<Hook>, BitbucketError> {
        let mut url = self.api(&["repositories", workspace, repository, "hooks"]);
        url.query_pairs_mut().append_pair("pagelen", PAGE_LEN);
        self.collect::<wire::Hook, Hook>(
            credential,
            url,
            &format!("the webhooks of {workspace}/{repository}"),
        )
        .await
    }

    /// Subscribes `spec.url` to the repository's events.
    pub async fn create_hook(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
        spec: &HookSpec,
    ) -> Result<Hook, BitbucketError> {
        let url = self.api(&["repositories", workspace, repository, "hooks"]);
        let body = json!({
            "url": spec.url,
            "description": spec.description,
            "secret": spec.secret.expose_secret(),
            "events": spec.events,
            "active": spec.active,
        });
        let hook: wire::Hook = self
            .read_json(
                credential,
                self.http.post(url).json(&body),
                &format!("the webhooks of {workspace}/{repository}"),
            )
            .await?;
        Ok(hook.into())
    }

    /// Removes the subscription `uuid` (braces optional). One that is already gone, or
    /// whose repository is, is not an error: either way nothing is delivered any more.
    pub async fn delete_hook(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
        uuid: &str,
    ) -> Result<(), BitbucketError> {
        let url = self.api(&["repositories", workspace, repository, "hooks", uuid]);
        let what = format!("webhook {uuid} of {workspace}/{repository}");
        let response = self
            .send(authorize(self.http.delete(url), credential))
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        self.expect_success(response, credential, &what).await?;
        Ok(())
    }
}
