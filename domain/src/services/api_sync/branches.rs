//! The working branch: the repository's branches, switching (only with nothing unpushed, so
//! nothing Ferry holds is left behind on the old branch), and new branches from the working
//! branch's tip.

use super::{files, remote::Remote, ApiSync, ApiSyncError, PullOutcome};
use crate::{
    accounts::Actor,
    auth::Permission,
    store::api_sync::{ConnectionRow, NewLog},
    sync::CredentialStore,
};

impl<C: CredentialStore> ApiSync<'_, C> {
    /// The repository's branches by name (one call per page).
    pub async fn branches(&self, actor: &Actor, api_id: &str) -> Result<Vec<String>, ApiSyncError> {
        actor.require(crate::auth::Permission::ReadTeamData)?;
        let connection = self.connected(actor, api_id).await?;
        let remote = Remote::open(self, &connection, 1).await?;
        let mut branches = remote.branches().await?;
        remote.settle(self, &connection.account_id).await?;
        branches.sort();
        Ok(branches)
    }

    /// Makes `branch` the working branch and reads what it holds.
    pub async fn switch_branch(
        &self,
        actor: &Actor,
        api_id: &str,
        branch: &str,
    ) -> Result<PullOutcome, ApiSyncError> {
        actor.require(Permission::EditApis)?;
        let connection = self.connected(actor, api_id).await?;
        let branch = super::connect::checked_branch(branch)?;
        self.require_clean(&connection).await?;
        if connection.branch == branch {
            return self.pull_connection(&connection, false).await;
        }
        let remote = Remote::open(self, &connection, 1).await?;
        let exists = remote.tip(&branch).await?.is_some();
        remote.settle(self, &connection.account_id).await?;
        if !exists {
            return Err(super::field(
                "branch",
                format!(
                    "{}/{} has no branch {branch}; create it first",
                    connection.workspace, connection.repository
                ),
            ));
        }
        self.move_to(&connection, &branch, "Switched").await
    }

    /// Creates `name` at the working branch's tip; with `switch`, makes it the working branch.
    pub async fn create_branch(
        &self,
        actor: &Actor,
        api_id: &str,
        name: &str,
        switch: bool,
    ) -> Result<(), ApiSyncError> {
        actor.require(Permission::EditApis)?;
        let connection = self.connected(actor, api_id).await?;
        let name = super::connect::checked_branch(name)?;
        if switch {
            self.require_clean(&connection).await?;
        }
        let remote = Remote::open(self, &connection, 2).await?;
        let tip = remote.tip(&connection.branch).await?.ok_or_else(|| {
            ApiSyncError::Bitbucket(format!(
                "the working branch {} is gone; switch to another branch first",
                connection.branch
            ))
        })?;
        let created = remote.create_branch(&name, &tip).await;
        remote.settle(self, &connection.account_id).await?;
        created?;
        self.store
            .insert_api_sync_log(
                &connection.team_id,
                api_id,
                &NewLog {
                    direction: "branch",
                    commit_hash: Some(tip.as_str()),
                    files: Vec::new(),
                    outcome: "synced",
                    detail: format!("Created branch {name} from {}", connection.branch),
                },
            )
            .await?;
        if switch {
            self.move_to(&connection, &name, "Switched to the new")
                .await?;
        }
        Ok(())
    }

    async fn require_clean(&self, connection: &ConnectionRow) -> Result<(), ApiSyncError> {
        let conflicts = self
            .store
            .api_sync_conflicts(&connection.team_id, &connection.api_id)
            .await?;
        if !conflicts.is_empty() {
            return Err(ApiSyncError::Unresolved {
                count: conflicts.len(),
            });
        }
        if !files::local_changes(self.store, connection)
            .await?
            .is_empty()
        {
            return Err(ApiSyncError::LocalChanges);
        }
        Ok(())
    }

    /// Points the connection at `branch` (the base stays: what differs between the base and
    /// the new branch arrives as incoming changes) and pulls it.
    async fn move_to(
        &self,
        connection: &ConnectionRow,
        branch: &str,
        verb: &str,
    ) -> Result<PullOutcome, ApiSyncError> {
        let log = NewLog {
            direction: "branch",
            commit_hash: None,
            files: Vec::new(),
            outcome: "synced",
            detail: format!("{verb} branch {branch} (was {})", connection.branch),
        };
        if !self
            .store
            .set_api_branch(
                &connection.team_id,
                &connection.api_id,
                &connection.base_commit,
                branch,
                &log,
            )
            .await?
        {
            return Err(ApiSyncError::Bitbucket(
                "the API synced while the branch was being switched; try again".into(),
            ));
        }
        let moved = ConnectionRow {
            branch: branch.to_owned(),
            ..connection.clone()
        };
        self.pull_connection(&moved, false).await
    }
}
