//! The repository of one connection as API sync reads and writes it: the connected account's
//! credential (refreshed as backups refresh it) and every call counted against the account's
//! hourly budget, which backups share.

use std::sync::atomic::{AtomicU32, Ordering};

use super::{ApiSync, ApiSyncError};
use crate::{
    bitbucket::{
        BitbucketClient, CommitHash, CommitInfo, CommitRequest, Credential, FileChange, Hook,
        HookSpec, Tag, TreeEntry,
    },
    store::api_sync::ConnectionRow,
    sync::CredentialStore,
};

pub(super) struct Remote<'s> {
    client: &'s BitbucketClient,
    credential: Credential,
    workspace: String,
    repository: String,
    /// Calls taken from the budget up front, and calls made.
    taken: u32,
    made: AtomicU32,
}

impl<'s> Remote<'s> {
    /// Opens the connection's repository, taking `calls` from the account's budget first.
    pub async fn open<C: CredentialStore>(
        sync: &'s ApiSync<'_, C>,
        connection: &ConnectionRow,
        calls: u32,
    ) -> Result<Remote<'s>, ApiSyncError> {
        Self::for_repository(
            sync,
            &connection.team_id,
            &connection.account_id,
            &connection.workspace,
            &connection.repository,
            calls,
        )
        .await
    }

    pub async fn for_repository<C: CredentialStore>(
        sync: &'s ApiSync<'_, C>,
        team_id: &str,
        account_id: &str,
        workspace: &str,
        repository: &str,
        calls: u32,
    ) -> Result<Remote<'s>, ApiSyncError> {
        if let Err(wait) = sync.engine.take_budget(account_id, calls).await? {
            return Err(ApiSyncError::OverBudget(wait));
        }
        let destination = sync.engine.destination();
        let credential = destination
            .fresh_credential(team_id, account_id)
            .await
            .map_err(|error| match error {
                crate::sync::destination::bitbucket::CredentialError::AccountDeleted => ApiSyncError::NeedsReauth(
                    "its connected account was deleted; disconnect the API and connect it again with another account".into(),
                ),
                other => ApiSyncError::NeedsReauth(other.to_string()),
            })?;
        Ok(Remote {
            client: destination.client(),
            credential,
            workspace: workspace.to_owned(),
            repository: repository.to_owned(),
            taken: calls,
            made: AtomicU32::new(0),
        })
    }

    /// The calls made beyond those taken up front, to charge to the budget.
    pub fn extra_calls(&self) -> u32 {
        self.made.load(Ordering::Relaxed).saturating_sub(self.taken)
    }

    fn count(&self) {
        self.made.fetch_add(1, Ordering::Relaxed);
    }

    pub async fn tip(&self, branch: &str) -> Result<Option<CommitHash>, ApiSyncError> {
        self.count();
        Ok(self
            .client
            .branch_tip(&self.credential, &self.workspace, &self.repository, branch)
            .await?)
    }

    pub async fn branches(&self) -> Result<Vec<String>, ApiSyncError> {
        self.count();
        Ok(self
            .client
            .branches(&self.credential, &self.workspace, &self.repository)
            .await?
            .into_iter()
            .map(|branch| branch.name)
            .collect())
    }

    pub async fn file(
        &self,
        commit: &CommitHash,
        path: &str,
    ) -> Result<Option<Vec<u8>>, ApiSyncError> {
        self.count();
        Ok(self
            .client
            .file(
                &self.credential,
                &self.workspace,
                &self.repository,
                commit,
                path,
            )
            .await?)
    }

    pub async fn directory(
        &self,
        commit: &CommitHash,
        path: &str,
    ) -> Result<Vec<TreeEntry>, ApiSyncError> {
        self.count();
        Ok(self
            .client
            .directory(
                &self.credential,
                &self.workspace,
                &self.repository,
                commit,
                path,
            )
            .await?)
    }

    pub async fn diffstat(
        &self,
        from: &CommitHash,
        to: &CommitHash,
    ) -> Result<Vec<FileChange>, ApiSyncError> {
        self.count();
        Ok(self
            .client
            .diffstat(
                &self.credential,
                &self.workspace,
                &self.repository,
                from,
                to,
            )
            .await?)
    }

    pub async fn commit_info(&self, commit: &CommitHash) -> Result<CommitInfo, ApiSyncError> {
        self.count();
        Ok(self
            .client
            .commit(&self.credential, &self.workspace, &self.repository, commit)
            .await?)
    }

    /// One commit; a moved branch is [`ApiSyncError::BranchMoved`].
    pub async fn commit(
        &self,
        branch: &str,
        parent: Option<CommitHash>,
        author: String,
        message: String,
        files: Vec<(String, Vec<u8>)>,
        deletions: Vec<String>,
    ) -> Result<CommitHash, ApiSyncError> {
        self.count();
        let request = CommitRequest {
            workspace: self.workspace.clone(),
            repository: self.repository.clone(),
            branch: branch.to_owned(),
            parent,
            author,
            message,
            files,
            deletions,
        };
        match self.client.commit_files(&self.credential, request).await {
            Err(crate::bitbucket::BitbucketError::Conflict) => Err(ApiSyncError::BranchMoved {
                branch: branch.to_owned(),
            }),
            result => Ok(result?),
        }
    }

    pub async fn create_branch(&self, name: &str, at: &CommitHash) -> Result<(), ApiSyncError> {
        self.count();
        match self
            .client
            .create_branch(
                &self.credential,
                &self.workspace,
                &self.repository,
                name,
                at,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(crate::bitbucket::BitbucketError::AlreadyExists { .. }) => Err(super::field(
                "branch",
                format!("{name} exists already; choose another name, or switch to it"),
            )),
            Err(error) => Err(error.into()),
        }
    }

    pub async fn tags(&self) -> Result<Vec<Tag>, ApiSyncError> {
        self.count();
        Ok(self
            .client
            .tags(&self.credential, &self.workspace, &self.repository)
            .await?)
    }

    pub async fn create_tag(
        &self,
        name: &str,
        at: &CommitHash,
        message: &str,
    ) -> Result<(), ApiSyncError> {
        self.count();
        self.client
            .create_tag(
                &self.credential,
                &self.workspace,
                &self.repository,
                name,
                at,
                Some(message).filter(|message| !message.is_empty()),
            )
            .await?;
        Ok(())
    }

    pub async fn create_hook(&self, spec: &HookSpec) -> Result<Hook, ApiSyncError> {
        self.count();
        Ok(self
            .client
            .create_hook(&self.credential, &self.workspace, &self.repository, spec)
            .await?)
    }

    pub async fn delete_hook(&self, uuid: &str) -> Result<(), ApiSyncError> {
        self.count();
        Ok(self
            .client
            .delete_hook(&self.credential, &self.workspace, &self.repository, uuid)
            .await?)
    }

    /// Charges the calls made beyond those taken up front.
    pub async fn settle<C: CredentialStore>(
        &self,
        sync: &ApiSync<'_, C>,
        account_id: &str,
    ) -> Result<(), ApiSyncError> {
        let extra = self.extra_calls();
        if extra > 0 {
            sync.engine.charge_budget(account_id, extra).await?;
        }
        Ok(())
    }
}
