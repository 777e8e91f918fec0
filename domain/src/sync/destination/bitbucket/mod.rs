//! Bitbucket Cloud as a destination: one commit of every file of a batch on a branch, on top
//! of the parent the engine knows, through the team's connected account. OAuth access tokens
//! are refreshed a minute before they expire, or once when Bitbucket refuses one, one refresh
//! per account at a time (a rotated refresh token works once).

mod credentials;

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
};

use secrecy::ExposeSecret;

pub use credentials::AccountCredentials;

use super::{Batch, DeliveryError, Destination, Session, Target};
use crate::{
    bitbucket::{BitbucketClient, BitbucketError, CommitHash, CommitRequest, Credential},
    connected_accounts::ConnectedAccountError,
    error::{DomainError, ErrorKind},
    store::now_ms,
    sync::metrics::CallCount,
};

/// An OAuth access token this close to expiry is refreshed before use.
const REFRESH_AHEAD_MS: i64 = 60_000;

/// Where the destination reads an account's credential and keeps a refreshed one (the
/// connected accounts, decrypting and encrypting with the keyring).
pub trait CredentialStore: Send + Sync + 'static {
    fn credential(
        &self,
        team_id: String,
        account_id: String,
    ) -> impl Future<Output = Result<Credential, CredentialError>> + Send;
    /// Replaces the account's OAuth tokens in one write, so a rotated refresh token is never lost.
    fn store_refreshed(
        &self,
        team_id: String,
        account_id: String,
        credential: Credential,
    ) -> impl Future<Output = Result<(), CredentialError>> + Send;
}

/// Why an account has no credential to use. Each reads as the reason a run needs a person
/// (it becomes the integration's status reason) and holds no secret.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("its connected account was deleted; edit the integration and choose another account")]
    AccountDeleted,
    /// Key problems are an operator's to fix; the message names the key, never its bytes.
    #[error("the connected account's credential cannot be used: {0}")]
    Unusable(ConnectedAccountError),
    #[error("only OAuth connections are refreshed")]
    NotRefreshable,
    /// Bitbucket would not trade the refresh token for a new access token.
    #[error("{0}; connect with Bitbucket again")]
    RefreshRefused(BitbucketError),
}

impl DomainError for CredentialError {
    fn kind(&self) -> ErrorKind {
        match self {
            CredentialError::AccountDeleted => ErrorKind::NotFound,
            CredentialError::Unusable(error) => error.kind(),
            CredentialError::NotRefreshable => ErrorKind::Invalid,
            CredentialError::RefreshRefused(_) => ErrorKind::Unavailable,
        }
    }
}

/// Bitbucket Cloud through one client; cheap to clone (sessions hold a clone).
pub struct BitbucketDestination<C: CredentialStore> {
    shared: Arc<Shared<C>>,
}

impl<C: CredentialStore> Clone for BitbucketDestination<C> {
    fn clone(&self) -> Self {
        BitbucketDestination {
            shared: self.shared.clone(),
        }
    }
}

struct Shared<C> {
    client: BitbucketClient,
    credentials: C,
    /// One OAuth refresh at a time per account: a rotated refresh token works once.
    refreshing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl<C: CredentialStore> BitbucketDestination<C> {
    pub fn new(client: BitbucketClient, credentials: C) -> Self {
        BitbucketDestination {
            shared: Arc::new(Shared {
                client,
                credentials,
                refreshing: Mutex::default(),
            }),
        }
    }

    pub fn client(&self) -> &BitbucketClient {
        &self.shared.client
    }

    /// The account's credential ready to use: an OAuth token about to expire is refreshed
    /// first, one refresh per account at a time shared with the sync runs. Pages that list an
    /// account's repositories use it too.
    pub async fn fresh_credential(
        &self,
        team_id: &str,
        account_id: &str,
    ) -> Result<Credential, CredentialError> {
        self.credential(team_id, account_id, None).await
    }

    /// The account's credential, with an OAuth token refreshed when it is about to expire or
    /// when Bitbucket refused `refused`.
    async fn credential(
        &self,
        team_id: &str,
        account_id: &str,
        refused: Option<&Credential>,
    ) -> Result<Credential, CredentialError> {
        let shared = &self.shared;
        let current = shared
            .credentials
            .credential(team_id.to_owned(), account_id.to_owned())
            .await?;
        let Credential::OAuth { expires_at_ms, .. } = &current else {
            return Ok(current);
        };
        if refused.is_none() && *expires_at_ms > now_ms() + REFRESH_AHEAD_MS {
            return Ok(current);
        }
        let lock = {
            let mut refreshing = shared
                .refreshing
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            refreshing.entry(account_id.to_owned()).or_default().clone()
        };
        let _one_at_a_time = lock.lock().await;
        // Another run may have refreshed while this one waited.
        let current = shared
            .credentials
            .credential(team_id.to_owned(), account_id.to_owned())
            .await?;
        let Credential::OAuth {
            access_token,
            refresh_token,
            expires_at_ms,
        } = &current
        else {
            return Ok(current);
        };
        let stale = match refused {
            Some(Credential::OAuth {
                access_token: refused,
                ..
            }) => refused.expose_secret() == access_token.expose_secret(),
            _ => *expires_at_ms <= now_ms() + REFRESH_AHEAD_MS,
        };
        if !stale {
            return Ok(current);
        }
        let fresh = shared
            .client
            .refresh(refresh_token)
            .await
            .map_err(CredentialError::RefreshRefused)?;
        shared
            .credentials
            .store_refreshed(team_id.to_owned(), account_id.to_owned(), fresh.clone())
            .await?;
        Ok(fresh)
    }
}

impl<C: CredentialStore> Destination for BitbucketDestination<C> {
    type Session = BitbucketSession<C>;

    fn name(&self) -> &'static str {
        "Bitbucket"
    }

    fn calls_per_delivery(&self) -> u32 {
        2
    }

    fn accepts_tip(&self, tip: &str) -> bool {
        CommitHash::parse(tip).is_ok()
    }

    async fn open(&self, target: &Target) -> Result<BitbucketSession<C>, DeliveryError> {
        let credential = self
            .credential(&target.team_id, &target.account_id, None)
            .await
            .map_err(|error| DeliveryError::NeedsReauth(error.to_string()))?;
        Ok(BitbucketSession {
            destination: self.clone(),
            target: target.clone(),
            credential,
            refreshed: false,
        })
    }

    fn link(&self, target: &Target, tip: &str) -> Option<String> {
        let commit = CommitHash::parse(tip).ok()?;
        Some(
            self.shared
                .client
                .commit_web_url(&target.workspace, &target.repository, &commit)
                .to_string(),
        )
    }

    fn calls(&self) -> Vec<CallCount> {
        self.shared
            .client
            .calls()
            .snapshot()
            .into_iter()
            .map(|call| CallCount {
                method: call.method,
                status: call.status,
                count: call.count,
            })
            .collect()
    }
}

pub struct BitbucketSession<C: CredentialStore> {
    destination: BitbucketDestination<C>,
    target: Target,
    credential: Credential,
    /// An OAuth token Bitbucket refuses is refreshed once per session.
    refreshed: bool,
}

impl<C: CredentialStore> Session for BitbucketSession<C> {
    async fn tip(&mut self) -> Result<Option<String>, DeliveryError> {
        let target = &self.target;
        self.destination
            .client()
            .branch_tip(
                &self.credential,
                &target.workspace,
                &target.repository,
                &target.branch,
            )
            .await
            .map(|tip| tip.map(|hash| hash.as_str().to_owned()))
            .map_err(|error| classify(&error))
    }

    async fn holds(&mut self, tip: &str, path: &str, bytes: &[u8]) -> Result<bool, DeliveryError> {
        let tip =
            CommitHash::parse(tip).map_err(|error| DeliveryError::Failing(error.to_string()))?;
        let target = &self.target;
        match self
            .destination
            .client()
            .file(
                &self.credential,
                &target.workspace,
                &target.repository,
                &tip,
                path,
            )
            .await
        {
            Ok(Some(remote)) => Ok(remote == bytes),
            Ok(None) => Ok(false),
            Err(error) => Err(classify(&error)),
        }
    }

    async fn deliver(
        &mut self,
        parent: Option<&str>,
        batch: &Batch,
    ) -> Result<String, DeliveryError> {
        let parent = match parent {
            Some(parent) => Some(
                CommitHash::parse(parent)
                    .map_err(|error| DeliveryError::Failing(error.to_string()))?,
            ),
            None => None,
        };
        loop {
            let request = CommitRequest {
                workspace: self.target.workspace.clone(),
                repository: self.target.repository.clone(),
                branch: self.target.branch.clone(),
                parent: parent.clone(),
                author: batch.author.clone(),
                message: batch.message.clone(),
                files: batch.files.clone(),
                deletions: Vec::new(),
            };
            match self
                .destination
                .client()
                .commit_files(&self.credential, request)
                .await
            {
                Ok(hash) => return Ok(hash.as_str().to_owned()),
                Err(error)
                    if error.is_auth()
                        && !self.refreshed
                        && matches!(self.credential, Credential::OAuth { .. }) =>
                {
                    self.refreshed = true;
                    self.credential = self
                        .destination
                        .credential(
                            &self.target.team_id,
                            &self.target.account_id,
                            Some(&self.credential),
                        )
                        .await
                        .map_err(|error| DeliveryError::NeedsReauth(error.to_string()))?;
                }
                Err(error) => return Err(classify(&error)),
            }
        }
    }
}

/// What the engine does about a Bitbucket error: retry (network trouble, 5xx, 429, an answer it
/// could not read), re-read the tip (the branch moved), or stop until a person acts.
fn classify(error: &BitbucketError) -> DeliveryError {
    match error {
        BitbucketError::Conflict => DeliveryError::Conflict(error.to_string()),
        _ if error.is_retryable() || matches!(error, BitbucketError::BadResponse { .. }) => {
            DeliveryError::Passing(error.to_string())
        }
        _ if error.is_auth() => {
            DeliveryError::NeedsReauth(format!("{error}; re-authenticate the connected account"))
        }
        _ => DeliveryError::Failing(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitbucket::{AuthMethod, BitbucketConfig};

    /// No account is ever read in these tests: they cover what needs no credential.
    struct NoCredentials;

    impl CredentialStore for NoCredentials {
        async fn credential(&self, _: String, _: String) -> Result<Credential, CredentialError> {
            Err(CredentialError::AccountDeleted)
        }
        async fn store_refreshed(
            &self,
            _: String,
            _: String,
            _: Credential,
        ) -> Result<(), CredentialError> {
            Err(CredentialError::AccountDeleted)
        }
    }

    fn destination() -> BitbucketDestination<NoCredentials> {
        let client = BitbucketClient::new(BitbucketConfig::bitbucket_org()).unwrap();
        BitbucketDestination::new(client, NoCredentials)
    }

    fn target() -> Target {
        Target {
            team_id: "t".into(),
            account_id: "a".into(),
            workspace: "acme".into(),
            repository: "backups".into(),
            branch: "main".into(),
        }
    }

    #[test]
    fn errors_are_classified_by_what_the_engine_does_next() {
        assert!(matches!(
            classify(&BitbucketError::Conflict),
            DeliveryError::Conflict(_)
        ));
        for passing in [
            BitbucketError::RateLimited,
            BitbucketError::Server { status: 502 },
            BitbucketError::Unreachable {
                reason: "timed out".into(),
            },
            BitbucketError::BadResponse {
                detail: "not JSON".into(),
            },
        ] {
            assert_eq!(
                classify(&passing),
                DeliveryError::Passing(passing.to_string())
            );
        }
        let refused = BitbucketError::WrongCredential {
            method: AuthMethod::ApiToken,
        };
        assert_eq!(
            classify(&refused),
            DeliveryError::NeedsReauth(format!("{refused}; re-authenticate the connected account"))
        );
        let gone = BitbucketError::NotFound {
            what: "acme/backups".into(),
        };
        assert_eq!(classify(&gone), DeliveryError::Failing(gone.to_string()));
    }

    #[test]
    fn a_delivered_commit_links_to_its_page_and_bad_tips_are_refused() {
        let hash = "0123456789abcdef0123456789abcdef01234567";
        let destination = destination();
        assert_eq!(
            destination.link(&target(), hash).as_deref(),
            Some("https://bitbucket.org/acme/backups/commits/0123456789abcdef0123456789abcdef01234567")
        );
        assert!(destination.accepts_tip(hash));
        assert!(!destination.accepts_tip("not a hash"));
        assert_eq!(destination.link(&target(), "not a hash"), None);
    }

    #[tokio::test]
    async fn an_account_without_a_usable_credential_needs_reauthentication() {
        let error = destination().open(&target()).await.err().unwrap();
        assert_eq!(
            error,
            DeliveryError::NeedsReauth(CredentialError::AccountDeleted.to_string())
        );
    }
}
