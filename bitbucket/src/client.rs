//! The Bitbucket Cloud REST client: one per process, shared by pages and the sync engine.
//! It authenticates each request with the credential it is given, turns every failure into
//! a [`BitbucketError`] and counts every call.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{RequestBuilder, Response, Url};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

use super::calls::ProviderCalls;
use super::config::BitbucketConfig;
use super::credential::Credential;
use super::errors::BitbucketError;
use super::models::{
    wire, Branch, CommitHash, CommitInfo, FileChange, Repository, TreeEntry, VerifiedAccount,
    Workspace,
};
use super::pagination::{Page, MAX_PAGES, PAGE_LEN};

const USER_AGENT: &str = concat!(
    "Ferry/",
    env!("CARGO_PKG_VERSION"),
    " (Bitbucket backups of API collections)"
);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most Ferry reads of one answer that is not a file (a page of 100 repositories is a few
/// hundred KiB): a broken or hostile server cannot make it buffer more.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;
/// The most Ferry reads of a file in a repository: no document it writes is larger (the
/// domain checks that this equals its own document limit).
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// The sentence Bitbucket's 404 for a missing path starts with (a missing repository or
/// commit says otherwise).
const NO_SUCH_FILE: &str = "No such file or directory";

#[derive(Debug, Clone)]
pub struct BitbucketClient {
    config: Arc<BitbucketConfig>,
    pub(crate) http: reqwest::Client,
    /// The OAuth token endpoint is called without following redirects, as the `oauth2`
    /// crate advises, so a redirect cannot carry the consumer secret elsewhere.
    pub(crate) oauth_http: reqwest::Client,
    calls: Arc<ProviderCalls>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot set up the Bitbucket client: {0}")]
pub struct ClientSetupError(String);

impl BitbucketClient {
    pub fn new(config: BitbucketConfig) -> Result<Self, ClientSetupError> {
        for (name, url) in [("API URL", &config.api_url), ("web URL", &config.web_url)] {
            if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
                return Err(ClientSetupError(format!(
                    "the Bitbucket {name} {url} is not an http(s) base URL"
                )));
            }
        }
        let builder = || {
            reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(config.request_timeout)
                .use_rustls_tls()
        };
        let setup = |error: reqwest::Error| ClientSetupError(error.to_string());
        let http = builder().build().map_err(setup)?;
        let oauth_http = builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(setup)?;
        Ok(BitbucketClient {
            config: Arc::new(config),
            http,
            oauth_http,
            calls: Arc::default(),
        })
    }

    pub fn config(&self) -> &BitbucketConfig {
        &self.config
    }

    /// Calls made so far by this client and its clones, by method and status.
    pub fn calls(&self) -> &ProviderCalls {
        &self.calls
    }

    /// Checks a credential and reads who it belongs to and which workspaces it reaches.
    pub async fn verify(&self, credential: &Credential) -> Result<VerifiedAccount, BitbucketError> {
        let account: wire::Account = self
            .get_json(credential, self.api(&["user"]), "the account")
            .await?;
        let mut url = self.api(&["user", "workspaces"]);
        url.query_pairs_mut().append_pair("pagelen", PAGE_LEN);
        let workspaces = self
            .collect::<wire::WorkspaceAccess, Workspace>(
                credential,
                url,
                "the account's workspaces",
            )
            .await?;
        Ok(VerifiedAccount {
            uuid: account.uuid,
            username: account.nickname,
            display_name: account.display_name,
            workspaces,
        })
    }

    /// The repositories of `workspace` the credential can write to, by name, optionally those
    /// whose name contains `search`. At most [`MAX_PAGES`] pages of 100 are read.
    pub async fn repositories(
        &self,
        credential: &Credential,
        workspace: &str,
        search: Option<&str>,
    ) -> Result<Vec<Repository>, BitbucketError> {
        let mut url = self.api(&["repositories", workspace]);
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("role", "contributor")
                .append_pair("pagelen", PAGE_LEN)
                .append_pair("sort", "name");
            if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
                query.append_pair("q", &format!("name ~ \"{}\"", quote(search)));
            }
        }
        self.collect::<wire::Repository, Repository>(
            credential,
            url,
            &format!("workspace {workspace}"),
        )
        .await
    }

    pub async fn repository(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
    ) -> Result<Repository, BitbucketError> {
        let url = self.api(&["repositories", workspace, repository]);
        let repo: wire::Repository = self
            .get_json(
                credential,
                url,
                &format!("repository {workspace}/{repository}"),
            )
            .await?;
        Ok(repo.into())
    }

    /// The repository's branches (at most [`MAX_PAGES`] pages of 100).
    pub async fn branches(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
    ) -> Result<Vec<Branch>, BitbucketError> {
        let mut url = self.api(&["repositories", workspace, repository, "refs", "branches"]);
        url.query_pairs_mut().append_pair("pagelen", PAGE_LEN);
        self.collect::<wire::Branch, Branch>(
            credential,
            url,
            &format!("repository {workspace}/{repository}"),
        )
        .await
    }

    /// The commit `branch` points at, or `None` when the branch does not exist (yet). A
    /// missing repository is an error, not `None`: the branch is looked up by a filtered
    /// listing, which only 404s when the repository is gone.
    pub async fn branch_tip(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
        branch: &str,
    ) -> Result<Option<CommitHash>, BitbucketError> {
        let mut url = self.api(&["repositories", workspace, repository, "refs", "branches"]);
        url.query_pairs_mut()
            .append_pair("q", &format!("name = \"{}\"", quote(branch)));
        let page: Page<wire::Branch> = self
            .get_json(
                credential,
                url,
                &format!("repository {workspace}/{repository}"),
            )
            .await?;
        Ok(page
            .values
            .into_iter()
            .find(|b| b.name == branch)
            .map(|b| b.target.hash))
    }

    /// The bytes of `path` at `commit`, or `None` when the commit has no such file.
    pub async fn file(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
        commit: &CommitHash,
        path: &str,
    ) -> Result<Option<Vec<u8>>, BitbucketError> {
        let url = self.api(&[
            "repositories",
            workspace,
            repository,
            "src",
            commit.as_str(),
            path,
        ]);
        let what = format!("{path} at commit {commit} of {workspace}/{repository}");
        let response = self.send(authorize(self.http.get(url), credential)).await?;
        let status = response.status().as_u16();
        let body = self.body(response, MAX_FILE_BYTES, &what).await?;
        match status {
            200 => Ok(Some(body)),
            404 if String::from_utf8_lossy(&body).contains(NO_SUCH_FILE) => Ok(None),
            _ => Err(BitbucketError::from_status(
                status, &body, credential, &what,
            )),
        }
    }

    /// The entries of the directory `path` (`""` for the root) at `commit`, from every page
    /// (at most [`MAX_PAGES`] of 100). Empty when the commit has no such directory: git keeps
    /// no empty directories, so "missing" and "empty" are the same. A branch is resolved with
    /// [`Self::branch_tip`] first, as `src` paths cannot tell a branch's `/` from a path's.
    /// A file at `path` is not a listing: [`BitbucketError::BadResponse`].
    pub async fn directory(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
        commit: &CommitHash,
        path: &str,
    ) -> Result<Vec<TreeEntry>, BitbucketError> {
        let path = path.trim_matches('/');
        let mut parts = vec![
            "repositories",
            workspace,
            repository,
            "src",
            commit.as_str(),
        ];
        if !path.is_empty() {
            parts.push(path);
        }
        // The trailing `/` asks for a listing, so a file at `path` is never read as one.
        parts.push("");
        let mut url = self.api(&parts);
        url.query_pairs_mut().append_pair("pagelen", PAGE_LEN);
        let what = format!("directory {path}/ at commit {commit} of {workspace}/{repository}");
        let response = self.send(authorize(self.http.get(url), credential)).await?;
        let status = response.status().as_u16();
        let body = self.body(response, MAX_ANSWER_BYTES, &what).await?;
        match status {
            200 => {
                let first: Page<wire::TreeEntry> = parse_json(&body, &what)?;
                self.rest_of(credential, first, &what).await
            }
            404 if String::from_utf8_lossy(&body).contains(NO_SUCH_FILE) => Ok(Vec::new()),
            _ => Err(BitbucketError::from_status(
                status, &body, credential, &what,
            )),
        }
    }

    /// The files that differ between commit `from` and commit `to`: what a checkout of `from`
    /// must change to become `to` (a plain two-commit diff, not from their merge base), with
    /// renames detected. At most [`MAX_PAGES`] pages of Bitbucket's 500 files are read.
    pub async fn diffstat(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
        from: &CommitHash,
        to: &CommitHash,
    ) -> Result<Vec<FileChange>, BitbucketError> {
        // Bitbucket reads `a..b` the other way round from `git diff`: the changes `a` brings
        // to `b`. `topic=false` compares the two commits themselves, as `git diff b a` does.
        let spec = format!("{to}..{from}");
        let mut url = self.api(&["repositories", workspace, repository, "diffstat", &spec]);
        url.query_pairs_mut().append_pair("topic", "false");
        self.collect::<wire::DiffStat, FileChange>(
            credential,
            url,
            &format!("the changes from {from} to {to} in {workspace}/{repository}"),
        )
        .await
    }

    /// Who made `commit`, when and with which message (`GET …/commit/{hash}`).
    pub async fn commit(
        &self,
        credential: &Credential,
        workspace: &str,
        repository: &str,
        commit: &CommitHash,
    ) -> Result<CommitInfo, BitbucketError> {
        let url = self.api(&[
            "repositories",
            workspace,
            repository,
            "commit",
            commit.as_str(),
        ]);
        let read: wire::Commit = self
            .get_json(
                credential,
                url,
                &format!("commit {commit} of {workspace}/{repository}"),
            )
            .await?;
        Ok(read.into())
    }

    /// Where a person sees a commit on Bitbucket's website.
    pub fn commit_web_url(&self, workspace: &str, repository: &str, commit: &CommitHash) -> Url {
        join(
            &self.config.web_url,
            &[workspace, repository, "commits", commit.as_str()],
        )
    }

    /// `<api_url>/a/b/...`; each part is percent-encoded, and `/` inside a part (branch
    /// names, file paths) stays a path separator as Bitbucket expects.
    pub(crate) fn api(&self, parts: &[&str]) -> Url {
        join(&self.config.api_url, parts)
    }

    /// Sends a request and counts it; any answer is returned, no answer is `Unreachable`.
    pub(crate) async fn send(&self, request: RequestBuilder) -> Result<Response, BitbucketError> {
        self.send_with(&self.http, request).await
    }

    pub(crate) async fn send_with(
        &self,
        http: &reqwest::Client,
        request: RequestBuilder,
    ) -> Result<Response, BitbucketError> {
        let request = request.build().map_err(|_| BitbucketError::Rejected {
            reason: "the request could not be built".to_owned(),
        })?;
        let method = request.method().as_str().to_owned();
        let host = request.url().host_str().unwrap_or("?").to_owned();
        match http.execute(request).await {
            Ok(response) => {
                self.calls.record(&method, Some(response.status().as_u16()));
                Ok(response)
            }
            Err(error) => {
                self.calls.record(&method, None);
                Err(BitbucketError::unreachable(&error, &host))
            }
        }
    }

    /// A successful answer, or the error its status stands for.
    pub(crate) async fn expect_success(
        &self,
        response: Response,
        credential: &Credential,
        what: &str,
    ) -> Result<Response, BitbucketError> {
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let body = self.body(response, MAX_ANSWER_BYTES, what).await?;
        Err(BitbucketError::from_status(status, &body, credential, what))
    }

    /// The answer's body, read chunk by chunk up to `limit` bytes: past it (or when its
    /// `Content-Length` says so up front) reading stops with [`BitbucketError::TooLarge`].
    pub(crate) async fn body(
        &self,
        mut response: Response,
        limit: usize,
        what: &str,
    ) -> Result<Vec<u8>, BitbucketError> {
        let too_large = || BitbucketError::TooLarge {
            what: what.to_owned(),
            limit,
        };
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(too_large());
        }
        let host = response.url().host_str().unwrap_or("?").to_owned();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| BitbucketError::unreachable(&error, &host))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        credential: &Credential,
        url: Url,
        what: &str,
    ) -> Result<T, BitbucketError> {
        self.read_json(credential, self.http.get(url), what).await
    }

    /// Sends `request` with the credential and reads the successful answer's JSON.
    pub(crate) async fn read_json<T: DeserializeOwned>(
        &self,
        credential: &Credential,
        request: RequestBuilder,
        what: &str,
    ) -> Result<T, BitbucketError> {
        let response = self.send(authorize(request, credential)).await?;
        let response = self.expect_success(response, credential, what).await?;
        let body = self.body(response, MAX_ANSWER_BYTES, what).await?;
        parse_json(&body, what)
    }

    /// Follows `next` from `first` for at most [`MAX_PAGES`] pages.
    pub(crate) async fn collect<W: DeserializeOwned, T: From<W>>(
        &self,
        credential: &Credential,
        first: Url,
        what: &str,
    ) -> Result<Vec<T>, BitbucketError> {
        let first: Page<W> = self.get_json(credential, first, what).await?;
        self.rest_of(credential, first, what).await
    }

    /// The items of `first` and of the pages after it, [`MAX_PAGES`] pages in all at most.
    async fn rest_of<W: DeserializeOwned, T: From<W>>(
        &self,
        credential: &Credential,
        first: Page<W>,
        what: &str,
    ) -> Result<Vec<T>, BitbucketError> {
        let mut next = first.next_url(&self.config.api_url)?;
        let mut items: Vec<T> = first.values.into_iter().map(T::from).collect();
        for _ in 1..MAX_PAGES {
            let Some(url) = next.take() else { break };
            let page: Page<W> = self.get_json(credential, url, what).await?;
            next = page.next_url(&self.config.api_url)?;
            items.extend(page.values.into_iter().map(T::from));
        }
        Ok(items)
    }
}

fn parse_json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, BitbucketError> {
    serde_json::from_slice(body).map_err(|error| BitbucketError::BadResponse {
        detail: format!("{what}: {error}"),
    })
}

/// Sets `Authorization` for the credential (reqwest marks it sensitive, so it is never
/// printed): Basic email:token, Basic username:app-password, or Bearer.
pub(crate) fn authorize(request: RequestBuilder, credential: &Credential) -> RequestBuilder {
    match credential {
        Credential::ApiToken { email, token } => {
            request.basic_auth(email, Some(token.expose_secret()))
        }
        Credential::AppPassword { username, password } => {
            request.basic_auth(username, Some(password.expose_secret()))
        }
        Credential::OAuth { access_token, .. } => request.bearer_auth(access_token.expose_secret()),
    }
}

pub(crate) fn join(base: &Url, parts: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty();
        for part in parts {
            segments.extend(part.split('/'));
        }
    }
    url
}

/// A string inside a BBQL `"…"` literal.
fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded_per_part_and_keep_their_slashes() {
        let base = Url::parse("https://api.bitbucket.org/2.0").unwrap();
        let url = join(
            &base,
            &[
                "repositories",
                "acme",
                "api",
                "src",
                "abc",
                "Postman Collections/Users API #1.json",
            ],
        );
        assert_eq!(
            url.as_str(),
            "https://api.bitbucket.org/2.0/repositories/acme/api/src/abc/Postman%20Collections/Users%20API%20%231.json"
        );
        assert_eq!(quote(r#"say "hi" \o/"#), r#"say \"hi\" \\o/"#);
    }
}
