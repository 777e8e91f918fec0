//! Creating branches and reading and creating tags: `…/refs/branches` and `…/refs/tags`.
//! Reading branches is in the client itself ([`BitbucketClient::branches`],
//! [`BitbucketClient::branch_tip`]).

use serde_json::json;

use super::client::BitbucketClient;
use super::credential::Credential;
use super::errors::BitbucketError;
use super::models::{wire, Branch, CommitHash, Tag};
use super::pagination::PAGE_LEN;

impl BitbucketClient {
    /// Creates branch `name` at `target` (`POST …/refs/branches`). A taken name is
    /// [`BitbucketError::AlreadyExists`].
    pub async fn create_branch(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
        name: &str,
        target: &CommitHash,
    ) -> Result<Branch, BitbucketError> {
        let url = self.api(&["repositories", workspace, repository, "refs", "branches"]);
        let body = json!({ "name": name, "target": { "hash": target.as_str() } });
        let branch: wire::Branch = self
            .read_json(
                credential,
                self.http.post(url).json(&body),
                &format!("repository {workspace}/{repository}"),
            )
            .await
            .map_err(|error| {
                error.name_taken(|| format!("branch {name} of {workspace}/{repository}"))
            })?;
        Ok(branch.into())
    }

    /// The repository's tags in Bitbucket's order (`git tag --list`'s), at most
    /// [`MAX_PAGES`](super::pagination::MAX_PAGES) pages of 100.
    pub async fn tags(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
    ) -> Result<Vec<Tag>, BitbucketError> {
        let mut url = self.api(&["repositories", workspace, repository, "refs", "tags"]);
        url.query_pairs_mut().append_pair("pagelen", PAGE_LEN);
        self.collect::<wire::Tag, Tag>(
            credential,
            url,
            &format!("repository {workspace}/{repository}"),
        )
        .await
    }

    /// Creates the annotated tag `name` at `target`, with `message` (Bitbucket writes
    /// "Added tag <name> for changeset <hash>" when there is none). A taken name is
    /// [`BitbucketError::AlreadyExists`]; an invalid name is [`BitbucketError::Rejected`]
    /// with Bitbucket's reason; a commit Bitbucket does not have is
    /// [`BitbucketError::Conflict`], as for a commit's parent (history was rewritten: re-read
    /// the tip).
    pub async fn create_tag(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
        name: &str,
        target: &CommitHash,
        message: Option<&str>,
    ) -> Result<Tag, BitbucketError> {
        let url = self.api(&["repositories", workspace, repository, "refs", "tags"]);
        let mut body = json!({ "name": name, "target": { "hash": target.as_str() } });
        if let Some(message) = message {
            body["message"] = json!(message);
        }
        let tag: wire::Tag = self
            .read_json(
                credential,
                self.http.post(url).json(&body),
                &format!("repository {workspace}/{repository}"),
            )
            .await
            .map_err(|error| {
                error.name_taken(|| format!("tag {name} of {workspace}/{repository}"))
            })?;
        Ok(tag.into())
    }
}
